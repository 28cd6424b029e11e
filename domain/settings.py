"""Configuration from environment variables, with safe defaults for a local checkout."""
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret(name: str, path: Path) -> str:
    """Use the env var if set, else a random secret kept in ./data so restarts keep sessions."""
    if os.environ.get(name):
        return os.environ[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    data_dir: Path

    @property
    def session_secret(self) -> str:
        return _secret("LENDBOOK_SESSION_SECRET", self.data_dir / "session.secret")

    @property
    def document_key(self) -> str:
        return _secret("LENDBOOK_DOCUMENT_KEY", self.data_dir / "document.key")


def load() -> Settings:
    data_dir = Path(os.environ.get("LENDBOOK_DATA_DIR", PROJECT_ROOT / "data"))
    default_db = f"sqlite:///{data_dir / 'lendbook.db'}"
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or default_db,
        redis_url=os.environ.get("REDIS_URL") or None,
        data_dir=data_dir,
    )
