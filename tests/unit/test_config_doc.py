"""The configuration document's pure parts: envelope, YAML/JSON reading, paths, item diff."""
from datetime import datetime, timezone

import pytest

from domain.config_document import document as cd
from domain.kernel.errors import ValidationError

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_then_load_gives_the_same_sections(fmt):
    sections = {"products": [{"code": "A1", "settings": {"annual_rate": "9.5", "x": [1, 2]}}],
                "branding": None}
    text = cd.dump(sections, fmt, AT)
    doc = cd.load(text)
    assert doc == {"format": "lendbook-config", "version": 1,
                   "exported_at": "2026-01-02T03:04:05Z", "sections": sections}
    assert cd.load(text.encode()) == doc
    assert text.startswith('{\n  "format"' if fmt == "json" else "format: lendbook-config")


def test_envelope_errors_are_all_named():
    with pytest.raises(ValidationError) as e:
        cd.load("format: other\nversion: 2\nsections: 3\nextra: true\n")
    assert set(e.value.errors) == {"format", "version", "sections", "extra"}
    with pytest.raises(ValidationError) as e:
        cd.load(b"\xff\xfe")
    assert e.value.errors == {"(document)": "is not UTF-8 text"}
    with pytest.raises(ValidationError) as e:
        cd.load("a: b\n  - c: [\n")
    assert e.value.errors["(document)"].startswith("is not valid YAML or JSON at line")


def test_join_and_unknown_keys():
    assert cd.join("sections.products", "[2].settings.day_count") == \
        "sections.products[2].settings.day_count"
    assert cd.join("sections.branding", "definition.name") == "sections.branding.definition.name"
    assert cd.join("sections.gl_mapping", "") == "sections.gl_mapping"
    assert cd.unknown_keys({"a": 1, "b": 2}, ("a",), "[0]") == \
        [("[0].b", "unknown key (expected a)")]


def test_diff_items_by_status_and_field():
    current = {"A": {"rate": "1", "tags": ["x"]}, "B": {"rate": "2"}, "C": {"rate": "3"}}
    wanted = {"A": {"rate": "1", "tags": ["x", "y"]}, "B": {"rate": "2"}, "D": {"rate": "4"}}
    changes = {c.key: c for c in cd.diff_items(current, wanted)}
    assert changes["A"].status == cd.CHANGED and changes["A"].fields == (("tags[1]", None, "y"),)
    assert changes["B"].status == cd.UNCHANGED and changes["B"].fields == ()
    assert changes["C"].status == cd.REMOVED
    assert changes["D"].status == cd.ADDED and changes["D"].fields == (("rate", None, "4"),)
    assert cd.field_changes({"a": {"b": 1}}, {"a": {}}) == (("a.b", 1, None), ("a", None, {}))


@pytest.mark.parametrize("text", ['{"format": "lendbook-config", "format": "x"}',
                                  "sections: {}\nversion: 1\nversion: 1\n"])
def test_a_key_written_twice_is_refused(text):
    with pytest.raises(ValidationError) as e:
        cd.load(text)
    assert "appears twice" in e.value.errors["(document)"]
