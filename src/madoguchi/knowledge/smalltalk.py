"""Greetings and small talk for the FAQ chatbot: a short, fitting answer instead of FAQ choices.

``classify(text)`` returns an :class:`Intent` only when the whole message is small talk —
greetings, thanks, "that's all", "let me talk to a person" and a little filler (です, ね,
どうも…). Anything else left over (「こんにちは、児童手当の申請はどこでできますか」) means there is a
real question, and the chatbot searches the FAQ as usual. Text is compared in the search
analyzer's form: NFKC, lower case, one 長音, katakana folded to hiragana, punctuation and spaces
removed — so ｺﾝﾆﾁﾊ, コンニチハ and 「こんにちは！」 are the same.

The table below is the whole behaviour; answers are translatable strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from madoguchi.knowledge.search.analyzer import search_key


@dataclass(frozen=True)
class Intent:
    id: str
    # regular expressions over the folded text (hiragana, lower case, no punctuation or spaces)
    patterns: tuple[str, ...]
    answer: Promise
    # show the inquiry form link and the office contact with the answer
    handover: bool = False


# Ordered by priority: when one message holds several (「ありがとう、もういいです」), the first wins.
INTENTS: tuple[Intent, ...] = (
    Intent(
        id="handover",
        patterns=(
            r"(担当|たんとう)(者|しゃ|の(方|かた|人|ひと))?",
            r"(職員|しょくいん|係|かかり|窓口|まどぐち)(の(方|かた|人|ひと))?(さん)?",
            r"(人間|にんげん|人|ひと|生身の人|おぺれーたー|有人|ゆうじん)",
        ),
        answer=_(
            "担当者にご質問いただけます。お問い合わせフォームからご質問をお送りください。"
            "これまでのやりとりは入力済みになります。"
        ),
        handover=True,
    ),
    Intent(
        id="closing",
        patterns=(
            r"もう(いい|けっこう|結構|大丈夫|だいじょうぶ|じゅうぶん|十分)",
            r"(けっこう|結構|大丈夫|だいじょうぶ|いらない|いりません|不要|ふよう)",
            r"(さようなら|さよなら|ばいばい|じゃあね|またね|また来ます|またきます|失礼します|しつれいします)",
            r"(おわり|終わり|終了|しゅうりょう|以上|いじょう)",
            r"(bye|goodbye|byebye|seeyou|thatsall|thatisall|nothanks|nevermind)",
        ),
        answer=_(
            "承知しました。ご利用ありがとうございました。解決していないことがあれば、"
            "お問い合わせフォームから担当者にご質問いただけます。"
        ),
        handover=True,
    ),
    Intent(
        id="thanks",
        patterns=(
            r"(どうも)?(ありがと|有難|有り難)(う|ー)?",
            r"(助か|たすか)(りました|ります|る|った|りましたー)",
            r"(おせわ|お世話)に(なりました|なります)",
            r"(感謝|かんしゃ)(します|しています|です)?",
            r"(さんきゅー|さんくす)",
            r"(thanks|thankyou|thx|thankyouverymuch|thanksalot|ty)",
        ),
        answer=_("どういたしまして。ほかにもご質問があれば、どうぞ入力してください。"),
    ),
    Intent(
        id="acknowledge",
        patterns=(
            r"(わかりました|分かりました|了解|りょうかい|承知しました|なるほど|はい|うん|ok|okay|おけ)",
            r"(解決|かいけつ)(しました|した)",
        ),
        answer=_("ほかにもご質問があれば、どうぞ入力してください。"),
    ),
    Intent(
        id="greeting",
        patterns=(
            r"(こんにち|こんばん)(は|わ)",
            r"おはよう?",
            r"(はじめまして|初めまして)",
            r"(よろしく|宜しく)",
            r"(もしもし|やあ|どうも|すみません|すいません)",
            r"(hello|hi|hey|goodmorning|goodafternoon|goodevening|nicetomeetyou)",
        ),
        answer=_(
            "こんにちは。暮らしや手続についてのご質問に、よくある質問からお答えします。"
            "「保険証をなくした」「ごみの出し方を知りたい」のように、知りたいことを短い文で入力してください。"
        ),
    ),
    Intent(
        id="help",
        patterns=(
            r"(この(ちゃっと|さーびす)の)?(使い方|つかいかた)(を|が)?(教えて|おしえて|知りたい|しりたい|わからない|分からない)?[ぁ-ん]*",
            r"(なにが|何が|なにを|何を)(でき|聞け|きけ|質問でき|聞いたら|きいたら)[ぁ-ん]*",
            r"(help|へるぷ)",
        ),
        answer=_(
            "よくある質問の中から、ご質問に近い回答をお探しします。"
            "「保険証をなくした」「児童手当はいつ振り込まれる」のように入力してください。"
            "個人情報（お名前や番号など）は入力しないでください。"
        ),
    ),
)

# What a handover message says around "a person": 「担当者と話したい」「人に代わって」「電話したい」.
_HANDOVER_VERBS = (
    r"(と|に|へ|で|から)?(直接|ちょくせつ)?(お|ご)?(話|はな|相談|そうだん|つな|繋|代わ|かわ|替わ|変わ|"
    r"問い合わせ|問合せ|といあわせ|聞|き|連絡|れんらく|電話|でんわ|対応|たいおう)[ぁ-ん]*"
)
_HANDOVER_ALONE = (
    r"(電話|でんわ)(で|を)?(相談|そうだん|問い合わせ|といあわせ)?(したい|します|できますか|ください)[ぁ-ん]*",
    r"(お)?(問い合わせ|問合せ|といあわせ)(したい|します|をしたい|ふぉーむ)[ぁ-ん]*",
    r"((担当|たんとう|窓口|まどぐち|問い合わせ|問合せ|お問い合わせ)(者|しゃ|の方|のかた)?の?)?"
    r"(電話番号|でんわばんごう|連絡先|れんらくさき|問い合わせ先|問合せ先|といあわせさき)"
    r"(を|は|が)?(教えて|おしえて|知りたい|しりたい)?[ぁ-ん]*",
    r"(talkto|speakto|speakwith|talkwith)(a|the)?(human|person|staff|someone|operator|agent)",
    r"(human|operator|agent|contactus|contact)(please)?",
)
# Words that carry nothing by themselves around small talk: 「どうも」「です」「ね」「〜さん」.
_FILLER = (
    r"(です|でした|ます|ございます|ございました|いたします|致します|します|しました|お願いします|"
    r"お願いいたします|おねがいします|おねがいいたします|お願い|おねがい|ください|下さい|"
    r"ね|よ|な|さん|さま|様|ちゃん|ほんとうに|本当に|ほんとに|どうも|とても|大変|たいへん|"
    r"すごく|めっちゃ|あの|えっと|では|じゃあ|じゃ|ええ|あ|w|笑|ー|ぁ|ぃ|ぅ|ぇ|ぉ|っ|"
    r"か|very|much|so|alot|please|again|everyone|there)"
)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], Intent | None], ...]:
    """Every phrase as its own pattern (with its intent), filler words last (intent None)."""
    compiled: list[tuple[re.Pattern[str], Intent | None]] = []
    for intent in INTENTS:
        patterns = intent.patterns
        if intent.id == "handover":
            people = "|".join(intent.patterns)
            patterns = (rf"(?:{people}){_HANDOVER_VERBS}", *_HANDOVER_ALONE)
        compiled.extend((re.compile(pattern), intent) for pattern in patterns)
    compiled.append((re.compile(_FILLER), None))
    return tuple(compiled)


MAX_LENGTH = 40


def classify(text: str) -> Intent | None:
    """The small-talk intent of a whole message, or None when the message asks something else.

    The message is eaten from the left: at each position the longest small-talk phrase or
    filler word is taken; if something else remains, it is a question for the FAQ. A message
    of filler alone (「お願いします」) is not small talk either.
    """
    folded = search_key(text)
    if not folded or len(folded) > MAX_LENGTH:
        return None
    found: set[str] = set()
    position = 0
    while position < len(folded):
        best_end, best_intent = position, None
        for pattern, intent in _compiled():
            match = pattern.match(folded, position)
            if match and match.end() > best_end:
                best_end, best_intent = match.end(), intent
        if best_end == position:
            return None
        if best_intent is not None:
            found.add(best_intent.id)
        position = best_end
    return next((intent for intent in INTENTS if intent.id in found), None)


def intent_by_id(intent_id: str | None) -> Intent | None:
    return next((intent for intent in INTENTS if intent.id == intent_id), None)


def office_contact(organization: Any) -> str:
    """How to reach the office by phone or at the counter, for "I want to talk to a person".

    ``KNOWLEDGE_OFFICE_CONTACT`` (department, phone number, opening hours) is shown when set;
    otherwise the organization's name with a general hint.
    """
    contact = str(getattr(settings, "KNOWLEDGE_OFFICE_CONTACT", "") or "").strip()
    if contact:
        return gettext("お電話・窓口でのお問い合わせ: %(contact)s") % {"contact": contact}
    if organization is not None:
        return gettext("お電話や窓口でのご相談は、%(name)sの担当窓口へ開庁時間内にどうぞ。") % {
            "name": organization.name
        }
    return gettext("お電話や窓口でのご相談は、担当窓口へ開庁時間内にどうぞ。")
