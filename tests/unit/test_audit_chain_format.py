"""The chain's documented format (docs/audit.md, "Hash chain"), rebuilt here by hand from its
description: a change to the serialisation would orphan every stored hash, so it must fail."""
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.audit.chain import GENESIS, content_sha, link_hash


def test_content_hash_is_sha256_of_the_documented_canonical_json():
    at = datetime(2026, 12, 2, 6, 20, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))
    row = audit.entry(Actor(7, "admin", "Zoë <z@x.test>"), "product.updated", "product", 42,
                      {"rate_bps": 1199, "name": "Old"}, {"rate_bps": 1099, "name": "Névé"},
                      "repricing", at)
    text = ('{"action":"product.updated","actor_id":7,"actor_label":"Zoë <z@x.test>",'
            '"after":{"name":"Névé","rate_bps":1099},"at":"2026-12-02T11:20:00.123456Z",'
            '"before":{"name":"Old","rate_bps":1199},"entity":"product","entity_id":"42",'
            '"reason":"repricing"}')
    assert row["content_sha"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert content_sha(row) == row["content_sha"]
    assert row["at"].tzinfo == timezone.utc and row["at"].hour == 11


def test_naive_times_are_utc_and_values_are_stored_as_json_hands_them_back():
    row = audit.entry(Actor(None, "admin", "system"), "x.y", "loan", 1, {1: (2, 3)}, None,
                      "", datetime(2026, 1, 1))
    assert row["before"] == {"1": [2, 3]} and row["after"] is None
    naive = dict(row, at=datetime(2026, 1, 1))  # as SQLite hands the stored time back
    assert content_sha(naive) == row["content_sha"]


def test_link_hash_is_sha256_of_the_documented_link_json():
    sha = "a" * 64
    text = f'{{"chain_seq":1,"content_sha":"{sha}","id":5,"prev_hash":"{GENESIS}"}}'
    assert link_hash(1, 5, GENESIS, sha) == hashlib.sha256(text.encode()).hexdigest()


def test_link_hash_written_out_equals_the_canonical_encoder():
    from domain.audit.chain import canonical
    for seq, rid, prev in ((1, 1, GENESIS), (123456789, 987654321, "ab" * 32)):
        sha = hashlib.sha256(str(seq).encode()).hexdigest()
        doc = canonical({"chain_seq": seq, "content_sha": sha, "id": rid, "prev_hash": prev})
        assert link_hash(seq, rid, prev, sha) == hashlib.sha256(doc).hexdigest()


def test_bulk_entries_hash_what_entry_hashes_and_hand_on_the_canonical_text():
    import json
    at = datetime(2026, 12, 2, 6, 20, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))
    actor = Actor(7, "servicer", 'Zoë "the" <z@x.test>')
    rows = [("loan.onboarded", "loan", "LN-000001", {"file": "a\tb.csv", "row": 2, "x": None,
                                                     "nested": {"b": [1, "é"], "a": True}}),
            ("user.created", "user", 12, {"email": "q@x.test", "role": "borrower"}),
            ("loan.onboarded", "loan", "LN-000002", None)]
    bulk = audit.bulk_entries(actor, rows, "opened\nfor a boarded loan", at)
    for got, (action, entity, entity_id, after) in zip(bulk, rows):
        one = audit.entry(actor, action, entity, entity_id, None, after,
                          "opened\nfor a boarded loan", at)
        assert got["content_sha"] == one["content_sha"] == content_sha(
            dict(got, after=json.loads(got["after"])))  # as verify reads the stored row back
        assert json.loads(got["after"]) == one["after"]
        assert {k: v for k, v in got.items() if k != "after"} == \
            {k: v for k, v in one.items() if k != "after"}
    try:
        audit.bulk_entries(actor, [("a", "b", 1, {"on": at.date()})])
    except TypeError:
        pass
    else:
        raise AssertionError("a date in a bulk audit row must be refused, not stored as text")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3), max_leaves=12)


@given(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=6) | JSON_VALUES)
def test_canonical_text_is_exactly_the_canonical_encoder(value):
    from domain.audit.chain import _CANONICAL, canonical_text
    assert canonical_text(value) == _CANONICAL.encode(value)


def test_canonical_text_refuses_what_json_cannot_hold():
    from datetime import date

    from domain.audit.chain import canonical_text
    with pytest.raises(TypeError, match="date is not JSON serializable"):
        canonical_text({"on": date(2026, 1, 1)})
