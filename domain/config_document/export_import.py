"""Configuration as data: export every registered section to one document, and import a
document (validated whole, every error by its JSON path; a dry run shows the per-item diff;
a real run applies it in one transaction, so an invalid document changes nothing)."""
from dataclasses import dataclass, field

from domain.config_document import document as config_doc
from domain.config_document.document import ADDED, CHANGED, REMOVED, UNCHANGED, Change
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.config_document import sections as config_sections

STATUSES = (ADDED, CHANGED, UNCHANGED, REMOVED)


@dataclass(frozen=True)
class ImportResult:
    sha256: str
    dry_run: bool
    changes: dict[str, list[Change]]  # section -> its items' changes, in section order
    applied: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per section, how many items have each status (added, changed, unchanged,
        removed-not-applied: always in that order; statuses with none left out)."""
        return {name: {status: n for status in STATUSES
                       if (n := sum(c.status == status for c in items))}
                for name, items in self.changes.items()}


# What an import may change: the actor must hold each (docs: config-io.md).
IMPORT_PERMISSIONS = ("product.edit", "rules.edit", "workflow.edit", "branding.edit",
                      "gl.manage", "roles.manage")


def snapshot(s) -> dict:
    return {sec.name: sec.snapshot(s) for sec in config_sections.SECTIONS}


def export(actor: Actor, fmt: str = "yaml", url: str | None = None) -> str:
    """The whole configuration as a document (no secrets, users or loans: docs/config-io.md)."""
    actor.require_permission("export.data")
    with UnitOfWork(url) as s:
        return config_doc.dump(snapshot(s), fmt)


def validate(s, doc_sections: dict) -> list[tuple[str, str]]:
    known = {sec.name: sec for sec in config_sections.SECTIONS}
    errors = [(f"sections.{name}", f"unknown section (known: {', '.join(known)})")
              for name in map(str, doc_sections) if name not in known]
    for name, sec in known.items():
        if name in doc_sections:
            errors += [(config_doc.join(f"sections.{name}", path), reason)
                       for path, reason in sec.validate(s, doc_sections[name], doc_sections)]
    return errors


def import_document(actor: Actor, text: str | bytes, dry_run: bool = False,
                    url: str | None = None) -> ImportResult:
    """Check the document whole (ValidationError: JSON path -> reason, nothing changed), then
    diff each section against this database; unless `dry_run`, publish a new version of each
    added or changed item, audited with the document's SHA-256. A section the document leaves
    out is left as it is; an item it leaves out is reported, never removed."""
    for needed in IMPORT_PERMISSIONS:  # an import may do only what its actor may do by hand
        actor.require_permission(needed)
    digest = config_doc.sha256(text)
    doc = config_doc.load(text)
    with UnitOfWork(url) as s:
        errors = validate(s, doc["sections"])
        if errors:
            merged: dict[str, str] = {}
            for path, reason in errors:
                merged[path] = f"{merged[path]}; {reason}" if path in merged else reason
            raise ValidationError(merged)
        present = [sec for sec in config_sections.SECTIONS if sec.name in doc["sections"]]
        changes = {sec.name: sec.diff(s, doc["sections"][sec.name]) for sec in present}
        if dry_run:
            s.rollback()
            return ImportResult(digest, True, changes)
        reason = f"config import sha256:{digest}"
        applied = []
        for sec in present:
            if any(c.status in (ADDED, CHANGED) for c in changes[sec.name]):
                applied += sec.apply(s, actor, doc["sections"][sec.name], changes[sec.name],
                                     reason)
        result = ImportResult(digest, False, changes, applied)
        if applied:
            audit.record(s, actor, "config.imported", "config", digest[:40], None,
                         {"sha256": digest, "applied": applied, "counts": result.counts()},
                         reason)
        return result
