"""The borrower's multi-step application: each step is validated on its own (the same intake
schema every channel uses, errors kept to that step's fields), saved so the borrower resumes
where they left off, and the last step submits through the one intake path (bureau pull, rule
set, workflow) exactly once."""
from datetime import date

from sqlmodel import select

from domain.origination import application_request as intake
from domain.origination.bureau import BureauPort
from domain.db.tables import AppUser, Product, ProductVersion, utcnow
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import ApplicationDraft
from domain.kernel.errors import Conflict, ValidationError
from domain.origination import intake as intake_service
from domain.kernel.actor import Actor
from domain.calculation.terms import ProductTerms
from domain.kernel.money import to_minor

# Form field -> where it lives in the intake request, step by step.
STEPS = (
    ("Your loan", {"product_code": "product_code", "amount": "amount", "term": "term",
                   "purpose": "purpose"}),
    ("About you", {"first_name": "applicant.first_name", "last_name": "applicant.last_name",
                   "date_of_birth": "applicant.date_of_birth",
                   "ssn_last4": "applicant.ssn_last4", "phone": "applicant.phone"}),
    ("Address", {"line1": "applicant.address.line1", "line2": "applicant.address.line2",
                 "city": "applicant.address.city", "state": "applicant.address.state",
                 "postal_code": "applicant.address.postal_code"}),
    ("Work and income", {"employment_status": "applicant.employment.status",
                         "employer": "applicant.employment.employer",
                         "months_employed": "applicant.employment.months_employed",
                         "monthly_income": "applicant.monthly_income"}),
    ("Review and consent", {"consent_credit_check": "consent_credit_check"}),
)
FIELD_STEP = {path: i for i, (_, fields) in enumerate(STEPS) for path in fields.values()}
PATH_FIELD = {path: name for _, fields in STEPS for name, path in fields.items()}
NAME_PATH = {name: path for _, fields in STEPS for name, path in fields.items()}


def load(actor: Actor, url: str | None = None) -> tuple[int, dict]:
    """(step to resume at, saved values by form field)."""
    actor.require_permission("self.apply")
    with UnitOfWork(url) as s:
        d = s.exec(select(ApplicationDraft).where(ApplicationDraft.user_id == actor.user_id)
                   ).first()
        return (d.step, dict(d.data)) if d else (0, {})


def save_step(actor: Actor, step: int, values: dict, url: str | None = None,
              today: date | None = None) -> int:
    """Validate this step's fields (and the ones before), save, and return the next step.
    Errors are keyed by form field name."""
    actor.require_permission("self.apply")
    if not 0 <= step < len(STEPS):
        raise ValidationError({"step": "no such step"})
    _, saved = load(actor, url)
    data = {**saved, **{k: str(v).strip() for k, v in values.items()
                        if k in STEPS[step][1]}}
    errors = _errors_up_to(actor, data, step, url, today)
    if errors:
        raise ValidationError(errors)
    with UnitOfWork(url) as s:
        d = s.exec(select(ApplicationDraft).where(ApplicationDraft.user_id == actor.user_id)
                   ).first() or ApplicationDraft(user_id=actor.user_id, data={})
        d.data, d.step, d.updated_at = data, min(step + 1, len(STEPS) - 1), utcnow()
        s.add(d)
    return min(step + 1, len(STEPS) - 1)


def back(actor: Actor, step: int, url: str | None = None) -> int:
    actor.require_permission("self.apply")
    with UnitOfWork(url) as s:
        d = s.exec(select(ApplicationDraft).where(ApplicationDraft.user_id == actor.user_id)
                   ).first()
        if d is not None:
            d.step, d.updated_at = max(step - 1, 0), utcnow()
            s.add(d)
    return max(step - 1, 0)


def submit(actor: Actor, values: dict, bureau: BureauPort, url: str | None = None,
           today: date | None = None) -> intake_service.IntakeResult:
    """The last step: consent, then one submission through the intake path; the draft goes.
    A repeated click replays the first answer (the key is the draft's save time)."""
    actor.require_permission("self.apply")
    _, saved = load(actor, url)
    if not saved:
        raise Conflict("there is no application in progress (it may have been submitted)")
    data = {**saved, **{k: str(v).strip() for k, v in values.items()
                        if k in STEPS[-1][1]}}
    errors = _errors_up_to(actor, data, len(STEPS) - 1, url, today)
    if errors:
        raise ValidationError(errors)
    req = intake.parse(_payload(actor, data, url), today)
    with UnitOfWork(url) as s:
        d = s.exec(select(ApplicationDraft).where(ApplicationDraft.user_id == actor.user_id)
                   ).first()
        key = f"draft-{d.id}-{d.updated_at.timestamp()}" if d else None
    result, _ = intake_service.submit(
        req, "portal", actor, bureau, url=url, today=today,
        idempotency=(f"borrower:{actor.user_id}", key,
                     intake_service.request_hash(repr(sorted(data.items()))))
        if key else None)
    with UnitOfWork(url) as s:
        d = s.exec(select(ApplicationDraft).where(ApplicationDraft.user_id == actor.user_id)
                   ).first()
        if d is not None:
            s.delete(d)
    return result


def _payload(actor: Actor, data: dict, url) -> dict:
    """The intake request the form's values stand for (the e-mail is the account's)."""
    with UnitOfWork(url) as s:
        email = s.get(AppUser, actor.user_id).email
    out: dict = {"applicant": {"email": email, "address": {}, "employment": {}}}
    for name, path in NAME_PATH.items():
        if name not in data or (data[name] == "" and path.endswith(("line2", "employer",
                                                                    "months_employed",
                                                                    "purpose"))):
            continue
        value: object = data[name]
        if name in ("term", "months_employed"):
            value = int(value) if str(value).isdigit() else value
        if name == "consent_credit_check":
            value = str(value).lower() in ("on", "true", "1", "yes")
        if name in ("amount", "monthly_income"):
            value = str(value).replace(",", "").replace("$", "")
        node = out
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def _errors_up_to(actor: Actor, data: dict, step: int, url, today) -> dict[str, str]:
    """Errors of steps 0..step by form field (later steps' missing fields are not errors)."""
    try:
        intake.parse(_payload(actor, data, url), today)
        errors: dict[str, str] = {}
    except ValidationError as e:
        errors = {}
        for path, reason in e.errors.items():
            owner = _owner(path)
            if owner is not None and owner <= step:
                errors.setdefault(PATH_FIELD.get(path, path.rsplit(".", 1)[-1]), reason)
    if "amount" not in errors and "term" not in errors and data.get("product_code"):
        errors.update(_product_errors(data, url))
    return errors


def _owner(path: str) -> int | None:
    if path in FIELD_STEP:
        return FIELD_STEP[path]
    for prefix, i in (("applicant.address", 2), ("applicant.employment", 3),
                      ("applicant.monthly_income", 3), ("applicant", 1)):
        if path.startswith(prefix):
            return i
    return 0


def _product_errors(data: dict, url) -> dict[str, str]:
    from decimal import Decimal, InvalidOperation
    with UnitOfWork(url) as s:
        product = s.exec(select(Product).where(Product.code == data["product_code"])).first()
        if product is None or not product.active:
            return {"product_code": "choose one of the offered products"}
        version = s.exec(select(ProductVersion).where(
            ProductVersion.product_id == product.id,
            ProductVersion.version == product.current_version)).one()
        terms = ProductTerms.from_dict(version.terms)
    try:
        terms.check_request(to_minor(Decimal(str(data.get("amount", "")).replace(",", ""))),
                            int(data.get("term", "0")))
    except ValidationError as e:
        return dict(e.errors)
    except (InvalidOperation, ValueError):
        return {}
    return {}
