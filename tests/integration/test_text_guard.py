"""No text with a NUL character (U+0000) reaches the database (issue 17: PostgreSQL stores
none and answered with a 500; SQLite would store it): every ORM write is checked."""
import pytest
from sqlmodel import select

from domain.db.tables import Lender
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError


def test_text_with_a_nul_character_is_refused_by_field_on_every_write(fresh_db):
    url = fresh_db()
    with pytest.raises(ValidationError) as e:
        with UnitOfWork(url) as s:
            s.add(Lender(name="Bad\x00Name"))
    assert e.value.errors == {"name": "must not contain a NUL character (U+0000)"}
    with UnitOfWork(url) as s:
        assert s.exec(select(Lender)).all() == []
        s.add(Lender(name="Good Name"))
    with UnitOfWork(url) as s:
        assert [x.name for x in s.exec(select(Lender))] == ["Good Name"]
