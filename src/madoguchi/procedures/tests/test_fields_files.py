"""File fields: types are sniffed from content, references are re-checked on every clean."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from madoguchi.applications.services import validation_context
from madoguchi.core.testing import EXE_BYTES, JPEG_BYTES, PDF_BYTES, make_attachment, make_user
from madoguchi.procedures.fields import FieldValidationError, get_field_type
from madoguchi.procedures.uploads import check_upload

FILE = get_field_type("file")
PHOTO = {"key": "receipt", "type": "file", "label": "領収書", "accept": ["image/jpeg", "image/png"]}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(("content", "kind"), [(PDF_BYTES, "PDF"), (EXE_BYTES, "EXE")])
def test_a_jpg_that_is_really_something_else_is_refused_by_content(content, kind):
    upload = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
    with pytest.raises(FieldValidationError) as exc:
        check_upload(upload, PHOTO)
    assert "この種類のファイルは添付できません" in str(exc.value.message)
    assert "JPEG・PNG" in str(exc.value.message)


def test_a_real_jpeg_passes_whatever_its_name():
    assert check_upload(SimpleUploadedFile("scan.pdf", JPEG_BYTES), PHOTO) == "image/jpeg"


def test_an_empty_file_is_refused():
    with pytest.raises(FieldValidationError) as exc:
        check_upload(SimpleUploadedFile("a.jpg", b""), PHOTO)
    assert "空です" in str(exc.value.message)


@pytest.mark.django_db
def test_a_stored_attachment_is_cleaned_into_a_full_reference():
    user = make_user()
    attachment = make_attachment(user, name="領収書.jpg")
    value = FILE.clean({"attachment_id": str(attachment.id)}, PHOTO, validation_context(user=user))
    assert value == {
        "attachment_id": str(attachment.id),
        "name": "領収書.jpg",
        "size": len(JPEG_BYTES),
        "content_type": "image/jpeg",
    }
    assert FILE.display(value, PHOTO) == "領収書.jpg（1 KB）"


@pytest.mark.django_db
def test_someone_elses_attachment_cannot_be_referenced():
    owner, other = make_user(), make_user()
    attachment = make_attachment(owner)
    with pytest.raises(FieldValidationError) as exc:
        FILE.clean({"attachment_id": str(attachment.id)}, PHOTO, validation_context(user=other))
    assert "見つかりません" in str(exc.value.message)


@pytest.mark.django_db
def test_an_attachment_of_a_type_this_field_does_not_accept_is_refused():
    user = make_user()
    pdf = make_attachment(user, name="doc.pdf", content=PDF_BYTES)
    with pytest.raises(FieldValidationError) as exc:
        FILE.clean(str(pdf.id), PHOTO, validation_context(user=user))
    assert "この種類のファイルは添付できません" in str(exc.value.message)


@pytest.mark.django_db
def test_an_attachment_larger_than_the_field_allows_is_refused():
    user = make_user()
    attachment = make_attachment(user)
    with pytest.raises(FieldValidationError) as exc:
        FILE.clean(str(attachment.id), {**PHOTO, "max_bytes": 10}, validation_context(user=user))
    assert "大きすぎます" in str(exc.value.message)


@pytest.mark.django_db
def test_a_malformed_attachment_id_is_refused_not_an_error():
    user = make_user()
    with pytest.raises(FieldValidationError):
        FILE.clean({"attachment_id": "not-a-uuid"}, PHOTO, validation_context(user=user))


def test_the_form_gives_the_new_upload_or_keeps_the_stored_one_or_removes_it():
    upload = SimpleUploadedFile("a.jpg", JPEG_BYTES)
    assert FILE.parse_form(PHOTO, QueryDict("receipt.keep=abc"), {"receipt": upload}) is upload
    assert FILE.parse_form(PHOTO, QueryDict("receipt.keep=abc"), {}) == {"attachment_id": "abc"}
    assert FILE.parse_form(PHOTO, QueryDict("receipt.keep=abc&receipt.remove=1"), {}) == ""
    assert FILE.is_empty(FILE.parse_form(PHOTO, QueryDict(""), {}))
