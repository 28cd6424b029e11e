"""Alembic, driven from code so the CLI, `make run` and the tests migrate the same way."""
from pathlib import Path

from alembic import command
from alembic.config import Config

from domain.kernel import settings
from domain.db.engine import ensure_sqlite_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or settings.load().database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    ensure_sqlite_dir(url or settings.load().database_url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
