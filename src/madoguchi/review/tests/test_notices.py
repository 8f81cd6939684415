"""Decision notices are PAdES-signed with the organization's key; poppler's pdfsig (an
independent implementation) must report the signature valid, and invalid after tampering."""

import shutil
import subprocess

import pytest

from madoguchi.core.testing import make_user
from madoguchi.review import services
from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import Notice, TaskState
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db

needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) not installed"
)


def decide(office, outcome="approved", reason="支給額 12,345円"):
    case = make_application(office.procedure_a).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    services.case_decide(
        user=office.approver_a, case_id=case.pk, task_id=task.pk, outcome=outcome, reason=reason
    )
    return Notice.objects.get(case=case)


def pdfsig(tmp_path, data: bytes) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


@needs_pdfsig
def test_decision_notice_signature_is_valid_for_pdfsig(office, tmp_path):
    notice = decide(office)
    out = pdfsig(tmp_path, bytes(notice.pdf))
    assert "Signature is Valid" in out, out
    assert "Total document signed" in out
    assert office.org.name in out  # signer certificate names the organization


@needs_pdfsig
def test_tampered_notice_fails_pdfsig(office, tmp_path):
    data = bytearray(bytes(Notice.objects.get(pk=decide(office).pk).pdf))
    # flip one byte inside the first signed range (the page content, before the signature)
    position = data.find(b"stream") + 20
    data[position] ^= 0x01
    out = pdfsig(tmp_path, bytes(data))
    assert "Signature is Valid" not in out, out


def test_rejection_produces_a_fuhshonin_notice(office):
    notice = decide(office, outcome="rejected", reason="対象期間外のため")
    assert notice.title == "不承認通知書"
    assert bytes(notice.pdf).startswith(b"%PDF-")


def test_notice_text_comes_from_the_procedure_template(office):
    from madoguchi.review.models import NoticeTemplate
    from madoguchi.review.notices import notice_text

    NoticeTemplate.objects.create(
        procedure=office.procedure_a,
        outcome="approved",
        title="支給決定通知書",
        body="{{ applicant }} 様 {{ reference_number }} を {{ reason }} で支給します。",
    )
    notice = decide(office)
    title, body, _values = notice_text(case=notice.case, decision=notice.decision)
    assert notice.title == title == "支給決定通知書"
    assert notice.case.reference_number in body and "12,345円" in body


def test_applicant_downloads_own_notice_and_others_get_404(client, office):
    notice = decide(office)
    url = f"/staff/notices/{notice.pk}.pdf"
    client.force_login(notice.case.application.applicant)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == bytes(notice.pdf)
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.force_login(office.reviewer_b)  # staff of another department
    assert client.get(url).status_code == 404
    client.force_login(office.reviewer_a)
    assert client.get(url).status_code == 200


def test_signing_key_is_created_once_and_private(office, settings):
    import os
    from pathlib import Path

    from madoguchi.review.signing import ensure_organization_identity

    key, cert, ca = ensure_organization_identity(office.org)
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    again = ensure_organization_identity(office.org)
    assert again == (key, cert, ca) and Path(key).read_bytes() == Path(again[0]).read_bytes()


def test_status_page_links_the_signed_notice_for_its_applicant(client, office):
    notice = decide(office)
    application = notice.case.application
    client.force_login(application.applicant)
    html = client.get(f"/applications/{application.pk}/").content.decode()
    assert f"/staff/notices/{notice.pk}.pdf" in html and notice.title in html
