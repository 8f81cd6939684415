"""The rule evaluator in static/js/fields.js gives the same results as Python (run with node)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from madoguchi.procedures import rules
from madoguchi.procedures.rules import evaluate_text

FIELDS_JS = Path(rules.__file__).parents[2] / "static" / "js" / "fields.js"
CASES_JSON = Path(rules.__file__).parent / "cases.json"
SCRIPT = """
const Rules = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const out = cases.map(function (c) {
  try { return { value: Rules.evaluate(c.expr, c.data || {}, c.today || "2024-04-01") }; }
  catch (e) { return { error: String(e.message || e) }; }
});
process.stdout.write(JSON.stringify(out));
"""

EXTRA_CASES = [
    {"expr": "a + b", "data": {"a": "1.5", "b": 2}},
    {"expr": "x == y", "data": {"x": [1, 2], "y": 2}},
    {"expr": "p.q.r", "data": {"p": [{"q": {"r": 1}}, {"q": {"r": 2}}]}},
    {"expr": "sum(p.q.r) / count(p)", "data": {"p": [{"q": {"r": 1}}, {"q": {"r": 2}}]}},
    {
        "expr": "age(b) >= 18 and kind != 'child'",
        "data": {"b": "2006-04-02", "kind": "self"},
        "today": "2024-04-01",
    },
    {"expr": "add_days(today(), 30) >= end", "data": {"end": "2024-05-01"}, "today": "2024-04-01"},
    {"expr": "round(income * 0.1)", "data": {"income": "１２，３４５円"}},
    {"expr": "if(empty(note), 0, len(note))", "data": {"note": "あいう"}},
]


def run_node(cases):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    path = Path(__file__).parent / "_parity_cases.json"
    try:
        path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
        done = subprocess.run(
            [node, "-e", SCRIPT, str(FIELDS_JS), str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        path.unlink(missing_ok=True)
    return json.loads(done.stdout)


def test_javascript_and_python_agree_on_every_case():
    cases = json.loads(CASES_JSON.read_text(encoding="utf-8")) + EXTRA_CASES
    results = run_node(cases)
    assert len(results) == len(cases)
    mismatches = []
    for case, js in zip(cases, results, strict=True):
        py = evaluate_text(case["expr"], case.get("data", {}), today=case.get("today", "2024-04-01"))
        if "error" in js or js["value"] != py:
            mismatches.append((case["expr"], py, js))
    assert mismatches == []


def test_javascript_refuses_the_same_broken_rules():
    broken = ["a >= ", "foo(1)", "age()", "(a > 1", "a b", "a."]
    results = run_node([{"expr": text} for text in broken])
    assert all("error" in result for result in results)
