from __future__ import annotations

import pytest

from madoguchi.core.testing import make_organization, make_staff
from madoguchi.knowledge import services
from madoguchi.knowledge.constants import Visibility


@pytest.fixture
def org(db):
    return make_organization(slug="city", name="テスト市")


@pytest.fixture
def staff(org):
    return make_staff(org)


@pytest.fixture
def faq_factory(org, staff):
    def make(
        question: str, answer: str = "回答です。", *, organization=None, visibility=Visibility.PUBLIC, **extra
    ):
        organization = organization or org
        return services.faq_create(
            organization=organization,
            actor=staff,
            question=question,
            answer=answer,
            visibility=visibility,
            check_permission=False,
            **extra,
        )

    return make


@pytest.fixture
def city_faqs(faq_factory):
    """A small FAQ set like a city's: the tests search it the way residents ask."""
    return {
        "hoken": faq_factory(
            "国民健康保険証を紛失しました。", "国民健康保険証の再発行は、保険年金課の窓口で手続きできます。"
        ),
        "gomi": faq_factory(
            "ごみの日を教えてください。",
            "ごみの収集日は地域によって異なります。ごみ収集カレンダーをご覧ください。",
        ),
        "sodai": faq_factory(
            "粗大ごみの申込方法を教えてください。",
            "粗大ごみ受付センターに電話またはインターネットで申し込んでください。",
        ),
        "jidou": faq_factory(
            "児童手当はいつ振り込まれますか？",
            "児童手当は年3回、指定の口座に振り込みます。",
            category="子どもの手当",
        ),
        "tennyu": faq_factory(
            "転入の手続きについて教えてください。", "引っ越してきた日から14日以内に転入届を出してください。"
        ),
        "computer": faq_factory("コンピューターの貸し出しはありますか？", "図書館で貸し出しています。"),
        "hoiku": faq_factory(
            "保育園の申込方法を教えてください。", "保育課で入園の申し込みを受け付けています。"
        ),
    }
