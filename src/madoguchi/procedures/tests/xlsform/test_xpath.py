"""XLSForm: XPath expressions become rules and back; what does not map is refused with a reason."""

from __future__ import annotations

import pytest

from madoguchi.procedures.xlsform.xpath import NotMapped, to_rule, to_xpath


@pytest.mark.parametrize(
    ("xpath", "rule"),
    [
        ("${age} >= 18", "age >= 18"),
        ("${kind} = 'other'", "kind == 'other'"),
        ("${kind} != 'other'", "kind != 'other'"),
        ("selected(${ways}, 'bus')", "contains(ways, 'bus')"),
        ("not(selected(${ways}, 'bus'))", "not (contains(ways, 'bus'))"),
        ("${a} > 1 and ${b} < 2 or ${c} <= 3", "a > 1 and b < 2 or c <= 3"),
        ("(${a} + ${b}) * 2 - ${c} div 4", "(a + b) * 2 - c / 4"),
        ("-${a} + 1", "-a + 1"),
        ("today() > ${start}", "today() > start"),
        (". >= 0 and . <= 100", "me >= 0 and me <= 100"),
        ("string-length(.) <= 10", "len(me) <= 10"),
        ("count-selected(${ways}) >= 2", "count(ways) >= 2"),
        ("if(${married} = 'yes', 2, 1)", "if(married == 'yes', 2, 1)"),
        ("round(${price} * 1.1, 0)", "round(price * 1.1, 0)"),
        ("sum(${amount})", "sum(amount)"),
        ("${start} <= date('2026-03-31')", "start <= '2026-03-31'"),
        ("int(${x} div 2)", "floor(x / 2)"),
        ("true()", "true"),
        ('${name} = "山田"', "name == '山田'"),
    ],
)
def test_xpath_expressions_become_rules(xpath, rule):
    assert to_rule(xpath, current="me") == rule


@pytest.mark.parametrize(
    "xpath",
    [
        "${a} mod 2 = 0",
        "concat(${a}, 'x')",
        "jr:choice-name(${a}, '${a}')",
        "/data/a = 1",
        "${a} >",
        "position(..)",
    ],
)
def test_xpath_that_does_not_map_is_refused_with_a_reason(xpath):
    with pytest.raises(NotMapped):
        to_rule(xpath)


def test_rules_go_back_to_xpath_where_xpath_can_say_them():
    assert to_xpath("age >= 18 and contains(ways, 'bus')") == "(${age} >= 18 and selected(${ways}, 'bus'))"
    assert to_xpath("len(me) <= 10", current="me") == "string-length(.) <= 10"
    assert to_xpath("age(birth) >= 65") is None  # no XPath for age(): the exact rule travels in the JSON
