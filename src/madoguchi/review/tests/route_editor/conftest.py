import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_staff


@pytest.fixture
def admin(office):
    return make_staff(office.org, Role.ADMIN, None)


@pytest.fixture
def owner_a(office):
    return make_staff(office.org, Role.OWNER, office.dept_a)
