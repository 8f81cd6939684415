"""XPath (as XLSForms write it) ↔ Madoguchi's rule language (docs/rules.md).

XLSForm expressions are tokenized by pyxform's own lexer and parsed here by a small
recursive-descent parser into rule-language text. What maps:

    ${field}                 field            (a sub-field of a repeat: group.sub)
    .                        the current field (constraints)
    = != < <= > >=           == != < <= > >=
    and or not(x)            and or not (x)
    + - * div                + - * /
    'text' "text" 12 3.5     the same
    true() false()           true false
    selected(${f}, 'v')      contains(f, 'v')
    count-selected(${f})     count(f)
    string-length(x)         len(x)
    today() if() round() abs() min() max() sum() count() floor() int()  their namesakes (int → floor)
    date('2024-04-01') string(x) number(x)   the value inside

Anything else (mod, concat(), jr:choice-name(), node paths …) raises ``NotMapped`` naming
the part that does not map. ``to_xpath`` goes the other way for export and returns None
for a rule with no XPath equivalent (age(), days() …); the exact rule travels beside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pyxform.parsing.expression import parse_expression

from madoguchi.procedures.rules import RuleSyntaxError, parse


class NotMapped(ValueError):
    """A part of an XPath expression has no counterpart in the rule language."""


@dataclass(frozen=True)
class Token:
    kind: str
    value: str


_COMPARISONS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SAME_FUNCTIONS = {"today", "if", "round", "abs", "min", "max", "sum", "count", "floor"}
_RENAMED = {"selected": "contains", "count-selected": "count", "string-length": "len", "int": "floor"}
_UNWRAPPED = {"date", "string", "number", "decimal-date-time"} - {"decimal-date-time"}


def _tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    for token in parse_expression(text):
        kind, value = token.type, str(token.value)
        if kind == "WHITESPACE":
            continue
        value = value.strip() if kind in {"OPS_BOOL", "OPS_MATH"} else value
        # pyxform's lexer gives ">=" as ">" then "=": join them back.
        if (
            kind == "OPS_COMP"
            and value == "="
            and tokens
            and tokens[-1].kind == "OPS_COMP"
            and tokens[-1].value in {"<", ">", "!"}
        ):
            tokens[-1] = Token("OPS_COMP", tokens[-1].value + "=")
            continue
        tokens.append(Token(kind, value))
    return tokens


class _Parser:
    def __init__(self, text: str, resolve: Callable[[str], str], current: str | None):
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.resolve = resolve
        self.current = current

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise NotMapped(f"式が途中で終わっています: {self.text}")
        self.index += 1
        return token

    def at(self, kind: str, *values: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == kind and (not values or token.value in values)

    def parse(self) -> str:
        result = self.parse_or()
        extra = self.peek()
        if extra is not None:
            raise NotMapped(f"「{extra.value}」は窓口の式に置き換えられません")
        return result

    def parse_or(self) -> str:
        left = self.parse_and()
        while self.at("OPS_BOOL", "or"):
            self.take()
            left = f"{left} or {self.parse_and()}"
        return left

    def parse_and(self) -> str:
        left = self.parse_compare()
        while self.at("OPS_BOOL", "and"):
            self.take()
            left = f"{left} and {self.parse_compare()}"
        return left

    def parse_compare(self) -> str:
        left = self.parse_sum()
        if self.at("OPS_COMP"):
            op = _COMPARISONS.get(self.take().value)
            if op is None:
                raise NotMapped(f"比較の書き方を置き換えられません: {self.text}")
            left = f"{left} {op} {self.parse_sum()}"
        return left

    def parse_sum(self) -> str:
        left = self.parse_product()
        while self.at("OPS_MATH", "+", "-"):
            op = self.take().value
            left = f"{left} {op} {self.parse_product()}"
        return left

    def parse_product(self) -> str:
        left = self.parse_unary()
        while self.at("OPS_MATH", "*", "div", "mod"):
            op = self.take().value
            if op == "mod":
                raise NotMapped("mod（余り）は窓口の式にありません")
            left = f"{left} {'/' if op == 'div' else '*'} {self.parse_unary()}"
        return left

    def parse_unary(self) -> str:
        if self.at("OPS_MATH", "-"):
            self.take()
            return f"-{self.parse_unary()}"
        return self.parse_primary()

    def parse_primary(self) -> str:
        token = self.take()
        if token.kind == "NUMBER":
            return token.value
        if token.kind == "SYSTEM_LITERAL":
            return "'" + token.value[1:-1].replace("\\", "\\\\").replace("'", "\\'") + "'"
        if token.kind == "PYXFORM_REF":
            return self.resolve(token.value[2:-1])
        if token.kind == "SELF_REF":
            if self.current is None:
                raise NotMapped("「.」（この項目）はここでは使えません")
            return self.current
        if token.kind == "OPEN_PAREN":
            inner = self.parse_or()
            self.expect_close()
            return f"({inner})"
        if token.kind == "FUNC_CALL":
            return self.call(token.value[:-1].strip())
        raise NotMapped(f"「{token.value}」は窓口の式に置き換えられません")

    def expect_close(self) -> None:
        if not self.at("CLOSE_PAREN"):
            raise NotMapped(f"括弧が閉じていません: {self.text}")
        self.take()

    def call(self, name: str) -> str:
        args: list[str] = []
        if not self.at("CLOSE_PAREN"):
            args.append(self.parse_or())
            while self.at("COMMA"):
                self.take()
                args.append(self.parse_or())
        self.expect_close()
        if name in {"true", "false"} and not args:
            return name
        if name == "not" and len(args) == 1:
            return f"not ({args[0]})"
        if name in _UNWRAPPED and len(args) == 1:
            return args[0]
        if name in _SAME_FUNCTIONS or name in _RENAMED:
            return f"{_RENAMED.get(name, name)}({', '.join(args)})"
        raise NotMapped(f"関数 {name}() は窓口の式にありません")


def to_rule(
    xpath: str, *, resolve: Callable[[str], str] = lambda name: name, current: str | None = None
) -> str:
    """Rule-language text for an XLSForm expression. Raises NotMapped.

    ``resolve`` turns a ``${name}`` into a rule path (and may raise NotMapped for an
    unknown name); ``current`` is the key that ``.`` stands for.
    """
    text = xpath.strip()
    rule = _Parser(text, resolve, current).parse()
    try:
        parse(rule)
    except RuleSyntaxError as exc:
        raise NotMapped(exc.message) from None
    return rule


# ---------------------------------------------------------------------------- rule → XPath

_REVERSE_FUNCTIONS = {"today", "if", "round", "abs", "min", "max", "sum", "floor"}


def _xpath(tree: tuple, current: str | None) -> str | None:
    kind = tree[0]
    if kind == "num":
        number = tree[1]
        return str(int(number)) if float(number).is_integer() else str(number)
    if kind == "str":
        return (
            "'" + tree[1] + "'"
            if "'" not in tree[1]
            else ('"' + tree[1] + '"' if '"' not in tree[1] else None)
        )
    if kind == "bool":
        return "true()" if tree[1] else "false()"
    if kind == "ref":
        path = tree[1]
        leaf = path.split(".")[-1]
        if path == current:
            return "."
        return "${" + leaf + "}" if "." not in path or path.count(".") == 1 else None
    if kind in {"and", "or"}:
        a, b = _xpath(tree[1], current), _xpath(tree[2], current)
        return None if a is None or b is None else f"({a} {kind} {b})"
    if kind == "not":
        inner = _xpath(tree[1], current)
        return None if inner is None else f"not({inner})"
    if kind == "cmp":
        a, b = _xpath(tree[2], current), _xpath(tree[3], current)
        op = "=" if tree[1] == "==" else tree[1]
        return None if a is None or b is None else f"{a} {op} {b}"
    if kind == "arith":
        a, b = _xpath(tree[2], current), _xpath(tree[3], current)
        op = " div " if tree[1] == "/" else f" {tree[1]} "
        return None if a is None or b is None else f"({a}{op}{b})"
    if kind == "neg":
        inner = _xpath(tree[1], current)
        return None if inner is None else f"-{inner}"
    if kind == "call":
        name, args = tree[1], [_xpath(arg, current) for arg in tree[2]]
        if any(arg is None for arg in args):
            return None
        if name == "contains" and len(args) == 2 and tree[2][0][0] == "ref":
            return f"selected({args[0]}, {args[1]})"
        if name == "len":
            return f"string-length({args[0]})"
        if name in _REVERSE_FUNCTIONS:
            return f"{name}({', '.join(args)})"  # type: ignore[arg-type]
        return None
    return None


def to_xpath(rule: str, *, current: str | None = None) -> str | None:
    """An XPath for a rule, for export; None when the rule has no XPath equivalent."""
    try:
        tree = parse(rule)
    except RuleSyntaxError:
        return None
    text = _xpath(tree, current)
    if text is None:
        return None
    return re.sub(r"^\((.*)\)$", r"\1", text) if text.count("(") == 1 else text
