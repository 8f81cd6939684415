import pytest

from madoguchi.applications.models import Attachment, Draft
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
FILE_DEFINITION = {
    "steps": [
        {
            "key": "main",
            "title": "申請内容",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {
                    "key": "receipt",
                    "type": "file",
                    "label": "領収書",
                    "accept": ["image/png", "application/pdf"],
                },
            ],
        }
    ]
}


@pytest.fixture
def api():
    _user, token = make_api_token()
    return ApiClient(token)


@pytest.fixture
def procedure():
    return make_procedure()


def ref(procedure) -> str:
    return f"{procedure.organization.slug}/{procedure.slug}"


def test_create_draft_with_values_answers_201_with_cleaned_values(api, procedure):
    response = api.post(
        "/drafts", {"procedure": ref(procedure), "data": {"name": "  山田 太郎 ", "kind": "a"}}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["data"] == {"name": "山田 太郎", "kind": "a"}
    assert body["procedure"] == {
        "organization": procedure.organization.slug,
        "slug": procedure.slug,
        "title": procedure.title,
    }
    assert body["version"] == 1
    assert Draft.objects.get(pk=body["id"]).data["name"] == "山田 太郎"


def test_create_draft_with_an_invalid_value_answers_422_and_creates_nothing(api, procedure):
    response = api.post("/drafts", {"procedure": ref(procedure), "data": {"name": "x" * 51, "kind": "zzz"}})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["name"] == ["氏名は50文字以内で入力してください（現在51文字）。"]
    assert fields["kind"] == ["種別は一覧から選んでください。"]
    assert Draft.objects.count() == 0


def test_create_draft_with_a_field_the_procedure_does_not_have_answers_422(api, procedure):
    response = api.post("/drafts", {"procedure": ref(procedure), "data": {"favourite_colour": "blue"}})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["favourite_colour"] == ["この項目はこの手続にありません。"]


def test_create_draft_with_an_unknown_top_level_key_answers_422(api, procedure):
    response = api.post("/drafts", {"procedure": ref(procedure), "colour": "blue"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["colour"] == ["この項目は指定できません。"]


def test_create_draft_for_an_unknown_or_unpublished_procedure_answers_422(api):
    unpublished = make_procedure(published=False)
    for reference in ("nowhere/nothing", ref(unpublished)):
        response = api.post("/drafts", {"procedure": reference})
        assert response.status_code == 422
        assert "procedure" in response.json()["error"]["fields"]


def test_patch_merges_values_and_null_removes_one(api, procedure):
    draft_id = api.post(
        "/drafts", {"procedure": ref(procedure), "data": {"name": "山田", "note": "メモ"}}
    ).json()["id"]
    response = api.patch(f"/drafts/{draft_id}", {"data": {"kind": "a", "note": None}})
    assert response.status_code == 200
    assert response.json()["data"] == {"name": "山田", "kind": "a"}
    assert api.get(f"/drafts/{draft_id}").json()["data"] == {"name": "山田", "kind": "a"}


def test_patch_with_an_invalid_value_answers_422_and_keeps_the_draft_as_it_was(api, procedure):
    draft_id = api.post("/drafts", {"procedure": ref(procedure), "data": {"name": "山田"}}).json()["id"]
    response = api.patch(f"/drafts/{draft_id}", {"data": {"name": "", "kind": "zzz", "name2": "x"}})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"name2"}
    response = api.patch(f"/drafts/{draft_id}", {"data": {"kind": "zzz"}})
    assert response.json()["error"]["fields"] == {"kind": ["種別は一覧から選んでください。"]}
    assert Draft.objects.get(pk=draft_id).data == {"name": "山田"}


def test_patch_values_must_be_an_object(api, procedure):
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    response = api.patch(f"/drafts/{draft_id}", {"data": ["name", "山田"]})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["data"] == ["オブジェクト（{...}）で指定してください。"]


def test_values_with_nul_characters_are_refused_with_422(api, procedure):
    response = api.post("/drafts", {"procedure": ref(procedure), "data": {"name": "山\u0000田"}})
    assert response.status_code == 422
    assert "name" in response.json()["error"]["fields"]


def test_list_shows_only_my_unsubmitted_drafts(api, procedure):
    mine = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    _other, other_token = make_api_token()
    ApiClient(other_token).post("/drafts", {"procedure": ref(procedure)})
    page = api.get("/drafts").json()
    assert [item["id"] for item in page["items"]] == [mine]
    assert page["count"] == 1


def test_delete_removes_the_draft(api, procedure):
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    assert api.delete(f"/drafts/{draft_id}").status_code == 204
    assert api.get(f"/drafts/{draft_id}").status_code == 404


def test_a_submitted_draft_can_be_neither_changed_nor_deleted(api, procedure):
    draft_id = api.post(
        "/drafts", {"procedure": ref(procedure), "data": {"name": "山田", "kind": "a"}}
    ).json()["id"]
    assert api.post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    for response in (
        api.patch(f"/drafts/{draft_id}", {"data": {"note": "x"}}),
        api.delete(f"/drafts/{draft_id}"),
    ):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_submitted"


def test_someone_elses_draft_answers_404_everywhere(api, procedure):
    draft_id = api.post(
        "/drafts", {"procedure": ref(procedure), "data": {"name": "山田", "kind": "a"}}
    ).json()["id"]
    _intruder, token = make_api_token()
    intruder = ApiClient(token)
    responses = [
        intruder.get(f"/drafts/{draft_id}"),
        intruder.patch(f"/drafts/{draft_id}", {"data": {"name": "乗っ取り"}}),
        intruder.delete(f"/drafts/{draft_id}"),
        intruder.post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY="k"),
        intruder.upload(f"/drafts/{draft_id}/attachments/name", "a.png", PNG),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert {r.json()["error"]["code"] for r in responses} == {"not_found"}
    assert Draft.objects.get(pk=draft_id).data["name"] == "山田"


def test_malformed_draft_ids_answer_404(api):
    for draft_id in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00"):
        assert api.get(f"/drafts/{draft_id}").status_code == 404


def test_upload_stores_the_file_and_answers_a_reference_to_put_into_data(api):
    procedure = make_procedure(definition=FILE_DEFINITION)
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    response = api.upload(f"/drafts/{draft_id}/attachments/receipt", "receipt.png", PNG)
    assert response.status_code == 201
    body = response.json()
    assert body["content_type"] == "image/png"
    assert body["name"] == "receipt.png"
    attachment = Attachment.objects.get(pk=body["attachment_id"])
    assert attachment.field_key == "receipt"
    assert attachment.size == len(PNG)


def test_upload_sniffs_the_type_from_the_content_not_the_name(api):
    procedure = make_procedure(definition=FILE_DEFINITION)
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    response = api.upload(
        f"/drafts/{draft_id}/attachments/receipt", "receipt.png", b"MZ\x90\x00 not an image"
    )
    assert response.status_code == 422
    [message] = response.json()["error"]["fields"]["receipt"]
    assert "この種類のファイルは添付できません" in message
    assert Attachment.objects.count() == 0


def test_upload_to_a_field_that_takes_no_file_answers_422(api):
    procedure = make_procedure(definition=FILE_DEFINITION)
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    for key, message in (
        ("name", "この項目にはファイルを添付できません。"),
        ("nope", "この項目はこの手続にありません。"),
    ):
        response = api.upload(f"/drafts/{draft_id}/attachments/{key}", "a.png", PNG)
        assert response.status_code == 422
        assert response.json()["error"]["fields"][key] == [message]


def test_upload_must_be_multipart(api):
    procedure = make_procedure(definition=FILE_DEFINITION)
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    response = api.post(f"/drafts/{draft_id}/attachments/receipt", {"file": "aGVsbG8="})
    assert response.status_code == 415
    empty = api.client.post(f"/api/v1/drafts/{draft_id}/attachments/receipt", {}, **api.auth)
    assert empty.status_code == 422
    assert "file" in empty.json()["error"]["fields"]


def test_upload_over_the_field_size_limit_answers_422(api):
    definition = {
        "steps": [
            {"key": "s", "fields": [{"key": "photo", "type": "file", "label": "写真", "max_bytes": 100}]}
        ]
    }
    procedure = make_procedure(definition=definition)
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    response = api.upload(f"/drafts/{draft_id}/attachments/photo", "big.png", PNG + b"\x00" * 200)
    assert response.status_code == 422
    assert "大きすぎます" in response.json()["error"]["fields"]["photo"][0]


def test_an_uploaded_file_referenced_in_data_is_linked_to_the_application_on_submit(api):
    procedure = make_procedure(definition=FILE_DEFINITION)
    draft_id = api.post("/drafts", {"procedure": ref(procedure), "data": {"name": "山田"}}).json()["id"]
    attachment_id = api.upload(f"/drafts/{draft_id}/attachments/receipt", "r.png", PNG).json()[
        "attachment_id"
    ]
    response = api.patch(f"/drafts/{draft_id}", {"data": {"receipt": {"attachment_id": attachment_id}}})
    assert response.status_code == 200, response.content
    submitted = api.post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY="with-file")
    assert submitted.status_code == 201
    assert str(Attachment.objects.get(pk=attachment_id).application_id) == submitted.json()["id"]


def test_someone_elses_attachment_cannot_be_referenced(api):
    procedure = make_procedure(definition=FILE_DEFINITION)
    _other, other_token = make_api_token()
    other = ApiClient(other_token)
    other_draft = other.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    stolen = other.upload(f"/drafts/{other_draft}/attachments/receipt", "r.png", PNG).json()["attachment_id"]
    draft_id = api.post("/drafts", {"procedure": ref(procedure)}).json()["id"]
    response = api.patch(f"/drafts/{draft_id}", {"data": {"receipt": {"attachment_id": stolen}}})
    assert response.status_code == 422
    assert "receipt" in response.json()["error"]["fields"]
