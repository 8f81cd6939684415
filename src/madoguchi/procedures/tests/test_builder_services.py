"""Builder services: permission, draft operations with undo, publish creates immutable versions."""

import copy

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from madoguchi.accounts.constants import Role
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.core.testing import (
    SIMPLE_DEFINITION,
    make_department,
    make_organization,
    make_procedure,
    make_staff,
    make_user,
)
from madoguchi.procedures import services
from madoguchi.procedures.constants import FeeKind, VersionStatus
from madoguchi.procedures.diff import definition_diff
from madoguchi.procedures.models import ProcedureVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization()


@pytest.fixture
def owner(org):
    return make_staff(org, role=Role.OWNER)


def new_procedure(owner, org, **extra):
    return services.procedure_create(actor=owner, organization=org, title="子育て支援金の申請", **extra)


def change(owner, procedure, operation, **arguments):
    return services.procedure_draft_change(actor=owner, procedure=procedure, operation=operation, **arguments)


def test_an_owner_creates_a_procedure_with_settings_and_an_empty_draft(owner, org):
    procedure = new_procedure(
        owner,
        org,
        life_events=["childcare", "birth"],
        fee_kind=FeeKind.FIXED,
        fee_amount=300,
        standard_processing_days="14",
        identity_level="document",
        allows_proxy=True,
        contact="子育て支援課 03-1234-5678",
    )
    assert procedure.life_events == ["birth", "childcare"]
    assert procedure.standard_processing_days == 14 and procedure.fee_amount == 300
    assert procedure.current_version is None
    assert procedure.draft.definition["steps"][0]["fields"] == []
    assert AuditEntry.objects.filter(action="procedure.created", target_id=str(procedure.pk)).exists()


def test_bad_settings_are_refused_with_japanese_messages(owner, org):
    with pytest.raises(FieldErrors) as info:
        new_procedure(owner, org, fee_kind=FeeKind.FIXED, standard_processing_days="0", life_events=["party"])
    errors = info.value.as_dict()
    assert errors["fee_amount"] == ["定額の手数料は額を入力してください。"]
    assert "1〜365" in errors["standard_processing_days"][0]
    assert "life_events" in errors


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COUNTER])
def test_only_owners_and_admins_may_build(org, role):
    with pytest.raises(PermissionDeniedError):
        services.procedure_create(actor=make_staff(org, role=role), organization=org, title="x")
    procedure = make_procedure(org)
    with pytest.raises(PermissionDeniedError):
        change(make_staff(org, role=role), procedure, "add_step")
    with pytest.raises(PermissionDeniedError):
        change(make_staff(make_organization(), role=Role.OWNER), procedure, "add_step")


def test_a_department_owner_builds_only_in_their_department(org):
    mine, other = make_department(org), make_department(org)
    owner = make_staff(org, role=Role.OWNER, department=mine)
    assert services.procedure_create(actor=owner, organization=org, title="a", department=mine.pk)
    with pytest.raises(PermissionDeniedError):
        services.procedure_create(actor=owner, organization=org, title="b", department=other.pk)


def test_fields_are_added_edited_moved_duplicated_removed_and_undone(owner, org):
    procedure = new_procedure(owner, org)
    draft, key = change(owner, procedure, "add_field", step_key="step1", type_id="text", label="氏名")
    draft, tel = change(owner, procedure, "add_field", step_key="step1", type_id="phone")
    assert [f["key"] for f in draft.definition["steps"][0]["fields"]] == ["text", "phone"]
    spec = {**draft.definition["steps"][0]["fields"][0], "key": "name", "required": True}
    draft, _ = change(owner, procedure, "replace_field", key="text", spec=spec)
    draft, _ = change(owner, procedure, "move_field", key="phone", offset=-1)
    assert [f["key"] for f in draft.definition["steps"][0]["fields"]] == ["phone", "name"]
    draft, copy_key = change(owner, procedure, "duplicate_field", key="name")
    assert copy_key == "name_copy" and draft.definition["steps"][0]["fields"][2]["label"] == "氏名（コピー）"
    draft, _ = change(owner, procedure, "add_step", title="内容")
    draft, _ = change(owner, procedure, "move_field", key="name_copy", offset=1)
    assert draft.definition["steps"][1]["fields"][0]["key"] == "name_copy"
    draft, _ = change(owner, procedure, "remove_field", key="name_copy")
    before = copy.deepcopy(draft.definition)
    draft, _ = change(owner, procedure, "remove_step", step_key="step2")
    draft = services.procedure_draft_undo(actor=owner, procedure=procedure)
    assert draft.definition == before


def test_undo_walks_back_every_change_and_then_says_there_is_nothing_left(owner, org):
    procedure = new_procedure(owner, org)
    start = services.procedure_draft(procedure=procedure).definition
    change(owner, procedure, "add_field", step_key="step1", type_id="text")
    change(owner, procedure, "add_field", step_key="step1", type_id="date")
    services.procedure_draft_undo(actor=owner, procedure=procedure)
    draft = services.procedure_draft_undo(actor=owner, procedure=procedure)
    assert draft.definition == start
    with pytest.raises(DomainError, match="元に戻せる変更はありません"):
        services.procedure_draft_undo(actor=owner, procedure=procedure)


def test_a_change_from_a_stale_page_is_refused(owner, org):
    procedure = new_procedure(owner, org)
    draft, _ = change(owner, procedure, "add_field", step_key="step1", type_id="text", revision=0)
    with pytest.raises(DomainError, match="別の画面で変更されています"):
        change(owner, procedure, "add_field", step_key="step1", type_id="text", revision=0)
    change(owner, procedure, "add_field", step_key="step1", type_id="text", revision=draft.revision)


def test_publish_refuses_a_definition_with_problems_and_lists_them(owner, org):
    procedure = new_procedure(owner, org)
    with pytest.raises(FieldErrors) as info:
        services.procedure_publish(actor=owner, procedure=procedure)
    assert any("項目（fields）がありません" in p for p in info.value.as_dict()["definition"])
    assert not ProcedureVersion.objects.filter(procedure=procedure).exists()


def test_publish_creates_numbered_versions_and_drafts_in_progress_keep_theirs(owner, org):
    from madoguchi.applications.services import draft_start

    procedure = new_procedure(owner, org)
    services.procedure_draft_replace(actor=owner, procedure=procedure, definition=SIMPLE_DEFINITION)
    first = services.procedure_publish(actor=owner, procedure=procedure)
    assert (first.number, first.status) == (1, VersionStatus.PUBLISHED)
    applicant_draft = draft_start(applicant=make_user(), procedure=procedure)
    change(owner, procedure, "add_field", step_key="about", type_id="phone", label="電話番号")
    second = services.procedure_publish(actor=owner, procedure=procedure)
    procedure.refresh_from_db()
    applicant_draft.refresh_from_db()
    assert second.number == 2 and procedure.current_version == second
    assert applicant_draft.version == first
    assert "phone" not in str(first.definition)
    with pytest.raises(DomainError, match="変更がありません"):
        services.procedure_publish(actor=owner, procedure=procedure)
    assert [c.text for c in definition_diff(first.definition, second.definition)] == [
        "項目『電話番号』を追加（手順『申請者』、電話番号）"
    ]


def test_a_published_version_can_never_be_edited(owner, org):
    procedure = make_procedure(org)
    version = procedure.current_version
    version.definition = {"steps": []}
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        version.save()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        ProcedureVersion.objects.filter(pk=version.pk).update(status=VersionStatus.DRAFT)
    version.refresh_from_db()
    assert version.definition == SIMPLE_DEFINITION


def test_restoring_an_old_version_copies_it_into_the_draft_and_leaves_it_unchanged(owner, org):
    procedure = make_procedure(org)
    old = procedure.current_version
    change(owner, procedure, "remove_field", key="note")
    draft = services.procedure_draft_restore_version(actor=owner, procedure=procedure, version=old)
    assert draft.definition == old.definition
    draft, _ = change(owner, procedure, "remove_field", key="note")
    old.refresh_from_db()
    assert "note" in str(old.definition)


def test_templates_are_copied_into_another_organization_as_a_draft(owner, org):
    procedure = make_procedure(org, title="組合員資格取得届")
    with pytest.raises(DomainError):
        services.procedure_copy_template(actor=owner, template=procedure, organization=org)
    services.procedure_share_as_template(actor=owner, procedure=procedure, shared=True)
    other = make_organization()
    other_owner = make_staff(other, role=Role.OWNER)
    copy_ = services.procedure_copy_template(actor=other_owner, template=procedure, organization=other)
    assert copy_.organization == other and copy_.copied_from == procedure
    assert copy_.draft.definition == procedure.current_version.definition
    assert copy_.current_version is None and copy_.is_public is False
    with pytest.raises(PermissionDeniedError):
        services.procedure_copy_template(actor=other_owner, template=procedure, organization=org)


def test_a_check_can_be_added_and_removed(owner, org):
    procedure = make_procedure(org)
    with pytest.raises(DomainError, match="式に誤りがあります"):
        change(owner, procedure, "add_check", step_key="about", rule="name ==", message="m")
    draft, _ = change(
        owner,
        procedure,
        "add_check",
        step_key="about",
        rule="len(name) <= 20",
        message="短く",
        kind="eligibility",
    )
    assert draft.definition["steps"][0]["checks"] == [
        {"rule": "len(name) <= 20", "message": "短く", "kind": "eligibility"}
    ]
    draft, _ = change(owner, procedure, "remove_check", step_key="about", index=0)
    assert "checks" not in draft.definition["steps"][0]


def test_publishing_makes_the_procedure_findable_in_site_search_at_once(owner, org):
    from madoguchi.knowledge import selectors as knowledge

    procedure = new_procedure(owner, org, keywords="子育て 給付")
    services.procedure_draft_replace(actor=owner, procedure=procedure, definition=SIMPLE_DEFINITION)
    assert not knowledge.site_search(query="子育て支援金").results
    services.procedure_publish(actor=owner, procedure=procedure)
    [hit] = [r for r in knowledge.site_search(query="子育て支援金").results if r.type == "procedure"]
    assert "子育て支援金" in hit.title
