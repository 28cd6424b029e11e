"""Application workflows as data: the stages an application passes through, in order, who may
act at each, when a stage applies (`when`) and what must hold to enter it (`entry`), written in
the decision rules' safe expression language. Pure: the services feed it facts.

Stage keys the engine gives actions to: `decision` (the automatic decision, always first),
`underwriting` (manual review of referred applications), `offer` (the borrower accepts),
`signature` (the agreement is e-signed), `funding` (approvers release the money; the approval
levels say how many distinct approvers an amount needs) and `booked` (always last). Any other
key is a custom review stage that one of its actors completes (for example `verification`).
"""
import re
from dataclasses import dataclass
from decimal import Decimal

from domain.kernel.errors import ValidationError
from domain.rules import Expression, ExpressionError, EvaluationError, compile_expression
from domain.kernel.actor import ROLES

ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")  # as domain/access/roles.py

BUILT_IN_KEYS = ("decision", "underwriting", "offer", "signature", "funding", "booked")
TERMINAL = ("declined", "withdrawn", "booked")
WORKFLOW_FIELDS = frozenset({
    "status", "amount", "term", "channel", "tier", "product.code", "bureau.score",
    "bureau.fraud_flag", "bureau.thin_file", "kyc.passed", "conditions_open",
    "documents_missing", "signed", "point_of_sale", "funding_approvals"})

STANDARD = {"name": "Standard", "stages": [
    {"key": "decision", "name": "Automatic decision", "actors": []},
    {"key": "underwriting", "name": "Underwriting review", "actors": ["underwriter", "admin"],
     "when": "status == 'referred'"},
    {"key": "offer", "name": "Offer", "actors": ["borrower"]},
    {"key": "signature", "name": "Agreement and e-signature", "actors": ["borrower"]},
    {"key": "funding", "name": "Funding approval", "actors": ["underwriter", "admin"],
     "entry": "signed and kyc.passed", "approval_levels": [
         {"above": "0", "approvers": 1}, {"above": "25000.00", "approvers": 2}]},
    {"key": "booked", "name": "Booked", "actors": []}]}
# Accepting the offer is the signature (click-through under E-SIGN) and books at once.
INSTANT = {"name": "Instant", "stages": [
    {"key": "decision", "name": "Automatic decision", "actors": []},
    {"key": "underwriting", "name": "Underwriting review", "actors": ["underwriter", "admin"],
     "when": "status == 'referred'"},
    {"key": "offer", "name": "Offer", "actors": ["borrower"]},
    {"key": "booked", "name": "Booked", "actors": []}]}
BUILT_IN = {"standard": STANDARD, "instant": INSTANT}


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    actors: tuple[str, ...]
    when: Expression | None = None
    entry: Expression | None = None
    approval_levels: tuple[tuple[int, int], ...] = ()  # (above minor units, approvers)

    def approvers_needed(self, amount_minor: int) -> int:
        need = 1
        for above, count in self.approval_levels:
            if amount_minor > above:
                need = max(need, count)
        return need

    def to_dict(self) -> dict:
        d = {"key": self.key, "name": self.name, "actors": list(self.actors)}
        if self.when:
            d["when"] = self.when.text
        if self.entry:
            d["entry"] = self.entry.text
        if self.approval_levels:
            d["approval_levels"] = [{"above": str(Decimal(a) / 100), "approvers": n}
                                    for a, n in self.approval_levels]
        return d


@dataclass(frozen=True)
class Workflow:
    code: str
    version: int
    name: str
    stages: tuple[Stage, ...]

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def has(self, key: str) -> bool:
        return self.stage(key) is not None

    def next_stage(self, current: str, facts: dict) -> Stage:
        """The first stage after `current` that applies to these facts (its `when` holds);
        `booked` always applies."""
        keys = [s.key for s in self.stages]
        start = keys.index(current) + 1 if current in keys else 0
        for stage in self.stages[start:]:
            if stage.when is None or _holds(stage.when, facts):
                return stage
        return self.stages[-1]

    def unmet_entry(self, stage: Stage, facts: dict) -> str | None:
        """Why an application may not enter `stage` (None: it may)."""
        if stage.entry is not None and not _holds(stage.entry, facts):
            return f"{stage.name} needs {stage.entry.text}"
        return None

    def to_dict(self) -> dict:
        return {"name": self.name, "stages": [s.to_dict() for s in self.stages]}

    @classmethod
    def from_dict(cls, code: str, version: int, d) -> "Workflow":
        """Validate a definition whole; each error names its JSON path."""
        errors: dict[str, str] = {}
        if not isinstance(d, dict):
            raise ValidationError({"(definition)": "must be a JSON object"})
        for extra in sorted(set(d) - {"name", "stages"}):
            errors[extra] = "is not a known field"
        raw = d.get("stages")
        if not isinstance(raw, list) or len(raw) < 2:
            raise ValidationError({**errors, "stages": "must list at least two stages"})
        stages = [_stage(i, s, errors) for i, s in enumerate(raw)]
        keys = [s.key for s in stages if s]
        if len(set(keys)) != len(keys):
            errors["stages"] = "stage keys must be unique"
        if keys[:1] != ["decision"]:
            errors["stages[0].key"] = "the first stage must be decision"
        if keys[-1:] != ["booked"]:
            errors[f"stages[{len(raw) - 1}].key"] = "the last stage must be booked"
        if "offer" in keys and "underwriting" in keys and \
                keys.index("underwriting") > keys.index("offer"):
            errors.setdefault("stages", "underwriting must come before the offer")
        for key in ("signature", "funding"):
            if key in keys and "offer" in keys and keys.index(key) < keys.index("offer"):
                errors.setdefault("stages", f"{key} must come after the offer")
        name = d.get("name", code)
        if not isinstance(name, str) or not 1 <= len(name) <= 80:
            errors["name"] = "must be text of 1 to 80 characters"
        if errors:
            raise ValidationError(errors)
        return cls(code, version, name, tuple(stages))


def built_in(code: str) -> Workflow:
    return Workflow.from_dict(code, 0, BUILT_IN[code])


def _stage(i: int, raw, errors: dict) -> Stage | None:
    at = f"stages[{i}]"
    if not isinstance(raw, dict):
        errors[at] = "must be an object"
        return None
    for extra in sorted(set(raw) - {"key", "name", "actors", "when", "entry",
                                    "approval_levels"}):
        errors[f"{at}.{extra}"] = "is not a known field"
    key = raw.get("key")
    if not isinstance(key, str) or not key.replace("_", "").isalnum() or not key.islower() \
            or len(key) > 30 or key in ("declined", "withdrawn"):
        errors[f"{at}.key"] = "must be a lower-case name (letters, digits, _), at most 30"
        key = f"?{i}"
    name = raw.get("name", key)
    if not isinstance(name, str) or not 1 <= len(name) <= 60:
        errors[f"{at}.name"] = "must be text of 1 to 60 characters"
    actors = raw.get("actors", [])
    # Role codes (built-in or an admin's own): the service checks they exist.
    if not isinstance(actors, list) or any(not isinstance(a, str) or not ROLE_CODE.match(a)
                                           for a in actors):
        errors[f"{at}.actors"] = (f"must be a list of role codes (built in: "
                                  f"{', '.join(ROLES)}, or a role an admin created)")
        actors = []
    if key not in BUILT_IN_KEYS and not actors:
        errors[f"{at}.actors"] = "a review stage needs at least one role to complete it"
    exprs = {}
    for part in ("when", "entry"):
        text = raw.get(part)
        if text is None:
            exprs[part] = None
            continue
        try:
            exprs[part] = compile_expression(text, WORKFLOW_FIELDS, condition=True)
        except ExpressionError as e:
            errors[f"{at}.{part}"] = str(e)
            exprs[part] = None
    if key in ("decision", "booked") and raw.get("when") is not None:
        errors[f"{at}.when"] = f"the {key} stage always applies"
    levels = _levels(at, raw.get("approval_levels", []), errors)
    if levels and key != "funding":
        errors[f"{at}.approval_levels"] = "only the funding stage has approval levels"
    return Stage(key, name, tuple(actors), exprs["when"], exprs["entry"], levels)


def _levels(at: str, raw, errors: dict) -> tuple[tuple[int, int], ...]:
    if not isinstance(raw, list):
        errors[f"{at}.approval_levels"] = "must be a list"
        return ()
    out = []
    for j, level in enumerate(raw):
        try:
            above = int(Decimal(str(level["above"])) * 100)
            count = int(level["approvers"])
            if above < 0 or not 1 <= count <= 5 or set(level) - {"above", "approvers"}:
                raise ValueError
        except (KeyError, TypeError, ValueError, ArithmeticError):
            errors[f"{at}.approval_levels[{j}]"] = \
                'must be {"above": "<amount>", "approvers": 1-5}'
            continue
        out.append((above, count))
    return tuple(sorted(out))


def _holds(expr: Expression, facts: dict) -> bool:
    try:
        return expr.evaluate(facts) is True
    except EvaluationError:
        return False  # a condition that cannot be evaluated does not hold
