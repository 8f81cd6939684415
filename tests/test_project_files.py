"""The promises the README makes are the ones CI keeps."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.startswith("    python3 ")]


def test_readme_gives_exactly_two_set_up_commands_install_and_demo_then_install_and_test():
    commands = _readme_commands()

    assert commands == [
        "python3 -m pip install -e . && madoguchi demo",
        "python3 -m pip install -e '.[test]' && python3 -m pytest -n auto",
    ]


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(r'^TEST_COMMAND="(.+)"$', ci, re.MULTILINE)

    assert match is not None
    assert match.group(1) == _readme_commands()[1]
    assert ci.splitlines()[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in ci


def test_readme_links_only_to_files_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" not in target:
            assert (ROOT / target).exists(), target


def _pinned() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _sep, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_every_dependency_of_the_project_and_its_test_extra_is_pinned_for_ci():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = _pinned()
    missing = [req for req in named if canonicalize_name(Requirement(req).name) not in pins]
    assert missing == [], "pin them: python3 scripts/refresh_constraints.py (docs/development.md)"
    for req in named:
        requirement = Requirement(req)
        assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)]), req


def test_ci_installs_through_the_constraints_file():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'export PIP_CONSTRAINT="$PWD/requirements/constraints.txt"' in ci
    assert ci.index("PIP_CONSTRAINT") < ci.index('run_suite "$TEST_COMMAND"')


def test_browser_tests_live_under_tests_browser_only():
    stray = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("test_*.py")
        if "browser" in path.name or "playwright" in path.read_text(encoding="utf-8")
    ]
    assert stray == [], "move browser tests to tests/browser/ (docs/architecture.md, Tests)"
