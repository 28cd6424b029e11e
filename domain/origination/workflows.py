"""The one place an application changes stage: every move is checked against the workflow the
application follows (the version recorded when it was decided) and audited with before and
after. The workflow definitions themselves are configuration (configuration.workflow_versions)."""
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from domain.db.origination_tables import BureauPull, Envelope, Document
from domain.db.tables import Application, ProductVersion
from domain.db.workflow_tables import (ApplicationCondition, FundingApproval,
                                        WorkflowVersion)
from domain.kernel.errors import Conflict, PermissionDenied
from domain.audit import trail as audit
from domain.configuration.workflow_versions import current
from domain.kernel.actor import ROLE_LABELS, Actor
from domain.calculation.terms import ProductTerms
from domain.configuration.workflow import TERMINAL, Stage, Workflow, _holds, built_in


def of_application(s, app: Application) -> Workflow:
    if app.workflow_code is None:  # decided before workflows were recorded
        return built_in("standard")
    if app.workflow_version == 0:
        return built_in(app.workflow_code)
    row = s.exec(select(WorkflowVersion).where(
        WorkflowVersion.code == app.workflow_code,
        WorkflowVersion.version == app.workflow_version)).one()
    return Workflow.from_dict(row.code, row.version, row.definition)


def terms_of(s, app: Application) -> ProductTerms:
    version = s.exec(select(ProductVersion).where(
        ProductVersion.product_id == app.product_id,
        ProductVersion.version == app.product_version)).one()
    return ProductTerms.from_dict(version.terms).for_tier(app.tier)


def facts(s, app: Application) -> dict:
    """What `when` and `entry` conditions may read about an application."""
    pull = s.exec(select(BureauPull).where(BureauPull.application_id == app.id)
                  .order_by(BureauPull.id.desc())).first()
    report = pull.report if pull else {}
    docs = {d for d in s.exec(select(Document.kind).where(Document.application_id == app.id))}
    required = terms_of(s, app).required_documents
    open_conditions = s.exec(select(func.count()).select_from(ApplicationCondition).where(
        ApplicationCondition.application_id == app.id,
        ApplicationCondition.status == "open")).one()
    signed = s.exec(select(func.count()).select_from(Envelope).where(
        Envelope.application_id == app.id, Envelope.status == "completed")).one()
    approvals = s.exec(select(func.count()).select_from(FundingApproval).where(
        FundingApproval.application_id == app.id)).one()
    kyc = bool(report.get("kyc_passed", False)) or bool(app.decision.get("kyc_verified_by"))
    return {"status": app.status, "amount": Decimal(app.amount_minor) / 100, "term": app.term,
            "channel": app.channel, "tier": app.tier,
            "product": {"code": app.decision.get("product_code")},
            "bureau": {"score": report.get("score"),
                       "fraud_flag": bool(report.get("fraud_flags")),
                       "thin_file": bool(report.get("thin_file", False))},
            "kyc": {"passed": kyc}, "conditions_open": int(open_conditions),
            "documents_missing": len([k for k in required if k not in docs]),
            "signed": bool(signed), "point_of_sale": app.point_of_sale is not None,
            "funding_approvals": int(approvals)}


def require_actor(wf: Workflow, stage_key: str, actor: Actor) -> Stage:
    """The stage, if this actor's role may act at it (the workflow says who may)."""
    actor.require_permission("application.decide")
    stage = wf.stage(stage_key)
    if stage is None or actor.role not in stage.actors:
        raise PermissionDenied(f"the {ROLE_LABELS.get(actor.role, actor.role)} role may not "
                               f"act at the {stage.name if stage else stage_key} stage")
    return stage


def move(s, app: Application, actor: Actor, to: str, reason: str = "",
         check_entry: bool = True) -> None:
    """Put the application at stage `to` (or a terminal state), refusing an unmet entry
    condition with its text; audited."""
    wf = of_application(s, app)
    if to not in TERMINAL or to == "booked":
        stage = wf.stage(to)
        if stage is None:
            raise Conflict(f"the {wf.name} workflow has no {to} stage")
        why = wf.unmet_entry(stage, facts(s, app)) if check_entry else None
        if why:
            raise Conflict(f"cannot move to {stage.name}: {why}")
    before = {"stage": app.stage, "status": app.status}
    app.stage = to
    s.add(app)
    s.flush()
    audit.record(s, actor, "application.stage_changed", "application", app.id, before,
                 {"stage": app.stage, "status": app.status}, reason)


def advance(s, app: Application, actor: Actor, reason: str = "") -> str:
    """Move to the next stage that applies after the current one; returns its key."""
    wf = of_application(s, app)
    nxt = wf.next_stage(app.stage, facts(s, app))
    move(s, app, actor, nxt.key, reason)
    return nxt.key


def advance_or_hold(s, app: Application, actor: Actor, reason: str = "") -> str:
    """Advance if the next stage's entry condition holds; otherwise stay, with the reason in
    the audit trail (staff resolve it, e.g. verify identity, then advance)."""
    try:
        return advance(s, app, actor, reason)
    except Conflict as e:
        audit.record(s, actor, "application.held", "application", app.id,
                     {"stage": app.stage}, {"stage": app.stage}, str(e))
        return app.stage


def start(s, app: Application, terms: ProductTerms) -> None:
    """Record the workflow version an application follows and place it after the decision
    (declined applications end there). Caller has set status from the decision."""
    wf = current(s, terms.workflow)
    app.workflow_code, app.workflow_version = wf.code, wf.version
    app.stage = "decision"
    if app.status == "declined":
        app.stage = "declined"
        return
    nxt = wf.next_stage("decision", facts(s, app))
    if app.status == "referred" and nxt.key != "underwriting":
        nxt = wf.stage("underwriting") or nxt  # a referral always needs a person
    app.stage = nxt.key


def stage_progress(s, app: Application) -> list[dict]:
    """Each stage of the application's workflow with done / current / upcoming / skipped."""
    wf = of_application(s, app)
    keys = [st.key for st in wf.stages]
    at = keys.index(app.stage) if app.stage in keys else (len(keys) if app.stage == "booked"
                                                          else -1)
    f = facts(s, app)
    out = []
    for i, st in enumerate(wf.stages):
        if app.stage in ("declined", "withdrawn"):  # an underwriter's decline: reached it
            state = "done" if i == 0 or (st.key == "underwriting" and app.stage == "declined"
                                         and app.decision.get("underwriter_id")) else "closed"
        elif i < at:
            if st.key == "underwriting":
                state = "done" if app.decision.get("underwriter_id") else "skipped"
            else:
                state = "skipped" if st.when is not None and not _holds(st.when, f) else "done"
        elif i == at:
            state = "done" if st.key == "booked" else "current"
        else:
            state = "upcoming" if st.when is None or wf.next_stage(keys[i - 1], f).key == st.key \
                else "skipped"
        out.append({"key": st.key, "name": st.name, "state": state,
                    "actors": [ROLE_LABELS.get(a, a) for a in st.actors]})
    return out
