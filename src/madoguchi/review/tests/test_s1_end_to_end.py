"""S1 without a browser: apply → review → 補正 → applicant fixes → approve → decide → the
applicant downloads the signed notice, and pdfsig says the signature is valid."""

import shutil
import subprocess

import pytest

from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import Case, CorrectionRequest, TaskState
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


def pending_task(case):
    case = Case.objects.get(pk=case.pk)
    return TaskState.objects.get(case=case, round=case.step_round, status=TaskStatus.PENDING)


def test_s1_apply_correct_approve_and_download_signed_notice(client, office, tmp_path):
    application = make_application(office.procedure_a, data={"name": "山田 太朗", "kind": "a"})
    case = application.case
    act = f"/staff/cases/{case.pk}/act/"

    client.force_login(office.reviewer_a)
    assert client.post(act, {"action": "claim"}).status_code == 302
    response = client.post(
        act, {"action": "correction", "fields": ["name"], "message": "氏名の漢字が違います。"}
    )
    assert response.status_code == 302

    correction = CorrectionRequest.objects.get(case=case)
    client.force_login(application.applicant)
    status_page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "氏名の漢字が違います" in status_page  # the public event on the applicant's timeline
    assert client.post(f"/staff/corrections/{correction.pk}/", {"name": "山田 太郎"}).status_code == 302

    client.force_login(office.reviewer_a)
    case_page = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "山田 太朗" in case_page and "山田 太郎" in case_page  # the diff of the two versions
    assert client.post(act, {"action": "approve", "task": pending_task(case).pk}).status_code == 302

    client.force_login(office.approver_a)
    response = client.post(
        act,
        {
            "action": "decide",
            "task": pending_task(case).pk,
            "outcome": "approved",
            "reason": "高額療養費 12,345円を支給します。",
        },
    )
    assert response.status_code == 302
    notice = Case.objects.get(pk=case.pk).notices.get()

    client.force_login(application.applicant)
    pdf = client.get(f"/staff/notices/{notice.pk}.pdf")
    assert pdf.status_code == 200
    if shutil.which("pdfsig"):
        path = tmp_path / "notice.pdf"
        path.write_bytes(pdf.content)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
        assert "Signature is Valid" in out, out
