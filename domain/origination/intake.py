"""One application from any channel (portal, dealer, field agent, partner API): validate,
pull the bureau, decide, record, in one unit of work. A retried request with the same
idempotency key returns the first answer and changes nothing; a failure leaves nothing behind.
"""
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.access.accounts import UNUSABLE_PASSWORD
from domain.origination.bureau import BureauPort
from domain.db.origination_tables import BureauPull, IdempotencyRecord
from domain.db.tables import AppUser, Application, Product, ProductVersion
from domain.db.uow import UnitOfWork
from domain.origination.decision_facts import decision_facts
from domain.origination.decisioning import decide
from domain.kernel.errors import Conflict, PermissionDenied, ValidationError
from domain.origination.application_request import ApplicationRequest
from domain.kernel.money import from_minor
from domain.calculation.schedule import build
from domain.audit import trail as audit
from domain.origination import workflows
from domain.kernel.actor import ROLE_LABELS, Actor
from domain.calculation.terms import ProductTerms
from domain.rules import evaluate
from domain.origination.rulesets import OUTCOMES, published

CHANNELS = ("portal", "dealer", "agent", "api")
# The one role that may record each channel: the channel says who took the application, so
# a dealer cannot file a "portal" application or a partner key an "agent" one.
CHANNEL_ROLES = {"portal": "borrower", "dealer": "dealer", "agent": "field_agent",
                 "api": "api_partner"}


@dataclass(frozen=True)
class IntakeResult:
    application_id: int
    status: str  # approved, declined, referred
    stage: str
    reasons: list[str]
    installment: str
    tier: str | None
    channel: str
    external_ref: str | None

    def to_json(self) -> dict:
        return asdict(self)


def request_hash(body: bytes | str) -> str:
    raw = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(raw).hexdigest()


def submit(req: ApplicationRequest, channel: str, actor: Actor, bureau: BureauPort, *,
           partner_id: int | None = None, idempotency: tuple[str, str, str] | None = None,
           url: str | None = None, today: date | None = None) -> tuple[IntakeResult, bool]:
    """Returns (result, replayed). `idempotency` = (scope, key, request sha256)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel}")
    check_channel(actor, channel)
    today = today or date.today()
    if idempotency:
        prior = _replay(idempotency, url)
        if prior is not None:
            return prior, True
    try:
        with UnitOfWork(url) as s:
            result = _submit(s, req, channel, actor, bureau, partner_id, today)
            if idempotency:
                scope, key, digest = idempotency
                s.add(IdempotencyRecord(scope=scope, key=key, request_sha256=digest,
                                        status_code=201, response=result.to_json()))
            return result, False
    except IntegrityError:
        if idempotency:  # a concurrent twin committed first: answer as it did
            prior = _replay(idempotency, url)
            if prior is not None:
                return prior, True
        raise


def check_channel(actor: Actor, channel: str) -> None:
    """Refuse a channel the actor may not use (PermissionDenied, before anything is read or
    stored). In-process system actors (no user, role admin: the demo seed, migrations of
    books, tests) may record any channel; no request can act as one."""
    if actor.user_id is None and actor.role == "admin":
        return
    if CHANNEL_ROLES[channel] != actor.role:
        raise PermissionDenied(f"the {channel} channel is for the "
                               f"{ROLE_LABELS.get(CHANNEL_ROLES[channel], 'API partner')} "
                               f"role, not {ROLE_LABELS.get(actor.role, actor.role)}")


def _replay(idempotency, url) -> IntakeResult | None:
    scope, key, digest = idempotency
    with UnitOfWork(url) as s:
        rec = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                     IdempotencyRecord.key == key)).first()
        if rec is None:
            return None
        if rec.request_sha256 != digest:
            raise Conflict("this Idempotency-Key was used with a different request body")
        return IntakeResult(**rec.response)


def _submit(s, req: ApplicationRequest, channel, actor, bureau, partner_id, today):
    product = s.exec(select(Product).where(Product.code == req.product_code)).first()
    if product is None or not product.active:
        raise ValidationError({"product_code": f"no active product with code {req.product_code}"})
    version = s.exec(select(ProductVersion).where(
        ProductVersion.product_id == product.id,
        ProductVersion.version == product.current_version)).one()
    terms = ProductTerms.from_dict(version.terms)
    try:
        terms.check_request(req.amount_minor, req.term)
    except ValidationError as e:
        raise ValidationError({k: v for k, v in e.errors.items()}) from None
    borrower_id = _borrower(s, req, actor)
    schedule = build(terms.schedule_terms(req.amount_minor, req.term, today))
    report = bureau.pull(req.bureau_subject(), "credit application")
    facts = decision_facts(req, terms, schedule.installment_minor, report.facts(), channel,
                           today)
    outcome, reasons, tier, detail = _decide(s, terms, req, schedule.installment_minor, facts)
    if terms.for_tier(tier) is not terms:  # the rule set priced a tier the product prices
        terms = terms.for_tier(tier)
        schedule = build(terms.schedule_terms(req.amount_minor, req.term, today))
    app = Application(borrower_id=borrower_id, product_id=product.id,
                      product_version=version.version, channel=channel,
                      amount_minor=req.amount_minor, term=req.term,
                      monthly_income_minor=req.monthly_income_minor, purpose=req.purpose,
                      installment_minor=schedule.installment_minor, status=outcome,
                      stage="decision", applicant=_stored_applicant(req),
                      submitted_by=None if actor.portal == "borrower" else actor.user_id,
                      partner_id=partner_id, external_ref=req.external_ref, tier=tier,
                      point_of_sale=req.point_of_sale,
                      decision={**detail, "outcome": outcome, "reasons": reasons,
                                "bureau_reference": report.reference,
                                "product_code": req.product_code})
    s.add(app)
    s.flush()
    s.add(BureauPull(application_id=app.id, provider=report.provider,
                     reference=report.reference, report=report.to_dict()))
    s.flush()
    workflows.start(s, app, terms)
    s.add(app)
    audit.record(s, actor, "application.submitted", "application", app.id, None,
                 {**audit.snapshot(app), "applicant": None}, f"channel {channel}")
    audit.record(s, Actor(None, "admin", "decision-engine"), f"application.{outcome}",
                 "application", app.id, {"stage": "decision"},
                 {"stage": app.stage, "reasons": reasons, "tier": tier})
    return IntakeResult(app.id, outcome, app.stage, reasons,
                        str(from_minor(schedule.installment_minor)), tier, channel,
                        req.external_ref)


def partner_view(partner_id: int, application_id: int, url: str | None = None) -> dict | None:
    """The partner's own application, as the API shows it; None for anyone else's."""
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None or app.partner_id != partner_id:
            return None
        return IntakeResult(app.id, app.status if app.status != "booked" else "approved",
                            app.stage, list(app.decision.get("reasons", [])),
                            str(from_minor(app.installment_minor)), app.tier, app.channel,
                            app.external_ref).to_json()


def _decide(s, terms: ProductTerms, req: ApplicationRequest, installment_minor: int,
            facts: dict):
    """The product's published rule set when it names one; else its built-in rules, where a
    fraud flag, failed KYC or thin file refers an otherwise approved application."""
    if terms.rule_set:
        ruleset = published(s, terms.rule_set)
        if ruleset is None:
            return "referred", [f"Rule set {terms.rule_set} has no published version"], None, \
                {"ruleset": terms.rule_set, "version": None}
        d = evaluate(ruleset, facts)
        return OUTCOMES[d.outcome], list(d.reasons), d.tier, {
            "ruleset": d.ruleset_code, "version": d.ruleset_version,
            "adverse_action_codes": list(d.adverse_action_codes),
            "results": [{"rule": r.rule_id, "group": r.group, "fired": r.fired,
                         "error": r.error} for r in d.results]}
    d = decide(terms, req.amount_minor, req.term, req.monthly_income_minor, installment_minor)
    reasons = list(d.reasons)
    outcome = d.outcome
    if outcome == "approved":
        if facts["bureau"]["fraud_flag"] or not facts["kyc"]["passed"]:
            outcome, reasons = "referred", ["Identity checks need a review"]
        elif facts["bureau"]["thin_file"]:
            outcome, reasons = "referred", ["Insufficient credit history: manual review"]
    detail = {"rules": [r.__dict__ for r in d.results], "ruleset": "product-rules"}
    return outcome, reasons, None, detail


def _borrower(s, req: ApplicationRequest, actor: Actor) -> int:
    """The applicant's borrower account: the signed-in borrower, or found or opened by
    e-mail (an opened account cannot sign in until the borrower claims it)."""
    if actor.portal == "borrower":  # a borrower applying for themself
        return actor.user_id
    email = req.applicant["email"].strip().lower()
    user = s.exec(select(AppUser).where(AppUser.email == email)).first()
    if user is not None:
        if user.role != "borrower":
            raise ValidationError({"applicant.email": "belongs to a staff account"})
        return user.id
    name = f"{req.applicant['first_name']} {req.applicant['last_name']}".strip()
    user = AppUser(email=email, name=name[:200], role="borrower",
                   password_hash=UNUSABLE_PASSWORD)
    s.add(user)
    s.flush()
    audit.record(s, actor, "user.created", "user", user.id, None,
                 {"email": email, "role": "borrower"}, "opened for an application")
    return user.id


def _stored_applicant(req: ApplicationRequest) -> dict:
    """The applicant section as stored (it is the application's own data, kept whole)."""
    return json.loads(json.dumps(req.applicant))
