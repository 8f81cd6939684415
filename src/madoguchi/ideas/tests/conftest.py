import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_department, make_organization, make_staff
from madoguchi.ideas.constants import SpaceKind, Visibility
from madoguchi.ideas.models import Space
from madoguchi.ideas.permissions import staff_viewer


class World:
    def __init__(self):
        self.org = make_organization()
        self.digital = make_department(self.org, name="デジタル")
        self.jinzai = make_department(self.org, name="人材育成課")
        self.box = Space.objects.create(
            organization=self.org,
            slug="teian",
            name="提案箱",
            kind=SpaceKind.PROPOSALS,
            moderator_department=self.digital,
        )
        self.qa = Space.objects.create(
            organization=self.org,
            slug="qa",
            name="SHIN-QA",
            kind=SpaceKind.QUESTIONS,
            moderator_department=self.digital,
        )
        self.author = make_staff(self.org, Role.REVIEWER, display_name="提案者")
        self.peer = make_staff(self.org, Role.REVIEWER)
        self.moderator = make_staff(self.org, Role.OWNER, department=self.digital)
        self.answerer = make_staff(self.org, Role.REVIEWER, department=self.jinzai)

    def v(self, user):
        return staff_viewer(user)


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def public_space(world):
    return Space.objects.create(
        organization=world.org,
        slug="public",
        name="公開提案",
        kind=SpaceKind.PROPOSALS,
        visibility=Visibility.PUBLIC,
    )
