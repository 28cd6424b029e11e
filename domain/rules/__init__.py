r"""Decision rules as data: a safe expression language and rule sets evaluated over facts.

Lender admins write conditions such as `bureau.score >= 620 and dti <= 0.43`; they are parsed by
our own parser (never Python eval) so a stored rule cannot run code. Grammar, loosest first:

    expr     := or
    or       := and ("or" and)*
    and      := not ("and" not)*
    not      := "not" not | compare
    compare  := sum [("<" | "<=" | ">" | ">=" | "==" | "!=" | "in" | "not" "in") sum]
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/") unary)*
    unary    := "-" unary | primary
    primary  := NUMBER | STRING | "true" | "false" | "null" | "[" [expr ("," expr)* [","]] "]"
              | FUNCTION "(" [expr ("," expr)*] ")" | FIELD | "(" expr ")"
    NUMBER   := digits ["." digits]          (a Decimal; no exponent)
    STRING   := "..." | '...'                (escapes: \\ \" \')
    FIELD    := name ("." name)*,  name := letter (letter | digit | "_")*
    FUNCTION := missing | min | max | abs | round | len | lower

Keywords are case-insensitive; comparisons do not chain (`a < b < c` is refused). Limits: 2,000
characters, 50 levels of nesting.
"""
from domain.rules.expression import (EvaluationError, Expression, ExpressionError,
                                     compile_expression)
from domain.rules.ruleset import (ORIGINATION_FIELDS, Decision, Rule, RuleGroup, RuleResult,
                                  RuleSet, evaluate, test_against)

__all__ = ["EvaluationError", "Expression", "ExpressionError", "compile_expression",
           "ORIGINATION_FIELDS", "Decision", "Rule", "RuleGroup", "RuleResult", "RuleSet",
           "evaluate", "test_against"]
