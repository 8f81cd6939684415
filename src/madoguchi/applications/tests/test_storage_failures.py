"""A file that cannot be written (disk full, volume gone) leaves nothing behind, the API answers
503 with a retry hint, and a form step keeps everything typed with a clear message."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from madoguchi.applications.models import Attachment, Draft
from madoguchi.applications.services import attachment_create
from madoguchi.core.errors import StorageUnavailable
from madoguchi.core.storage import AtomicFileSystemStorage
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure, make_user

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
DEFINITION = {
    "steps": [
        {
            "key": "main",
            "title": "申請内容",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {"key": "note", "type": "textarea", "label": "備考"},
                {"key": "receipt", "type": "file", "label": "領収書", "accept": ["image/png"]},
            ],
        }
    ]
}


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class HalfThenFull(ContentFile):
    """Yields one chunk, then the disk is full."""

    def chunks(self, chunk_size=None):
        yield b"x" * 1000
        disk_full()


def test_the_storage_writes_whole_files_under_unique_names(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    first = storage.save("a/b.txt", ContentFile(b"one"))
    second = storage.save("a/b.txt", ContentFile(b"two"))
    assert first == "a/b.txt" and second != first
    assert storage.open(first).read() == b"one" and storage.open(second).read() == b"two"
    assert files_under(tmp_path) == sorted([first, second])  # no temporary file left


def test_a_write_that_fails_half_way_leaves_no_file(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(OSError):
        storage.save("a/b.txt", HalfThenFull(b""))
    with mock.patch("madoguchi.core.storage.os.fsync", side_effect=disk_full), pytest.raises(OSError):
        storage.save("a/c.txt", ContentFile(b"y" * 5000))
    assert files_under(tmp_path) == []


def test_attachment_create_raises_storage_unavailable_and_leaves_nothing(media):
    user = make_user()
    with mock.patch("madoguchi.core.storage.os.fsync", side_effect=disk_full):
        with pytest.raises(StorageUnavailable):
            attachment_create(
                owner=user, uploaded=SimpleUploadedFile("r.png", PNG), spec={"accept": ["image/png"]}
            )
    assert not Attachment.objects.exists()
    assert files_under(media) == []


def test_a_row_that_cannot_be_saved_takes_its_file_with_it(media):
    user = make_user()
    with mock.patch.object(Attachment, "save", side_effect=RuntimeError("database gone")):
        with pytest.raises(RuntimeError):
            attachment_create(
                owner=user, uploaded=SimpleUploadedFile("r.png", PNG), spec={"accept": ["image/png"]}
            )
    assert files_under(media) == []


def test_the_api_answers_503_with_a_retry_hint(media):
    _user, token = make_api_token()
    api = ApiClient(token, client=Client(raise_request_exception=False))
    procedure = make_procedure(definition=DEFINITION)
    draft_id = api.post("/drafts", {"procedure": f"{procedure.organization.slug}/{procedure.slug}"}).json()[
        "id"
    ]
    with mock.patch("madoguchi.core.storage.os.fsync", side_effect=disk_full):
        response = api.upload(f"/drafts/{draft_id}/attachments/receipt", "r.png", PNG)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "unavailable" and error["retryable"] is True
    assert response["Retry-After"] == str(error["retry_after"])
    assert files_under(media) == [] and not Attachment.objects.exists()
    # a moment later the same request works
    assert api.upload(f"/drafts/{draft_id}/attachments/receipt", "r.png", PNG).status_code == 201


def test_a_step_with_a_file_keeps_what_was_typed_and_says_what_happened(client, media):
    user = make_user()
    client.force_login(user)
    procedure = make_procedure(definition=DEFINITION)
    client.post(reverse("applications:start", args=[procedure.organization.slug, procedure.slug]))
    draft = Draft.objects.get(applicant=user)
    url = reverse("applications:draft_step", args=[draft.pk, "main"])
    with mock.patch("madoguchi.core.storage.os.fsync", side_effect=disk_full):
        response = client.post(
            url,
            {
                "name": "山田 太郎",
                "note": "領収書は2枚です。",
                "receipt": SimpleUploadedFile("r.png", PNG),
                "action": "next",
            },
        )
    assert response.status_code == 422
    page = response.content.decode()
    assert "ファイルを保存できませんでした" in page
    assert "山田 太郎" in page and "領収書は2枚です。" in page  # shown again as typed
    draft.refresh_from_db()
    assert draft.data["name"] == "山田 太郎" and draft.data["note"] == "領収書は2枚です。"
    assert "main" not in draft.completed_steps
    assert files_under(media) == [] and not Attachment.objects.exists()
    # sending the file again works and the step completes
    response = client.post(
        url,
        {
            "name": "山田 太郎",
            "note": "領収書は2枚です。",
            "receipt": SimpleUploadedFile("r.png", PNG),
            "action": "next",
        },
    )
    assert response.status_code == 302
    assert Attachment.objects.count() == 1
