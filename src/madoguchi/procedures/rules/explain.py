"""Rules explained in plain Japanese for form builders (「『終了日』が『開始日』と同じか後」)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from madoguchi.procedures.fields.base import FieldType, registry
from madoguchi.procedures.rules.parser import RuleSyntaxError, parse


def _format_number(value: float) -> str:
    return f"{int(value):,}" if value.is_integer() else str(value)


class _Explainer:
    def __init__(self, specs: dict[str, dict]):
        self.specs = specs

    def spec_of(self, tree: tuple) -> dict | None:
        if tree[0] != "ref":
            return None
        return self.specs.get(tree[1].split(".")[0])

    def field_type(self, spec: dict | None) -> FieldType | None:
        return registry.get(str(spec.get("type") or "")) if spec else None

    def label(self, path: str) -> str:
        head, _sep, rest = path.partition(".")
        spec = self.specs.get(head)
        label = str((spec or {}).get("label") or head)
        if not rest:
            return f"「{label}」"
        field_type = self.field_type(spec)
        parts = field_type.rule_parts(spec) if field_type is not None and spec is not None else {}
        return f"「{label}」の「{parts.get(rest.split('.')[0], rest)}」"

    def is_date(self, tree: tuple) -> bool:
        if tree[0] == "call" and tree[1] in {"today", "add_days"}:
            return True
        field_type = self.field_type(self.spec_of(tree))
        return bool(field_type and field_type.is_date)

    def value(self, tree: tuple, other: tuple | None = None) -> str:
        kind = tree[0]
        if kind == "num":
            return _format_number(tree[1])
        if kind == "str":
            spec = self.spec_of(other) if other is not None else None
            for option in (spec or {}).get("options", []) or []:
                if isinstance(option, dict) and str(option.get("value")) == tree[1]:
                    return f"「{option.get('label', tree[1])}」"
            return f"「{tree[1]}」"
        if kind == "bool":
            return _("はい") if tree[1] else _("いいえ")
        if kind == "null":
            return _("未入力")
        if kind == "ref":
            return self.label(tree[1])
        if kind == "list":
            return "・".join(self.value(item, other) for item in tree[1])
        if kind == "neg":
            return f"−{self.value(tree[1])}"
        if kind == "arith":
            symbol = {"+": "＋", "-": "−", "*": "×", "/": "÷"}[tree[1]]
            return f"（{self.value(tree[2])} {symbol} {self.value(tree[3])}）"
        if kind == "call":
            return self.call(tree[1], tree[2])
        return self.sentence(tree)

    def call(self, name: str, args: list[tuple]) -> str:
        values = [self.value(arg) for arg in args]
        if name == "today":
            return _("今日")
        if name == "age":
            if len(values) == 2:
                return _("%(date)s時点の%(birth)sから計算した年齢") % {"birth": values[0], "date": values[1]}
            return _("%(birth)sから計算した年齢") % {"birth": values[0]}
        if name == "days":
            return _("%(a)sから%(b)sまでの日数") % {"a": values[0], "b": values[1]}
        if name == "add_days":
            return _("%(a)sの%(n)s日後") % {"a": values[0], "n": values[1]}
        if name == "year":
            return _("%(a)sの年") % {"a": values[0]}
        if name == "month":
            return _("%(a)sの月") % {"a": values[0]}
        if name == "sum":
            return _("%(a)sの合計") % {"a": "・".join(values)}
        if name == "count":
            return _("%(a)sの件数") % {"a": "・".join(values)}
        if name == "min":
            return _("%(a)sのうち最も小さい値") % {"a": "・".join(values)}
        if name == "max":
            return _("%(a)sのうち最も大きい値") % {"a": "・".join(values)}
        if name == "round":
            return _("%(a)sを四捨五入した値") % {"a": values[0]}
        if name == "floor":
            return _("%(a)sの小数点以下を切り捨てた値") % {"a": values[0]}
        if name == "abs":
            return _("%(a)sの絶対値") % {"a": values[0]}
        if name == "len":
            return _("%(a)sの文字数") % {"a": values[0]}
        if name == "empty":
            return _("%(a)sが未入力") % {"a": values[0]}
        if name == "contains":
            return _("%(a)sに%(b)sが含まれる") % {"a": values[0], "b": self.value(args[1], args[0])}
        if name == "if":
            return _("（%(c)sなら%(a)s、そうでなければ%(b)s）") % {
                "c": self.sentence(args[0]),
                "a": values[1],
                "b": values[2],
            }
        return f"{name}({', '.join(values)})"

    def sentence(self, tree: tuple) -> str:
        kind = tree[0]
        if kind == "and":
            return _("%(a)s、かつ%(b)s") % {"a": self.sentence(tree[1]), "b": self.sentence(tree[2])}
        if kind == "or":
            return _("%(a)s、または%(b)s") % {"a": self.sentence(tree[1]), "b": self.sentence(tree[2])}
        if kind == "not":
            return _("（%(a)s）ではない") % {"a": self.sentence(tree[1])}
        if kind == "in":
            return _("%(a)sが%(b)sのいずれか") % {"a": self.value(tree[1]), "b": self.value(tree[2], tree[1])}
        if kind == "cmp":
            op, left, right = tree[1], tree[2], tree[3]
            a, b = self.value(left), self.value(right, left)
            spec = self.spec_of(left)
            if right[0] == "null":
                return (_("%(a)sが未入力") if op == "==" else _("%(a)sが入力されている")) % {"a": a}
            if spec and spec.get("options") and right[0] == "str":
                if op == "==":
                    return _("%(a)sで%(b)sを選んだ") % {"a": a, "b": b}
                if op == "!=":
                    return _("%(a)sで%(b)s以外を選んだ") % {"a": a, "b": b}
            if right[0] == "bool" and op in {"==", "!="}:
                yes = right[1] if op == "==" else not right[1]
                return (_("%(a)sが「はい」") if yes else _("%(a)sが「いいえ」")) % {"a": a}
            dates = self.is_date(left) or self.is_date(right)
            words = {
                "==": _("%(a)sが%(b)sと同じ"),
                "!=": _("%(a)sが%(b)sと異なる"),
                ">=": _("%(a)sが%(b)sと同じか後") if dates else _("%(a)sが%(b)s以上"),
                ">": _("%(a)sが%(b)sより後") if dates else _("%(a)sが%(b)sより大きい"),
                "<=": _("%(a)sが%(b)sと同じか前") if dates else _("%(a)sが%(b)s以下"),
                "<": _("%(a)sが%(b)sより前") if dates else _("%(a)sが%(b)s未満"),
            }
            return words[op] % {"a": a, "b": b}
        if kind == "ref":
            field_type = self.field_type(self.spec_of(tree))
            if field_type and field_type.is_yes_no:
                return _("%(a)sが「はい」") % {"a": self.label(tree[1])}
            return _("%(a)sが入力されている") % {"a": self.label(tree[1])}
        if kind == "bool":
            return _("常に成り立つ") if tree[1] else _("常に成り立たない")
        return self.value(tree)


def explain(expression: str, specs: dict[str, dict] | None = None) -> str:
    """A Japanese sentence for ``expression``; ``specs`` maps field keys to their specs."""
    try:
        tree = parse(expression)
    except RuleSyntaxError as exc:
        return _("式に誤りがあります: %(message)s") % {"message": exc.message}
    return _Explainer(specs or {}).sentence(tree)
