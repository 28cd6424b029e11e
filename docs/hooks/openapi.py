"""mkdocs hook: the API reference page rendered from the OpenAPI document the app serves.

The document is produced by one function in the app, named once in SPEC below (a file path,
so moving the module is a one-line change here). The file is loaded on its own, without its
package's `__init__` (which would start importing the whole web app), in a subprocess of the
interpreter running mkdocs: the docs build's own process imports nothing of the app, and the
build reads nothing from the network. The hook adds two generated files to the site, nothing
under docs/: `api/partner-api.md` (paths, methods, summaries, parameters, request and answer
schemas, auth) and `api/openapi.json`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mkdocs.structure.files import File

SPEC = "portal/api/openapi.py:document"  # file:function returning the OpenAPI dict
PAGE = "api/partner-api.md"
JSON = "api/openapi.json"

_PRINT = """
import importlib.util, json, sys
path, func = sys.argv[1].rsplit(":", 1)
sys.path.insert(0, ".")
spec = importlib.util.spec_from_file_location("lendbook_openapi_document", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
json.dump(getattr(module, func)(), sys.stdout)
"""


def load_spec(root: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _PRINT, SPEC], cwd=root, capture_output=True,
                         text=True, timeout=120)
    if out.returncode:
        raise RuntimeError(f"docs/hooks/openapi.py: cannot produce the OpenAPI document "
                           f"from {SPEC}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def on_files(files, config):
    root = Path(config["config_file_path"]).parent
    spec = load_spec(root)
    files.append(File.generated(config, PAGE, content=render(spec)))
    files.append(File.generated(config, JSON, content=json.dumps(spec, indent=2) + "\n"))
    return files


# ---- rendering (pure) ----------------------------------------------------------------------

def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _link(name: str) -> str:
    return f"[`{name}`](#{name.lower()})"


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return _link(_ref_name(schema["$ref"]))
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " or ".join(_type(s) for s in schema[key])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    return f"`{kind}`" + (f" ({schema['format']})" if "format" in schema else "")


def _rules(schema: dict) -> str:
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join(f"`{v}`" for v in schema["enum"]))
    if "const" in schema:
        parts.append(f"always `{json.dumps(schema['const'])}`")
    for key, word in (("minimum", "≥"), ("maximum", "≤"), ("exclusiveMinimum", ">"),
                      ("exclusiveMaximum", "<")):
        if key in schema:
            parts.append(f"{word} {schema[key]}")
    for key, word in (("minLength", "length ≥"), ("maxLength", "length ≤"),
                      ("minItems", "items ≥"), ("maxItems", "items ≤")):
        if key in schema:
            parts.append(f"{word} {schema[key]}")
    if "pattern" in schema:
        parts.append(f"pattern `{schema['pattern']}`")
    if schema.get("additionalProperties") is False:
        parts.append("no other fields")
    if "description" in schema:
        parts.append(schema["description"])
    return "; ".join(parts)


def _rows(schema: dict, prefix: str = "") -> list[str]:
    """One row per property, nested objects (and arrays of objects) flattened to dotted paths."""
    rows, required = [], set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        rows.append(f"| `{path}` | {_type(prop)} | {'yes' if name in required else ''} | "
                    f"{_cell(_rules(prop))} |")
        inner = prop.get("items", {}) if prop.get("type") == "array" else prop
        if inner.get("properties"):
            rows += _rows(inner, f"{path}{'[]' if inner is not prop else ''}.")
    return rows


def render(spec: dict) -> str:
    info = spec.get("info", {})
    out = [f"# {info.get('title', 'API')}", "",
           f"OpenAPI {spec.get('openapi', '')}, version {info.get('version', '')}. "
           "Generated when the docs are built from the document the app serves at "
           "`GET /api/v1/openapi.json`; download it: [openapi.json](openapi.json).", "",
           info.get("description", ""), "", "## Authentication", ""]
    for name, scheme in spec.get("components", {}).get("securitySchemes", {}).items():
        how = scheme.get("scheme", scheme.get("type", ""))
        out.append(f"- `{name}`: {scheme.get('type', '')} {how} "
                   f"(`Authorization: Bearer <partner key>`)".rstrip())
    out += ["", "## Operations", ""]
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            out += [f"### {method.upper()} {path}", "", f"{op.get('summary', '')} "
                    f"(`{op.get('operationId', '')}`).", ""]
            auth = [k for s in op.get("security", []) for k in s]
            out += [f"Auth: {', '.join(f'`{a}`' for a in auth) if auth else 'none'}.", ""]
            params = op.get("parameters", [])
            if params:
                out += ["| Parameter | In | Required | Type | Rules |", "|---|---|---|---|---|"]
                out += [f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else ''} | "
                        f"{_type(p.get('schema', {}))} | {_cell(_rules({**p.get('schema', {}), **({'description': p['description']} if 'description' in p else {})}))} |"
                        for p in params]
                out.append("")
            body = op.get("requestBody")
            if body:
                for mime, content in body.get("content", {}).items():
                    out += [f"Request body ({mime}): {_type(content.get('schema', {}))}.", ""]
            out += ["| Status | Meaning | Body |", "|---|---|---|"]
            for status, answer in op.get("responses", {}).items():
                schemas = [_type(c.get("schema", {}))
                           for c in answer.get("content", {}).values()]
                out.append(f"| {status} | {_cell(answer.get('description', ''))} | "
                           f"{', '.join(schemas)} |")
            out.append("")
    out += ["## Schemas", ""]
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        out += [f"### {name}", ""]
        if schema.get("description"):
            out += [schema["description"], ""]
        rows = _rows(schema)
        if rows:
            out += ["| Field | Type | Required | Rules |", "|---|---|---|---|", *rows, ""]
        else:
            out += [f"{_type(schema)}. {_rules(schema)}", ""]
    return "\n".join(out) + "\n"
