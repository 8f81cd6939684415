import pytest

from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_organization, make_procedure
from madoguchi.feedback import ratelimit
from madoguchi.feedback.models import Review
from madoguchi.feedback.services import review_point_create, review_point_for_procedure, review_submit
from madoguchi.feedback.tokens import read_visit_token, visit_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def point():
    return review_point_create(
        actor=None, organization=make_organization(), kind="counter", name="市民課 窓口"
    )


def test_a_review_is_stored_with_its_comment_masked(point):
    review, created = review_submit(point=point, satisfaction="４", nps=9, comment="電話は03-1234-5678です")
    assert created
    review.refresh_from_db()
    assert review.satisfaction == 4 and review.nps == 9
    assert "03-1234-5678" not in review.comment
    assert review.masked == ["phone"]


def test_missing_or_out_of_range_answers_come_back_per_field(point):
    with pytest.raises(FieldErrors) as exc:
        review_submit(point=point, satisfaction="", nps=11, difficulties=["nope"])
    assert set(exc.value.errors) == {"satisfaction", "nps", "difficulties"}
    assert not Review.objects.exists()


def test_the_same_nonce_twice_stores_one_review(point):
    first, created = review_submit(point=point, satisfaction=5, nonce="n1")
    again, created_again = review_submit(point=point, satisfaction=5, nonce="n1")
    assert created and not created_again and first.pk == again.pk
    assert Review.objects.count() == 1


def test_one_review_per_visit_token():
    procedure = make_procedure()
    point = review_point_for_procedure(procedure=procedure)
    visit = read_visit_token(visit_token(point=f"procedure:{procedure.pk}", visit="application:abc"))
    review_submit(point=point, satisfaction=4, visit=visit)
    with pytest.raises(DomainError) as exc:
        review_submit(point=point, satisfaction=2, visit=visit)
    assert exc.value.code == "already_reviewed"
    assert Review.objects.count() == 1


def test_a_forged_visit_token_is_not_read():
    token = visit_token(point="procedure:1", visit="application:abc")
    assert read_visit_token(token[:-2] + "xx") is None


def test_a_busy_browser_is_held_not_refused(point, monkeypatch):
    monkeypatch.setattr(ratelimit, "BROWSER_LIMIT", "2/hour")
    for n in range(3):
        review_submit(point=point, satisfaction=5, browser="tablet-1", nonce=f"k{n}")
    assert list(Review.objects.order_by("submitted_at").values_list("held", flat=True)) == [
        False,
        False,
        True,
    ]


def test_many_browsers_behind_one_address_are_all_counted(point, monkeypatch):
    """A carrier NAT: one address, many phones; only the address ceiling (wide) refuses."""
    monkeypatch.setattr(ratelimit, "ADDRESS_LIMIT", "5/hour")
    for n in range(5):
        review_submit(point=point, satisfaction=4, browser=f"phone-{n}", address="203.0.113.9", nonce=f"a{n}")
    assert Review.objects.filter(held=False).count() == 5
    with pytest.raises(DomainError) as exc:
        review_submit(point=point, satisfaction=4, browser="phone-x", address="203.0.113.9", nonce="a9")
    assert exc.value.status == 429


def test_the_address_ceiling_of_one_counter_does_not_touch_another(point, monkeypatch):
    monkeypatch.setattr(ratelimit, "ADDRESS_LIMIT", "1/hour")
    other = review_point_create(actor=None, organization=point.organization, kind="counter", name="福祉課")
    review_submit(point=point, satisfaction=4, address="203.0.113.9", nonce="x1")
    review_submit(point=other, satisfaction=4, address="203.0.113.9", nonce="x2")
    assert Review.objects.count() == 2


def test_a_review_takes_a_handful_of_statements(point, django_assert_max_num_queries):
    review_submit(point=point, satisfaction=5, nonce="warm")
    with django_assert_max_num_queries(6):
        review_submit(point=point, satisfaction=5, nps=10, comment="よかった", nonce="k2")
