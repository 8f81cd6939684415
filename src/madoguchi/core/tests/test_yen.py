"""One format for amounts and counts: 「2,000円」, 「1,200人」 (issue 13: 2000円 and 2,000円 side by side)."""

from django.template import Context, Template

from madoguchi.core.yen import with_unit, yen
from madoguchi.procedures.fields import get_field_type


def test_amounts_read_with_a_thousands_separator_wherever_they_are_drawn():
    assert yen(2000) == yen("2000") == yen(2000.0) == "2,000円"
    assert yen(0) == "0円" and yen(None) == "" and yen("未定") == "未定"
    # a template needs no {% load %}: the filter is a builtin
    assert Template("{{ fee|yen }}").render(Context({"fee": 1234567})) == "1,234,567円"


def test_a_number_field_shows_its_value_as_the_money_and_computed_fields_do():
    integer, money, computed = (get_field_type(t) for t in ("integer", "money", "computed"))
    assert integer.display(2000, {"unit": "円"}) == money.display(2000, {}) == "2,000円"
    assert integer.display(1200, {"unit": "人"}) == computed.display(
        1200, {"format": "integer", "unit": "人"}
    )
    assert integer.display(1200, {"unit": "人"}) == "1,200人"
    assert integer.display(2026, {"unit": "年"}) == with_unit(2026, "年") == "2026年"  # a year, not a count


def test_no_template_outside_payments_draws_an_amount_without_the_separator():
    """``{{ n }}円`` or a ``stringformat:"d"`` amount gives 「2000円」 next to 「2,000円」: use ``|yen``.
    payments writes its amounts inside translated sentences (「{{ n }}円」 / "{{ n }} yen"), so
    there the number is grouped with ``|thousands`` and never drawn with ``stringformat``."""
    import re
    from pathlib import Path

    import madoguchi

    root = Path(next(iter(madoguchi.__path__)))
    raw_amount = re.compile(r'\}\}\s*(?:円|\{% translate "円" %\})|stringformat:"d"[^}]*\}\}?[^{<]*?円')
    found = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        if "payments" in path.parts:
            found += [
                f"{path.relative_to(root)}: stringformat" for _ in re.finditer(r'stringformat:"d"', text)
            ]
            continue
        found += [f"{path.relative_to(root)}: {m.group(0)}" for m in raw_amount.finditer(text)]
    assert found == []


def test_a_translated_sentence_groups_its_number_with_thousands():
    rendered = Template(
        "{% load i18n %}{% blocktranslate with n=fee|thousands %}{{ n }}円{% endblocktranslate %}"
    ).render(Context({"fee": 12000}))
    assert rendered == "12,000円"
    assert Template("{{ v|thousands }}").render(Context({"v": "-"})) == "-"
