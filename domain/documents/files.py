"""Uploaded documents: check what a file really is, and encrypt it before it is stored.

Borrowers upload pay stubs, IDs and statements. A filename or a browser's Content-Type is
whatever the sender says, so the type is decided from the bytes alone, and a file whose name
or declared type disagrees with its bytes is refused rather than stored under a false label.
Stored bytes are sealed with AES-256-GCM; the document id goes in as associated data so a blob
copied onto another record fails to decrypt instead of showing someone else's paperwork.
"""
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.settings import load

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAX_BYTES = 10 * 1024 * 1024
# Kinds people upload (agreements are generated); a product may require some before funding.
NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
# What browsers and phones actually send for the three types.
_DECLARED_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "image/x-png": PNG,
                     "application/x-pdf": PDF}
# Declared types that say nothing about the content (no claim to contradict).
_NO_CLAIM = {"", "application/octet-stream", "binary/octet-stream",
             "application/x-www-form-urlencoded"}
_MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
_TAIL = 1024  # PDF readers look for %%EOF within the last 1024 bytes

KEY_INFO = b"lendbook-documents-v1"
FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_SECRET_CHARS = 16


@dataclass(frozen=True)
class DocumentInfo:
    mime: str
    size: int
    sha256: str  # hex digest of the plaintext, for de-duplication and audit

    @property
    def extension(self) -> str:
        """The extension to serve the file under (from its real type, not its upload name)."""
        return {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}[self.mime]


def sniff(content: bytes) -> str | None:
    """MIME type from the leading magic bytes, or None for anything but PDF, JPEG or PNG."""
    head = bytes(content[:8])
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    return None


def validate_upload(filename: str, declared_type: str | None, content: bytes,
                    max_bytes: int = MAX_BYTES) -> DocumentInfo:
    """Accept a PDF, JPEG or PNG whose name, declared type and bytes all agree.

    Raises ValidationError({"file": reason}); nothing about the sender's labels is trusted."""
    content = bytes(content)
    size = len(content)
    if size == 0:
        _refuse("is empty")
    if size > max_bytes:
        _refuse(f"is too large ({_human(size)}); the limit is {_human(max_bytes)}")
    mime = sniff(content)
    if mime is None:
        _refuse("is not a PDF, JPEG or PNG file")
    name = NAMES[mime]
    ext = _extension(filename)
    if ext and EXTENSIONS.get(ext) != mime:
        _refuse(f"looks like a {name} but is named {ext}")
    declared = _declared(declared_type)
    if declared not in _NO_CLAIM and declared != mime:
        _refuse(f"looks like a {name} but was sent as {declared}")
    if not _well_formed(mime, content):
        _refuse(f"is not a valid {name} file (it may be damaged, cut short or renamed)")
    return DocumentInfo(mime, size, hashlib.sha256(content).hexdigest())


def _refuse(reason: str):
    raise ValidationError({"file": reason})


def _extension(filename) -> str:
    """Lower-case extension of the last path component ('' when there is none)."""
    base = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    ext = ext.strip().lower()
    return f".{ext}" if dot and stem.strip() and ext else ""


def _declared(declared_type) -> str:
    raw = str(declared_type or "").split(";", 1)[0].strip().lower()
    return _DECLARED_ALIASES.get(raw, raw)


def _well_formed(mime: str, content: bytes) -> bool:
    """Minimal structure beyond the magic bytes, so a text file given a fake header (or an
    upload cut short) is refused. Not a full parser: viewers run on the reader's side."""
    if mime == PDF:
        return b"%%EOF" in content[-_TAIL:]
    if mime == PNG:  # IHDR must be the first chunk, 13 bytes long; IEND closes the image
        return (content[8:16] == b"\x00\x00\x00\x0dIHDR" and len(content) >= 33
                and b"IEND" in content[33:])
    # JPEG: ends with the end-of-image marker (some cameras pad after it with zeros)
    return len(content) >= 4 and content.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")


def _human(n: int) -> str:
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= size:
            value = n / size  # display only; never money
            return f"{value:.0f} {unit}" if n % size == 0 else f"{value:.1f} {unit}"
    return f"{n} bytes"


class DocumentDecryptError(DomainError):
    """A stored blob failed authentication: altered, moved to another record, or wrong key."""


def document_aad(document_id: int | str) -> bytes:
    """The associated data that binds a blob to its document record."""
    return f"lendbook-document:{document_id}".encode()


class DocumentCipher:
    """AES-256-GCM with a key derived from the configured secret.

    Blob layout: 1-byte format version | 12-byte random nonce | ciphertext + 16-byte tag.
    The version byte is also authenticated, so a future format cannot be confused with this one.
    """

    def __init__(self, secret: str):
        if not isinstance(secret, str) or len(secret.strip()) < MIN_SECRET_CHARS:
            raise ValueError(f"the document key must be at least {MIN_SECRET_CHARS} characters")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=KEY_INFO).derive(secret.encode())
        self._aead = AESGCM(key)

    @classmethod
    def from_settings(cls, settings=None) -> "DocumentCipher":
        """The cipher for LENDBOOK_DOCUMENT_KEY (or the generated key in the data dir)."""
        if settings is None:
            settings = load()
        return cls(settings.document_key)

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, bytes(plaintext), FORMAT_VERSION + associated_data)
        return FORMAT_VERSION + nonce + sealed

    def decrypt(self, blob: bytes, associated_data: bytes) -> bytes:
        blob = bytes(blob)
        if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
            raise DocumentDecryptError("the stored document is truncated")
        if blob[:1] != FORMAT_VERSION:
            raise DocumentDecryptError(f"unknown document format version {blob[0]}")
        nonce, sealed = blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, sealed, FORMAT_VERSION + associated_data)
        except InvalidTag:
            raise DocumentDecryptError(
                "the stored document failed its integrity check: it was altered, belongs to "
                "another record, or the document key is wrong") from None
