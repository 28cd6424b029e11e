"""Configuration as data on SQLite and PostgreSQL: an export imported into a fresh database
exports back identically; a broken import and a dry run change no row; an import adds new
published versions (audited with the document's SHA-256) and leaves earlier versions alone."""
import copy

import pytest
import yaml
from sqlalchemy import func
from sqlmodel import select

from domain.config_document import document as config_doc
from domain.db.branding_tables import BrandingVersion
from domain.db.origination_tables import RuleSetVersion
from domain.db.payment_tables import GlMappingVersion
from domain.db.tables import AuditLog, Product, ProductVersion
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import WorkflowVersion
from domain.kernel.errors import PermissionDenied, ValidationError
from domain.ledger.gl import DEFAULT as GL_DEFAULT
from domain.config_document import export_import as config_io
from domain.configuration import branding_versions as branding
from domain.ledger import gl_mapping
from domain.configuration import workflow_versions
from domain.origination import rulesets
from domain.kernel.actor import SYSTEM
from domain.configuration.workflow import BUILT_IN
from tests.images import png
from tests.integration.helpers import make_product, make_user
from tests.integration.test_rulesets import rules

TABLES = (Product, ProductVersion, WorkflowVersion, RuleSetVersion, BrandingVersion,
          GlMappingVersion, AuditLog)


def counts(url) -> dict[str, int]:
    with UnitOfWork(url) as s:
        return {m.__name__: s.exec(select(func.count()).select_from(m)).one() for m in TABLES}


def configure(url, uniq) -> None:
    """Every section populated: a stored workflow, a rule set, a GL mapping, branding with a
    logo, two products (one naming the workflow and rule set, with fees)."""
    admin = make_user(url, uniq, "admin")
    wf = {**copy.deepcopy(BUILT_IN["instant"]), "name": "Fast track"}
    workflow_versions.publish(admin, "fast", workflow_versions.save_draft(admin, "fast", wf, url), "", url)
    rulesets.publish(admin, "credit", rulesets.save_draft(admin, "credit", rules(600), url), "",
                     url)
    mapping = GL_DEFAULT.to_dict()
    mapping["default"]["4000-interest-income"]["code"] = "4010"
    gl_mapping.publish(admin, gl_mapping.save_draft(admin, mapping, url), "", url)
    v = branding.save_draft(admin, {"name": "Harbor Credit", "primary": "#6a040f",
                                    "accent": "#e63946", "legal": "NMLS 4242",
                                    "disclosures": {"autopay": "You may cancel."}},
                            png(32, 32), url=url)
    branding.publish(admin, v, "", url)
    make_product(url, admin, uniq, code="AUTO", workflow="fast",
                 settings=(("rule_set", "credit"), ("late_fee_minor", "15.00"),
                           ("delinquency_buckets", "1,30,60"),
                           ("required_documents", "proof_of_income")))
    make_product(url, admin, uniq, code="HOME", workflow="standard", annual_rate="8.25")


def without_time(text: str) -> dict:
    doc = yaml.safe_load(text)
    doc.pop("exported_at")
    return doc


def test_round_trip_exactly_into_a_fresh_database(fresh_db, uniq):
    a, b = fresh_db(), fresh_db()
    configure(a, uniq)
    exported = config_io.export(SYSTEM, "yaml", a)
    doc = yaml.safe_load(exported)
    assert [p["code"] for p in doc["sections"]["products"]] == ["AUTO", "HOME"]
    assert doc["sections"]["branding"]["logo"]["sha256"] == config_doc.sha256(png(32, 32))

    result = config_io.import_document(SYSTEM, exported, url=b)
    assert sorted(result.applied) == sorted(["workflow fast v1", "rule set credit v1",
                                             "GL mapping v1", "branding v1", "product AUTO v1",
                                             "product HOME v1"])
    assert without_time(config_io.export(SYSTEM, "yaml", b)) == without_time(exported)
    assert without_time(config_io.export(SYSTEM, "json", b)) == without_time(exported)
    with UnitOfWork(b) as s:
        rows = s.exec(select(AuditLog).where(AuditLog.reason.contains(result.sha256))).all()
        assert {r.action for r in rows} >= {"config.imported", "product.created",
                                           "workflow.published", "branding.changed"}
    assert branding.current(b)["name"] == "Harbor Credit"
    assert branding.logo(doc["sections"]["branding"]["logo"]["sha256"], b)[1] == png(32, 32)

    before = counts(b)  # the same document again: every item unchanged, nothing added
    again = config_io.import_document(SYSTEM, exported, url=b)
    assert again.applied == [] and counts(b) == before
    assert {c.status for items in again.changes.values() for c in items} == {"unchanged"}


def _changed(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    home = next(p for p in doc["sections"]["products"] if p["code"] == "HOME")
    home["settings"]["annual_rate"] = "9.75"
    credit = doc["sections"]["rule_sets"][0]["definition"]
    credit["groups"][1]["rules"].append(
        {"id": "young", "name": "Young file", "when": "bureau.score < 640", "outcome": "refer",
         "reason": "Manual review", "tier": None, "adverse_action_code": None})
    doc["sections"]["products"] = [p for p in doc["sections"]["products"] if p["code"] == "HOME"]
    return doc


def test_dry_run_shows_the_diff_per_item_and_changes_nothing(fresh_db, uniq):
    a = fresh_db()
    configure(a, uniq)
    doc = _changed(yaml.safe_load(config_io.export(SYSTEM, "yaml", a)))
    before = counts(a)
    result = config_io.import_document(SYSTEM, yaml.safe_dump(doc), dry_run=True, url=a)
    assert counts(a) == before and result.dry_run and result.applied == []
    products = {c.key: c for c in result.changes["products"]}
    assert products["HOME"].status == "changed"
    assert products["HOME"].fields == (("settings.annual_rate", "8.25", "9.75"),)
    assert products["AUTO"].status == "removed-not-applied"
    credit = result.changes["rule_sets"][0]
    assert credit.status == "changed"
    assert ("definition.groups[1].rules[3].id", None, "young") in credit.fields
    assert result.changes["branding"][0].status == "unchanged"

    applied = config_io.import_document(SYSTEM, yaml.safe_dump(doc), url=a)
    assert sorted(applied.applied) == ["product HOME v2", "rule set credit v2"]
    with UnitOfWork(a) as s:
        home = s.exec(select(Product).where(Product.code == "HOME")).one()
        versions = {v.version: v.terms["annual_rate"] for v in s.exec(
            select(ProductVersion).where(ProductVersion.product_id == home.id))}
        assert home.current_version == 2 and versions == {1: "8.25", 2: "9.75"}  # v1 kept
        auto = s.exec(select(Product).where(Product.code == "AUTO")).one()
        assert auto.active and auto.current_version == 1  # left out: never removed
        assert rulesets.published(s, "credit").version == 2


def test_a_broken_import_changes_nothing_and_names_each_path(fresh_db, uniq):
    a = fresh_db()
    configure(a, uniq)
    doc = _changed(yaml.safe_load(config_io.export(SYSTEM, "yaml", a)))
    doc["sections"]["products"][0]["settings"]["day_count"] = "30/361"
    doc["sections"]["products"][0]["settings"]["colour"] = "red"
    doc["sections"]["products"][0]["settings"]["late_fee_minor"] = 12.5
    doc["sections"]["workflows"][0]["definition"]["stages"][0]["key"] = "start"
    doc["sections"]["rule_sets"][0]["definition"]["groups"][0]["rules"][0]["when"] = "scor > 1"
    doc["sections"]["branding"]["logo"]["sha256"] = "0" * 64
    doc["sections"]["loans"] = []
    doc["extra"] = 1
    before = counts(a)
    with pytest.raises(ValidationError) as e:
        config_io.import_document(SYSTEM, yaml.safe_dump(doc), url=a)
    assert set(e.value.errors) == {"extra"}  # the envelope is checked first
    del doc["extra"]
    with pytest.raises(ValidationError) as e:
        config_io.import_document(SYSTEM, yaml.safe_dump(doc), url=a)
    errors = e.value.errors
    assert errors["sections.products[0].settings.colour"].startswith("unknown key")
    assert errors["sections.products[0].settings.late_fee_minor"] == "must be a whole number"
    assert errors["sections.loans"].startswith("unknown section")
    assert "sections.workflows[0].definition.stages[0].key" in errors
    assert "sections.rule_sets[0].definition.groups[0].rules[0].when" in errors
    assert errors["sections.branding.logo.sha256"].startswith("does not match")
    del doc["sections"]["products"][0]["settings"]["late_fee_minor"]
    with pytest.raises(ValidationError) as e:
        config_io.import_document(SYSTEM, yaml.safe_dump(doc), url=a)
    assert e.value.errors["sections.products[0].settings.day_count"].startswith(
        "must be one of 30/360")
    assert counts(a) == before


@pytest.mark.parametrize("text, path, reason", [
    ("not: [valid", "(document)", "is not valid YAML or JSON at line 2: did not find"),
    ('{"format": "x", "version": 2, "sections": {}}', "format", "must be 'lendbook-config'"),
    ("format: lendbook-config\nversion: 1\nsections: []\n", "sections", "must be an object"),
])
def test_the_envelope_is_checked(db_url, text, path, reason):
    with pytest.raises(ValidationError) as e:
        config_io.import_document(SYSTEM, text, dry_run=True, url=db_url)
    assert e.value.errors[path].startswith(reason)


def test_product_references_and_admin_only(db_url, fresh_db, uniq):
    a = fresh_db()
    configure(a, uniq)
    doc = yaml.safe_load(config_io.export(SYSTEM, "json", a))
    doc["sections"]["workflows"] = []  # AUTO names 'fast': neither in b nor in the document
    b = fresh_db()
    with pytest.raises(ValidationError) as e:
        config_io.import_document(SYSTEM, yaml.safe_dump(doc), url=b)
    assert e.value.errors == {"sections.products[0].settings.workflow":
                              "no published workflow fast here or in the document"}
    underwriter = make_user(db_url, uniq, "underwriter")
    with pytest.raises(PermissionDenied):
        config_io.export(underwriter, "yaml", db_url)
    with pytest.raises(PermissionDenied):
        config_io.import_document(underwriter, yaml.safe_dump(doc), dry_run=True, url=db_url)


def test_cli_export_dry_run_and_refusal(fresh_db, uniq, tmp_path, capsys):
    from cli.main import main
    a = fresh_db()
    configure(a, uniq)
    assert main(["--database-url", a, "config", "export"]) == 0
    doc = _changed(yaml.safe_load(capsys.readouterr().out))
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.json"
    good.write_text(yaml.safe_dump(doc))
    before = counts(a)
    assert main(["--database-url", a, "config", "import", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "settings.annual_rate: 8.25 -> 9.75" in out and "removed-not-applied  AUTO" in out
    assert "nothing was changed" in out and counts(a) == before
    doc["sections"]["products"][0]["settings"]["frequency"] = "fortnightly"
    bad.write_text(yaml.safe_dump(doc))
    assert main(["--database-url", a, "config", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "error: sections.products[0].settings.frequency: must be one of monthly" in err
    assert counts(a) == before
    assert main(["--database-url", a, "config", "import", str(good)]) == 0
    assert "product HOME v2" in capsys.readouterr().out


def test_a_failure_while_applying_rolls_back_every_section(fresh_db, uniq, monkeypatch):
    """Validation runs first, but a section that fails while applying (after others have
    written their versions) still leaves the database as it was: one transaction."""
    from domain.kernel.errors import Conflict
    from domain.config_document import section as config_registry, sections as config_sections
    a = fresh_db()
    configure(a, uniq)
    doc = _changed(yaml.safe_load(config_io.export(SYSTEM, "yaml", a)))

    def fail(s, actor, value, changes, reason):
        s.flush()  # the earlier sections' rows are in the transaction by now
        raise Conflict("refused while applying")
    late = config_registry.Section("zz_late", lambda s: [], lambda s, v, d: [],
                                   lambda s, v: [config_doc.Change("x", config_doc.ADDED)], fail)
    monkeypatch.setattr(config_sections, "SECTIONS", (*config_sections.SECTIONS, late))
    doc["sections"]["zz_late"] = []
    before = counts(a)
    with pytest.raises(Conflict):
        config_io.import_document(SYSTEM, yaml.safe_dump(doc), url=a)
    assert counts(a) == before
    with UnitOfWork(a) as s:
        assert rulesets.published(s, "credit").version == 1


def test_roles_and_organisations_round_trip_and_import_in_the_one_transaction(db_url, uniq):
    """The roles section (roles with their permissions, organisations, maker-checker
    settings) exports, shows a custom role as added in a dry run, and imports with the rest."""
    from domain.db.access_tables import Role
    from domain.access.accounts import role_permissions
    admin = make_user(db_url, uniq, "admin")
    doc = yaml.safe_load(config_io.export(admin, "yaml", db_url))
    section = doc["sections"]["roles"]
    assert {r["code"] for r in section["roles"]} >= {"borrower", "dealer", "admin"}
    code = f"auditor_{uniq}"[:32].lower()
    section["roles"].append({"code": code, "name": "Auditor", "description": "reads the log",
                             "portal": "staff", "permissions": ["audit.view", "loan.view"]})
    text_doc = yaml.safe_dump(doc)
    dry = config_io.import_document(admin, text_doc, dry_run=True, url=db_url)
    added = [c for c in dry.changes["roles"] if c.status == "added"]
    assert [c.key for c in added] == [f"role {code}"]
    with UnitOfWork(db_url) as s:
        assert s.exec(select(Role).where(Role.code == code)).first() is None
    config_io.import_document(admin, text_doc, url=db_url)
    with UnitOfWork(db_url) as s:
        assert role_permissions(s, code) == {"audit.view", "loan.view"}
    again = config_io.import_document(admin, text_doc, dry_run=True, url=db_url)
    assert all(c.status != "added" for c in again.changes["roles"])
