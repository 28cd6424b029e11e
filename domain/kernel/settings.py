"""Configuration from environment variables, with safe defaults for a local checkout."""
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret(name: str, path: Path) -> str:
    """Use the env var if set, else a random secret kept in ./data so restarts keep sessions.

    Several backend workers may need it first at the same moment: the secret is written whole
    to a private temporary file and then linked into place, which fails if another process
    got there first (its secret is then used). No process reads a half-written file, and no
    process overwrites a secret another one already used (a document key, for instance)."""
    if os.environ.get(name):
        return os.environ[name]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process created it first: use theirs
        finally:
            os.unlink(tmp)
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
