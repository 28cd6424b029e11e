"""Stripe's OpenAPI spec (spec3.json) and fixtures (fixtures3.json), read in place.

The files are never copied into the project: they are read from `../shared/specs/stripe/`
beside the checkout, or from the folder in LENDBOOK_STRIPE_SPEC_DIR. When they are absent the
fake still runs: requests are not validated (a warning says why) and objects are built without
the fixture's extra keys.

- `decode_form(text)` turns Stripe's form encoding (`a[b][0][c]=v`, `a[]=v`) into nested dicts.
- `StripeSpec.request_schema(method, path)` is the operation's form schema (POST) or a schema
  built from its query parameters (GET); `validate_params(spec, schema, params)` walks it
  generically (properties, additionalProperties, anyOf, enum, type, required, maxLength) and
  returns the params coerced to their types, or raises `ParamError` carrying Stripe's error body.
- `response_errors(spec, schema, value)` checks a response object against a component schema
  (types, nullability, enums, required keys; extra keys are allowed: the spec may be older).
"""
from __future__ import annotations

import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from domain.kernel import settings

log = logging.getLogger(__name__)

DEFAULT_SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "stripe"
DOC_URL = "https://stripe.com/docs/error-codes/"


def spec_dir() -> Path:
    return settings.load().stripe_spec_dir or DEFAULT_SPEC_DIR


class ParamError(Exception):
    """A request parameter Stripe would refuse: `body` is Stripe's error JSON (HTTP 400)."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
        if param is not None:
            error["param"] = param
        if code:
            error["code"] = code
            error["doc_url"] = DOC_URL + code.replace("_", "-")
        self.param = param or ""
        self.body = {"error": error}
        self.status = 400


def _join(path: str, key: str | int) -> str:
    return str(key) if not path else f"{path}[{key}]"


def decode_form(text: str) -> dict[str, Any]:
    """`a[b][0][c]=v&a[]=w` -> {"a": {"b": {"0": {"c": "v"}}, ...}}. Index segments stay dict
    keys (the schema decides what is an array); `[]` appends the next free index."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, _, rest = key.partition("[")
        segments = [head] + ([s for s in rest[:-1].split("][")] if rest.endswith("]") else
                             ([rest] if rest else []))
        node = root
        for i, segment in enumerate(segments):
            last = i == len(segments) - 1
            if segment == "":
                segment = str(len(node))
            if last:
                node[segment] = value
            else:
                child = node.get(segment)
                if not isinstance(child, dict):
                    child = node[segment] = {}
                node = child
    return root


class StripeSpec:
    """The loaded spec (or an empty stand-in when the file is absent)."""

    def __init__(self, document: dict[str, Any] | None, source: str):
        self.document = document or {}
        self.available = document is not None
        self.source = source
        self.schemas: dict[str, Any] = self.document.get("components", {}).get("schemas", {})

    def resolve(self, schema: Any) -> dict[str, Any]:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema if isinstance(schema, dict) else {}

    def component(self, name: str) -> dict[str, Any]:
        return self.resolve(self.schemas.get(name, {}))

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        return self.document.get("paths", {}).get(path, {}).get(method.lower())

    def request_schema(self, method: str, path: str) -> dict[str, Any] | None:
        op = self.operation(method, path)
        if op is None:
            return None
        if method.upper() == "GET" or "requestBody" not in op:
            params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
            return {"type": "object", "additionalProperties": False,
                    "properties": {p["name"]: p.get("schema", {}) for p in params},
                    "required": [p["name"] for p in params if p.get("required")]}
        content = op["requestBody"].get("content", {})
        return content.get("application/x-www-form-urlencoded", {}).get("schema")

    def response_schema(self, method: str, path: str) -> dict[str, Any] | None:
        op = self.operation(method, path) or {}
        ok = op.get("responses", {}).get("200", {})
        return ok.get("content", {}).get("application/json", {}).get("schema")


@lru_cache(maxsize=4)
def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=4)
def _spec_for(path: str) -> StripeSpec:
    p = Path(path)
    if not p.is_file():
        log.warning("Stripe spec not found at %s: requests to the fake Stripe are not validated",
                    p)
        return StripeSpec(None, f"absent ({p}): validation skipped")
    return StripeSpec(_read_json(str(p)), str(p))


def get_spec(folder: str | os.PathLike | None = None) -> StripeSpec:
    return _spec_for(str(Path(folder or spec_dir()) / "spec3.json"))


def get_fixtures(folder: str | os.PathLike | None = None) -> dict[str, Any]:
    """fixtures3.json's `resources` (object name -> example), or {} when absent."""
    p = Path(folder or spec_dir()) / "fixtures3.json"
    if not p.is_file():
        log.warning("Stripe fixtures not found at %s: fake objects carry only the fields the "
                    "fake sets", p)
        return {}
    return _read_json(str(p)).get("resources", {})


# ---------------------------------------------------------------------------------------------
# request validation


def validate_params(spec: StripeSpec, schema: dict[str, Any] | None,
                    params: dict[str, Any]) -> dict[str, Any]:
    """Params coerced to the schema's types (`""` that unsets stays `""`); raises ParamError."""
    if not spec.available or schema is None:
        return params
    return _coerce(spec, schema, params, "")


def _kind(value: Any) -> str:
    return "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "scalar"


def _coerce(spec: StripeSpec, schema: dict[str, Any], value: Any, path: str) -> Any:
    schema = spec.resolve(schema)
    if "anyOf" in schema:
        failures: list[ParamError] = []
        for branch in schema["anyOf"]:
            try:
                return _coerce(spec, branch, value, path)
            except ParamError as e:
                failures.append(e)
        # the most specific complaint: the deepest parameter named
        raise max(failures, key=lambda e: len(e.param))
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    enum = schema.get("enum")
    if value == "":
        if (enum and "" in enum) or (kind == "string" and not enum):
            return ""
        raise ParamError(
            f"You passed an empty string for '{path}'. We assume empty values are an attempt "
            f"to unset a parameter; however '{path}' cannot be unset. You should remove "
            f"'{path}' from your request or supply a non-empty value.",
            path, "parameter_invalid_empty")
    if kind == "object":
        if not isinstance(value, dict):
            raise ParamError(f"Invalid hash for {path}", path)
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out: dict[str, Any] = {}
        for key, item in value.items():
            where = _join(path, key)
            if key in props:
                out[key] = _coerce(spec, props[key], item, where)
            elif isinstance(extra, dict):
                out[key] = _coerce(spec, extra, item, where)
            elif extra is True:
                out[key] = item
            else:
                raise ParamError(f"Received unknown parameter: {where}", where,
                                 "parameter_unknown")
        for name in schema.get("required", []):
            if name not in value:
                where = _join(path, name)
                raise ParamError(f"Missing required param: {where}.", where, "parameter_missing")
        return out
    if kind == "array":
        if isinstance(value, dict) and all(k.isdigit() for k in value):
            value = [value[k] for k in sorted(value, key=int)]
        if not isinstance(value, list):
            raise ParamError(f"Invalid array for {path}", path)
        items = schema.get("items", {})
        return [_coerce(spec, items, v, _join(path, i)) for i, v in enumerate(value)]
    if _kind(value) != "scalar":
        raise ParamError(f"Invalid {kind or 'value'} for {path}: an {_kind(value)} was given",
                         path)
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise ParamError(f"Invalid integer: {value}", path, "parameter_invalid_integer")
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            raise ParamError(f"Invalid decimal: {value}", path)
    if kind == "boolean":
        if value in ("true", "false"):
            return value == "true"
        raise ParamError(f"Invalid boolean: {value}", path)
    if enum and value not in enum:
        raise ParamError(f"Invalid {path}: must be one of {', '.join(map(str, enum))}", path)
    limit = schema.get("maxLength")
    if limit and len(value) > limit:
        raise ParamError(f"Invalid string: {value[:20]}...; must be at most {limit} characters",
                         path)
    return value


# ---------------------------------------------------------------------------------------------
# response checks (tests)


def response_errors(spec: StripeSpec, schema: dict[str, Any] | str, value: Any,
                    path: str = "") -> list[str]:
    """Where `value` departs from the schema (a component name or a schema): wrong types, a null
    where the spec says not nullable, an enum value the spec does not list, a missing required
    key. Keys the spec does not list are allowed (the fixtures are newer than the spec)."""
    if isinstance(schema, str):
        schema = spec.component(schema)
    schema = spec.resolve(schema)
    here = path or "(root)"
    if value is None:
        return [] if schema.get("nullable") else [f"{here}: null but not nullable"]
    if "anyOf" in schema:
        results = [response_errors(spec, b, value, path) for b in schema["anyOf"]]
        return [] if any(not r for r in results) else min(results, key=len)
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{here}: expected an object"]
        errors = [f"{here}: lacks required '{k}'" for k in schema.get("required", [])
                  if k not in value]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key) if key in props else (extra if isinstance(extra, dict) else None)
            if sub is not None:
                errors.extend(response_errors(spec, sub, item, f"{path}.{key}" if path else key))
        return errors
    if kind == "array":
        if not isinstance(value, list):
            return [f"{here}: expected an array"]
        return [e for i, v in enumerate(value)
                for e in response_errors(spec, schema.get("items", {}), v, f"{path}[{i}]")]
    checks = {"string": lambda v: isinstance(v, str),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "boolean": lambda v: isinstance(v, bool)}
    if kind in checks and not checks[kind](value):
        return [f"{here}: expected {kind}, got {type(value).__name__}"]
    if schema.get("enum") and value not in schema["enum"]:
        return [f"{here}: {value!r} is not one of {schema['enum']}"]
    return []
