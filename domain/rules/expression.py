"""A small, safe expression language for the decision rules lender admins type.

A hand-written tokenizer and Pratt parser build a tree of our own node classes; evaluation walks
that tree. Nothing reaches Python's eval/exec/compile or `ast`, values have no attributes to
reach and names only read the facts dict, so a rule cannot run code. Grammar: domain/rules.

Values: number (Decimal, 34 significant digits), text, true/false, null, list.
Null (a missing field reads as null):
  - every comparison (< <= > >= == != in, not in) with a null side is false, so
    `not (score < 600)` is TRUE when score is missing: test missing(score) explicitly;
  - and/or/not treat null as false; a condition that comes out null does not fire;
  - arithmetic and min/max/abs/round on null raise EvaluationError (a rule then refers);
  - len/lower pass null through; missing(x) is true for null or blank text.
Text from the facts that reads as a decimal ("1200.50") serves as a number where one is needed;
text typed in the expression never does. `==` across kinds (text == number) is an error; items
of another kind in an `in` list simply do not match.

Over 300 lines on purpose: tokenizer, parser and evaluator share the node classes and are
read together when the grammar changes; split, each half would be read with the other open.
"""
import difflib
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, make_dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import NamedTuple

MAX_LENGTH = 2000
MAX_DEPTH = 50
FUNCTIONS = {"missing": (1, 1), "min": (2, 20), "max": (2, 20), "abs": (1, 1),
             "round": (1, 2), "len": (1, 1), "lower": (1, 1)}
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_NUMBER_FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": None}
_CONTEXT = Context(prec=34)  # traps division by zero, overflow and invalid operations
_TOKEN = re.compile(r"""(?P<ws>\s+)|(?P<num>[0-9]+(?:\.[0-9]+)?)
    |(?P<name>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)
    |(?P<str>"(?:[^"\\]|\\["'\\])*"|'(?:[^'\\]|\\["'\\])*')
    |(?P<op><=|>=|==|!=|[<>()\[\],+\-*/])""", re.X)
_HINTS = {"&&": "use 'and'", "||": "use 'or'", "=": "use '==' to compare", "!": "use 'not'",
          "_": "names start with a letter", ".": "only field names contain dots",
          **dict.fromkeys("\"'", "text not closed, or an escape other than \\\\ \\\" \\'")}
_DECIMAL_TEXT = re.compile(r"\s*-?[0-9]+(\.[0-9]+)?\s*")
# binding power of infix operators: higher binds tighter; `not` (3) and `-` (7) are prefixes
_INFIX = {"or": 1, "and": 2, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4, "in": 4,
          "not in": 4, "+": 5, "-": 5, "*": 6, "/": 6}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


class ExpressionError(ValueError):
    """Not a valid expression. `position` is 0-based; the message says `at <column>` (1-based)."""

    def __init__(self, position: int, message: str):
        self.position, self.reason = position, message
        super().__init__(f"at {position + 1}: {message}")


class EvaluationError(ValueError):
    """A valid expression could not be evaluated against these facts."""


class _FactText(str):
    """Text read from the facts: may stand for a number ("1200.50"), unlike a text literal."""


class Token(NamedTuple):
    kind: str  # num | str | name | kw | op | eof
    value: object
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    tokens, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            bad = text[i:i + 2] if text[i:i + 2] in _HINTS else text[i]
            hint = f" ({_HINTS[bad]})" if bad in _HINTS else ""
            raise ExpressionError(i, f"unexpected character {bad!r}{hint}")
        kind, value = m.lastgroup, m.group()
        if kind == "num":
            value = Decimal(value)
        elif kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "name" and value.lower() in KEYWORDS:
            kind, value = "kw", value.lower()
        if kind != "ws":
            tokens.append(Token(kind, value, i, m.end()))
        i = m.end()
    return tokens + [Token("eof", None, len(text), len(text))]


@dataclass(frozen=True)
class Node:
    """A tree node; start/end is its span in the source, for error messages."""
    start: int
    end: int


def _node(name: str, *fields: str) -> type:
    cls = make_dataclass(name, fields, bases=(Node,), frozen=True)
    cls.__module__ = __name__
    return cls


Literal, ListLit, Field = _node("Literal", "value"), _node("ListLit", "items"), _node("Field", "name")
Call, Unary = _node("Call", "name", "args"), _node("Unary", "op", "operand")  # op: "-" | "not"
Compare = _node("Compare", "op", "left", "right")
# flat left-to-right chains (items / first + ((op, node), ...)): long sums stay shallow trees
BoolOp, Arith = _node("BoolOp", "op", "items"), _node("Arith", "first", "rest")


def _kind(value) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else "true/false"
    return {Decimal: "number", list: "list"}.get(type(value), "text")


def _static_kind(n: Node) -> str | None:
    """What a node yields when known without facts (None: it depends on the facts)."""
    if isinstance(n, Literal):
        return _kind(n.value)
    if isinstance(n, Arith) or (isinstance(n, Unary) and n.op == "-") or \
            (isinstance(n, Call) and n.name in _NUMBER_FUNCTIONS):
        return "number"
    if isinstance(n, (Compare, BoolOp, Unary)) or (isinstance(n, Call) and n.name == "missing"):
        return "true/false"
    return "list" if isinstance(n, ListLit) else None


def _fields(n: Node) -> list:
    """Every field reference in the tree, in source order."""
    if isinstance(n, Field):
        return [n]
    kids = (n.first, *(x for _, x in n.rest)) if isinstance(n, Arith) else (n.left, n.right) \
        if isinstance(n, Compare) else (n.operand,) if isinstance(n, Unary) else \
        getattr(n, "items", ()) or getattr(n, "args", ())
    return [f for kid in kids for f in _fields(kid)]


class _Parser:
    def __init__(self, text: str):
        self.text, self.toks, self.i, self.depth = text, tokenize(text), 0, 0

    def at(self, kind: str, *values, ahead: int = 0) -> bool:
        tok = self.toks[min(self.i + ahead, len(self.toks) - 1)]
        return tok.kind == kind and (not values or tok.value in values)

    def take(self) -> Token:
        self.i += 1
        return self.toks[self.i - 1]

    def need(self, node: Node, kind: str, what: str) -> Node:
        found = _static_kind(node)
        if found not in (None, kind):
            raise ExpressionError(node.start, f"expected {what}, but "
                                              f"'{self.text[node.start:node.end]}' is {found}")
        return node

    def infix(self) -> str | None:
        if self.at("kw", "not"):
            return "not in" if self.at("kw", "in", ahead=1) else None
        tok = self.toks[self.i]
        return tok.value if tok.kind in ("op", "kw") and tok.value in _INFIX else None

    def expr(self, min_bp: int = 0) -> Node:
        left, compared = self.prefix(), False
        while (op := self.infix()) is not None and _INFIX[op] > min_bp:
            tok = self.take()
            if op == "not in":
                self.take()
            if _INFIX[op] == 4 and compared:
                raise ExpressionError(tok.start, "comparisons cannot be chained; use 'and'")
            right = self.expr(_INFIX[op])
            if op in ("and", "or"):
                items = left.items if isinstance(left, BoolOp) and left.op == op else (left,)
                for item in (*items, right):
                    self.need(item, "true/false", f"true/false around '{op}'")
                left = BoolOp(left.start, right.end, op, (*items, right))
            elif op in _ARITH:
                self.need(left, "number", f"a number before '{op}'")
                self.need(right, "number", f"a number after '{op}'")
                same = isinstance(left, Arith) and _INFIX[left.rest[0][0]] == _INFIX[op]
                first, rest = (left.first, left.rest) if same else (left, ())
                left = Arith(left.start, right.end, first, (*rest, (op, right)))
            elif "null" in (_static_kind(left), _static_kind(right)):
                raise ExpressionError(tok.start, "a comparison with null is always false; "
                                                 "use missing(field)")
            else:
                left, compared = Compare(left.start, right.end, op, left, right), True
        return left

    def nested(self, tok: Token, parse):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(tok.start, f"nested more than {MAX_DEPTH} levels deep")
        result = parse()
        self.depth -= 1
        return result

    def prefix(self) -> Node:
        tok = self.take()
        if tok.kind in ("num", "str"):
            return Literal(tok.start, tok.end, tok.value)
        if tok.kind == "kw" and tok.value in ("true", "false", "null"):
            return Literal(tok.start, tok.end, {"true": True, "false": False}.get(tok.value))
        if tok.value in ("not", "-") and tok.kind in ("kw", "op"):
            bp, kind = (3, "true/false") if tok.value == "not" else (7, "number")
            operand = self.need(self.nested(tok, lambda: self.expr(bp)), kind,
                                f"{kind} after '{tok.value}'")
            return Unary(tok.start, operand.end, tok.value, operand)
        if tok.kind == "op" and tok.value == "(":
            inner = self.nested(tok, self.expr)
            return replace(inner, start=tok.start, end=self.close(tok, ")", "").end)
        if tok.kind == "op" and tok.value == "[":
            items, close = self.nested(tok, lambda: self.items(tok, "]"))
            return ListLit(tok.start, close.end, tuple(items))
        if tok.kind == "name":
            return self.call(tok) if self.at("op", "(") else Field(tok.start, tok.end, tok.value)
        prev = self.toks[self.i - 2] if self.i > 1 else None
        after = f" after '{self.text[prev.start:prev.end]}'" if prev else ""
        found = "" if tok.kind == "eof" else f", found '{self.text[tok.start:tok.end]}'"
        raise ExpressionError(tok.start, f"expected a value{after}{found}")

    def close(self, open_tok: Token, close: str, alternatives: str) -> Token:
        if not self.at("op", close):
            raise ExpressionError(self.toks[self.i].start, f"expected {alternatives}'{close}' to "
                                  f"close the '{open_tok.value}' at {open_tok.start + 1}")
        return self.take()

    def items(self, open_tok: Token, close: str) -> tuple[list, Token]:
        items = []
        while not self.at("op", close):
            items.append(self.expr())
            if not self.at("op", ","):
                break
            self.take()
        return items, self.close(open_tok, close, "',' or ")

    def call(self, name: Token) -> Node:
        if name.value not in FUNCTIONS:
            close = difflib.get_close_matches(name.value.lower(), FUNCTIONS, n=2)
            hint = f"did you mean {', '.join(close)}?" if close else \
                f"functions: {', '.join(sorted(FUNCTIONS))}"
            raise ExpressionError(name.start, f"unknown function '{name.value}' ({hint})")
        open_tok = self.take()
        args, close = self.nested(open_tok, lambda: self.items(open_tok, ")"))
        low, high = FUNCTIONS[name.value]
        if not low <= len(args) <= high:
            count = str(low) if low == high else f"{low} to {high}"
            raise ExpressionError(name.start, f"{name.value}() takes {count} arguments, "
                                              f"got {len(args)}")
        for arg in args if name.value in _NUMBER_FUNCTIONS else ():
            self.need(arg, "number", f"a number in {name.value}()")
        return Call(name.start, close.end, name.value, tuple(args))


def _fact(value, name: str):
    """A facts value as an expression value: ints, floats (via str) and Decimals -> Decimal."""
    value = Decimal(str(value)) if isinstance(value, float) else value
    if isinstance(value, Decimal) and not value.is_finite():
        raise EvaluationError(f"field '{name}' is {value}, not a number")
    if value is None or isinstance(value, (bool, Decimal)):
        return value
    if isinstance(value, (int, str)):
        return _FactText(value) if isinstance(value, str) else Decimal(value)
    if isinstance(value, (list, tuple)):
        return [_fact(item, name) for item in value]
    what = "a group of fields" if isinstance(value, Mapping) else f"a {type(value).__name__}"
    raise EvaluationError(f"field '{name}' is {what}, not a value")


class _Env:
    def __init__(self, text: str, facts: Mapping):
        self.text, self.facts = text, facts

    def src(self, n: Node) -> str:
        part = self.text[n.start:n.end]
        return part if len(part) <= 60 else part[:57] + "..."

    def lookup(self, name: str):
        value = self.facts
        for part in name.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        return _fact(value, name)


def _truth(value, n: Node, env: _Env) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    raise EvaluationError(f"'{env.src(n)}' is {_kind(value)}, not true/false")


def _as_number(value):
    if isinstance(value, _FactText) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value.strip())
    return value


def _number(value, n: Node, whole: Node, env: _Env) -> Decimal:
    value = _as_number(value)
    if isinstance(value, Decimal):
        return value
    what = "missing (null)" if value is None else f"{_kind(value)}, not a number,"
    raise EvaluationError(f"'{env.src(n)}' is {what} in '{env.src(whole)}'"
                          + (": arithmetic needs a value" if value is None else ""))


def _same_kind(a, b) -> tuple | None:
    """The pair, fact text read as a number beside a number; None when the kinds differ."""
    if "number" in (_kind(a), _kind(b)):
        a, b = _as_number(a), _as_number(b)
    return (a, b) if _kind(a) == _kind(b) != "list" else None


def _compare(n: Node, env: _Env) -> bool:
    left, right = _eval(n.left, env), _eval(n.right, env)
    if left is None or right is None:
        return False
    if n.op in ("in", "not in"):
        if isinstance(right, list):
            found = any(p is not None and p[0] == p[1] for p in (_same_kind(left, x) for x in right))
        elif isinstance(right, str) and isinstance(left, str):
            found = left in right
        else:
            raise EvaluationError(f"'{n.op}' needs a list (or text in text), got {_kind(left)} "
                                  f"{n.op} {_kind(right)} in '{env.src(n)}'")
        return found == (n.op == "in")
    pair = _same_kind(left, right)
    if pair is None or (n.op not in ("==", "!=") and _kind(pair[0]) not in ("number", "text")):
        raise EvaluationError(f"cannot compare {_kind(left)} with {_kind(right)} using "
                              f"'{n.op}' in '{env.src(n)}'")
    return _COMPARE[n.op](*pair)


def _call(n: Node, env: _Env):
    if n.name in _NUMBER_FUNCTIONS:
        nums = [_number(_eval(arg, env), arg, n, env) for arg in n.args]
        if n.name != "round":
            return _NUMBER_FUNCTIONS[n.name](*nums)
        places = nums[1] if len(nums) > 1 else Decimal(0)
        if places != places.to_integral_value() or not 0 <= places <= 10:
            raise EvaluationError(f"round() needs whole places from 0 to 10 in '{env.src(n)}'")
        return nums[0].quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    value = _eval(n.args[0], env)
    if n.name == "missing":
        return value is None or (isinstance(value, str) and not value.strip())
    if value is None or (n.name == "lower" and isinstance(value, str)):
        return value and value.lower()
    if n.name == "len" and isinstance(value, (str, list)):
        return Decimal(len(value))
    raise EvaluationError(f"{n.name}() cannot take {_kind(value)} in '{env.src(n)}'")


def _eval(n: Node, env: _Env):
    if isinstance(n, (Literal, Field, ListLit)):
        return n.value if isinstance(n, Literal) else env.lookup(n.name) \
            if isinstance(n, Field) else [_eval(item, env) for item in n.items]
    if isinstance(n, BoolOp):  # short-circuit: stops at the first false (and) / true (or)
        decisive = n.op == "or"
        hit = any(_truth(_eval(item, env), item, env) == decisive for item in n.items)
        return decisive if hit else not decisive
    if isinstance(n, Unary):
        value = _eval(n.operand, env)
        if n.op == "not":
            return not _truth(value, n.operand, env)
        return -_number(value, n.operand, n, env)
    if isinstance(n, Arith):
        total = _number(_eval(n.first, env), n.first, n, env)
        for op, node in n.rest:
            value = _number(_eval(node, env), node, n, env)
            if op == "/" and value == 0:
                raise EvaluationError(f"division by zero in '{env.src(n)}'")
            total = _ARITH[op](total, value)
        return total
    return _compare(n, env) if isinstance(n, Compare) else _call(n, env)


def _plain(value):
    """Callers see plain str, never our fact-text marker."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Expression:
    """A compiled expression: parsed and checked once, evaluated against many applications."""
    text: str
    tree: Node
    fields: frozenset  # the dotted field names it reads

    def evaluate(self, facts: Mapping):
        """The value (Decimal, str, bool, None or list); EvaluationError when there is none."""
        env = _Env(self.text, facts)
        try:
            with localcontext(_CONTEXT):
                return _plain(_eval(self.tree, env))
        except ArithmeticError as e:  # decimal overflow / invalid operation
            raise EvaluationError(f"number out of range in '{env.src(self.tree)}' "
                                  f"({type(e).__name__})") from None

    def test(self, facts: Mapping) -> bool:
        """As a rule condition: true fires; false and null do not; anything else is an error."""
        return _truth(self.evaluate(facts), self.tree, _Env(self.text, facts))


def compile_expression(text: str, known_fields: set[str] | frozenset[str] | None = None, *,
                       condition: bool = False) -> Expression:
    """Parse and check `text`; known_fields (if given) is every field name it may read.

    condition=True also refuses what can never be true/false (`amount * 2`).
    """
    if not isinstance(text, str):
        raise ExpressionError(0, "an expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(MAX_LENGTH, f"longer than {MAX_LENGTH} characters")
    parser = _Parser(text)
    tree = parser.expr()
    if not parser.at("eof"):
        tok = parser.toks[parser.i]
        raise ExpressionError(tok.start, f"unexpected '{text[tok.start:tok.end]}' "
                                         "(expected an operator or the end)")
    fields = _fields(tree)
    for field in fields if known_fields is not None else ():
        if field.name not in known_fields:
            close = difflib.get_close_matches(field.name, sorted(known_fields), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ExpressionError(field.start, f"unknown field '{field.name}'{hint}")
    if condition:
        parser.need(tree, "true/false", "a condition (true/false)")
    return Expression(text, tree, frozenset(f.name for f in fields))
