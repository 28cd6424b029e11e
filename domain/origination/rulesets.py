"""Decision rule sets as versioned data: admins save drafts, test a draft against saved
applications, and publish it (the previous published version is retired). Each decision
records the code and version it used. No code changes, no redeploy."""
from dataclasses import dataclass

from sqlmodel import select

from domain.db.origination_tables import BureauPull, RuleSetVersion
from domain.db.tables import Application, ProductVersion
from domain.db.uow import UnitOfWork
from domain.origination.decision_facts import facts_for_saved
from domain.rules import ORIGINATION_FIELDS, RuleSet, evaluate
from domain.configuration import versioned
from domain.kernel.actor import Actor
from domain.calculation.terms import ProductTerms

OUTCOMES = {"approve": "approved", "decline": "declined", "refer": "referred"}


@dataclass(frozen=True)
class TestRow:
    application_id: int
    recorded: str  # the outcome the application got when it was decided
    draft: str  # the outcome the draft gives it now
    reasons: tuple[str, ...]
    tier: str | None


def parse(code: str, version: int, definition: dict) -> RuleSet:
    """Validate a definition (every condition compiled against the known fields)."""
    return RuleSet.from_dict({**definition, "code": code, "version": version},
                             known_fields=ORIGINATION_FIELDS)


def save_draft(actor: Actor, code: str, definition: dict, url: str | None = None) -> int:
    """A new draft version (validated whole; errors name their JSON path)."""
    actor.require_permission("rules.edit")
    with UnitOfWork(url) as s:
        version = versioned.next_version(s, RuleSetVersion, code)
        ruleset = parse(code, version, definition)
        return versioned.add_draft(s, RuleSetVersion, "ruleset", actor, code, version,
                                   ruleset.to_dict())


def publish(actor: Actor, code: str, version: int, reason: str = "",
            url: str | None = None) -> int | None:
    actor.require_permission("rules.edit")
    with UnitOfWork(url) as s:
        return versioned.publish(s, RuleSetVersion, "ruleset", actor, code, version, reason)


def published(s, code: str) -> RuleSet | None:
    row = s.exec(select(RuleSetVersion).where(RuleSetVersion.code == code,
                                              RuleSetVersion.status == "published")).first()
    return parse(code, row.version, row.definition) if row else None


def test_draft(actor: Actor, code: str, version: int, limit: int = 50,
               url: str | None = None) -> list[TestRow]:
    """The draft's decision for each of the latest saved applications that have bureau data,
    beside the decision they got; nothing is changed."""
    actor.require_permission("rules.view", "rules.edit")
    with UnitOfWork(url) as s:
        ruleset = parse(code, version, _get(s, code, version).definition)
        rows = []
        q = (select(Application, BureauPull, ProductVersion)
             .join(BureauPull, BureauPull.application_id == Application.id)
             .join(ProductVersion, (ProductVersion.product_id == Application.product_id)
                   & (ProductVersion.version == Application.product_version))
             .where(Application.applicant.is_not(None))
             .order_by(Application.id.desc()).limit(limit))
        for app, pull, pv in s.exec(q):
            d = evaluate(ruleset, facts_for_saved(app, pull.report,
                                                  ProductTerms.from_dict(pv.terms)))
            rows.append(TestRow(app.id, app.decision.get("outcome", app.status),
                                OUTCOMES[d.outcome], tuple(d.reasons), d.tier))
        return rows


test_draft.__test__ = False  # a service, not a pytest test


def versions(actor: Actor, code: str | None = None, url: str | None = None) -> list[dict]:
    actor.require_permission("rules.view", "rules.edit")
    with UnitOfWork(url) as s:
        q = select(RuleSetVersion).order_by(RuleSetVersion.code, RuleSetVersion.version.desc())
        if code:
            q = q.where(RuleSetVersion.code == code)
        return [{"code": r.code, "version": r.version, "status": r.status,
                 "definition": r.definition, "created_at": r.created_at} for r in s.exec(q)]


def _get(s, code: str, version: int) -> RuleSetVersion:
    return versioned.get(s, RuleSetVersion, "rule set", code, version)
