"""Files on proposals: checked by the uploads' own checks (type sniffed from the content, size),
stored like other uploads, handed out through core.downloads.file_download to whoever may read
the proposal, 404 to everyone else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.constants import AuthLevel, AuthMethod
from madoguchi.accounts.testing import mark_session
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.ideas import services
from madoguchi.ideas.models import ProposalAttachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="資料.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_a_proposal_is_posted_with_a_pdf_and_its_readers_download_it(client, world):
    client.force_login(world.author)
    new = reverse("ideas:new", args=[world.org.slug, "teian"])
    response = client.post(
        new, {"title": "会議資料を電子化", "body": "印刷をやめる", "action": "publish", "attachment": _pdf()}
    )
    assert response.status_code == 302
    attachment = ProposalAttachment.objects.get()
    assert attachment.content_type == "application/pdf" and attachment.uploaded_by == world.author
    page_url = reverse("ideas:proposal", args=[world.org.slug, "teian", attachment.proposal_id])
    url = reverse(
        "ideas:proposal_attachment", args=[world.org.slug, "teian", attachment.proposal_id, attachment.pk]
    )
    client.force_login(world.peer)
    assert url in client.get(page_url).content.decode()
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Disposition"].startswith("attachment")


def test_the_type_is_sniffed_from_the_content_and_a_refused_file_is_told_next_to_the_field(client, world):
    client.force_login(world.author)
    new = reverse("ideas:new", args=[world.org.slug, "teian"])
    html = SimpleUploadedFile(
        "資料.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    refused = client.post(new, {"title": "件名", "body": "本文です", "action": "publish", "attachment": html})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "この種類のファイルは添付できません" in page and "本文です" in page
    assert not ProposalAttachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    with pytest.raises(FieldErrors) as refused:
        services.proposal_save(
            viewer=world.v(world.author),
            space=world.box,
            title="件名",
            body="本文",
            files=[_pdf(data=PDF + b"0" * 2048)],
        )
    assert "大きすぎます" in refused.value.as_dict()["attachment"][0]


def test_at_most_three_files_and_the_author_can_take_one_off(world):
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="件名", body="本文", files=[_pdf(), _pdf()]
    )
    with pytest.raises(FieldErrors):
        services.proposal_save(
            viewer=world.v(world.author),
            space=world.box,
            proposal=proposal,
            title="件名",
            body="本文",
            files=[_pdf(), _pdf()],
        )
    first = proposal.attachments.order_by("created_at").first()
    services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        proposal=proposal,
        title="件名",
        body="本文",
        files=[_pdf(), _pdf()],
        remove_attachments=[str(first.pk)],
    )
    assert proposal.attachments.count() == 3 and not proposal.attachments.filter(pk=first.pk).exists()


def test_the_file_follows_the_proposals_access_rules(client, world):
    draft = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="下書き", body="本文", files=[_pdf()]
    )
    attachment = draft.attachments.get()
    url = reverse("ideas:proposal_attachment", args=[world.org.slug, "teian", draft.pk, attachment.pk])
    client.force_login(world.author)
    assert client.get(url).status_code == 200
    client.force_login(world.peer)  # a draft is its author's only
    assert client.get(url).status_code == 404
    services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        proposal=draft,
        title="下書き",
        body="本文",
        publish=True,
    )
    assert client.get(url).status_code == 200
    mark_session(client, level=AuthLevel.APPLICANT, method=AuthMethod.EMAIL_LINK)  # not the staff door
    assert client.get(url).status_code == 404
    client.force_login(make_staff(make_organization()))  # another organization's staff
    assert client.get(url).status_code == 404
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    other = reverse("ideas:proposal_attachment", args=[world.org.slug, "qa", draft.pk, attachment.pk])
    client.force_login(world.peer)
    assert client.get(other).status_code == 404  # the proposal is not in that space


def test_the_api_lists_a_proposals_files_with_their_download_address(client, world):
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="件名", body="本文", publish=True, files=[_pdf()]
    )
    client.force_login(world.peer)
    rows = client.get(f"/api/v1/ideas/{world.org.slug}/teian/proposals").json()
    (listed,) = rows[0]["attachments"]
    attachment = proposal.attachments.get()
    assert listed["name"] == "資料.pdf" and listed["content_type"] == "application/pdf"
    assert listed["url"] == reverse(
        "ideas:proposal_attachment", args=[world.org.slug, "teian", proposal.pk, attachment.pk]
    )
