"""Underwriting: the queue of applications waiting for a person, and the actions taken on one
(approve, possibly with changed terms; decline with an adverse action reason; request
documents; clear conditions; verify identity; complete a custom review stage). Each action is
checked against the roles the workflow names for the stage, and audited."""
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from domain.db.tables import AppUser, Application, Product, utcnow
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import ApplicationCondition
from domain.kernel.document_kinds import UPLOAD_KINDS
from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.kernel.money import parse_amount
from domain.calculation.schedule import build
from domain.audit import trail as audit
from domain.origination import workflows
from domain.kernel.actor import Actor
from domain.configuration.workflow import BUILT_IN_KEYS, TERMINAL
from domain.db.origination_tables import Document

ADVERSE_ACTION_CODES = {"SC": "Credit score", "DTI": "Debt-to-income ratio",
                        "ID": "Unable to verify identity", "INC": "Insufficient income",
                        "EMP": "Length of employment", "DOC": "Incomplete application",
                        "OTH": "Other"}


@dataclass(frozen=True)
class QueueRow:
    application_id: int
    applicant: str
    product: str
    amount_minor: int
    term: int
    channel: str
    stage: str
    status: str
    reasons: tuple[str, ...]
    waiting_since: str
    open_conditions: int


def queue(actor: Actor, stages: tuple[str, ...] = (), url: str | None = None) -> list[QueueRow]:
    """Applications at a stage a person works (underwriting, review stages, funding, or signed
    and held), oldest first."""
    actor.require_permission("application.view")
    with UnitOfWork(url) as s:
        q = (select(Application, AppUser.name, Product.name)
             .join(AppUser, AppUser.id == Application.borrower_id)
             .join(Product, Product.id == Application.product_id)
             .where(Application.stage.not_in(("offer", "declined", "withdrawn", "booked",
                                              "decision")))
             .order_by(Application.id))
        rows = []
        for app, name, product in s.exec(q):
            if stages and app.stage not in stages:
                continue
            if app.stage == "signature" and not workflows.facts(s, app)["signed"]:
                continue  # waiting for the borrower, not for staff
            opened = _conditions(s, app.id, "open")
            rows.append(QueueRow(app.id, name, product, app.amount_minor, app.term,
                                 app.channel, app.stage, app.status,
                                 tuple(app.decision.get("reasons", [])),
                                 app.created_at.date().isoformat(), len(opened)))
        return rows


def approve(actor: Actor, application_id: int, reason: str, amount: str = "",
            term: str = "", url: str | None = None, today: date | None = None) -> str:
    """Approve a referred application, optionally with a changed amount and/or term (checked
    against the product version it applied under); returns the new stage."""
    _reason(reason)
    with UnitOfWork(url) as s:
        app = _at(s, application_id, actor, "underwriting")
        before = {"status": app.status, "amount_minor": app.amount_minor, "term": app.term,
                  "installment_minor": app.installment_minor}
        terms = workflows.terms_of(s, app)
        errors: dict[str, str] = {}
        new_amount = app.amount_minor
        if str(amount).strip():
            try:
                new_amount = parse_amount(amount, "amount")
            except ValidationError as e:
                errors.update(e.errors)
        new_term = app.term
        if str(term).strip():
            try:
                new_term = int(str(term).strip())
            except ValueError:
                errors["term"] = f"'{term}' is not a whole number of payments"
        if errors:
            raise ValidationError(errors)
        terms.check_request(new_amount, new_term)
        schedule = build(terms.schedule_terms(new_amount, new_term, today or date.today()))
        app.amount_minor, app.term = new_amount, new_term
        app.installment_minor, app.status = schedule.installment_minor, "approved"
        app.decision = {**app.decision, "underwriter_id": actor.user_id,
                        "underwriter_reason": reason.strip(),
                        "terms_changed": (new_amount, new_term) != (before["amount_minor"],
                                                                    before["term"])}
        s.add(app)
        s.flush()
        audit.record(s, actor, "application.underwriter_approved", "application", app.id,
                     before, {"status": app.status, "amount_minor": app.amount_minor,
                              "term": app.term, "installment_minor": app.installment_minor},
                     reason.strip())
        return workflows.advance(s, app, actor, "approved by underwriting")


def decline(actor: Actor, application_id: int, reason: str, adverse_action_code: str,
            url: str | None = None) -> None:
    _reason(reason)
    if adverse_action_code not in ADVERSE_ACTION_CODES:
        raise ValidationError({"adverse_action_code": "choose one of "
                                                      + ", ".join(ADVERSE_ACTION_CODES)})
    with UnitOfWork(url) as s:
        app = _at(s, application_id, actor, None)
        if app.status in ("booked", "declined"):
            raise Conflict(f"an application that is {app.status} cannot be declined")
        before = {"status": app.status}
        app.status = "declined"
        app.decision = {**app.decision, "reasons": [reason.strip()],
                        "adverse_action_codes": [adverse_action_code],
                        "underwriter_id": actor.user_id}
        s.add(app)
        audit.record(s, actor, "application.underwriter_declined", "application", app.id,
                     before, {"status": "declined", "adverse_action_code": adverse_action_code},
                     reason.strip())
        workflows.move(s, app, actor, "declined", reason.strip())


def request_documents(actor: Actor, application_id: int, kinds: list[str], note: str,
                      url: str | None = None) -> list[int]:
    """Open a condition per document kind; funding waits until each is cleared."""
    bad = [k for k in kinds if k not in UPLOAD_KINDS]
    if not kinds or bad:
        raise ValidationError({"kinds": f"choose among {', '.join(UPLOAD_KINDS)}"})
    _reason(note, "note")
    with UnitOfWork(url) as s:
        app = _at(s, application_id, actor, None)
        ids = []
        for kind in kinds:
            c = ApplicationCondition(application_id=app.id, kind="document", document_kind=kind,
                                     description=note.strip()[:300], created_by=actor.user_id)
            s.add(c)
            s.flush()
            ids.append(c.id)
            audit.record(s, actor, "condition.opened", "application", app.id, None,
                         {"condition_id": c.id, "document_kind": kind}, note.strip())
        return ids


def clear_condition(actor: Actor, condition_id: int, reason: str, waive: bool = False,
                    url: str | None = None) -> None:
    """Clear (the document was received and checked) or waive a condition."""
    _reason(reason)
    with UnitOfWork(url) as s:
        c = s.get(ApplicationCondition, condition_id)
        if c is None:
            raise NotFound("no such condition")
        app = _at(s, c.application_id, actor, None)
        if c.status != "open":
            raise Conflict(f"this condition is already {c.status}")
        if not waive and c.kind == "document":
            if s.exec(select(Document).where(Document.application_id == app.id,
                                             Document.kind == c.document_kind)).first() is None:
                raise Conflict(f"no {c.document_kind} document has been uploaded yet")
        c.status = "waived" if waive else "cleared"
        c.cleared_by, c.cleared_at = actor.user_id, utcnow()
        s.add(c)
        audit.record(s, actor, f"condition.{c.status}", "application", app.id,
                     {"condition_id": c.id, "status": "open"},
                     {"condition_id": c.id, "status": c.status}, reason.strip())


def verify_identity(actor: Actor, application_id: int, reason: str,
                    url: str | None = None) -> str:
    """Record a manual identity check (an ID document must be on file); a signed application
    held for KYC then moves on."""
    _reason(reason)
    with UnitOfWork(url) as s:
        app = _at(s, application_id, actor, None)
        if s.exec(select(Document).where(Document.application_id == app.id,
                                         Document.kind == "id")).first() is None:
            raise Conflict("upload or request an ID document before verifying identity")
        app.decision = {**app.decision, "kyc_verified_by": actor.user_id}
        s.add(app)
        s.flush()
        audit.record(s, actor, "application.identity_verified", "application", app.id,
                     {"kyc_verified_by": None}, {"kyc_verified_by": actor.user_id},
                     reason.strip())
        if app.stage == "signature" and workflows.facts(s, app)["signed"]:
            return workflows.advance_or_hold(s, app, actor, "identity verified")
        return app.stage


def complete_stage(actor: Actor, application_id: int, reason: str,
                   url: str | None = None) -> str:
    """Complete a custom review stage (one the engine has no built-in action for)."""
    _reason(reason)
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None:
            raise NotFound("no such application")
        if app.stage in BUILT_IN_KEYS or app.stage in ("declined", "withdrawn"):
            raise Conflict(f"the {app.stage} stage is completed by its own action")
        workflows.require_actor(workflows.of_application(s, app), app.stage, actor)
        return workflows.advance(s, app, actor, reason.strip())


def _at(s, application_id: int, actor: Actor, stage: str | None) -> Application:
    """The application, if this actor may act on it now (at `stage`, or any staff stage)."""
    actor.require_permission("application.decide")
    app = s.get(Application, application_id)
    if app is None:
        raise NotFound("no such application")
    if stage is not None:
        if app.stage != stage:
            raise Conflict(f"the application is at {app.stage}, not {stage}")
        workflows.require_actor(workflows.of_application(s, app), stage, actor)
        return app
    if app.stage in TERMINAL:
        raise Conflict(f"the application is {app.stage}; nothing more can be done on it")
    current = workflows.of_application(s, app).stage(app.stage)
    if not actor.can("application.override") and \
            (current is None or actor.role not in current.actors):
        raise PermissionDenied(f"the {actor.role_name} role may not act on an application at "
                               f"{app.stage}")
    return app


def _conditions(s, application_id: int, status: str | None = None):
    q = select(ApplicationCondition).where(ApplicationCondition.application_id == application_id)
    if status:
        q = q.where(ApplicationCondition.status == status)
    return list(s.exec(q.order_by(ApplicationCondition.id)))


def _reason(text: str, field: str = "reason") -> None:
    if not str(text or "").strip():
        raise ValidationError({field: "is required (it goes into the audit trail)"})
    if len(text) > 300:
        raise ValidationError({field: "must be at most 300 characters"})
