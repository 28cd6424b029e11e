"""The configuration document (`lendbook config export/import`) as plain data: reading and
writing it as YAML or JSON, its SHA-256, the JSON paths errors are reported by, and the
field-level diff between what a database holds and what a document says. Pure: no database.

    {"format": "lendbook-config", "version": 1, "exported_at": "...", "sections": {...}}
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import yaml

from domain.kernel.errors import ValidationError

FORMAT, VERSION = "lendbook-config", 1
TOP_KEYS = ("format", "version", "exported_at", "sections")
MAX_BYTES = 5 * 1024 * 1024
ADDED, CHANGED, UNCHANGED, REMOVED = "added", "changed", "unchanged", "removed-not-applied"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_SAFE_LOADER):
    """Safe YAML that refuses a key written twice in one object (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ValidationError({"(document)": f"key {key!r} appears twice in one object "
                                                     f"(line {key_node.start_mark.line + 1})"})
            seen.add(key)
        return super().construct_mapping(node, deep)


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup is not None:
        raise ValidationError({"(document)": f"key {dup!r} appears twice in one object"})
    return dict(pairs)


def sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def dump(sections: dict, fmt: str = "yaml", exported_at: datetime | None = None) -> str:
    """The document text; keys keep their order (format and version first)."""
    if fmt not in ("yaml", "json"):
        raise ValidationError({"format": "must be yaml or json"})
    at = (exported_at or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc = {"format": FORMAT, "version": VERSION, "exported_at": at, "sections": sections}
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(doc, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def load(text: str | bytes) -> dict:
    """Parse YAML or JSON (JSON is YAML too) and check the envelope; ValidationError by path."""
    if len(text) > MAX_BYTES:
        raise ValidationError({"(document)": f"is larger than {MAX_BYTES // (1024 * 1024)} MB"})
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"(document)": "is not UTF-8 text"}) from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates) \
            if text.lstrip().startswith("{") else yaml.load(text, Loader=_Loader)
    except (ValueError, yaml.YAMLError) as e:
        where = getattr(e, "problem_mark", None) or getattr(e, "lineno", None)
        line = where.line + 1 if hasattr(where, "line") else where
        problem = getattr(e, "problem", None) or getattr(e, "msg", None)
        raise ValidationError({"(document)": "is not valid YAML or JSON" +
                               (f" at line {line}" if line else "") +
                               (f": {problem}" if problem else "")}) from None
    if not isinstance(doc, dict):
        raise ValidationError({"(document)": "must be an object with format, version, sections"})
    errors = {k: "unknown key (expected format, version, exported_at, sections)"
              for k in map(str, doc) if k not in TOP_KEYS}
    if doc.get("format") != FORMAT:
        errors["format"] = f"must be {FORMAT!r}"
    if doc.get("version") != VERSION:
        errors["version"] = f"must be {VERSION} (this Lendbook reads version {VERSION})"
    if not isinstance(doc.get("sections"), dict):
        errors["sections"] = "must be an object of sections"
    if errors:
        raise ValidationError(errors)
    return doc


def join(prefix: str, path: str) -> str:
    """A section's relative error path under its prefix: '[2].x', 'x' or '' (the value)."""
    if not path or path in ("(definition)", "(value)"):
        return prefix
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def unknown_keys(value: dict, allowed, path: str) -> list[tuple[str, str]]:
    return [(join(path, str(k)), f"unknown key (expected {', '.join(allowed)})")
            for k in value if k not in allowed]


@dataclass(frozen=True)
class Change:
    """One item of a section: added, changed (with its fields), unchanged or present here
    but absent from the document (removed-not-applied: an import never deletes)."""
    key: str
    status: str
    fields: tuple[tuple[str, object, object], ...] = field(default=())  # path, before, after


def flatten(value, path: str = "") -> dict[str, object]:
    """Leaf values by JSON path ('a.b[0].c'); empty containers are leaves."""
    if isinstance(value, dict) and value:
        out = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{path}[{i}]"))
        return out
    return {path: value}


def field_changes(before, after) -> tuple[tuple[str, object, object], ...]:
    a = flatten(before) if before is not None else {}
    b = flatten(after) if after is not None else {}
    paths = list(a) + [p for p in b if p not in a]
    return tuple((p, a.get(p), b.get(p)) for p in paths if a.get(p) != b.get(p) or
                 (p in a) != (p in b))


def diff_items(current: dict[str, object], wanted: dict[str, object]) -> list[Change]:
    """Keyed items of one section: what the database has against what the document says."""
    out = []
    for key, item in wanted.items():
        if key not in current:
            out.append(Change(key, ADDED, field_changes(None, item)))
        elif current[key] == item:
            out.append(Change(key, UNCHANGED))
        else:
            out.append(Change(key, CHANGED, field_changes(current[key], item)))
    out += [Change(key, REMOVED) for key in current if key not in wanted]
    return out
