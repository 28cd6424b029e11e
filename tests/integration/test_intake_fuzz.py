"""Malformed bodies against the real intake API (Starlette app, real database, real bureau
adapter), on SQLite and PostgreSQL: no body may produce a 5xx, every refusal has the published
error shape, and a refused request leaves no row behind in any table intake writes to.

Bodies are drawn from: any JSON value; the valid body (with a point-of-sale section or not)
with one field removed, retyped, replaced by a huge or unicode string, wrapped in whitespace,
or given an extra key; deep nesting; and bytes that are not JSON at all.
"""
import copy
import json
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.db.origination_tables import BureauPull, IdempotencyRecord
from domain.db.tables import AppUser, Application
from domain.db.uow import UnitOfWork
from tests.integration.helpers import count
from tests.integration.test_intake_api import api, post  # noqa: F401  (the fixture)

TABLES = (Application, AppUser, BureauPull, IdempotencyRecord)
POS = {"merchant": "Main Street Bikes", "item": "E-bike", "price": "6500.00",
       "down_payment": "500.00"}
STRICT = {"ssn_last4": r"[0-9]{4}", "postal_code": r"[0-9]{5}(-[0-9]{4})?",
          "date_of_birth": r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "phone": r"\+?[0-9 ()-]{7,20}"}

scalars = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([12.0, -0.0, 1e308])
           | st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=12), inner, max_size=4), max_leaves=12)
odd_text = st.one_of(
    st.text(min_size=1, max_size=300),  # any unicode, including surrogates' neighbours
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=5000),
    st.just("x" * 70_000),  # larger than the API's body limit
    st.sampled_from(["", " ", "\n", "\u0000", "\u202e", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "١٢٣٤", "1e3", "-1",
                     "NaN", "Infinity", "0x10", "12.345", "1_000", "９９９９"]))


def _paths(obj, prefix=()):
    """Every key path in the body, sections included."""
    for k, v in obj.items():
        yield prefix + (k,)
        if isinstance(v, dict):
            yield from _paths(v, prefix + (k,))


def _at(body, path):
    for p in path[:-1]:
        body = body[p]
    return body


@st.composite
def mutated(draw, valid: dict):
    body = copy.deepcopy(valid)
    if draw(st.booleans()):
        body["point_of_sale"] = dict(POS)
        body["amount"] = "6000.00"
    path = draw(st.sampled_from(sorted(_paths(body))))
    parent, name = _at(body, path), path[-1]
    how = draw(st.sampled_from(["drop", "json", "text", "spaced", "extra", "float-int"]))
    if how == "drop":
        del parent[name]
    elif how == "json":
        parent[name] = draw(json_values)
    elif how == "text":
        parent[name] = draw(odd_text)
    elif how == "spaced" and isinstance(parent[name], str):
        parent[name] = draw(st.sampled_from(["\n", " ", "\t", "\r\n"])).join(
            draw(st.sampled_from([("", parent[name]), (parent[name], ""),
                                  (parent[name], " x")])))
    elif how == "float-int" and isinstance(parent[name], int) and \
            not isinstance(parent[name], bool):
        parent[name] = draw(st.sampled_from([float(parent[name]), parent[name] + 0.5,
                                             str(parent[name])]))
    else:
        target = parent if isinstance(parent, dict) else body
        target[draw(st.text(min_size=1, max_size=20))] = draw(json_values)
    return body


def bodies(valid: dict):
    nested = st.integers(1, 32_000).map(lambda n: ("[" * n).encode() + b"]" * n)
    return st.one_of(
        mutated(valid), mutated(valid), mutated(valid),
        json_values.map(json.dumps),
        st.binary(max_size=300), nested,
        st.sampled_from([b"", b"\xff\xfe\x00", b"{", b'{"a":', b"null", "{\"é\": 1}".encode(
            "utf-16"), b'{"amount": 1e999999}', b"[" * 100_000]))


def counts(url):
    return tuple(count(url, t) for t in TABLES)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_malformed_body_gives_a_5xx_or_a_partial_record(api, data):  # noqa: F811
    body = data.draw(bodies(api["body"]), label="body")
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
    before = counts(api["url"])
    r = post(api, raw.encode() if isinstance(raw, str) else raw, key=f"fuzz-{uuid.uuid4()}")
    assert r.status_code < 500, r.text
    after = counts(api["url"])
    if r.status_code >= 400:
        errors = r.json()["errors"]
        assert errors and all(set(e) == {"field", "reason"} and isinstance(e["field"], str)
                              and isinstance(e["reason"], str) and e["reason"]
                              for e in errors), r.text
        assert after == before, f"refused ({r.status_code}) but rows changed: {r.text}"
        return
    assert r.status_code == 201, r.text
    applications, users, pulls, records = (a - b for a, b in zip(after, before))
    assert (applications, pulls, records) == (1, 1, 1) and users in (0, 1)
    with UnitOfWork(api["url"]) as s:  # what was accepted is whole and in its exact format
        app = s.get(Application, r.json()["application_id"])
        assert app.applicant and app.decision.get("reasons") is not None
        assert isinstance(app.term, int) and not isinstance(app.term, bool)
        fields = {**app.applicant, **app.applicant["address"]}
        for name, pattern in STRICT.items():
            assert re.fullmatch(pattern, fields[name]), (name, fields[name])


@pytest.mark.parametrize("raw", [b"[" * 30_000 + b"]" * 30_000, b'{"a": ' * 5000 + b"1" + b"}" * 5000])
def test_deeply_nested_json_is_refused_as_unreadable(api, raw):  # noqa: F811
    before = counts(api["url"])
    r = post(api, raw, key="deep")
    assert r.status_code in (400, 413), r.text
    assert counts(api["url"]) == before


@pytest.mark.parametrize("path,value,field", [
    (("applicant", "ssn_last4"), "4321\n", "applicant.ssn_last4"),
    (("applicant", "address", "postal_code"), "62701\n", "applicant.address.postal_code"),
    (("amount",), "6000.00\n", "amount")])
def test_a_trailing_newline_does_not_pass_a_pattern(api, path, value, field):  # noqa: F811
    """Found by the fuzz test: Python's `$` matched before a final newline."""
    body = copy.deepcopy(api["body"])
    _at(body, path)[path[-1]] = value
    before = counts(api["url"])
    r = post(api, body, key=f"nl-{field}")
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]]
    assert counts(api["url"]) == before


def test_a_whole_number_written_as_a_float_is_stored_as_an_integer(api):  # noqa: F811
    """Found by the fuzz test: JSON Schema counts 12.0 as an integer; it gave a 500."""
    body = {**api["body"], "term": 12.0}
    r = post(api, body, key="float-term")
    assert r.status_code == 201, r.text
    with UnitOfWork(api["url"]) as s:
        assert s.get(Application, r.json()["application_id"]).term == 12


@pytest.mark.parametrize("where", ["external_ref", "applicant.first_name", "purpose"])
def test_a_nul_character_is_refused_by_field_not_a_500(api, where):  # noqa: F811
    """Found by the fuzz above on PostgreSQL (which stores no U+0000 in text): a 500 and a
    bureau pull already made. Now the field is named and nothing is stored."""
    body = copy.deepcopy(api["body"])
    parent, _, leaf = where.rpartition(".")
    (body[parent] if parent else body)[leaf] = "Ana\x00"
    before = counts(api["url"])
    r = post(api, json.dumps(body).encode(), key=f"nul-{uuid.uuid4()}")
    assert r.status_code == 422, r.text
    assert {"field": where, "reason": "must not contain a NUL character (U+0000)"} in \
        r.json()["errors"]
    assert counts(api["url"]) == before
