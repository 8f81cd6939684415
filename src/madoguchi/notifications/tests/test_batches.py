import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.notifications.constants import BatchRowStatus, BatchStatus
from madoguchi.notifications.models import DeliveryBatch, MailboxMessage
from madoguchi.notifications.services import delivery_batch_create, delivery_batch_process, member_register

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% payslip\n"


def _zip(files: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return SimpleUploadedFile("payslips.zip", buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def payroll():
    organization = make_organization()
    staff = make_staff(organization, role=Role.CENTRE)
    alice, bob = make_user(), make_user()
    member_register(organization=organization, number="1001", user=alice, birth_date=date(1980, 4, 1))
    member_register(organization=organization, number="1002", user=bob)
    return organization, staff, alice, bob


def test_bulk_delivery_reports_delivered_unmatched_and_failed_rows(
    payroll, django_capture_on_commit_callbacks
):
    organization, staff, alice, bob = payroll
    mapping = "職員番号,ファイル名\n１００１,1001.pdf\n1002,1002.pdf\n9999,9999.pdf\n1001,missing.pdf\n1002,notes.txt\n"
    archive = _zip({"1001.pdf": PDF, "dir/1002.pdf": PDF, "9999.pdf": PDF, "notes.txt": b"hello"})
    with django_capture_on_commit_callbacks(execute=True):
        batch = delivery_batch_create(
            organization=organization,
            actor=staff,
            title="2026年11月分 給与明細",
            archive=archive,
            mapping=SimpleUploadedFile("map.csv", mapping.encode("cp932")),
        )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.total == 5
    assert (batch.delivered_count, batch.unmatched_count, batch.failed_count) == (2, 1, 2)
    statuses = dict(batch.rows.values_list("line_number", "status"))
    assert statuses == {
        2: BatchRowStatus.DELIVERED,  # 全角 digits in the CSV still match
        3: BatchRowStatus.DELIVERED,  # file found in a folder by its base name
        4: BatchRowStatus.UNMATCHED,
        5: BatchRowStatus.FAILED,
        6: BatchRowStatus.FAILED,
    }
    alice_docs = MailboxMessage.objects.filter(user=alice)
    assert alice_docs.count() == 1 and alice_docs.get().file.read() == PDF
    assert MailboxMessage.objects.filter(user=bob).count() == 1
    # running the batch again (a retried task) delivers nothing twice
    delivery_batch_process(batch_id=batch.pk)
    assert MailboxMessage.objects.count() == 2


def test_the_mapping_can_be_inside_the_zip(payroll, django_capture_on_commit_callbacks):
    organization, staff, alice, _bob = payroll
    archive = _zip(
        {"1001.pdf": PDF, "mapping.csv": "employee_number,file,title\n1001,1001.pdf,賞与明細\n".encode()}
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery_batch_create(organization=organization, actor=staff, title="明細", archive=archive)
    assert MailboxMessage.objects.get(user=alice).subject == "賞与明細"


@pytest.mark.parametrize(
    ("files", "mapping", "field"),
    [
        ({"1001.pdf": PDF}, None, "mapping"),  # no CSV anywhere
        ({"1001.pdf": PDF}, "番号,名前\n1,a\n", "mapping"),  # wrong columns
        ({"1001.pdf": PDF}, "職員番号,ファイル名\n", "mapping"),  # header only
    ],
)
def test_a_broken_upload_is_refused_with_a_message_on_its_field(payroll, files, mapping, field):
    organization, staff, _alice, _bob = payroll
    with pytest.raises(FieldErrors) as exc:
        delivery_batch_create(
            organization=organization,
            actor=staff,
            title="明細",
            archive=_zip(files),
            mapping=SimpleUploadedFile("m.csv", mapping.encode()) if mapping else None,
        )
    assert list(exc.value.errors) == [field]
    assert not DeliveryBatch.objects.exists()


def test_a_file_that_is_not_a_zip_is_refused(payroll):
    organization, staff, _alice, _bob = payroll
    with pytest.raises(FieldErrors) as exc:
        delivery_batch_create(
            organization=organization,
            actor=staff,
            title="",
            archive=SimpleUploadedFile("a.zip", b"not a zip"),
        )
    assert set(exc.value.errors) == {"title", "archive"}


def test_upload_page_delivers_and_shows_the_report(client, payroll, django_capture_on_commit_callbacks):
    organization, staff, alice, _bob = payroll
    client.force_login(staff)
    url = reverse("notifications:staff_batches", args=[organization.slug])
    with_errors = client.post(url, {"title": "", "document_kind": "payslip"})
    assert with_errors.status_code == 422 and 'id="title-error"' in with_errors.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "title": "11月分 給与明細",
                "document_kind": "payslip",
                "archive": _zip({"1001.pdf": PDF}),
                "mapping": SimpleUploadedFile(
                    "m.csv", "職員番号,ファイル名\n1001,1001.pdf\n4242,4242.pdf\n".encode()
                ),
            },
        )
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert "4242" in report and "この職員番号の人が登録されていません。" in report
    assert MailboxMessage.objects.filter(user=alice).count() == 1
