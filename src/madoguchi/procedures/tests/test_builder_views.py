"""Builder pages without JavaScript: build, edit, preview with errors, publish, diff, exchange."""

import io
import json

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_procedure, make_staff
from madoguchi.procedures.models import Procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization()


@pytest.fixture
def owner_client(client, org):
    client.force_login(make_staff(org, role=Role.OWNER))
    return client


def post_op(client, procedure, **data):
    procedure.draft.refresh_from_db()
    return client.post(
        reverse("builder:operate", args=[procedure.pk]), {"revision": procedure.draft.revision, **data}
    )


def test_pages_need_a_sign_in_and_builder_rights(client, org):
    procedure = make_procedure(org)
    response = client.get(reverse("builder:edit", args=[procedure.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(make_staff(org, role=Role.REVIEWER))
    assert client.get(reverse("builder:edit", args=[procedure.pk])).status_code == 404
    assert client.get(reverse("builder:create")).status_code == 404


def test_creating_a_procedure_shows_messages_next_to_fields_and_keeps_input(owner_client, org):
    response = owner_client.post(
        reverse("builder:create"),
        {"title": "", "summary": "概要です", "fee_kind": "fixed", "standard_processing_days": "abc"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert 'href="#id_title"' in body and "手続名を入力してください。" in body
    assert 'value="概要です"' in body and "定額の手数料は額を入力してください。" in body
    response = owner_client.post(
        reverse("builder:create"),
        {
            "title": "犬の登録",
            "category": "living",
            "life_events": ["moving"],
            "fee_kind": "fixed",
            "fee_amount": "3,000",
            "identity_level": "account",
            "standard_processing_days": "5",
            "allows_proxy": "on",
        },
    )
    procedure = Procedure.objects.get(title="犬の登録")
    assert response.status_code == 302 and procedure.fee_amount == 3000 and procedure.allows_proxy


def test_build_edit_preview_and_publish_without_javascript(owner_client, org):
    owner_client.post(
        reverse("builder:create"),
        {"title": "休業補償の申請", "fee_kind": "none", "identity_level": "account"},
    )
    procedure = Procedure.objects.get(title="休業補償の申請")
    response = post_op(
        owner_client, procedure, op="add_field", step_key="step1", type_id="date", label="開始日"
    )
    assert response.status_code == 302 and response["Location"].endswith("/fields/date/")
    post_op(owner_client, procedure, op="add_field", step_key="step1", type_id="date", label="終了日")
    post_op(owner_client, procedure, op="add_field", step_key="step1", type_id="radio", label="種別")
    field_url = reverse("builder:field", args=[procedure.pk, "date"])
    page = owner_client.get(field_url).content.decode()
    assert "開始日" in page and "この条件のときだけ表示する" in page
    procedure.draft.refresh_from_db()
    response = owner_client.post(
        field_url,
        {
            "revision": procedure.draft.revision,
            "key": "start",
            "label": "開始日",
            "required": "on",
            "show_if": "radio ==",
            "opt.validation.min": "today-30",
        },
    )
    assert response.status_code == 422 and "式の終わりで" in response.content.decode()
    assert 'value="today-30"' in response.content.decode()
    response = owner_client.post(
        field_url,
        {
            "revision": procedure.draft.revision,
            "key": "start",
            "label": "開始日",
            "required": "on",
            "opt.validation.min": "today-30",
        },
    )
    assert response.status_code == 302
    procedure.draft.refresh_from_db()
    owner_client.post(
        reverse("builder:field", args=[procedure.pk, "date_2"]),
        {
            "revision": procedure.draft.revision,
            "key": "end",
            "label": "終了日",
            "required": "on",
            "required_if": "radio == 'b'",
        },
    )
    procedure.draft.refresh_from_db()
    owner_client.post(
        reverse("builder:field", args=[procedure.pk, "radio"]),
        {
            "revision": procedure.draft.revision,
            "key": "radio",
            "label": "種別",
            "opt.options": "a: 本人\nb: 家族",
        },
    )
    post_op(
        owner_client,
        procedure,
        op="add_check",
        step_key="step1",
        rule="end >= start",
        message="終了日は開始日以降にしてください。",
        kind="check",
    )
    editor = owner_client.get(reverse("builder:edit", args=[procedure.pk])).content.decode()
    assert "「終了日」が「開始日」と同じか後" in editor and "関係する項目: 終了日、開始日" in editor
    assert "「種別」で「家族」を選んだ" in editor

    preview_url = reverse("builder:preview", args=[procedure.pk])
    assert 'class="phone-frame"' in owner_client.get(preview_url).content.decode()
    response = owner_client.post(
        preview_url, {"step": "step1", "start": "2024-04-10", "end": "2024-04-01", "radio": "a"}
    )
    body = response.content.decode()
    assert response.status_code == 422  # as the applicant's page answers the same post
    assert 'id="error-summary"' in body
    assert "開始日は" in body  # the min date
    response = owner_client.post(preview_url, {"step": "step1", "start": "today", "end": "", "radio": "b"})
    assert response.status_code == 422 and "終了日を入力してください。" in response.content.decode()

    publish_url = reverse("builder:publish", args=[procedure.pk])
    page = owner_client.get(publish_url).content.decode()
    assert "第1版として公開します" in page and "項目『開始日』を追加" in page
    procedure.draft.refresh_from_db()
    response = owner_client.post(publish_url, {"revision": procedure.draft.revision})
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.current_version.number == 1
    post_op(owner_client, procedure, action="remove", key="radio")
    assert (
        "項目『種別』を削除"
        in owner_client.get(reverse("builder:diff", args=[procedure.pk])).content.decode()
    )


def test_publish_page_lists_problems_instead_of_publishing(owner_client, org):
    owner_client.post(
        reverse("builder:create"), {"title": "空の手続", "fee_kind": "none", "identity_level": "account"}
    )
    procedure = Procedure.objects.get(title="空の手続")
    response = owner_client.post(reverse("builder:publish", args=[procedure.pk]), {})
    assert response.status_code == 422 and "公開する前に直す点があります" in response.content.decode()
    procedure.refresh_from_db()
    assert procedure.current_version is None


def test_undo_button_and_stale_pages(owner_client, org):
    procedure = make_procedure(org)
    owner_client.get(reverse("builder:edit", args=[procedure.pk]))
    post_op(owner_client, procedure, op="remove_field", key="note")
    owner_client.post(reverse("builder:undo", args=[procedure.pk]))
    procedure.draft.refresh_from_db()
    assert "note" in json.dumps(procedure.draft.definition)
    response = owner_client.post(
        reverse("builder:operate", args=[procedure.pk]),
        {"op": "remove_field", "key": "note", "revision": "0"},
        follow=True,
    )
    assert "別の画面で変更されています" in response.content.decode()


def test_group_rows_are_added_in_the_preview_without_javascript(owner_client, org):
    definition = {
        "steps": [
            {
                "key": "a",
                "title": "家族",
                "fields": [
                    {
                        "key": "family",
                        "type": "group",
                        "label": "家族",
                        "item_label": "家族",
                        "fields": [{"key": "name", "type": "text", "label": "氏名", "required": True}],
                    }
                ],
            }
        ]
    }
    procedure = make_procedure(org, definition=definition)
    url = reverse("builder:preview", args=[procedure.pk])
    response = owner_client.post(
        url, {"step": "a", "family.rows": "1", "family.0.name": "山田", "lookup:family.add": "1"}
    )
    body = response.content.decode()
    assert response.status_code == 200  # a button that redraws the page refuses nothing
    assert 'name="family.rows" value="2"' in body and 'value="山田"' in body and "家族 2" in body


def test_export_import_dictionary_and_template_copy(owner_client, org):
    procedure = make_procedure(org)
    exported = owner_client.get(reverse("builder:export_json", args=[procedure.pk]))
    assert exported["Content-Disposition"].endswith('.json"')
    upload = io.BytesIO(exported.content)
    upload.name = "p.json"
    response = owner_client.post(reverse("builder:import"), {"organization": org.pk, "file": upload})
    assert response.status_code == 302 and Procedure.objects.filter(organization=org).count() == 2
    csv = owner_client.get(reverse("builder:dictionary_csv", args=[procedure.pk]))
    assert csv.content.startswith(b"\xef\xbb\xbf")
    owner_client.post(reverse("builder:share", args=[procedure.pk]), {"shared": "1"})
    assert procedure.title in owner_client.get(reverse("builder:templates")).content.decode()
    response = owner_client.post(
        reverse("builder:template_copy", args=[procedure.pk]), {"organization": org.pk}
    )
    assert response.status_code == 302
    assert Procedure.objects.filter(copied_from=procedure).exists()


def test_a_copied_template_is_made_public_from_the_settings_page(owner_client, org):
    from madoguchi.procedures import services

    template = make_procedure(make_organization(), title="共有の手続")
    template.is_template = True
    template.save(update_fields=["is_template"])
    owner_client.post(reverse("builder:template_copy", args=[template.pk]), {"organization": org.pk})
    copy_ = Procedure.objects.get(copied_from=template)
    assert copy_.is_public is False
    page = owner_client.get(reverse("builder:settings", args=[copy_.pk])).content.decode()
    assert 'name="is_public"' in page
    response = owner_client.post(
        reverse("builder:settings", args=[copy_.pk]),
        {
            "title": "共有の手続（当区版）",
            "category": "other",
            "fee_kind": "none",
            "identity_level": "account",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    copy_.refresh_from_db()
    assert copy_.is_public and copy_.title == "共有の手続（当区版）"
    services.procedure_publish(actor=copy_.draft.updated_by, procedure=copy_)
    assert owner_client.get(f"/{org.slug}/{copy_.slug}/").status_code == 200


def test_the_settings_page_chooses_who_may_bulk_submit(owner_client, org):
    """S2 (issue 13): bulk_submitters was settable only in code."""
    procedure = make_procedure(org, title="組合員資格取得届")
    office, other = make_organization(name="所属所"), make_organization(name="別の団体")
    page = owner_client.get(reverse("builder:settings", args=[procedure.pk])).content.decode()
    assert f'name="bulk_submitters" value="{office.pk}"' in page
    assert f'name="bulk_submitters" value="{other.pk}"' in page
    assert f'name="bulk_submitters" value="{org.pk}"' not in page  # not its own organization
    settings = {
        "title": procedure.title,
        "category": "other",
        "fee_kind": "none",
        "identity_level": "account",
    }
    response = owner_client.post(
        reverse("builder:settings", args=[procedure.pk]),
        {**settings, "bulk_submitters_shown": "1", "bulk_submitters": [str(office.pk)]},
    )
    assert response.status_code == 302
    assert list(procedure.bulk_submitters.all()) == [office]
    refused = owner_client.post(
        reverse("builder:settings", args=[procedure.pk]),
        {**settings, "bulk_submitters_shown": "1", "bulk_submitters": [str(org.pk)]},
    )
    assert (
        refused.status_code == 422
        and "一括提出できる団体を一覧から選んでください。" in refused.content.decode()
    )
    owner_client.post(reverse("builder:settings", args=[procedure.pk]), settings)  # another form: kept
    assert list(procedure.bulk_submitters.all()) == [office]
