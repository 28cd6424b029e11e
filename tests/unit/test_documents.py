"""Uploads are typed by their bytes, refused when labels lie, and sealed with AES-256-GCM."""
import base64
import hashlib
import struct
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from domain.documents.files import (
    JPEG,
    MAX_BYTES,
    PDF,
    PNG,
    DocumentCipher,
    DocumentDecryptError,
    document_aad,
    sniff,
    validate_upload,
)
from domain.kernel.errors import ValidationError

SECRET = "test-document-key-0123456789abcdef"

# A real 2x2 JPEG (written by Pillow once; embedded so the test needs no image library).
REAL_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAACAAIDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAEC"
    "AwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2Jy"
    "ggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWW"
    "l5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEB"
    "AQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEI"
    "FEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3"
    "eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq"
    "8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDHooorhPqD/9k=")
REAL_PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(width=1, height=1) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw))
            + _chunk(b"IEND", b""))


REAL_PNG = _png()


def _reason(exc: pytest.ExceptionInfo) -> str:
    assert set(exc.value.errors) == {"file"}
    return exc.value.errors["file"]


# --- sniff ---------------------------------------------------------------------------------

@pytest.mark.parametrize("content, mime", [(REAL_PDF, PDF), (REAL_JPEG, JPEG), (REAL_PNG, PNG)])
def test_sniff_reads_magic_bytes(content, mime):
    assert sniff(content) == mime


@pytest.mark.parametrize("content", [b"", b"%PD", b"hello world", b"GIF89a....", b"PK\x03\x04",
                                     b"\x89PNG\r\n", b" %PDF-1.4"])
def test_sniff_unknown_is_none(content):
    assert sniff(content) is None


# --- validate_upload: accepted -------------------------------------------------------------

@pytest.mark.parametrize("filename, declared, content, mime", [
    ("statement.pdf", "application/pdf", REAL_PDF, PDF),
    ("ID Card.JPG", "image/jpeg", REAL_JPEG, JPEG),
    ("photo.jpeg", "image/jpg", REAL_JPEG, JPEG),
    ("C:\\Users\\me\\scan.png", "image/png; charset=binary", REAL_PNG, PNG),
    ("paystub", "application/octet-stream", REAL_PDF, PDF),
    ("paystub.pdf", None, REAL_PDF, PDF),
])
def test_each_type_accepted(filename, declared, content, mime):
    info = validate_upload(filename, declared, content)
    assert info.mime == mime
    assert info.size == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()


def test_extension_follows_real_type():
    assert validate_upload("a.jpeg", "image/jpeg", REAL_JPEG).extension == ".jpg"


def test_jpeg_padding_after_end_marker_is_tolerated():
    assert validate_upload("a.jpg", "image/jpeg", REAL_JPEG + b"\x00" * 16).mime == JPEG


# --- validate_upload: refused --------------------------------------------------------------

def test_empty_refused():
    with pytest.raises(ValidationError) as e:
        validate_upload("a.pdf", "application/pdf", b"")
    assert _reason(e) == "is empty"


def test_size_limit():
    big = b"%PDF-1.4\n" + b"0" * (MAX_BYTES - 14) + b"%%EOF\n"
    assert len(big) == MAX_BYTES + 1
    with pytest.raises(ValidationError) as e:
        validate_upload("big.pdf", "application/pdf", big)
    assert _reason(e).startswith("is too large")
    assert "10 MiB" in _reason(e)
    exact = b"%PDF-1.4\n" + b"0" * (MAX_BYTES - 15) + b"%%EOF\n"
    assert len(exact) == MAX_BYTES
    assert validate_upload("ok.pdf", "application/pdf", exact).size == MAX_BYTES


def test_custom_limit():
    with pytest.raises(ValidationError) as e:
        validate_upload("a.png", "image/png", REAL_PNG, max_bytes=10)
    assert _reason(e) == f"is too large ({len(REAL_PNG)} bytes); the limit is 10 bytes"


@pytest.mark.parametrize("content", [b"just some text\n", b"GIF89a\x01\x00", b"PK\x03\x04zip"])
def test_unknown_type_refused(content):
    with pytest.raises(ValidationError) as e:
        validate_upload("file.pdf", "application/pdf", content)
    assert _reason(e) == "is not a PDF, JPEG or PNG file"


@pytest.mark.parametrize("filename, content, reason", [
    ("scan.pdf", REAL_PNG, "looks like a PNG but is named .pdf"),
    ("scan.png", REAL_JPEG, "looks like a JPEG but is named .png"),
    ("scan.jpg", REAL_PDF, "looks like a PDF but is named .jpg"),
    ("invoice.pdf.exe", REAL_PDF, "looks like a PDF but is named .exe"),
    ("notes.TXT", REAL_PNG, "looks like a PNG but is named .txt"),
])
def test_renamed_files_refused(filename, content, reason):
    with pytest.raises(ValidationError) as e:
        validate_upload(filename, None, content)
    assert _reason(e) == reason


@pytest.mark.parametrize("declared, content, reason", [
    ("application/pdf", REAL_PNG, "looks like a PNG but was sent as application/pdf"),
    ("image/png", REAL_JPEG, "looks like a JPEG but was sent as image/png"),
    ("text/html", REAL_PDF, "looks like a PDF but was sent as text/html"),
])
def test_contradicting_declared_type_refused(declared, content, reason):
    with pytest.raises(ValidationError) as e:
        validate_upload("upload", declared, content)
    assert _reason(e) == reason


@pytest.mark.parametrize("filename, content", [
    ("fake.pdf", b"%PDF-1.7\nthis is really a text file\n"),
    ("fake.png", b"\x89PNG\r\n\x1a\nthis is really a text file with a forged header"),
    ("fake.jpg", b"\xff\xd8\xff\xe0 this is really a text file"),
    ("cut.png", REAL_PNG[:-12]),  # IEND missing: the upload was cut short
    ("cut.jpg", REAL_JPEG[:-2]),
])
def test_forged_header_refused(filename, content):
    with pytest.raises(ValidationError) as e:
        validate_upload(filename, None, content)
    assert _reason(e).startswith("is not a valid ")
    assert "damaged" in _reason(e)


# --- property: random bytes never crash ----------------------------------------------------

_PREFIXES = st.sampled_from([b"", b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n",
                             b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"])
_SUFFIXES = st.sampled_from([b"", b"%%EOF", b"\xff\xd9", b"IEND"])


@settings(max_examples=300, deadline=None)
@given(prefix=_PREFIXES, body=st.binary(max_size=200), suffix=_SUFFIXES,
       filename=st.text(max_size=30), declared=st.one_of(st.none(), st.text(max_size=30)))
def test_random_bytes_never_crash(prefix, body, suffix, filename, declared):
    content = prefix + body + suffix
    assert sniff(content) in (None, PDF, JPEG, PNG)
    try:
        info = validate_upload(filename, declared, content, max_bytes=150)
    except ValidationError as e:
        assert set(e.errors) == {"file"}
    else:
        assert info.mime == sniff(content)
        assert 0 < info.size <= 150


# --- encryption at rest --------------------------------------------------------------------

def test_round_trip():
    cipher = DocumentCipher(SECRET)
    blob = cipher.encrypt(REAL_PDF, document_aad(42))
    assert blob[:1] == b"\x01"
    assert REAL_PDF not in blob
    assert len(blob) == 1 + 12 + len(REAL_PDF) + 16
    assert cipher.decrypt(blob, document_aad(42)) == REAL_PDF
    assert DocumentCipher(SECRET).decrypt(blob, document_aad(42)) == REAL_PDF  # same key


def test_nonce_is_fresh_each_time():
    cipher = DocumentCipher(SECRET)
    assert cipher.encrypt(b"same", b"id") != cipher.encrypt(b"same", b"id")


def test_empty_plaintext_round_trips():
    cipher = DocumentCipher(SECRET)
    assert cipher.decrypt(cipher.encrypt(b"", b"id"), b"id") == b""


@pytest.mark.parametrize("position", [1, 5, 13, 20, -1])
def test_tampering_detected(position):
    cipher = DocumentCipher(SECRET)
    blob = bytearray(cipher.encrypt(REAL_PNG, document_aad(7)))
    blob[position] ^= 0x01
    with pytest.raises(DocumentDecryptError, match="integrity check"):
        cipher.decrypt(bytes(blob), document_aad(7))


def test_version_byte_checked():
    cipher = DocumentCipher(SECRET)
    blob = b"\x02" + cipher.encrypt(REAL_PNG, b"d")[1:]
    with pytest.raises(DocumentDecryptError, match="format version 2"):
        cipher.decrypt(blob, b"d")


def test_truncated_blob_refused():
    with pytest.raises(DocumentDecryptError, match="truncated"):
        DocumentCipher(SECRET).decrypt(b"\x01" + b"\x00" * 20, b"d")


def test_wrong_key_refused():
    blob = DocumentCipher(SECRET).encrypt(REAL_JPEG, document_aad(1))
    with pytest.raises(DocumentDecryptError, match="key is wrong"):
        DocumentCipher(SECRET + "x").decrypt(blob, document_aad(1))


def test_swapped_associated_data_refused():
    cipher = DocumentCipher(SECRET)
    blob_for_1 = cipher.encrypt(REAL_JPEG, document_aad(1))
    with pytest.raises(DocumentDecryptError, match="another record"):
        cipher.decrypt(blob_for_1, document_aad(2))


@pytest.mark.parametrize("secret", ["", "short", "   " * 10])
def test_weak_secret_refused(secret):
    with pytest.raises(ValueError, match="at least 16"):
        DocumentCipher(secret)


def test_from_settings_uses_document_key(tmp_path, monkeypatch):
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LENDBOOK_DOCUMENT_KEY", raising=False)
    blob = DocumentCipher.from_settings().encrypt(b"x", b"d")
    assert (tmp_path / "document.key").exists()
    key = (tmp_path / "document.key").read_text().strip()
    assert DocumentCipher(key).decrypt(blob, b"d") == b"x"
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", SECRET)
    assert DocumentCipher(SECRET).decrypt(DocumentCipher.from_settings().encrypt(b"y", b"d"),
                                          b"d") == b"y"


def test_generated_key_is_one_key_however_many_workers_need_it_first(tmp_path, monkeypatch):
    """Several backend workers may store their first document at the same moment: all must
    end up with the key in the file (a document encrypted with another is unreadable), and
    none may read a key file still being written."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from domain.kernel import settings

    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LENDBOOK_DOCUMENT_KEY", raising=False)
    barrier = threading.Barrier(16)

    def first_use(_):
        barrier.wait()
        return settings.load().document_key

    for attempt in range(5):
        (tmp_path / "data" / "document.key").unlink(missing_ok=True)
        with ThreadPoolExecutor(16) as pool:
            keys = set(pool.map(first_use, range(16)))
        stored = (tmp_path / "data" / "document.key").read_text().strip()
        assert keys == {stored} and len(stored) >= 48, (attempt, keys)
    assert (tmp_path / "data" / "document.key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["document.key"]
