"""The built-in sections of the configuration document: workflows, rule sets, branding and the
GL mapping (products: config_products). Each exports the published versions and imports by
saving and publishing a new version through versioned.py, inside the import's transaction."""
import base64
import binascii

from sqlmodel import select

from domain.configuration import branding as brand_rules
from domain.config_document.document import ADDED, CHANGED, join, unknown_keys
from domain.db.branding_tables import BrandingVersion
from domain.db.origination_tables import RuleSetVersion
from domain.db.payment_tables import GlMappingVersion
from domain.db.workflow_tables import WorkflowVersion
from domain.kernel.errors import ValidationError
from domain.ledger.gl import GlMapping
from domain.audit import trail as audit
from domain.config_document import products_section as config_products, roles_section as roles_config
from domain.configuration import versioned
from domain.config_document.section import Section, keyed_diff
from domain.configuration.workflow import Workflow
from domain.origination.rulesets import parse

CODE_MAX = 40


def errors_of(e: ValidationError, prefix: str) -> list[tuple[str, str]]:
    return [(join(prefix, k), v) for k, v in e.errors.items()]


def coded_items(value, keys: tuple[str, ...], check) -> list[tuple[str, str]]:
    """A list of {code, ...} objects: shape, unique codes, then `check(i, item)` per item."""
    if not isinstance(value, list):
        return [("", "must be a list")]
    errors, seen = [], set()
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            errors.append((f"[{i}]", "must be an object"))
            continue
        errors += unknown_keys(item, keys, f"[{i}]")
        errors += [(f"[{i}].{k}", "is required") for k in keys if k not in item]
        code = item.get("code")
        if not isinstance(code, str) or not 1 <= len(code.strip()) <= CODE_MAX:
            errors.append((f"[{i}].code", f"must be text of 1 to {CODE_MAX} characters"))
        elif code in seen:
            errors.append((f"[{i}].code", f"{code} appears twice"))
        else:
            seen.add(code)
            errors += check(i, item)
    return errors


def _publish_new(s, model, entity, actor, code, definition, reason, column="definition"):
    version = versioned.next_version(s, model, code)
    versioned.add_draft(s, model, entity, actor, code, version, definition, column)
    versioned.publish(s, model, entity, actor, code, version, reason)
    return version


def _published(s, model):
    return list(s.exec(select(model).where(model.status == "published").order_by(model.code)))


# --- workflows ------------------------------------------------------------------------------
def _wf_norm(code, definition) -> dict:
    return Workflow.from_dict(code, 1, definition).to_dict()


def wf_snapshot(s) -> list[dict]:
    return [{"code": r.code, "definition": r.definition} for r in _published(s, WorkflowVersion)]


def wf_validate(s, value, sections) -> list[tuple[str, str]]:
    def check(i, item):
        try:
            _wf_norm(item["code"], item.get("definition"))
        except ValidationError as e:
            return errors_of(e, f"[{i}].definition")
        return []
    return coded_items(value, ("code", "definition"), check)


def _wf_items(value) -> dict:
    return {w["code"]: {"code": w["code"], "definition": _wf_norm(w["code"], w["definition"])}
            for w in value}


def wf_apply(s, actor, value, changes, reason) -> list[str]:
    todo, items = {c.key for c in changes if c.status in (ADDED, CHANGED)}, _wf_items(value)
    out = []
    for code in (c for c in items if c in todo):
        v = _publish_new(s, WorkflowVersion, "workflow", actor, code,
                         items[code]["definition"], reason)
        out.append(f"workflow {code} v{v}")
    return out


# --- rule sets ------------------------------------------------------------------------------
def _rs_norm(code, definition) -> dict:
    if not isinstance(definition, dict):
        raise ValidationError({"": "must be an object"})
    d = parse(code, 1, definition).to_dict()
    return {k: v for k, v in d.items() if k not in ("code", "version")}


def rs_snapshot(s) -> list[dict]:
    return [{"code": r.code, "definition": {k: v for k, v in r.definition.items()
                                            if k not in ("code", "version")}}
            for r in _published(s, RuleSetVersion)]


def rs_validate(s, value, sections) -> list[tuple[str, str]]:
    def check(i, item):
        extra = [k for k in ("code", "version") if isinstance(item.get("definition"), dict)
                 and k in item["definition"]]
        if extra:  # the item's code names it; versions are the target's own
            return [(f"[{i}].definition.{k}", "unknown key (the code is the item's; versions "
                     "are numbered by the importing database)") for k in extra]
        try:
            _rs_norm(item["code"], item.get("definition"))
        except ValidationError as e:
            return errors_of(e, f"[{i}].definition")
        return []
    return coded_items(value, ("code", "definition"), check)


def _rs_items(value) -> dict:
    return {r["code"]: {"code": r["code"], "definition": _rs_norm(r["code"], r["definition"])}
            for r in value}


def rs_apply(s, actor, value, changes, reason) -> list[str]:
    todo, items = {c.key for c in changes if c.status in (ADDED, CHANGED)}, _rs_items(value)
    out = []
    for code in items:
        if code in todo:
            version = versioned.next_version(s, RuleSetVersion, code)
            definition = parse(code, version, items[code]["definition"]).to_dict()
            versioned.add_draft(s, RuleSetVersion, "ruleset", actor, code, version, definition)
            versioned.publish(s, RuleSetVersion, "ruleset", actor, code, version, reason)
            out.append(f"rule set {code} v{version}")
    return out


# --- GL mapping (one per installation; null: the built-in default) ------------------------
def gl_snapshot(s):
    row = s.exec(select(GlMappingVersion).where(GlMappingVersion.code == "default",
                                                GlMappingVersion.status == "published")).first()
    return row.mapping if row else None


def gl_validate(s, value, sections) -> list[tuple[str, str]]:
    if value is None:
        return []
    try:
        GlMapping.from_dict(value)
    except ValidationError as e:
        return [("" if k == "mapping" else k, v) for k, v in e.errors.items()]
    return []


def _gl_items(value) -> dict:
    return {} if value is None else {"default": GlMapping.from_dict(value).to_dict()}


def gl_apply(s, actor, value, changes, reason) -> list[str]:
    if not any(c.status in (ADDED, CHANGED) for c in changes):
        return []
    v = _publish_new(s, GlMappingVersion, "gl_mapping", actor, "default",
                     _gl_items(value)["default"], reason, column="mapping")
    return [f"GL mapping v{v}"]


# --- branding (the published version; the logo as base64 with its SHA-256) -----------------
BRAND_KEYS, LOGO_KEYS = ("definition", "logo"), ("mime", "sha256", "base64")


def br_snapshot(s):
    row = s.exec(select(BrandingVersion).where(BrandingVersion.code == "default",
                                               BrandingVersion.status == "published")).first()
    if row is None:
        return None
    logo = None if row.logo is None else {
        "mime": row.logo_mime, "sha256": row.logo_sha256,
        "base64": base64.b64encode(bytes(row.logo)).decode("ascii")}
    return {"definition": row.definition, "logo": logo}


def _logo(value) -> brand_rules.Logo | None:
    """The checked logo of a branding value (ValidationError by path)."""
    logo = value.get("logo")
    if logo is None:
        return None
    if not isinstance(logo, dict):
        raise ValidationError({"logo": "must be an object with mime, sha256, base64, or null"})
    errors = dict(unknown_keys(logo, LOGO_KEYS, "logo"))
    try:
        content = base64.b64decode(str(logo.get("base64", "")), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({**errors, "logo.base64": "is not valid base64"}) from None
    try:
        checked = brand_rules.validate_logo(content)
    except ValidationError as e:
        raise ValidationError({**errors, "logo.base64": e.errors.get("logo", str(e))}) from None
    if logo.get("sha256") != checked.sha256:
        errors["logo.sha256"] = (f"does not match the logo's bytes (their SHA-256 is "
                                 f"{checked.sha256})")
    if logo.get("mime") != checked.mime:
        errors["logo.mime"] = f"must be {checked.mime} (what the bytes are)"
    if errors:
        raise ValidationError(errors)
    return checked


def br_validate(s, value, sections) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [("", "must be an object with definition and logo, or null")]
    errors = unknown_keys(value, BRAND_KEYS, "")
    definition = value.get("definition")
    if not isinstance(definition, dict):
        errors.append(("definition", "must be an object"))
    else:
        known = list(brand_rules.DEFAULT.to_dict())
        errors += unknown_keys(definition, known, "definition")
        try:
            brand_rules.parse(definition)
        except ValidationError as e:
            errors += errors_of(e, "definition")
    try:
        _logo(value)
    except ValidationError as e:
        errors += list(e.errors.items())
    return errors


def _br_items(value) -> dict:
    if value is None:
        return {}
    logo = _logo(value)
    return {"default": {"definition": brand_rules.parse(value["definition"]).to_dict(),
                        "logo": value.get("logo") and {"mime": logo.mime, "sha256": logo.sha256,
                                                       "base64": value["logo"]["base64"]}}}


def br_apply(s, actor, value, changes, reason) -> list[str]:
    if not any(c.status in (ADDED, CHANGED) for c in changes):
        return []
    old = s.exec(select(BrandingVersion).where(BrandingVersion.code == "default",
                                               BrandingVersion.status == "published")).first()
    definition, logo = brand_rules.parse(value["definition"]).to_dict(), _logo(value)
    version = versioned.next_version(s, BrandingVersion, "default")
    versioned.add_draft(s, BrandingVersion, "branding", actor, "default", version, definition)
    row = versioned.get(s, BrandingVersion, "branding", "default", version)
    if logo is not None:
        row.logo, row.logo_sha256, row.logo_mime = logo.content, logo.sha256, logo.mime
    s.add(row)
    versioned.publish(s, BrandingVersion, "branding", actor, "default", version, reason)
    audit.record(s, actor, "branding.changed", "branding", "default",
                 {**(old.definition if old else brand_rules.DEFAULT.to_dict()),
                  "version": old.version if old else 0,
                  "logo_sha256": old.logo_sha256 if old else None},
                 {**definition, "version": version, "logo_sha256": row.logo_sha256}, reason)
    return [f"branding v{version}"]


def _roles_items(value) -> dict:
    """Roles, organisations and the maker-checker settings as keyed items (permissions as a
    sorted list, so the same set in another order is unchanged)."""
    if not isinstance(value, dict):
        return {}
    out = {f"role {r['code']}": {"name": r["name"], "description": r.get("description", ""),
                                  "portal": r["portal"],
                                  "permissions": sorted(set(r["permissions"]))}
           for r in value.get("roles") or []}
    out.update({f"organisation {o['name']}": {"kind": o["kind"]}
                for o in value.get("organisations") or []})
    if value.get("approvals"):
        out["approvals"] = dict(sorted(value["approvals"].items()))
    return out


def _roles_apply(s, actor, value, changes, reason) -> list[str]:
    todo = roles_config.diff_from(roles_config.snapshot_in(s), value)
    if todo:
        roles_config.apply_in(s, actor, value, todo)
    return [f"roles: {len(todo)} value(s)"] if todo else []


SECTIONS: tuple[Section, ...] = (
    Section("workflows", wf_snapshot, wf_validate, keyed_diff(wf_snapshot, _wf_items), wf_apply),
    Section("rule_sets", rs_snapshot, rs_validate, keyed_diff(rs_snapshot, _rs_items), rs_apply),
    Section("gl_mapping", gl_snapshot, gl_validate, keyed_diff(gl_snapshot, _gl_items), gl_apply),
    Section("branding", br_snapshot, br_validate, keyed_diff(br_snapshot, _br_items), br_apply),
    config_products.SECTION,  # after the workflows and rule sets products name
    Section("roles", roles_config.snapshot_in,
            lambda s, value, sections: roles_config.validate(value),
            keyed_diff(roles_config.snapshot_in, _roles_items), _roles_apply),
)
"""Every section of the configuration document, in export and apply order."""
