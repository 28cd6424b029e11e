"""The facts a decision rule may refer to, by name (docs: Decision rules): one function for an
application being decided and one for an application already stored (testing a draft rule set
against saved applications), so both see exactly the same names and values."""
from datetime import date
from decimal import Decimal

from domain.calculation.terms import ProductTerms
from domain.db.tables import Application
from domain.origination.application_request import ApplicationRequest
from domain.origination.bureau import BureauReport


def decision_facts(req: ApplicationRequest, terms: ProductTerms, installment_minor: int,
                   bureau_facts: dict, channel: str, today: date) -> dict:
    """Everything a decision rule may refer to, by name (docs/origination/decision-rules.md)."""
    return _facts(req.applicant, req.amount_minor, req.term, req.monthly_income_minor,
                  req.product_code, req.age_on(today), terms, installment_minor, bureau_facts,
                  channel)


def facts_for_saved(app: Application, report: dict, terms: ProductTerms) -> dict:
    """The same facts for an application already stored (testing a draft rule set)."""
    r = BureauReport(**{**report, "fraud_flags": tuple(report.get("fraud_flags", ())),
                        "reasons": tuple(report.get("reasons", ()))})
    born = date.fromisoformat(app.applicant["date_of_birth"])
    on = app.created_at.date()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    code = app.decision.get("product_code") or ""
    return _facts(app.applicant, app.amount_minor, app.term, app.monthly_income_minor, code,
                  age, terms, app.installment_minor, r.facts(), app.channel)


def _facts(a: dict, amount_minor, term, income_minor, product_code, age, terms, installment_minor,
           bureau_facts, channel) -> dict:
    income = Decimal(income_minor) / 100
    monthly_payment = Decimal(installment_minor) / 100 * terms.periods_per_year / 12
    debt = Decimal(str(bureau_facts["bureau"]["monthly_debt"]))
    employment = a.get("employment", {})
    return {
        "amount": Decimal(amount_minor) / 100, "term": term, "monthly_income": income,
        "installment": Decimal(installment_minor) / 100, "payment": monthly_payment,
        "monthly_debt": debt,
        "payment_to_income": (monthly_payment / income).quantize(Decimal("0.0001")),
        "dti": ((debt + monthly_payment) / income).quantize(Decimal("0.0001")),
        "channel": channel, "product": {"code": product_code},
        "applicant": {"age": age, "state": a["address"]["state"],
                      "postal_code": a["address"]["postal_code"]},
        "employment": {"status": employment.get("status"),
                       "employer": employment.get("employer"),
                       "months": employment.get("months_employed"), "verified": False},
        **bureau_facts,
    }
