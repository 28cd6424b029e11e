"""Unit of work: one command, one transaction; any error rolls everything back."""
from sqlmodel import Session

from domain.db.engine import get_engine


class UnitOfWork:
    def __init__(self, url: str | None = None):
        self.url = url

    def __enter__(self) -> Session:
        self.session = Session(get_engine(self.url), expire_on_commit=False)
        return self.session

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
