"""Settings for the test suite: production's settings plus the suite's explicit test values.

The suite runs with DEBUG unset, as production does, so it needs keys of its own. They are
public, labelled test-only values (core/devvalues.py) that production refuses
(core/checks.py); they are put into the environment before the settings are read, so
subprocesses started by tests inherit them. The tests that exercise the refusal override the
settings themselves. pytest selects this module (pyproject.toml, DJANGO_SETTINGS_MODULE).
"""

import os

from madoguchi.core.devvalues import TEST_ENVIRONMENT

os.environ.setdefault("MADOGUCHI_FAST_HASHER", "1")
for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

from madoguchi.config.settings import *  # noqa: E402,F403
