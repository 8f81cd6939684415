import pytest

from madoguchi.feedback import ratelimit


@pytest.fixture(autouse=True)
def _feedback_limits_start_empty():
    ratelimit.reset()
    yield
