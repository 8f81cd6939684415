"""Tokenizer and recursive-descent parser of rule expressions.

Grammar (lowest precedence first)::

    expr    := or
    or      := and (("or" | "||") and)*
    and     := not (("and" | "&&") not)*
    not     := ("not" | "!") not | compare
    compare := sum ((== | != | = | < | <= | > | >= | ≠ | ≤ | ≥ | in) sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | primary
    primary := number | string | true | false | null | list | "(" expr ")"
             | name "(" [expr ("," expr)*] ")"        (a function)
             | name ("." name)*                        (a field, or a part of one)
    list    := "[" [expr ("," expr)*] "]"

Trees are tuples: ("num", 1.0) ("str", "a") ("bool", True) ("null",) ("ref", "home.city")
("list", [...]) ("neg", x) ("not", x) ("and", a, b) ("or", a, b) ("cmp", op, a, b)
("in", a, b) ("arith", op, a, b) ("call", name, [args]).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NoReturn

from django.utils.translation import gettext as _

from madoguchi.procedures.rules.functions import FUNCTIONS

MAX_LENGTH = 2000
MAX_DEPTH = 40

KEYWORDS = {"and", "or", "not", "true", "false", "null", "in"}
_OPERATORS = {
    "==": "==",
    "=": "==",
    "!=": "!=",
    "≠": "!=",
    "<=": "<=",
    "≤": "<=",
    "≦": "<=",
    ">=": ">=",
    "≥": ">=",
    "≧": ">=",
    "<": "<",
    ">": ">",
    "&&": "and",
    "||": "or",
    "!": "not",
}
_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|「[^」]*」)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[=≠≤≦≥≧<>!+\-*/(),.\[\]])
    """,
    re.VERBOSE,
)


class RuleSyntaxError(ValueError):
    """The text is not a valid expression. ``message`` is plain Japanese with the position."""

    def __init__(self, message: str, position: int = 0):
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, end
    value: str
    position: int


def normalize(text: str) -> str:
    """全角 → 半角 (＞＝, （）, ａｇｅ …) so rules typed in Japanese input mode still parse."""
    return unicodedata.normalize("NFKC", text)


def tokenize(text: str) -> list[Token]:
    text = normalize(text)
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise RuleSyntaxError(
                _("%(n)s文字目の「%(char)s」は使えない文字です。")
                % {"n": position + 1, "char": text[position]},
                position,
            )
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "string":
            if value.startswith("「"):
                value = value[1:-1]
            else:
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if kind == "op":
            value = _OPERATORS.get(value, value)
            if value in {"and", "or", "not"}:
                kind = "name"
        if kind != "space":
            tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, *values: str) -> bool:
        token = self.current
        return token.kind == kind and (not values or token.value in values)

    def expect(self, kind: str, value: str) -> Token:
        if not self.at(kind, value):
            self.fail(_("「%(expected)s」が必要です。") % {"expected": value})
        return self.advance()

    def fail(self, message: str) -> NoReturn:
        token = self.current
        where = (
            _("式の終わりで")
            if token.kind == "end"
            else _("%(n)s文字目（%(token)s）で") % {"n": token.position + 1, "token": token.value}
        )
        raise RuleSyntaxError(f"{where}{message}", token.position)

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(_("式の入れ子が深すぎます。"))

    # -------------------------------------------------------------- grammar

    def parse(self) -> tuple:
        if self.at("end"):
            raise RuleSyntaxError(_("式が空です。"), 0)
        tree = self.parse_or()
        if not self.at("end"):
            self.fail(_("式が終わるはずの所に続きがあります。"))
        return tree

    def parse_or(self) -> tuple:
        left = self.parse_and()
        while self.at("name", "or"):
            self.advance()
            left = ("or", left, self.parse_and())
        return left

    def parse_and(self) -> tuple:
        left = self.parse_not()
        while self.at("name", "and"):
            self.advance()
            left = ("and", left, self.parse_not())
        return left

    def parse_not(self) -> tuple:
        if self.at("name", "not"):
            self.advance()
            self.nested()
            inner = self.parse_not()
            self.depth -= 1
            return ("not", inner)
        return self.parse_compare()

    def parse_compare(self) -> tuple:
        left = self.parse_sum()
        if self.at("op", "==", "!=", "<", "<=", ">", ">="):
            op = self.advance().value
            return ("cmp", op, left, self.parse_sum())
        if self.at("name", "in"):
            self.advance()
            return ("in", left, self.parse_sum())
        return left

    def parse_sum(self) -> tuple:
        left = self.parse_product()
        while self.at("op", "+", "-"):
            op = self.advance().value
            left = ("arith", op, left, self.parse_product())
        return left

    def parse_product(self) -> tuple:
        left = self.parse_unary()
        while self.at("op", "*", "/"):
            op = self.advance().value
            left = ("arith", op, left, self.parse_unary())
        return left

    def parse_unary(self) -> tuple:
        if self.at("op", "-"):
            self.advance()
            self.nested()
            inner = self.parse_unary()
            self.depth -= 1
            return ("neg", inner)
        return self.parse_primary()

    def parse_list(self, closing: str) -> list[tuple]:
        items: list[tuple] = []
        if self.at("op", closing):
            self.advance()
            return items
        while True:
            items.append(self.parse_or())
            if self.at("op", ","):
                self.advance()
                continue
            self.expect("op", closing)
            return items

    def parse_primary(self) -> tuple:
        token = self.current
        if token.kind == "number":
            self.advance()
            return ("num", float(token.value))
        if token.kind == "string":
            self.advance()
            return ("str", token.value)
        if token.kind == "op" and token.value == "(":
            self.advance()
            self.nested()
            inner = self.parse_or()
            self.depth -= 1
            self.expect("op", ")")
            return inner
        if token.kind == "op" and token.value == "[":
            self.advance()
            self.nested()
            items = self.parse_list("]")
            self.depth -= 1
            return ("list", items)
        if token.kind == "name" and token.value not in {"and", "or", "not", "in"}:
            self.advance()
            if token.value == "true":
                return ("bool", True)
            if token.value == "false":
                return ("bool", False)
            if token.value == "null":
                return ("null",)
            if self.at("op", "("):
                function = FUNCTIONS.get(token.value)
                if function is None:
                    self.index -= 1
                    self.fail(
                        _("関数「%(name)s」はありません。使える関数: %(names)s")
                        % {"name": token.value, "names": ", ".join(sorted(FUNCTIONS))}
                    )
                self.advance()
                self.nested()
                args = self.parse_list(")")
                self.depth -= 1
                low, high = function.arity
                if len(args) < low or (high is not None and len(args) > high):
                    raise RuleSyntaxError(
                        _("関数「%(name)s」の引数の数が正しくありません（%(usage)s）。")
                        % {"name": token.value, "usage": function.usage},
                        token.position,
                    )
                return ("call", token.value, args)
            path = [token.value]
            while self.at("op", "."):
                self.advance()
                if not self.at("name") or self.current.value in KEYWORDS:
                    self.fail(_("「.」の後に項目の key が必要です。"))
                path.append(self.advance().value)
            return ("ref", ".".join(path))
        if token.kind == "end":
            self.fail(_("式が途中で終わっています。"))
        self.fail(_("ここに値か項目が必要です。"))
        raise AssertionError  # pragma: no cover


@lru_cache(maxsize=2048)
def parse(text: str) -> tuple:
    """Parse ``text`` into a tree. Raises RuleSyntaxError with a Japanese message."""
    if not isinstance(text, str):
        raise RuleSyntaxError(_("式は文字列にしてください。"), 0)
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(_("式が長すぎます（%(n)s文字まで）。") % {"n": MAX_LENGTH}, MAX_LENGTH)
    return _Parser(tokenize(text)).parse()


def _walk_refs(tree: Any, out: list[str]) -> None:
    if not isinstance(tree, tuple) or not tree:
        return
    if tree[0] == "ref":
        if tree[1] not in out:
            out.append(tree[1])
        return
    for item in tree[1:]:
        if isinstance(item, tuple):
            _walk_refs(item, out)
        elif isinstance(item, list):
            for sub in item:
                _walk_refs(sub, out)


def fields_of(expression: str | tuple) -> list[str]:
    """Field paths an expression reads, in order of appearance (``["end", "start"]``)."""
    tree = parse(expression) if isinstance(expression, str) else expression
    out: list[str] = []
    _walk_refs(tree, out)
    return out
