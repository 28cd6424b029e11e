"""Read-only: one application as staff see it when they work it (underwriting and funding):
the applicant, requested and current terms, the bureau report, the decision with its rule
results, documents, conditions, the workflow's stage progress, what this actor may do now, and
the application's audit history. Changes nothing (document downloads go through
`document_store.read`, which audits them)."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import select

from domain.db.origination_tables import BureauPull, Document, RuleSetVersion
from domain.db.tables import AppUser, Application, AuditLog, Loan, Product
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import ApplicationCondition, Disbursement
from domain.kernel.errors import NotFound
from domain.audit import trail as audit
from domain.origination import workflows
from domain.kernel.actor import Actor
from domain.configuration.workflow import BUILT_IN_KEYS, TERMINAL
from domain.origination.funding import DISBURSEMENT_STEPS


@dataclass(frozen=True)
class RuleLine:
    """One rule of the decision: what it tests and whether it fired."""
    group: str
    rule: str
    name: str
    condition: str
    outcome: str  # approve, decline, refer, tier; or passed/failed for the product's rules
    result: str  # fired, not fired, error, not evaluated; passed, failed
    detail: str  # the rule's reason, or the error


@dataclass(frozen=True)
class ApplicationDetail:
    id: int
    status: str
    stage: str
    stage_name: str
    channel: str
    created_at: datetime
    product_code: str
    product_name: str
    product_version: int
    workflow: str  # "Standard (standard v0)"
    applicant_name: str
    applicant: dict  # identity, contact, address, employment as stored (empty for portal)
    monthly_income_minor: int
    purpose: str
    requested_amount_minor: int
    requested_term: int
    amount_minor: int
    term: int
    installment_minor: int
    annual_rate: str
    frequency: str
    point_of_sale: dict | None
    bureau: dict | None  # the latest pull's report, with provider, reference and time
    decision_outcome: str
    decision_reasons: tuple[str, ...]
    adverse_action_codes: tuple[str, ...]
    tier: str | None
    ruleset: str  # "credit v1", or "product rules"
    rules: tuple[RuleLine, ...]
    underwriter: str  # who approved or declined it by hand, with their reason
    kyc_passed: bool
    kyc_verified_by: str
    documents: tuple[dict, ...]
    conditions: tuple[dict, ...]
    progress: tuple[dict, ...]
    history: tuple[dict, ...]  # newest first
    loan_number: str | None
    disbursement: dict | None
    # What this actor may do now (the services check again; this only shapes the page)
    can_underwrite: bool = False
    can_complete_stage: bool = False
    can_fund: bool = False
    can_act: bool = False  # decline, request documents, verify identity, conditions
    can_track_disbursement: bool = False
    disbursement_next: tuple[str, ...] = field(default_factory=tuple)
    approval_levels: tuple[tuple[int, int], ...] = ()  # the funding stage's (above, approvers)


def detail(actor: Actor, application_id: int, url: str | None = None) -> ApplicationDetail:
    actor.require_permission("application.view")
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None:
            raise NotFound(f"no application {application_id}")
        product = s.get(Product, app.product_id)
        borrower = s.get(AppUser, app.borrower_id)
        wf = workflows.of_application(s, app)
        terms = workflows.terms_of(s, app)
        facts = workflows.facts(s, app)
        names = _names(s)
        pull = s.exec(select(BureauPull).where(BureauPull.application_id == app.id)
                      .order_by(BureauPull.id.desc())).first()
        bureau = None if pull is None else {
            **pull.report, "provider": pull.provider, "reference": pull.reference,
            "pulled_at": pull.pulled_at}
        d = app.decision or {}
        docs = list(s.exec(select(Document).where(Document.application_id == app.id)
                           .order_by(Document.id)))
        conditions = [{"id": c.id, "kind": c.kind, "document_kind": c.document_kind,
                       "description": c.description, "status": c.status,
                       "created_by": names.get(c.created_by, ""), "created_at": c.created_at,
                       "cleared_by": names.get(c.cleared_by, ""), "cleared_at": c.cleared_at}
                      for c in s.exec(select(ApplicationCondition).where(
                          ApplicationCondition.application_id == app.id)
                          .order_by(ApplicationCondition.id))]
        loan = s.exec(select(Loan).where(Loan.application_id == app.id)).first()
        disb = None if loan is None else s.exec(
            select(Disbursement).where(Disbursement.loan_id == loan.id)).first()
        disbursement = None if disb is None else {
            "payee_type": disb.payee_type, "payee_name": disb.payee_name,
            "amount_minor": disb.amount_minor, "method": disb.method,
            "reference": disb.reference, "status": disb.status, "updated_at": disb.updated_at}
        requested = _requested(s, app)
        stage = wf.stage(app.stage)
        open_app = app.stage not in TERMINAL
        return ApplicationDetail(
            id=app.id, status=app.status, stage=app.stage,
            stage_name=stage.name if stage else app.stage.capitalize(),
            channel=app.channel, created_at=app.created_at,
            product_code=product.code, product_name=product.name,
            product_version=app.product_version,
            workflow=f"{wf.name} ({wf.code} v{wf.version})",
            applicant_name=borrower.name if borrower else "", applicant=app.applicant or {},
            monthly_income_minor=app.monthly_income_minor, purpose=app.purpose,
            requested_amount_minor=requested[0], requested_term=requested[1],
            amount_minor=app.amount_minor, term=app.term,
            installment_minor=app.installment_minor, annual_rate=str(terms.annual_rate),
            frequency=terms.frequency, point_of_sale=app.point_of_sale, bureau=bureau,
            decision_outcome=str(d.get("outcome", app.status)),
            decision_reasons=tuple(d.get("reasons", [])),
            adverse_action_codes=tuple(d.get("adverse_action_codes", [])), tier=app.tier,
            ruleset=_ruleset_label(d), rules=tuple(_rules(s, d)),
            underwriter=(names.get(d["underwriter_id"], "") + (
                f": {d['underwriter_reason']}" if d.get("underwriter_reason") else "")
                if d.get("underwriter_id") else ""),
            kyc_passed=facts["kyc"]["passed"],
            kyc_verified_by=names.get(d.get("kyc_verified_by"), ""),
            documents=tuple({"id": x.id, "kind": x.kind, "filename": x.filename,
                             "mime": x.mime, "size": x.size, "created_at": x.created_at,
                             "uploaded_by": names.get(x.uploaded_by, "")} for x in docs),
            conditions=tuple(conditions),
            progress=tuple(workflows.stage_progress(s, app)),
            history=tuple(_history(s, app, [x.id for x in docs],
                                   loan.loan_number if loan else None)),
            loan_number=loan.loan_number if loan else None, disbursement=disbursement,
            can_underwrite=app.stage == "underwriting" and stage is not None
            and actor.role in stage.actors and actor.can("application.decide"),
            can_complete_stage=open_app and app.stage not in BUILT_IN_KEYS
            and stage is not None and actor.role in stage.actors
            and actor.can("application.decide"),
            can_fund=app.stage == "funding" and stage is not None
            and actor.role in stage.actors and actor.can("application.decide"),
            can_act=open_app,
            can_track_disbursement=disb is not None and actor.can("application.fund")
            and bool(DISBURSEMENT_STEPS.get(disb.status)),
            disbursement_next=tuple(DISBURSEMENT_STEPS.get(disb.status, ())) if disb else (),
            approval_levels=wf.stage("funding").approval_levels if wf.has("funding") else ())


def _names(s) -> dict[int, str]:
    """Staff and borrower names by user id (a lender has few staff; borrowers on demand would
    be a join per row)."""
    return {uid: name for uid, name in s.exec(select(AppUser.id, AppUser.name))}


def _requested(s, app: Application) -> tuple[int, int]:
    """The amount and term as applied for (an underwriter may have changed them since)."""
    first = s.exec(select(AuditLog).where(
        AuditLog.entity == "application", AuditLog.entity_id == str(app.id),
        AuditLog.action == "application.underwriter_approved").order_by(AuditLog.id)).first()
    if first is not None and first.before:
        return (int(first.before.get("amount_minor", app.amount_minor)),
                int(first.before.get("term", app.term)))
    return app.amount_minor, app.term


def _ruleset_label(d: dict) -> str:
    code = d.get("ruleset")
    if not code or code == "product-rules":
        return "the product's built-in rules"
    return f"{code} v{d['version']}" if d.get("version") is not None else f"{code} (none published)"


def _rules(s, d: dict) -> list[RuleLine]:
    if d.get("ruleset") == "product-rules" or "rules" in d:
        return [RuleLine("product", r["rule"], r["rule"].replace("_", " ").capitalize(), "",
                         "", "passed" if r["passed"] else "failed", r["detail"])
                for r in d.get("rules", [])]
    row = None
    if d.get("ruleset") and d.get("version") is not None:
        row = s.exec(select(RuleSetVersion).where(RuleSetVersion.code == d["ruleset"],
                                                  RuleSetVersion.version == d["version"])).first()
    results = {(r["group"], r["rule"]): r for r in d.get("results", [])}
    out: list[RuleLine] = []
    for g in (row.definition.get("groups", []) if row else []):
        gname = g.get("name", "")
        if (gname, None) in results:  # the group's own condition failed to evaluate
            out.append(RuleLine(gname, "", f"Group {gname} condition", g.get("when", ""), "",
                                "error", results[(gname, None)].get("error") or ""))
        for r in g.get("rules", []):
            res = results.pop((gname, r.get("id")), None)
            if res is None:
                result, detail = "not evaluated", ""
            elif res.get("error"):
                result, detail = "error", res["error"]
            else:
                result = "fired" if res.get("fired") else "not fired"
                detail = r.get("reason", "") if res.get("fired") else ""
            outcome = r.get("outcome", "")
            if outcome == "decline" and r.get("adverse_action_code"):
                outcome = f"decline ({r['adverse_action_code']})"
            elif outcome == "tier" and r.get("tier"):
                outcome = f"tier {r['tier']}"
            out.append(RuleLine(gname, r.get("id", ""), r.get("name", r.get("id", "")),
                                r.get("when", ""), outcome, result, detail))
    for (gname, rule), res in results.items():  # rule set version not found: raw results
        if rule is None:
            continue
        out.append(RuleLine(gname, rule, rule, "", "",
                            "error" if res.get("error") else
                            "fired" if res.get("fired") else "not fired",
                            res.get("error") or ""))
    return out


def _history(s, app: Application, document_ids: list[int], loan_number: str | None):
    """The application's audit records, its documents' (stored, downloaded) and its
    disbursement's, newest first."""
    rows = audit.trail(s, "application", app.id, limit=300)
    for doc_id in document_ids:
        rows += audit.trail(s, "document", doc_id, limit=50)
    if loan_number:
        rows += [r for r in audit.trail(s, "loan", loan_number, limit=300)
                 if r.action.startswith("disbursement.") or r.action == "loan.booked"]
    rows.sort(key=lambda r: r.id, reverse=True)
    return [{"id": r.id, "at": r.at, "actor": r.actor_label, "action": r.action,
             "entity": f"{r.entity} {r.entity_id}", "before": r.before or {},
             "after": r.after or {}, "reason": r.reason} for r in rows]


def stage_names(actor: Actor, application_ids: list[int],
                url: str | None = None) -> dict[int, str]:
    """Each application's current stage as its own workflow names it (review stages are
    named by the workflow, not by the engine)."""
    actor.require_permission("application.view")
    with UnitOfWork(url) as s:
        out = {}
        for app in s.exec(select(Application).where(Application.id.in_(application_ids))):
            stage = workflows.of_application(s, app).stage(app.stage)
            out[app.id] = stage.name if stage else app.stage.capitalize()
        return out
