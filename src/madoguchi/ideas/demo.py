"""Demo data for S9: 東京都's デジタル提案箱+ (staff only, moderated by デジタルサービス局) with
proposals in several statuses — one 実現 with its official answer, one assigned to
人材育成課 waiting for its answer — and SHIN-QA with answered, accepted and open questions.
Made through the services (likes, comments and answers counted as in real use). Idempotent:
a space that has posts is left alone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from madoguchi.accounts.models import Department, Organization, User
from madoguchi.ideas import services
from madoguchi.ideas.constants import ProposalStatus, SpaceKind, TargetKind, Visibility
from madoguchi.ideas.models import Proposal, Question, Space
from madoguchi.ideas.permissions import Viewer, staff_viewer

TEMPLATE = "【現状の課題】\n\n【提案の内容】\n\n【期待される効果】\n"


def _user(email: str) -> User:
    return User.objects.get(email=email)


def load_ideas_demo() -> list[str]:
    tokyo = Organization.objects.get(slug="tokyo")
    dept = {d.slug: d for d in Department.objects.filter(organization=tokyo)}
    box, _ = Space.objects.get_or_create(
        organization=tokyo,
        slug="teian",
        defaults={
            "name": "デジタル提案箱+",
            "description": "業務の改善やデジタル化のアイデアを、職員のだれでも提案できます。担当部署が公式に回答します。",
            "kind": SpaceKind.PROPOSALS,
            "moderator_department": dept.get("digital"),
            "body_template": TEMPLATE,
            "categories": ["業務改善", "デジタル化", "働き方", "その他"],
        },
    )
    qa, _ = Space.objects.get_or_create(
        organization=tokyo,
        slug="shin-qa",
        defaults={
            "name": "SHIN-QA",
            "description": "仕事の疑問を職員どうしで質問・回答できます。担当部署の回答には「公式回答」と表示されます。",
            "kind": SpaceKind.QUESTIONS,
            "moderator_department": dept.get("digital"),
        },
    )
    lines = ["S9 /ideas/tokyo/teian/ and /ideas/tokyo/shin-qa/ (staff sign-in)"]
    shokuin = staff_viewer(_user("tokyo-shokuin@example.jp"))
    kacho = staff_viewer(_user("tokyo-kacho@example.jp"))
    center = staff_viewer(_user("tokyo-center@example.jp"))
    jinzai = staff_viewer(_user("tokyo-jinzai@example.jp"))
    digital = staff_viewer(_user("tokyo-digital@example.jp"))
    if not Proposal.objects.filter(space=box).exists():
        paperless = services.proposal_save(
            viewer=shokuin,
            space=box,
            title="会議資料のペーパーレス化を全庁で進める",
            body="【現状の課題】\n定例会議のたびに資料を印刷・配布しており、準備に時間がかかっています。\n\n"
            "【提案の内容】\n会議資料は共有フォルダに置き、タブレットで閲覧することを標準にします。\n\n"
            "【期待される効果】\n印刷費と準備時間の削減、最新版の資料の共有。",
            category="デジタル化",
            publish=True,
        )
        for viewer in (kacho, center, jinzai, digital):
            services.like_set(viewer=viewer, kind=TargetKind.PROPOSAL, target=paperless)
        services.comment_add(
            viewer=center, proposal=paperless, body="センターでも同じ課題があります。ぜひ進めてほしいです。"
        )
        services.proposal_assign(viewer=digital, proposal=paperless, department=dept["digital"])
        services.proposal_answer_prepare(
            viewer=digital,
            proposal=paperless,
            body="ご提案ありがとうございます。来年度から、局長級会議を含む全庁の定例会議で資料の電子配布を標準とします。"
            "タブレットの追加配備は今年度中に完了します。",
            status=ProposalStatus.REALIZED,
        )
        services.proposal_answers_publish(viewer=digital, proposals=[paperless])

        training = services.proposal_save(
            viewer=center,
            space=box,
            title="研修の申込をスマートフォンからできるようにする",
            body="【現状の課題】\n研修の申込は庁内端末からしかできず、出先の職員が申し込みにくいです。\n\n"
            "【提案の内容】\nスマートフォンから研修申込と受講履歴の確認ができるようにします。",
            category="働き方",
            publish=True,
        )
        for viewer in (shokuin, kacho):
            services.like_set(viewer=viewer, kind=TargetKind.PROPOSAL, target=training)
        services.proposal_assign(
            viewer=digital,
            proposal=training,
            department=dept["jinzai-ikusei"],
            due=timezone.localdate() + dt.timedelta(days=14),
        )

        stamps = services.proposal_save(
            viewer=kacho,
            space=box,
            title="押印欄が残っている様式の一覧を公開する",
            body="押印欄が残っている様式を一覧にして、各局が見直しの進み具合を確認できるようにしてはどうでしょうか。",
            category="業務改善",
            publish=True,
        )
        services.like_set(viewer=shokuin, kind=TargetKind.PROPOSAL, target=stamps)
        first = services.comment_add(
            viewer=shokuin, proposal=stamps, body="様式の所管課も一緒に載ると助かります。"
        )
        services.comment_add(
            viewer=kacho, proposal=stamps, body="そうですね。所管課も載せる案にします。", parent=first
        )

        chat = services.proposal_save(
            viewer=jinzai,
            space=box,
            title="庁内チャットに既読の表示を付ける",
            body="メッセージが読まれたか分からず、電話で確認することがあります。",
            category="デジタル化",
            publish=True,
        )
        services.proposal_assign(viewer=digital, proposal=chat, department=dept["digital"])
        services.proposal_answer_prepare(
            viewer=digital,
            proposal=chat,
            body="検討しましたが、既読の表示は返信を急がせる負担になるとの意見も多く、今回は見送ります。"
            "代わりに「確認しました」のリアクションを使えるようにしています。",
            status=ProposalStatus.DECLINED,
        )
        services.proposal_answers_publish(viewer=digital, proposals=[chat])
        services.proposal_save(
            viewer=shokuin,
            space=box,
            title="（下書き）出張旅費の精算を月1回にまとめる",
            body=TEMPLATE,
            category="業務改善",
        )
        lines.append("5 proposals (実現, 検討中 at 人材育成課, 受付, 見送り, a draft)")
    if not Question.objects.filter(space=qa).exists():
        telework = services.question_create(
            viewer=shokuin,
            space=qa,
            title="在宅勤務の申請はいつまでに出せばよいですか？",
            body="来週から在宅勤務を予定しています。申請の締切を教えてください。",
            tags="在宅勤務 申請",
            department=dept["soumu"],
        )
        services.answer_add(
            viewer=kacho,
            question=telework,
            body="前日の17時までに、所属長あてに電子申請で出してください（総務課）。",
        )
        services.like_set(viewer=shokuin, kind=TargetKind.QUESTION, target=telework)
        proxy = services.question_create(
            viewer=jinzai,
            space=qa,
            title="電子決裁で代決するときの手順は？",
            tags="電子決裁 代決",
        )
        answer = services.answer_add(
            viewer=center,
            question=proxy,
            body="決裁画面の「代決」を選び、代決の理由を書いてから承認します。後で本来の決裁者に通知されます。",
        )
        services.answer_accept(viewer=jinzai, answer=answer)
        services.like_set(viewer=shokuin, kind=TargetKind.ANSWER, target=answer)
        services.question_create(
            viewer=center,
            space=qa,
            title="研修の受講履歴はどこで見られますか？",
            tags="研修",
            department=dept["jinzai-ikusei"],
        )
        lines.append("3 questions (公式回答, 解決済み, 人材育成課への未回答)")
    lines += _public_space()
    return lines


def _public_space() -> list[str]:
    """新宿区's public proposal box: residents propose (signed in), anyone reads — the applicant
    menu's 「みんなの提案」 and the site search find it."""
    shinjuku = Organization.objects.filter(slug="shinjuku").first()
    hanako = User.objects.filter(email="hanako@example.jp").first()
    if shinjuku is None or hanako is None:
        return []
    space, _created = Space.objects.get_or_create(
        organization=shinjuku,
        slug="kumin-teian",
        defaults={
            "name": "区民の提案箱",
            "description": "区の窓口や手続をよくするアイデアを、区民のだれでも提案できます（投稿にはログインが必要です）。",
            "kind": SpaceKind.PROPOSALS,
            "visibility": Visibility.PUBLIC,
            "categories": ["窓口", "オンライン手続", "その他"],
        },
    )
    if Proposal.objects.filter(space=space).exists():
        return []
    services.proposal_save(
        viewer=Viewer(user=hanako),
        space=space,
        title="区役所の窓口の混み具合をウェブで見られるようにしてほしい",
        body="来庁する前に待ち人数が分かれば、空いている時間に行けます。スマートフォンで見られると助かります。",
        category="窓口",
        publish=True,
    )
    return ["S9 public: /ideas/shinjuku/kumin-teian/ (区民の提案箱, hanako@example.jp proposes)"]
