"""COPY text built a column at a time is exactly the text `_pg` gives value by value: ints,
strings that need escaping or not, None, booleans, dates, timestamps, JSON, mixed columns."""
from datetime import date, datetime, timezone

from hypothesis import given, strategies as st

from domain.db.bulk_write import Json, _copy_text, _pg

VALUES = st.one_of(
    st.integers(), st.text(max_size=12), st.none(), st.booleans(), st.dates(),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.text(max_size=8).map(Json))


def by_value(rows) -> bytes:
    return ("\n".join("\t".join(map(_pg, r)) for r in rows) + "\n").encode()


@given(st.integers(1, 4).flatmap(lambda width: st.lists(
    st.tuples(*[VALUES] * width), min_size=1, max_size=6)))
def test_any_rows(rows):
    assert _copy_text(rows, False) == by_value(rows)


def test_uniform_columns_take_the_fast_paths_and_agree():
    now = datetime(2026, 12, 2, 15, 0, 0, 123456, tzinfo=timezone.utc)
    rows = [(k, f"name {k}", date(2026, 1, 1 + k), now, Json('{"a": 1}'), "tab\there" if k
             else "plain") for k in range(5)]
    text = _copy_text(rows, False)
    assert text == by_value(rows)
    assert b"tab\\there" in text and b"2026-12-02T15:00:00.123456+00:00" in text
