import pytest

from madoguchi.core.testing import make_organization, make_procedure, make_staff
from madoguchi.knowledge import services as knowledge
from madoguchi.knowledge.constants import Visibility

pytestmark = pytest.mark.django_db


def test_procedure_page_links_its_public_faqs_but_not_staff_only_ones(client):
    org = make_organization(slug="kyosai")
    staff = make_staff(org)
    procedure = make_procedure(org, slug="kogaku")
    public = knowledge.faq_create(
        organization=org,
        actor=staff,
        question="高額療養費はいつ振り込まれますか？",
        answer="約3か月後です。",
        related_procedures=[procedure],
    )
    hidden = knowledge.faq_create(
        organization=org,
        actor=staff,
        question="審査担当の内部手順は？",
        answer="内部資料を見てください。",
        visibility=Visibility.STAFF,
        related_procedures=[procedure],
    )
    html = client.get("/kyosai/kogaku/").content.decode()
    assert public.question in html
    assert hidden.question not in html
