"""Decision rule sets as data: lender admins edit them, versions are stored and replayed.

Semantics of `evaluate(ruleset, facts)`:
  - groups run in order; a group whose `when` is false (or null) is skipped;
  - within a group every rule whose `when` is true fires, in order;
  - a fired decline records its reason and adverse action code; if its group has
    stop_on_decline, evaluation stops there (no later rule or group runs);
  - fired refers are collected; a fired tier sets the pricing tier (the last one wins);
  - a rule or group condition that cannot be evaluated (arithmetic on a missing field, text
    compared with a number) is recorded in its RuleResult and counts as a refer: never a crash,
    never an approval; a group whose condition errs is skipped;
  - outcome: decline if any decline fired, else refer if any refer fired (or anything erred),
    else approve if an approve rule fired, else the rule set's default outcome;
  - reasons: the fired declines' reasons on a decline; the refers' (and errors') on a refer;
    the fired approve and tier rules' on an approval; adverse action codes only on a decline;
    the tier is dropped on a decline;
  - results list only the rules that ran (not those of skipped groups or after a stop);
    rule_id None marks a group's own condition.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.kernel.errors import ValidationError
from domain.rules.expression import EvaluationError, ExpressionError, compile_expression

OUTCOMES = ("approve", "decline", "refer", "tier")
DEFAULT_OUTCOMES = ("approve", "refer", "decline")
# Facts origination is expected to supply (money in currency units, ratios as fractions: 0.43)
ORIGINATION_FIELDS = frozenset({
    "amount", "term", "monthly_income", "monthly_debt", "installment", "dti", "payment_to_income",
    "product.code", "applicant.state", "applicant.age", "applicant.postal_code",
    "employment.status", "employment.employer", "employment.verified", "employment.months",
    "bureau.score", "bureau.thin_file", "bureau.fraud_flag", "bureau.fraud_flags",
    "bureau.tradelines", "bureau.monthly_debt", "kyc.passed"})
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_RULESET_KEYS = ({"code", "version", "groups"}, {"default_outcome"})
_GROUP_KEYS = ({"name", "rules"}, {"when", "stop_on_decline"})
_RULE_KEYS = ({"id", "name", "when", "outcome", "reason"}, {"tier", "adverse_action_code"})


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    when: str
    outcome: str  # approve | decline | refer | tier
    reason: str
    tier: str | None = None  # only for outcome "tier"
    adverse_action_code: str | None = None  # only for outcome "decline"


@dataclass(frozen=True)
class RuleGroup:
    name: str
    when: str | None
    rules: tuple[Rule, ...]
    stop_on_decline: bool = True

    def __post_init__(self):
        object.__setattr__(self, "rules", tuple(self.rules))


@dataclass(frozen=True)
class RuleResult:
    rule_id: str | None  # None: the group's own condition
    group: str
    fired: bool
    error: str | None = None


@dataclass(frozen=True)
class Decision:
    outcome: str  # approve | decline | refer
    reasons: tuple[str, ...]
    adverse_action_codes: tuple[str, ...]
    tier: str | None
    results: tuple[RuleResult, ...]
    ruleset_code: str
    ruleset_version: int

    def to_dict(self) -> dict:
        """For the audit trail: enough to explain the decision without re-running it."""
        return {"outcome": self.outcome, "reasons": list(self.reasons),
                "adverse_action_codes": list(self.adverse_action_codes), "tier": self.tier,
                "results": [vars(r).copy() for r in self.results],
                "ruleset_code": self.ruleset_code, "ruleset_version": self.ruleset_version}


def _text(value, path: str, problems: dict, pattern: re.Pattern | None = None) -> bool:
    ok = isinstance(value, str) and value.strip() and len(value) <= 500 and \
        (pattern is None or pattern.fullmatch(value))
    if not ok:
        problems[path] = "must be 1-64 letters, digits, '_', '-' or '.'" if pattern else \
            "must be non-empty text (at most 500 characters)"
    return bool(ok)


def _compile(text, path: str, known, problems: dict, compiled: dict, key) -> None:
    if not isinstance(text, str):
        problems[path] = "must be an expression (text)"
        return
    try:
        compiled[key] = compile_expression(text, known, condition=True)
    except ExpressionError as e:
        problems[path] = str(e)


def _check(code, version, groups, default_outcome, known) -> tuple[dict, dict]:
    """Every problem, keyed by JSON path, and the compiled conditions keyed (group, rule)."""
    problems, compiled, rule_ids, group_names = {}, {}, {}, set()
    _text(code, "code", problems, _CODE)
    if type(version) is not int or version < 1:
        problems["version"] = "must be a whole number, 1 or more"
    if default_outcome not in DEFAULT_OUTCOMES:
        problems["default_outcome"] = f"must be one of {', '.join(DEFAULT_OUTCOMES)}"
    if not groups:
        problems["groups"] = "must have at least one group"
    for gi, group in enumerate(groups):
        gp = f"groups[{gi}]"
        if not isinstance(group, RuleGroup):
            problems[gp] = "must be a rule group"
            continue
        if _text(group.name, f"{gp}.name", problems) and group.name in group_names:
            problems[f"{gp}.name"] = f"duplicate group name '{group.name}'"
        group_names.add(group.name)
        if group.when is not None:
            _compile(group.when, f"{gp}.when", known, problems, compiled, (gi, None))
        if type(group.stop_on_decline) is not bool:
            problems[f"{gp}.stop_on_decline"] = "must be true or false"
        if not group.rules:
            problems[f"{gp}.rules"] = "must have at least one rule"
        for ri, rule in enumerate(group.rules):
            rp = f"{gp}.rules[{ri}]"
            if not isinstance(rule, Rule):
                problems[rp] = "must be a rule"
                continue
            if _text(rule.id, f"{rp}.id", problems, _CODE) and rule.id in rule_ids:
                problems[f"{rp}.id"] = f"duplicate rule id '{rule.id}' (also at {rule_ids[rule.id]})"
            rule_ids.setdefault(rule.id, rp)
            _text(rule.name, f"{rp}.name", problems)
            _text(rule.reason, f"{rp}.reason", problems)
            _compile(rule.when, f"{rp}.when", known, problems, compiled, (gi, ri))
            if rule.outcome not in OUTCOMES:
                problems[f"{rp}.outcome"] = f"must be one of {', '.join(OUTCOMES)}"
            if rule.outcome == "tier":
                _text(rule.tier, f"{rp}.tier", problems)
            elif rule.tier is not None:
                problems[f"{rp}.tier"] = "only a 'tier' rule sets a tier"
            if rule.adverse_action_code is not None and rule.outcome != "decline":
                problems[f"{rp}.adverse_action_code"] = "only a 'decline' rule has one"
            elif rule.adverse_action_code is not None:
                _text(rule.adverse_action_code, f"{rp}.adverse_action_code", problems)
    return problems, compiled


def _shape(d, path: str, keys: tuple[set, set], problems: dict) -> Mapping | None:
    """Unknown and missing keys of one JSON object; None if it is not an object at all."""
    if not isinstance(d, Mapping):
        problems[path] = "must be an object"
        return None
    prefix = f"{path}." if path else ""
    for key in sorted(set(d) - keys[0] - keys[1], key=str):
        problems[f"{prefix}{key}"] = "unknown key"
    for key in sorted(keys[0] - set(d)):
        problems[f"{prefix}{key}"] = "is required"
    return d


def _list(value, path: str, problems: dict) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    if path not in problems:
        problems[path] = "must be a list"
    return []


@dataclass(frozen=True)
class RuleSet:
    code: str
    version: int
    groups: tuple[RuleGroup, ...]
    default_outcome: str = "approve"
    _compiled: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "groups", tuple(self.groups))
        problems, compiled = _check(self.code, self.version, self.groups, self.default_outcome,
                                    None)
        if problems:
            raise ValidationError(problems)
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def from_dict(cls, d, known_fields: set[str] | frozenset[str] | None = None) -> "RuleSet":
        """Build from stored/edited JSON; every problem at once, keyed by JSON path.

        known_fields (e.g. ORIGINATION_FIELDS): every field a condition may read; None skips
        that check.
        """
        if not isinstance(d, Mapping):
            raise ValidationError({"ruleset": "must be an object"})
        problems, groups = {}, []
        _shape(d, "", _RULESET_KEYS, problems)
        for gi, g in enumerate(_list(d.get("groups"), "groups", problems)):
            gp = f"groups[{gi}]"
            if (g := _shape(g, gp, _GROUP_KEYS, problems)) is None:
                groups.append(None)
                continue
            rules = []
            for ri, r in enumerate(_list(g.get("rules"), f"{gp}.rules", problems)):
                r = _shape(r, f"{gp}.rules[{ri}]", _RULE_KEYS, problems)
                rules.append(None if r is None else
                             Rule(**{k: r.get(k) for k in _RULE_KEYS[0] | _RULE_KEYS[1]}))
            groups.append(RuleGroup(g.get("name"), g.get("when"), tuple(rules),
                                    g.get("stop_on_decline", True)))
        checked, _ = _check(d.get("code"), d.get("version"), groups,
                            d.get("default_outcome", "approve"), known_fields)
        problems = {**checked, **problems}  # a shape problem explains its path best
        if problems:
            raise ValidationError(problems)
        return cls(d["code"], d["version"], tuple(groups), d.get("default_outcome", "approve"))

    def to_dict(self) -> dict:
        return {"code": self.code, "version": self.version,
                "default_outcome": self.default_outcome,
                "groups": [{"name": g.name, "when": g.when, "stop_on_decline": g.stop_on_decline,
                            "rules": [vars(r).copy() for r in g.rules]} for g in self.groups]}

    @property
    def fields(self) -> frozenset[str]:
        """Every field the rule set reads: what origination must gather before deciding."""
        return frozenset().union(*(e.fields for e in self._compiled.values()))


def evaluate(ruleset: RuleSet, facts: Mapping) -> Decision:
    """Run the rule set over one application's facts (see the module docstring)."""
    declines, refers, approvals, codes, results = [], [], [], [], []
    tier, stopped, approved = None, False, False

    def run(key, rule_id, group):
        try:
            return ruleset._compiled[key].test(facts)
        except EvaluationError as e:
            results.append(RuleResult(rule_id, group, False, str(e)))
            what = f"rule {rule_id}" if rule_id else f"group '{group}' condition"
            refers.append(f"Could not evaluate {what}: {e}")
            return None

    for gi, group in enumerate(ruleset.groups):
        if group.when is not None and not run((gi, None), None, group.name):
            continue
        for ri, rule in enumerate(group.rules):
            if (fired := run((gi, ri), rule.id, group.name)) is None:
                continue
            results.append(RuleResult(rule.id, group.name, fired))
            if not fired:
                continue
            if rule.outcome == "decline":
                declines.append(rule.reason)
                codes += [rule.adverse_action_code] if rule.adverse_action_code else []
                stopped = group.stop_on_decline
            elif rule.outcome == "refer":
                refers.append(rule.reason)
            else:
                approvals.append(rule.reason)
                tier = rule.tier if rule.outcome == "tier" else tier
                approved = approved or rule.outcome == "approve"
            if stopped:
                break
        if stopped:
            break
    outcome = "decline" if declines else "refer" if refers else \
        "approve" if approved else ruleset.default_outcome
    reasons = {"decline": declines, "refer": refers, "approve": approvals}[outcome]
    if not (declines or refers or approved) and outcome != "approve":
        reasons = [f"No rule decided; the rule set's default outcome is {outcome}"]
    return Decision(outcome, tuple(dict.fromkeys(reasons)),
                    tuple(dict.fromkeys(codes)) if outcome == "decline" else (),
                    None if outcome == "decline" else tier, tuple(results),
                    ruleset.code, ruleset.version)


def test_against(ruleset: RuleSet, cases: list[Mapping]) -> list[Decision]:
    """Replay saved applications' facts through a draft: what would it have decided?"""
    return [evaluate(ruleset, case) for case in cases]


test_against.__test__ = False  # not a pytest test, though its name starts with test_
