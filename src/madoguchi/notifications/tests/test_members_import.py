"""職員名簿の取込 (S12, issue 13): payslips need member records, which only Django admin could
create. The roster page upserts them from a CSV; the payslip batch then finds everyone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import User
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.notifications.models import Member
from madoguchi.notifications.services import member_import

pytestmark = pytest.mark.django_db

ROSTER = "職員番号,氏名,メールアドレス,生年月日\n１００１,山田 花子,hanako@example.jp,1990/4/1\n1002,鈴木 一郎,ichiro@example.jp,\n"


def test_a_roster_creates_members_and_accounts_and_importing_it_again_changes_nothing():
    org = make_organization()
    clerk = make_staff(org, role=Role.OWNER)
    hanako = make_user("hanako@example.jp")
    report = member_import(actor=clerk, organization=org, data=ROSTER.encode("cp932"))
    assert (report.created, report.updated, report.unchanged, report.errors) == (2, 0, 0, [])
    assert Member.objects.get(organization=org, number="1001").user == hanako  # 全角 digits folded
    assert User.objects.get(email="ichiro@example.jp").display_name == "鈴木 一郎"
    again = member_import(actor=clerk, organization=org, data=ROSTER.encode("utf-8"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_bad_rows_are_reported_by_line_and_the_others_are_kept():
    org = make_organization()
    clerk = make_staff(org, role=Role.OWNER)
    data = "組合員番号,メールアドレス\n2001,not-an-address\n,nobody@example.jp\n2002,ok@example.jp\n2002,ok2@example.jp\n"
    report = member_import(actor=clerk, organization=org, data=data.encode())
    assert report.created == 1
    assert [line for line, _message in report.errors] == [2, 3, 5]


def test_the_roster_page_is_for_the_organizations_managers_and_answers_422_on_a_bad_file(client):
    org = make_organization()
    client.force_login(make_staff(org, role=Role.REVIEWER))
    url = reverse("notifications:staff_members", args=[org.slug])
    assert client.get(url).status_code == 403  # as the other pages of a manager
    client.force_login(make_staff(org, role=Role.OWNER))
    page = client.get(url)
    assert page.status_code == 200 and 'name="roster"' in page.content.decode()
    bad = client.post(url, {"roster": SimpleUploadedFile("r.csv", "氏名\n山田\n".encode())})
    assert bad.status_code == 422 and "職員番号" in bad.content.decode()
    good = client.post(url, {"roster": SimpleUploadedFile("r.csv", ROSTER.encode())})
    assert good.status_code == 200 and "新規 2 人" in good.content.decode()
    assert Member.objects.filter(organization=org).count() == 2
    batches = client.get(reverse("notifications:staff_batches", args=[org.slug])).content.decode()
    assert url in batches  # linked from the payslip page's tabs
