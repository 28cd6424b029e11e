"""The document storage port: where encrypted document blobs live. The domain asks `current()`
for the adapter the composition root installed; without one (the CLI, tests) it is the local
folder under the data directory. An S3-compatible bucket is another adapter of the same three
methods, chosen by configuration at the composition root."""
import os
import tempfile
from pathlib import Path
from typing import Protocol

from domain.kernel import settings


class DocumentStorage(Protocol):
    def put(self, key: str, blob: bytes) -> None:
        """Store `blob` under `key` whole (a reader never sees part of it)."""

    def get(self, key: str) -> bytes:
        """The blob stored under `key`; KeyError when there is none."""

    def exists(self, key: str) -> bool: ...


class LocalFolder:
    """Blobs as files of one folder (mode 600), written to a temporary name and renamed."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or key.startswith("."):
            raise ValueError(f"not a storage key: {key!r}")
        return self.folder / key

    def put(self, key: str, blob: bytes) -> None:
        path = self._path(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{key}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


class InMemory:
    """A dict: for tests that are not about where blobs live."""

    def __init__(self):
        self.blobs: dict[str, bytes] = {}

    def put(self, key: str, blob: bytes) -> None:
        self.blobs[key] = bytes(blob)

    def get(self, key: str) -> bytes:
        return self.blobs[key]

    def exists(self, key: str) -> bool:
        return key in self.blobs


_installed: DocumentStorage | None = None


def install(storage: DocumentStorage | None) -> None:
    """The composition root sets the adapter once at start-up (None: back to the default)."""
    global _installed
    _installed = storage


def current() -> DocumentStorage:
    return _installed or LocalFolder(settings.load().data_dir / "documents")
