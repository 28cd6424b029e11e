"""Branding validation: colours and the white-text contrast rule, sizes, and the logo judged
by its bytes (PNG or JPEG only, size and dimensions from the header)."""
import io

import pytest
from PIL import Image

from domain.configuration import branding
from domain.kernel.errors import ValidationError
from tests.images import jpeg_header, png

OK = {"name": "Acme Lending", "primary": "#1D3557", "accent": "#e63946",
      "support_email": "help@acme.test", "support_phone": "+1 (555) 010-0199",
      "legal": "Acme Lending LLC, NMLS 123456.", "disclosures": {"autopay": "You may cancel."}}


def refusal(data) -> dict:
    with pytest.raises(ValidationError) as e:
        branding.parse(data)
    return e.value.errors


def test_a_valid_branding_parses_and_lowercases_colours():
    b = branding.parse(OK)
    assert b.primary == "#1d3557" and b.name == "Acme Lending"
    assert b.disclosures == {"autopay": "You may cancel."}


@pytest.mark.parametrize("fg,bg,ratio", [("#ffffff", "#000000", 21.0),
                                          ("#ffffff", "#ffffff", 1.0),
                                          ("#ffffff", "#767676", 4.54)])
def test_contrast_ratios_match_wcag(fg, bg, ratio):
    assert branding.contrast(fg, bg) == pytest.approx(ratio, abs=0.01)


def test_a_light_primary_colour_is_refused_with_its_ratio():
    errors = refusal({**OK, "primary": "#ffcc00"})
    assert set(errors) == {"primary"}
    assert "1.51:1" in errors["primary"] and "4.5:1" in errors["primary"]


def test_the_contrast_threshold_is_4_5():
    branding.parse({**OK, "primary": "#767676"})  # 4.54:1: accepted
    assert "primary" in refusal({**OK, "primary": "#777777"})  # 4.48:1: refused


@pytest.mark.parametrize("value", ["1d3557", "#1d355", "#1d35577", "#gg0000", "red", ""])
def test_colours_must_be_hex(value):
    assert "#RRGGBB" in refusal({**OK, "accent": value})["accent"]


def test_sizes_and_contacts_are_checked_by_field():
    errors = refusal({**OK, "name": "x" * 81, "legal": "y" * 1001,
                      "disclosures": {"esign": "z" * 4001, "bogus": "t"},
                      "support_email": "nope", "support_phone": "call me"})
    assert set(errors) == {"name", "legal", "disclosures.esign", "disclosures.bogus",
                           "support_email", "support_phone"}
    assert "limit is 80" in errors["name"] and "limit is 1000" in errors["legal"]
    branding.parse({**OK, "name": "x" * 80, "legal": "y" * 1000,
                    "disclosures": {"esign": "z" * 4000}})
    assert refusal({**OK, "name": "  "}) == {"name": "is required"}


def _dims(logo):
    return logo.width, logo.height


def _full(logo):
    return logo.mime, logo.width, logo.height


def _pil(fmt: str, size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (29, 53, 87)).save(out, fmt)
    return out.getvalue()


def test_png_and_jpeg_logos_with_their_dimensions():
    logo = branding.validate_logo(png(30, 12))
    assert (logo.mime, logo.width, logo.height) == ("image/png", 30, 12)
    assert len(logo.sha256) == 64
    assert _dims(branding.validate_logo(jpeg_header(64, 32))) == (64, 32)
    assert _full(branding.validate_logo(_pil("JPEG"))) == ("image/jpeg", 40, 20)
    assert _full(branding.validate_logo(_pil("PNG"))) == ("image/png", 40, 20)
    progressive = io.BytesIO()
    Image.new("RGB", (50, 60)).save(progressive, "JPEG", progressive=True)
    assert _dims(branding.validate_logo(progressive.getvalue())) == (50, 60)


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not a PNG or JPEG"),
    (b"GIF89a" + b"\x00" * 20, "not a PNG or JPEG"),
    (b"%PDF-1.7\n", "not a PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, "IHDR"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "frame header"),
])
def test_other_bytes_are_refused(content, reason):
    with pytest.raises(ValidationError) as e:
        branding.validate_logo(content)
    assert reason in e.value.errors["logo"]


def test_logo_size_and_dimension_limits():
    with pytest.raises(ValidationError, match="1025×10"):
        branding.validate_logo(png(1025, 10))
    with pytest.raises(ValidationError, match="2000×2000"):
        branding.validate_logo(jpeg_header(2000, 2000))
    branding.validate_logo(png(1024, 1024))
    with pytest.raises(ValidationError, match="limit is 512 KB"):
        branding.validate_logo(png(4, 4) + b"\x00" * (512 * 1024))
