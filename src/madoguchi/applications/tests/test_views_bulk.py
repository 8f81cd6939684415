"""一括提出 pages (/builder/bulk/): upload, report by row, confirm, the same file twice."""

import io

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.applications.models import Application
from madoguchi.core.testing import make_organization, make_procedure, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization()


def test_bulk_upload_report_and_confirm(client, org):
    definition = {
        "steps": [
            {
                "key": "a",
                "title": "組合員",
                "fields": [
                    {"key": "member_name", "type": "text", "label": "氏名", "required": True},
                    {"key": "birth", "type": "date", "label": "生年月日", "required": True},
                ],
            }
        ]
    }
    procedure = make_procedure(org, definition=definition, title="組合員資格取得届")
    office = make_organization()
    procedure.bulk_submitters.add(office)
    clerk = make_staff(office, role=Role.COUNTER)
    client.force_login(clerk)
    assert procedure.title in client.get(reverse("bulk:index")).content.decode()
    url = reverse("bulk:upload", args=[procedure.pk])
    assert client.get(url + "?template=1").content.decode("utf-8-sig") == "氏名,生年月日\r\n"
    data = "氏名,生年月日\r\n山田 太郎,昭和60年1月1日\r\n,2024-02-30\r\n".encode("cp932")
    upload = io.BytesIO(data)
    upload.name = "members.csv"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "3行目" in page and "氏名を入力してください。" in page and "1行を提出する" in page
    client.post(response["Location"])
    assert Application.objects.filter(procedure=procedure, channel="bulk").count() == 1
    upload = io.BytesIO(data)
    upload.name = "again.csv"
    again = client.post(url, {"file": upload}, follow=True)
    assert "以前にも取り込まれています" in again.content.decode()
    assert Application.objects.filter(procedure=procedure).count() == 1


def test_a_member_office_clerk_lands_on_bulk_submission_with_their_uploads(client, org):
    """S2's 所属所 clerk (a counter role in their own office) signed in to the 書かない窓口, which is
    not their work; they land on 一括提出: their procedures, what waits for confirmation, what
    was submitted, and the menu leads there."""
    from madoguchi.applications.models import BulkUpload

    procedure = make_procedure(org, title="組合員資格取得届")
    office = make_organization()
    procedure.bulk_submitters.add(office)
    clerk = make_staff(office, role=Role.COUNTER)
    BulkUpload.objects.create(
        procedure=procedure,
        version=procedure.current_version,
        organization=office,
        uploaded_by=clerk,
        file_name="4月分.csv",
        file_sha256="0" * 64,
        total_rows=3,
        valid_rows=2,
    )
    other_clerk = make_staff(office, role=Role.COUNTER)
    client.force_login(clerk)
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"] == reverse("bulk:index")
    page = client.get(reverse("bulk:index")).content.decode()
    assert "組合員資格取得届" in page and "4月分.csv" in page and "確認待ち（まだ提出されていません）" in page
    assert f'href="{reverse("bulk:index")}"' in page.split("<main", 1)[0]  # in the staff menu
    client.force_login(other_clerk)  # someone else's uploads are not listed
    assert "4月分.csv" not in client.get(reverse("bulk:index")).content.decode()
    counter_only = make_staff(make_organization(), role=Role.COUNTER)
    client.force_login(counter_only)
    assert client.get("/staff/")["Location"] == reverse("counter:home")
