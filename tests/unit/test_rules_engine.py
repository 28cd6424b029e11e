"""The decision engine's pure core: the rule expression language and rule set evaluation."""
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.kernel.errors import ValidationError
from domain.rules import (ORIGINATION_FIELDS, EvaluationError, ExpressionError, Rule, RuleGroup,
                          RuleResult, RuleSet, compile_expression, evaluate)
from domain.rules import ruleset as ruleset_module
from domain.rules.expression import MAX_DEPTH, MAX_LENGTH

FACTS = {
    "amount": 15000, "term": 36, "monthly_income": Decimal("6500.00"), "dti": "0.31",
    "applicant": {"state": "CA", "name": "Ada"},
    "employment": {"verified": True, "employer": "  ", "months": 18.5},
    "bureau": {"score": 702, "fraud_flag": False, "thin_file": False,
               "fraud_flags": ["address_mismatch"], "monthly_debt": 412.37},
    "kyc": {"passed": True},
}


def ev(text, facts=FACTS):
    return compile_expression(text).evaluate(facts)


def expression_error(text, known=None) -> str:
    with pytest.raises(ExpressionError) as e:
        compile_expression(text, known)
    return str(e.value)


def evaluation_error(text, facts=FACTS) -> str:
    with pytest.raises(EvaluationError) as e:
        ev(text, facts)
    return str(e.value)


# --- each construct ---------------------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("42", Decimal(42)), ("0.1 + 0.2", Decimal("0.3")), ("'it\\'s'", "it's"),
    ('"double"', "double"), ("true", True), ("FALSE", False), ("null", None),
    ("[1, 'a', true, null,]", [Decimal(1), "a", True, None]), ("[]", []),
    ("bureau.score", Decimal(702)), ("applicant.state", "CA"), ("nothing.here", None),
    ("(1 + 2) * 3", Decimal(9)), ("-amount", Decimal(-15000)), ("not kyc.passed", False),
    ("10 / 4", Decimal("2.5")), ("7 - 10", Decimal(-3)), ("amount * 2", Decimal(30000)),
    ("bureau.score >= 620 and dti <= 0.43", True), ("amount > 10000 and not employment.verified",
                                                    False),
    ('applicant.state in ["CA", "NY"]', True), ("applicant.state not in ['CA', 'NY']", False),
    ("'address_mismatch' in bureau.fraud_flags", True), ("'Ad' in applicant.name", True),
    ("monthly_income * 12 >= amount * 2", True), ("bureau.fraud_flag", False),
    ("missing(employment.employer)", True), ("missing(applicant.state)", False),
    ("missing(applicant.middle_name)", True), ("min(3, 1, 2)", Decimal(1)),
    ("max(dti, 0.5)", Decimal("0.5")), ("abs(-2.50)", Decimal("2.50")),
    ("round(2.345, 2)", Decimal("2.35")), ("round(2.5)", Decimal(3)),
    ("round(-2.5)", Decimal(-3)), ("len(applicant.name)", Decimal(3)),
    ("len(bureau.fraud_flags)", Decimal(1)), ("lower(applicant.state) == 'ca'", True),
    ("1 == 1.00", True), ("'a' < 'b'", True), ("true != false", True),
    ("bureau.monthly_debt", Decimal("412.37")), ("employment.months > 18", True),
])
def test_each_construct_evaluates(text, value):
    result = ev(text)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("text,value", [
    ("true or true and false", True),  # and binds tighter than or
    ("(true or true) and false", False),
    ("not 1 == 2", True),  # not applies to the comparison
    ("not true and false", False), ("not false or true", True),
    ("-2 * 3 + 4", Decimal(-2)), ("2 + 3 * 4", Decimal(14)), ("10 - 4 - 3", Decimal(3)),
    ("10 - (4 - 3)", Decimal(9)), ("8 / 4 / 2", Decimal(1)), ("- -3", Decimal(3)),
    ("1 + 2 > 2 and 2 * 2 == 4", True), ("2 * 3 in [6]", True),
])
def test_precedence_and_associativity(text, value):
    assert ev(text) == value


@pytest.mark.parametrize("text,message", [
    ("amount > 5 and", "at 15: expected a value after 'and'"),
    ("", "at 1: expected a value"),
    ("(1 + 2", "at 7: expected ')' to close the '(' at 1"),
    ("[1, 2", "at 6: expected ',' or ']' to close the '[' at 1"),
    ("amount >", "at 9: expected a value after '>'"),
    ("1 2", "at 3: unexpected '2' (expected an operator or the end)"),
    ("a < b < c", "at 7: comparisons cannot be chained; use 'and'"),
    ("amount && dti", "at 8: unexpected character '&&' (use 'and')"),
    ("amount = 5", "at 8: unexpected character '=' (use '==' to compare)"),
    ("'open", "at 1: unexpected character \"'\" (text not closed"),
    ("foo(1)", "at 1: unknown function 'foo' (functions: abs, len, lower, max, min, missing"),
    ("MIN(1, 2)", "unknown function 'MIN' (did you mean min"),
    ("min(1)", "at 1: min() takes 2 to 20 arguments, got 1"),
    ("round(1, 2, 3)", "round() takes 1 to 2 arguments, got 3"),
    ("x == null", "at 3: a comparison with null is always false; use missing(field)"),
    ("'a' * 2", "at 1: expected a number before '*', but ''a'' is text"),
    ("1 and x", "at 1: expected true/false around 'and', but '1' is number"),
    ("not 5", "at 5: expected true/false after 'not', but '5' is number"),
    ("abs('x')", "at 5: expected a number in abs(), but ''x'' is text"),
    ("1.", "at 2: unexpected character '.'"),
    ("amount ! dti", "at 8: unexpected character '!' (use 'not')"),
])
def test_parse_errors_name_the_position_and_what_was_expected(text, message):
    assert message in expression_error(text)


def test_error_position_is_zero_based_attribute_and_one_based_column():
    with pytest.raises(ExpressionError) as e:
        compile_expression("amount > 5 and")
    assert e.value.position == 14 and str(e.value).startswith("at 15: ")
    assert isinstance(e.value, ValueError)


def test_unknown_fields_are_refused_with_close_matches():
    known = {"bureau.score", "bureau.fraud_flag", "amount", "dti"}
    assert expression_error("amount > 1 and bureau.scor >= 600", known) == \
        "at 16: unknown field 'bureau.scor' (did you mean bureau.score?)"
    assert expression_error("zzz > 1", known) == "at 1: unknown field 'zzz'"
    assert compile_expression("bureau.score > 1 and dti < 1", known).fields == \
        {"bureau.score", "dti"}
    assert "unknown field 'amont'" in expression_error("amont > 1", ORIGINATION_FIELDS)


def test_condition_mode_refuses_what_can_never_be_true_or_false():
    with pytest.raises(ExpressionError, match="expected a condition"):
        compile_expression("amount * 2", condition=True)
    assert compile_expression("bureau.fraud_flag", condition=True).test(FACTS) is False
    with pytest.raises(EvaluationError, match="is text, not true/false"):
        compile_expression("applicant.state", condition=True).test(FACTS)


# --- null semantics and evaluation errors ------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("x < 5", False), ("x >= 5", False), ("x == 5", False), ("x != 5", False),
    ("x in [1]", False), ("x not in [1]", False), ("5 > x", False),
    ("not (x < 5)", True),  # documented: negating a false comparison is true
    ("x and true", False), ("x or true", True), ("not x", True), ("lower(x)", None),
    ("len(x)", None), ("missing(x)", True), ("x in [null]", False), ("1 in [null]", False),
])
def test_null_semantics(text, value):
    assert ev(text, {}) == value


@pytest.mark.parametrize("text,message", [
    ("x * 2 > 1", "'x' is missing (null) in 'x * 2': arithmetic needs a value"),
    ("-x", "'x' is missing (null) in '-x'"), ("min(x, 1)", "'x' is missing (null)"),
    ("applicant.state > 5", "cannot compare text with number using '>' in 'applicant.state > 5'"),
    ("applicant.state == 5", "cannot compare text with number"),
    ("kyc.passed > false", "cannot compare true/false with true/false using '>'"),
    ("applicant.state * 2", "'applicant.state' is text, not a number, in 'applicant.state * 2'"),
    ("1 / (amount - 15000)", "division by zero in '1 / (amount - 15000)'"),
    ("len(amount)", "len() cannot take number in 'len(amount)'"),
    ("round(1, 0.5)", "round() needs whole places from 0 to 10"),
    ("1 in 5", "'in' needs a list (or text in text)"), ("bureau > 1", "is a group of fields"),
    ("kyc.passed and 1 > 0 and amount", "'amount' is number, not true/false"),
])
def test_evaluation_errors_name_the_expression_part(text, message):
    assert message in evaluation_error(text)


def test_short_circuit_skips_what_would_fail():
    assert ev("false and 1 / 0 > 1") is False
    assert ev("true or x * 2 > 1", {}) is True
    assert ev("missing(x) or x * 2 > 1", {}) is True
    assert "division by zero" in evaluation_error("true and 1 / 0 > 1")


def test_fact_values_are_normalised_to_decimal():
    facts = {"i": 3, "f": 0.1, "d": Decimal("0.2"), "s": " 1200.50 ", "t": "12a", "n": float("nan")}
    assert ev("f + d", facts) == Decimal("0.3")  # floats via str(): no binary noise
    assert ev("s * 2", facts) == Decimal("2401.00") and ev("s == 1200.5", facts) is True
    assert ev("i in [3, 'x']", facts) is True and ev("s in [1200.5]", facts) is True
    assert "'t' is text, not a number" in evaluation_error("t * 2", facts)
    assert "field 'n' is NaN" in evaluation_error("n > 1", facts)
    assert "field 'o' is a object" in evaluation_error("o > 1", {"o": object()})
    assert "cannot compare text with number" in evaluation_error("'5' == 5", {})


def test_decimal_precision_and_context_do_not_leak():
    before = decimal.getcontext().prec
    assert ev("1 / 3") == Decimal("0.3333333333333333333333333333333333")
    assert decimal.getcontext().prec == before
    assert "number out of range" in evaluation_error("d * d > 1", {"d": Decimal("1E+600000")})


def test_limits_on_length_and_nesting():
    assert "longer than 2000 characters" in expression_error("1" * (MAX_LENGTH + 1))
    deep = "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    assert "nested more than 50 levels deep" in expression_error(deep)
    assert ev("(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH) == 1
    assert "nested more than" in expression_error("not " * 60 + "true")
    assert "nested more than" in expression_error("-" * 60 + "1")
    assert "nested more than" in expression_error("[" * 60 + "]" * 60)
    # long flat chains stay shallow trees: no recursion limit trouble
    assert ev("+".join(["1"] * 900)) == 900
    assert len(compile_expression("+".join(["1"] * 900)).tree.rest) == 899
    assert ev(" and ".join(["true"] * 200)) is True
    assert len(compile_expression(" and ".join(["true"] * 200)).tree.items) == 200


@pytest.mark.parametrize("text", [
    "__import__('os')", "__import__('os').system('id')", "().__class__", "''.__class__",
    "'abc'.upper()", "applicant.state.__class__", "lambda: 1", "(lambda x: x)(1)",
    'f"{amount}"', "open('/etc/passwd')", "eval('1')", "exec('1')", "getattr(amount, 'x')",
    "[x for x in [1]]", "amount.__dict__", "amount[0]", "{'a': 1}", "import os",
    "amount if true else 1", "1; 2", "`id`", "amount ** 2", "amount @ 2", "a := 1",
    "globals()", "__builtins__", "type(1)", "print(1)", "compile('1', 'x', 'eval')",
])
def test_code_execution_attempts_are_parse_errors(text):
    with pytest.raises(ExpressionError):
        compile_expression(text)


# --- rule sets -------------------------------------------------------------------------------
def rule(id_, when, outcome, reason, **kw):
    return {"id": id_, "name": id_.replace("_", " ").title(), "when": when, "outcome": outcome,
            "reason": reason, **kw}


UNDERWRITING = {"code": "PERSONAL-UW", "version": 3, "groups": [
    {"name": "eligibility", "rules": [
        rule("kyc", "not kyc.passed", "decline", "We could not verify your identity",
             adverse_action_code="IDENTITY"),
        rule("fraud", "bureau.fraud_flag", "decline", "Fraud alert on the credit file",
             adverse_action_code="FRAUD_ALERT"),
        rule("thin_file", "bureau.thin_file or missing(bureau.score)", "refer",
             "Limited credit history: manual review")]},
    {"name": "credit", "when": "not bureau.thin_file", "stop_on_decline": False, "rules": [
        rule("score_floor", "bureau.score < 580", "decline", "Credit score below our minimum",
             adverse_action_code="CREDIT_SCORE"),
        rule("dti_cap", "dti > 0.45", "decline", "Debt-to-income ratio too high",
             adverse_action_code="DTI"),
        rule("income_cover", "monthly_income * 12 < amount * 2", "decline",
             "Income insufficient for the amount requested", adverse_action_code="INCOME"),
        rule("borderline", "bureau.score < 640 and dti > 0.36", "refer",
             "Borderline score and debt-to-income: manual review")]},
    {"name": "pricing", "rules": [
        rule("tier_c", "true", "tier", "Standard pricing", tier="C"),
        rule("tier_b", "bureau.score >= 680", "tier", "Good credit pricing", tier="B"),
        rule("tier_a", "bureau.score >= 740 and dti <= 0.30", "tier", "Best pricing", tier="A")]},
]}


def applicant(score=760, dti="0.22", income=9000, amount=15000, thin=False, fraud=False, kyc=True):
    return {"amount": amount, "monthly_income": income, "dti": dti,
            "bureau": {"score": score, "thin_file": thin, "fraud_flag": fraud},
            "kyc": {"passed": kyc}}


@pytest.fixture(scope="module")
def underwriting():
    return RuleSet.from_dict(UNDERWRITING, ORIGINATION_FIELDS)


def test_prime_applicant_is_approved_at_tier_a(underwriting):
    d = evaluate(underwriting, applicant())
    assert (d.outcome, d.tier, d.adverse_action_codes) == ("approve", "A", ())
    assert d.reasons == ("Standard pricing", "Good credit pricing", "Best pricing")
    assert (d.ruleset_code, d.ruleset_version) == ("PERSONAL-UW", 3)
    assert len(d.results) == 10 and d.results[0] == RuleResult("kyc", "eligibility", False)
    assert evaluate(underwriting, applicant(score=700)).tier == "B"


def test_thin_file_is_referred_and_credit_group_skipped(underwriting):
    d = evaluate(underwriting, applicant(score=None, thin=True))
    assert (d.outcome, d.reasons, d.tier) == ("refer", ("Limited credit history: manual review",), "C")
    assert {r.group for r in d.results} == {"eligibility", "pricing"}


def test_fraud_declines_and_stops_evaluation(underwriting):
    d = evaluate(underwriting, applicant(score=500, fraud=True))
    assert (d.outcome, d.reasons, d.adverse_action_codes, d.tier) == \
        ("decline", ("Fraud alert on the credit file",), ("FRAUD_ALERT",), None)
    assert [r.rule_id for r in d.results] == ["kyc", "fraud"]


def test_weak_applicant_gets_every_adverse_action_reason(underwriting):
    d = evaluate(underwriting, applicant(score=560, dti="0.52", income=2000, amount=20000))
    assert d.outcome == "decline" and d.tier is None
    assert d.adverse_action_codes == ("CREDIT_SCORE", "DTI", "INCOME")
    assert d.reasons == ("Credit score below our minimum", "Debt-to-income ratio too high",
                         "Income insufficient for the amount requested")
    assert [r.rule_id for r in d.results if r.fired] == \
        ["score_floor", "dti_cap", "income_cover", "borderline", "tier_c"]


def test_borderline_applicant_is_referred(underwriting):
    d = evaluate(underwriting, applicant(score=620, dti="0.40", income=6000, amount=10000))
    assert (d.outcome, d.reasons, d.tier) == \
        ("refer", ("Borderline score and debt-to-income: manual review",), "C")


def test_a_rule_that_cannot_be_evaluated_refers_never_approves(underwriting):
    facts = applicant()
    del facts["monthly_income"]
    d = evaluate(underwriting, facts)
    assert d.outcome == "refer" and d.tier == "A"
    [bad] = [r for r in d.results if r.error]
    assert bad.rule_id == "income_cover" and not bad.fired
    assert "'monthly_income' is missing (null)" in bad.error
    assert d.reasons[0].startswith("Could not evaluate rule income_cover: ")
    # an error does not hide a real decline
    assert evaluate(underwriting, {**facts, "kyc": {"passed": False}}).outcome == "decline"


def test_group_condition_error_is_recorded_and_refers():
    rs = RuleSet("G", 1, (RuleGroup("g", "x * 2 > 1", (Rule("r", "R", "true", "tier", "t", "A"),)),))
    d = evaluate(rs, {})
    assert d.outcome == "refer" and d.results[0].rule_id is None and d.results[0].error
    assert d.reasons[0].startswith("Could not evaluate group 'g' condition")


def test_default_outcomes_and_approve_rules():
    def rs(default, when="amount > 10"):
        return RuleSet("D", 1, (RuleGroup("g", None, (
            Rule("big", "Big", when, "approve", "Small enough"),)),), default)
    assert evaluate(rs("refer"), {"amount": 50}).outcome == "approve"
    d = evaluate(rs("refer"), {"amount": 5})
    assert d.outcome == "refer" and "default outcome is refer" in d.reasons[0]
    assert evaluate(rs("decline"), {"amount": 5}).outcome == "decline"
    assert evaluate(rs("approve"), {"amount": 5}) .reasons == ()


def test_round_trip_and_test_against(underwriting):
    assert RuleSet.from_dict(underwriting.to_dict()) == underwriting
    assert underwriting.to_dict()["groups"][1]["rules"][0]["adverse_action_code"] == "CREDIT_SCORE"
    assert "bureau.score" in underwriting.fields and "monthly_income" in underwriting.fields
    decisions = ruleset_module.test_against(underwriting, [applicant(), applicant(fraud=True)])
    assert [d.outcome for d in decisions] == ["approve", "decline"]
    assert decisions[1].to_dict()["results"][1] == \
        {"rule_id": "fraud", "group": "eligibility", "fired": True, "error": None}


def test_from_dict_reports_every_problem_by_json_path():
    bad = {"code": "bad code!", "version": 0, "default_outcome": "maybe", "colour": "red",
           "groups": [
               {"name": "a", "rules": [rule("r1", "amount > 1", "approve", "ok", tier="A")]},
               {"name": "a", "when": "amount >", "stop_on_decline": "yes", "rules": [
                   rule("r1", "bureau.scor > 600", "decline", "low"),
                   rule("r2", "amount * 2", "tier", "", adverse_action_code="X"),
                   {"id": "r3", "when": "true", "outcome": "nope", "reason": "x", "extra": 1},
                   "not a rule"]},
               {"name": "empty", "rules": []}, {"name": "no rules list", "rules": "x"}]}
    with pytest.raises(ValidationError) as e:
        RuleSet.from_dict(bad, ORIGINATION_FIELDS)
    errors = e.value.errors
    assert errors["groups[1].rules[0].when"] == \
        "at 1: unknown field 'bureau.scor' (did you mean bureau.score?)"
    assert errors["groups[1].rules[0].id"] == "duplicate rule id 'r1' (also at groups[0].rules[0])"
    assert errors["groups[1].when"] == "at 9: expected a value after '>'"
    assert errors["colour"] == "unknown key" and errors["groups[1].rules[2].extra"] == "unknown key"
    assert errors["groups[1].rules[2].name"] == "is required"
    assert errors["groups[1].rules[3]"] == "must be an object"
    assert errors["groups[1].name"] == "duplicate group name 'a'"
    assert errors["groups[0].rules[0].tier"] == "only a 'tier' rule sets a tier"
    assert "expected a condition" in errors["groups[1].rules[1].when"]
    assert errors["groups[1].rules[1].adverse_action_code"] == "only a 'decline' rule has one"
    assert set(errors) >= {"code", "version", "default_outcome", "groups[1].stop_on_decline",
                           "groups[1].rules[1].reason", "groups[1].rules[1].tier",
                           "groups[1].rules[2].outcome", "groups[2].rules", "groups[3].rules"}
    assert errors["groups[3].rules"] == "must be a list"
    for not_a_ruleset, key in (([], "ruleset"), ({"code": "X", "version": 1, "groups": []},
                                                 "groups")):
        with pytest.raises(ValidationError) as e:
            RuleSet.from_dict(not_a_ruleset)
        assert key in e.value.errors


def test_direct_construction_validates_too():
    with pytest.raises(ValidationError) as e:
        RuleSet("X", 1, [RuleGroup("g", None, [Rule("a", "A", "amount >", "refer", "r")])])
    assert list(e.value.errors) == ["groups[0].rules[0].when"]


# --- properties ------------------------------------------------------------------------------
GRAMMAR_ALPHABET = " ()[],.'\"\\abcdnotrinmsxyz_0123456789+-*/<>=!&|:"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(GRAMMAR_ALPHABET, max_size=60)))
def test_random_text_only_ever_raises_expression_error(text):
    for known in (None, {"a", "ab", "x.y"}):
        try:
            compile_expression(text, known)
        except ExpressionError:
            pass


class Expr:
    """An arithmetic expression built with its value: source text, binding power, Fraction."""

    def __init__(self, src, bp, value, exact, scale):
        self.src, self.bp, self.value, self.exact, self.scale = src, bp, value, exact, scale


def _leaf(n):
    return Expr(str(n), 9, Fraction(n), True, abs(Fraction(n)))


def _wrap(e, bp, strict=False):
    return f"({e.src})" if e.bp < bp or (strict and e.bp == bp) else e.src


def _binary(op, left, right):
    bp = 5 if op in "+-" else 6
    if left.value is None or right.value is None or (op == "/" and right.value == 0):
        value = None  # evaluation must fail: division by zero somewhere
    else:
        a, b = left.value, right.value
        value = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
    scale = max(left.scale, right.scale, abs(value) if value is not None else 0)
    return Expr(f"{_wrap(left, bp)} {op} {_wrap(right, bp, strict=True)}", bp, value,
                left.exact and right.exact and op != "/", scale)


def _unary(kind, e):
    if kind == "neg":
        return Expr("-" + _wrap(e, 7), 7, None if e.value is None else -e.value, e.exact, e.scale)
    return Expr(f"abs({e.src})", 9, None if e.value is None else abs(e.value), e.exact, e.scale)


def _call(kind, a, b):
    value = None if None in (a.value, b.value) else (min if kind == "min" else max)(a.value,
                                                                                   b.value)
    return Expr(f"{kind}({a.src}, {b.src})", 9, value, a.exact and b.exact,
                max(a.scale, b.scale))


arithmetic = st.recursive(
    st.integers(0, 99).map(_leaf),
    lambda inner: st.one_of(
        st.builds(_binary, st.sampled_from("+-*"), inner, inner),
        st.builds(_binary, st.just("/"), inner, st.integers(0, 9).map(_leaf)),
        st.builds(_unary, st.sampled_from(["neg", "abs"]), inner),
        st.builds(_call, st.sampled_from(["min", "max"]), inner, inner)),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(arithmetic)
def test_arithmetic_matches_exact_fractions(expr):
    compiled = compile_expression(expr.src)
    if expr.value is None:
        with pytest.raises(EvaluationError, match="division by zero"):
            compiled.evaluate({})
        return
    result = compiled.evaluate({})
    assert isinstance(result, Decimal)
    if expr.exact:
        assert Fraction(result) == expr.value, expr.src
    else:
        assert abs(Fraction(result) - expr.value) <= Fraction(1, 10**24) * max(1, expr.scale)


fact_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.decimals() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["score", "thin_file", "fraud_flag", "passed"]), inner, max_size=4),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["amount", "monthly_income", "dti", "bureau", "kyc"]),
                       fact_values))
def test_any_facts_give_a_decision_never_a_crash(facts):
    d = evaluate(RuleSet.from_dict(UNDERWRITING), facts)
    assert d.outcome in ("approve", "decline", "refer")
    if any(r.error for r in d.results):
        assert d.outcome != "approve"
