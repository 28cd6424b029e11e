"""Portal branding as a value object: the lender's name, colours, support contact, legal footer
and disclosure texts, and the logo rules. Pure: no database, no Reflex.

White text sits on the primary colour (the header), so the primary colour must give white text
a WCAG 2 contrast ratio of at least 4.5:1 (level AA for normal text); a colour that does not is
refused with the ratio it has. The logo is decided from its bytes alone: PNG or JPEG, its
dimensions read from the image header, never from what the uploader says it is.
"""
import hashlib
import re
import struct
from dataclasses import asdict, dataclass, field

from domain.kernel.errors import ValidationError

NAME_MAX = 80
LEGAL_MAX = 1000
DISCLOSURE_MAX = 4000
DISCLOSURE_KEYS = ("autopay", "esign")
MIN_CONTRAST = 4.5
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 1024
PNG, JPEG = "image/png", "image/jpeg"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+() .\-]{7,25}$")


@dataclass(frozen=True)
class Branding:
    name: str = "Lendbook"
    primary: str = "#1d3557"
    accent: str = "#e63946"
    support_email: str = ""
    support_phone: str = ""
    legal: str = ""
    disclosures: dict = field(default_factory=dict)  # key in DISCLOSURE_KEYS -> text

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT = Branding()


def _channel(c: int) -> float:
    v = c / 255
    return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of #RRGGBB."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse(data: dict) -> Branding:
    """A Branding from form or JSON data, every field checked; ValidationError names each
    offending field (the contrast refusal gives the ratio)."""
    errors: dict[str, str] = {}
    text = {k: str(data.get(k) or "").strip() for k in
            ("name", "primary", "accent", "support_email", "support_phone", "legal")}
    if not text["name"]:
        errors["name"] = "is required"
    elif len(text["name"]) > NAME_MAX:
        errors["name"] = f"is {len(text['name'])} characters; the limit is {NAME_MAX}"
    for key in ("primary", "accent"):
        if not _HEX.match(text[key]):
            errors[key] = f"must be a colour as #RRGGBB (got {text[key]!r})"
        else:
            text[key] = text[key].lower()
    if "primary" not in errors:
        ratio = contrast("#ffffff", text["primary"])
        if ratio < MIN_CONTRAST:
            errors["primary"] = (f"white text on {text['primary']} has a contrast ratio of "
                                 f"{ratio:.2f}:1; at least {MIN_CONTRAST}:1 is needed "
                                 f"(choose a darker colour)")
    if text["support_email"] and not _EMAIL.match(text["support_email"]):
        errors["support_email"] = "is not an e-mail address"
    if text["support_phone"] and not _PHONE.match(text["support_phone"]):
        errors["support_phone"] = "is not a phone number (digits, spaces, + ( ) . -)"
    if len(text["legal"]) > LEGAL_MAX:
        errors["legal"] = f"is {len(text['legal'])} characters; the limit is {LEGAL_MAX}"
    raw = data.get("disclosures") or {}
    if not isinstance(raw, dict):
        errors["disclosures"] = "must be an object of texts"
        raw = {}
    disclosures = {}
    for key, value in raw.items():
        value = str(value or "").strip()
        if key not in DISCLOSURE_KEYS:
            errors[f"disclosures.{key}"] = f"unknown disclosure (known: {', '.join(DISCLOSURE_KEYS)})"
        elif len(value) > DISCLOSURE_MAX:
            errors[f"disclosures.{key}"] = (f"is {len(value)} characters; the limit is "
                                            f"{DISCLOSURE_MAX}")
        elif value:
            disclosures[key] = value
    if errors:
        raise ValidationError(errors)
    return Branding(disclosures=disclosures, **text)


@dataclass(frozen=True)
class Logo:
    mime: str
    width: int
    height: int
    sha256: str
    content: bytes


def _refuse(reason: str):
    raise ValidationError({"logo": reason})


def _png_size(b: bytes) -> tuple[int, int]:
    # signature (8), then the IHDR chunk: length (4), "IHDR", width (4), height (4)
    if len(b) < 24 or b[12:16] != b"IHDR":
        _refuse("is a PNG without a valid IHDR header")
    return struct.unpack(">II", b[16:24])


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(b: bytes) -> tuple[int, int]:
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            _refuse("is a JPEG with a broken marker sequence")
        marker = b[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", b[i + 2:i + 4])
        if marker in _SOF:
            if i + 9 > len(b):
                break
            height, width = struct.unpack(">HH", b[i + 5:i + 9])
            return width, height
        if marker in (0xD9, 0xDA):  # end of image, start of scan before any frame header
            break
        i += 2 + length
    _refuse("is a JPEG without a frame header (no dimensions)")


def validate_logo(content: bytes) -> Logo:
    """A PNG or JPEG by its magic bytes, at most LOGO_MAX_BYTES and LOGO_MAX_SIDE pixels a
    side (read from the image header). SVG, GIF and everything else is refused."""
    content = bytes(content)
    if not content:
        _refuse("is empty")
    if len(content) > LOGO_MAX_BYTES:
        _refuse(f"is {len(content) // 1024} KB; the limit is {LOGO_MAX_BYTES // 1024} KB")
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        mime, (w, h) = PNG, _png_size(content)
    elif content.startswith(b"\xff\xd8\xff"):
        mime, (w, h) = JPEG, _jpeg_size(content)
    else:
        _refuse("is not a PNG or JPEG image (judged by its bytes; SVG is not accepted)")
    if not (0 < w <= LOGO_MAX_SIDE and 0 < h <= LOGO_MAX_SIDE):
        _refuse(f"is {w}×{h} pixels; at most {LOGO_MAX_SIDE}×{LOGO_MAX_SIDE} is accepted")
    return Logo(mime, w, h, hashlib.sha256(content).hexdigest(), content)
