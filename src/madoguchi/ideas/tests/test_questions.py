import pytest

from madoguchi.core.errors import PermissionDeniedError
from madoguchi.ideas import services
from madoguchi.ideas.selectors import questions_list, similar_questions
from madoguchi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_departments_answer_is_official_and_the_asker_accepts(world):
    question = services.question_create(
        viewer=world.v(world.author),
        space=world.qa,
        title="研修の受講履歴はどこで見られますか？",
        department=world.jinzai,
    )
    assert Notification.objects.filter(event="ideas.assigned", recipient=world.answerer).exists()
    peer_answer = services.answer_add(viewer=world.v(world.peer), question=question, body="ポータルです")
    official = services.answer_add(
        viewer=world.v(world.answerer), question=question, body="人材育成ポータルの「履歴」です"
    )
    assert not peer_answer.is_official and official.is_official
    question.refresh_from_db()
    assert question.has_official_answer and question.answers_count == 2
    with pytest.raises(PermissionDeniedError):
        services.answer_accept(viewer=world.v(world.peer), answer=peer_answer)
    services.answer_accept(viewer=world.v(world.author), answer=peer_answer)
    services.answer_accept(viewer=world.v(world.author), answer=official)  # changes the choice
    peer_answer.refresh_from_db()
    official.refresh_from_db()
    assert official.accepted and not peer_answer.accepted


def test_unanswered_questions_per_department(world):
    services.question_create(
        viewer=world.v(world.author), space=world.qa, title="質問A", department=world.jinzai
    )
    answered = services.question_create(
        viewer=world.v(world.author), space=world.qa, title="質問B", department=world.jinzai
    )
    services.answer_add(viewer=world.v(world.answerer), question=answered, body="回答")
    titles = [
        q.title
        for q in questions_list(
            viewer=world.v(world.peer), space=world.qa, unanswered=True, department_id=world.jinzai.pk
        )
    ]
    assert titles == ["質問A"]


def test_similar_questions_are_found_by_japanese_title(world):
    services.question_create(
        viewer=world.v(world.author), space=world.qa, title="在宅勤務の申請はいつまでに出せばよいですか？"
    )
    services.question_create(viewer=world.v(world.author), space=world.qa, title="出張旅費の精算方法")
    found = similar_questions(viewer=world.v(world.peer), space=world.qa, title="在宅勤務の申請の締切")
    assert [q.title for q in found] == ["在宅勤務の申請はいつまでに出せばよいですか？"]


def test_similar_questions_come_from_the_site_search_with_its_japanese_analysis(world):
    """送り仮名 variants meet (引越し / 引っ越し), which title bigrams missed; other spaces' and
    other organizations' questions, and hidden ones, are never suggested."""
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_staff
    from madoguchi.ideas.models import Space

    wanted = services.question_create(
        viewer=world.v(world.author), space=world.qa, title="引越しのときの通勤手当の届出"
    )
    services.question_create(viewer=world.v(world.author), space=world.qa, title="出張旅費の精算方法")
    other_space = Space.objects.create(organization=world.org, slug="qa2", name="別のQ&A", kind="questions")
    services.question_create(viewer=world.v(world.author), space=other_space, title="引っ越しと通勤手当")
    stranger = make_staff(make_organization(), Role.ADMIN)
    found = similar_questions(viewer=world.v(world.peer), space=world.qa, title="引っ越しした時の通勤手当")
    assert [q.pk for q in found] == [wanted.pk]
    assert similar_questions(viewer=world.v(stranger), space=world.qa, title="引っ越しした時の通勤手当") == []
    services.moderation_set_hidden(
        viewer=world.v(world.moderator), kind="question", target=wanted, hidden=True, reason="重複"
    )
    assert (
        similar_questions(viewer=world.v(world.peer), space=world.qa, title="引っ越しした時の通勤手当") == []
    )
