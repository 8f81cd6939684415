import pytest

from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import TaskState
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    from madoguchi.core.testing import ApiClient

    def as_user(user):
        client.force_login(user)
        return ApiClient(client=client)

    return as_user


def test_reviewer_approves_through_the_api(api, office):
    case = make_application(office.procedure_a).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    a = api(office.reviewer_a)
    queue = a.get("/staff/queue/team").json()
    assert str(case.pk) in [row["id"] for row in queue["cases"]]
    body = a.post(f"/staff/cases/{case.pk}/tasks/{task.pk}/approve", {"comment": "OK"}).json()
    assert body["current_position"] == 2


def test_api_errors_are_404_403_409_and_422_never_500(api, office):
    case = make_application(office.procedure_a).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    assert api(office.reviewer_b).get(f"/staff/cases/{case.pk}").status_code == 404
    assert api(office.reviewer_b).get("/staff/cases/not-a-uuid").status_code == 404
    assert api(office.auditor).post(f"/staff/cases/{case.pk}/tasks/{task.pk}/approve", {}).status_code == 403
    bad = api(office.reviewer_a).post(f"/staff/cases/{case.pk}/corrections", {"fields": [], "message": ""})
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"fields", "message"}
    a = api(office.reviewer_a)
    a.post(f"/staff/cases/{case.pk}/tasks/{task.pk}/approve", {})
    assert a.post(f"/staff/cases/{case.pk}/tasks/{task.pk}/approve", {}).status_code == 409
