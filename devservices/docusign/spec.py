"""Request/response shape checks against DocuSign's eSignature REST v2.1 OpenAPI definitions.

The fake server refuses any JSON body whose property names are not in the spec, so the adapter
cannot drift from DocuSign's wire format unnoticed. The spec file is read in place (it is never
copied into the project): by default from the `shared/` folder beside the checkout, or from the
path in LENDBOOK_DOCUSIGN_SPEC. When the file is absent the fake falls back to a built-in list
of the few property names the adapter uses, so the fake still runs in a bare checkout.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from domain.kernel import settings

DEFAULT_SPEC_PATH = (Path(__file__).resolve().parents[2].parent
                     / "shared" / "specs" / "docusign" / "esignature-v2.1.json")


def spec_path() -> Path:
    return settings.load().docusign_spec or DEFAULT_SPEC_PATH


# Used only when the spec file is absent: the property names the adapter sends and the fake
# returns, all present in eSignature v2.1 (the tests check this subset against the real spec).
def _props(*names: str, refs: dict[str, str] | None = None,
           arrays: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {n: {"type": "string"} for n in names}
    for n, ref in (refs or {}).items():
        out[n] = {"$ref": f"#/definitions/{ref}"}
    for n, ref in (arrays or {}).items():
        out[n] = {"type": "array", "items": {"$ref": f"#/definitions/{ref}"}}
    return {"type": "object", "properties": out}


FALLBACK_DEFINITIONS: dict[str, Any] = {
    "envelopeDefinition": _props("emailSubject", "emailBlurb", "status",
                                 refs={"recipients": "recipients"},
                                 arrays={"documents": "document"}),
    "document": _props("documentBase64", "documentId", "fileExtension", "name", "order"),
    "recipients": _props(arrays={"signers": "signer"}),
    "signer": _props("clientUserId", "email", "name", "recipientId", "routingOrder",
                     refs={"tabs": "tabs"}),
    "tabs": _props(arrays={"signHereTabs": "signHere"}),
    "signHere": _props("anchorIgnoreIfNotPresent", "anchorString", "anchorUnits",
                       "anchorXOffset", "anchorYOffset", "documentId", "pageNumber",
                       "recipientId", "tabLabel", "xPosition", "yPosition"),
    "recipientViewRequest": _props("authenticationMethod", "clientUserId", "email",
                                   "recipientId", "returnUrl", "userId", "userName"),
}


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)["definitions"]


def load_definitions(path: str | os.PathLike | None = None) -> tuple[dict[str, Any], str]:
    """(definitions, source): the spec's `definitions`, or the built-in fallback subset."""
    p = Path(path) if path else spec_path()
    if p.is_file():
        return _load(str(p)), str(p)
    if path:
        raise FileNotFoundError(f"eSignature spec not found at {p}")
    return FALLBACK_DEFINITIONS, "built-in subset (spec file absent)"


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def shape_errors(definitions: dict[str, Any], definition: str, value: Any,
                 where: str = "") -> list[str]:
    """Every property name in `value` (recursively) must exist in the spec definition; objects,
    arrays and scalars must sit where the spec puts them. Returns readable error strings."""
    here = where or "(root)"
    if definition not in definitions:
        return [f"{here}: definition '{definition}' is not in the spec"]
    if not isinstance(value, dict):
        return [f"{here}: expected an object ('{definition}')"]
    props = definitions[definition].get("properties", {})
    errors: list[str] = []
    for key, item in value.items():
        path = f"{where}.{key}" if where else key
        schema = props.get(key)
        if schema is None:
            errors.append(f"unknown property '{key}' at {here} "
                          f"(not in the eSignature v2.1 definition '{definition}')")
            continue
        errors.extend(_value_errors(definitions, schema, item, path))
    return errors


def _value_errors(definitions: dict[str, Any], schema: dict[str, Any], item: Any,
                  path: str) -> list[str]:
    if item is None:
        return []
    ref = _ref_name(schema)
    if ref:
        return shape_errors(definitions, ref, item, path)
    kind = schema.get("type")
    if kind == "array":
        if not isinstance(item, list):
            return [f"{path}: expected an array"]
        errors: list[str] = []
        for i, element in enumerate(item):
            errors.extend(_value_errors(definitions, schema.get("items", {}), element,
                                        f"{path}[{i}]"))
        return errors
    if kind == "object":
        return [] if isinstance(item, dict) else [f"{path}: expected an object"]
    if isinstance(item, (dict, list)):
        return [f"{path}: expected a {kind or 'scalar'} value"]
    return []


def property_paths(value: Any, where: str = "") -> list[str]:
    """Every property path in a JSON value, e.g. `recipients.signers[].tabs` (for tests)."""
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{where}.{k}" if where else k
            out.append(p)
            out.extend(property_paths(v, p))
    elif isinstance(value, list):
        for v in value:
            out.extend(property_paths(v, f"{where}[]"))
    return sorted(set(out))
