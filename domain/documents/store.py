"""Storing and reading documents: validated, encrypted at rest under the configured document
key (bound to the row id), access-checked, and every read written to the audit trail.

Blobs live in `<data dir>/documents/<id>.bin`; the database row holds type, size and SHA-256.
"""
import hashlib
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.db.origination_tables import Document, IdempotencyRecord
from domain.db.tables import Application
from domain.db.workflow_tables import ApplicationCondition
from domain.db.uow import UnitOfWork
from domain.documents import storage
from domain.documents.files import DocumentCipher, document_aad, validate_upload
from domain.kernel.document_kinds import UPLOAD_KINDS
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.audit import trail as audit
from domain.access import organisations
from domain.kernel.actor import Actor

KINDS = (*UPLOAD_KINDS, "agreement", "signed_agreement")


def _key(document_id: int) -> str:
    return f"{document_id}.bin"


def can_see(s, actor: Actor, app: Application | None) -> bool:
    """Staff with document.view; the borrower; a submitter of the application's organisation."""
    if app is None:
        return actor.can("document.view")
    if actor.can("document.view") or actor.user_id == app.borrower_id:
        return True
    return (actor.user_id is not None and app.submitted_by is not None
            and actor.can("dealer.submit", "agent.capture")
            and app.submitted_by in organisations.submitters(s, actor))


def store(actor: Actor, application_id: int | None, kind: str, filename: str,
          declared_type: str | None, content: bytes, url: str | None = None) -> int:
    """Validate (real type from the bytes), encrypt and store; returns the document id."""
    return store_once(actor, application_id, kind, filename, declared_type, content, None,
                      url)[0]


def store_once(actor: Actor, application_id: int | None, kind: str, filename: str,
               declared_type: str | None, content: bytes,
               idempotency: tuple[str, str] | None, url: str | None = None) -> tuple[int, bool]:
    """`store`, at most once per `idempotency` = (scope, key): the same key with the same
    upload answers the first document id (replayed=True) and stores nothing; with another
    upload it is a Conflict. Returns (document id, replayed)."""
    if kind not in KINDS:
        raise ValidationError({"kind": f"must be one of {', '.join(KINDS)}"})
    digest = hashlib.sha256(f"{application_id}|{kind}|{filename}|".encode()
                            + hashlib.sha256(content).digest()).hexdigest()
    if idempotency:
        prior = _replay(idempotency, digest, url)
        if prior is not None:
            return prior, True
    try:
        return _store(actor, application_id, kind, filename, declared_type, content,
                      idempotency, digest, url), False
    except IntegrityError:
        prior = _replay(idempotency, digest, url) if idempotency else None
        if prior is None:
            raise
        return prior, True  # a concurrent twin stored it first


def _replay(idempotency: tuple[str, str], digest: str, url) -> int | None:
    scope, key = idempotency
    with UnitOfWork(url) as s:
        rec = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                     IdempotencyRecord.key == key)).first()
        if rec is None:
            return None
        if rec.request_sha256 != digest:
            raise Conflict("this Idempotency-Key was used for a different document")
        return int(rec.response["document_id"])


def _store(actor, application_id, kind, filename, declared_type, content, idempotency,
           digest, url) -> int:
    info = validate_upload(filename, declared_type, content)
    cipher = DocumentCipher.from_settings()
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id) if application_id else None
        if application_id and (app is None or not can_see(s, actor, app)):
            raise NotFound("this application does not exist or is not yours")
        doc = Document(application_id=application_id, kind=kind,
                       filename=Path(filename or "document").name[:200] or "document",
                       mime=info.mime, size=info.size, sha256=info.sha256,
                       uploaded_by=actor.user_id)
        s.add(doc)
        s.flush()
        if idempotency:  # claimed before the blob is written: a twin fails here, not later
            s.add(IdempotencyRecord(scope=idempotency[0], key=idempotency[1],
                                    request_sha256=digest, status_code=201,
                                    response={"document_id": doc.id}))
            s.flush()
        storage.current().put(_key(doc.id), cipher.encrypt(content, document_aad(doc.id)))
        audit.record(s, actor, "document.stored", "document", doc.id, None,
                     {"kind": kind, "mime": info.mime, "size": info.size,
                      "sha256": info.sha256, "application_id": application_id})
        return doc.id


def read(actor: Actor, document_id: int, url: str | None = None) -> tuple[Document, bytes]:
    """The document and its bytes, for someone allowed to see it; the read is audited and the
    bytes checked against the stored SHA-256."""
    with UnitOfWork(url) as s:
        doc = s.get(Document, document_id)
        app = s.get(Application, doc.application_id) if doc and doc.application_id else None
        if doc is None or not can_see(s, actor, app):
            raise NotFound("this document does not exist or is not yours to see")
        content = DocumentCipher.from_settings().decrypt(storage.current().get(_key(doc.id)),
                                                         document_aad(doc.id))
        if hashlib.sha256(content).hexdigest() != doc.sha256:
            raise ValidationError({"document": "stored bytes do not match their checksum"})
        audit.record(s, actor, "document.downloaded", "document", doc.id, None,
                     {"kind": doc.kind, "application_id": doc.application_id})
        s.expunge(doc)
        return doc, content


def for_application(actor: Actor, application_id: int, url: str | None = None) -> list[Document]:
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if not can_see(s, actor, app):
            raise NotFound("this application does not exist or is not yours")
        docs = list(s.exec(select(Document).where(Document.application_id == application_id)
                           .order_by(Document.id)))
        for d in docs:
            s.expunge(d)
        return docs


def requested_in(s, app: Application, required: tuple[str, ...]) -> list[dict]:
    """Document kinds still wanted: open document conditions, then the product's required
    kinds, each only while no document of that kind is on file."""
    kinds = set(s.exec(select(Document.kind).where(Document.application_id == app.id)))
    out = [{"kind": c.document_kind or "", "note": c.description}
           for c in s.exec(select(ApplicationCondition).where(
               ApplicationCondition.application_id == app.id,
               ApplicationCondition.status == "open", ApplicationCondition.kind == "document"))
           if c.document_kind not in kinds]
    return out + [{"kind": k, "note": "required for this product"} for k in required
                  if k not in kinds and k not in [r["kind"] for r in out]]


