"""Japanese text analysis for search: normalization, Sudachi terms and character bigrams.

- ``normalize``: NFKC (全角/半角), lower case, one kind of 長音 and wave dash, repeated 長音 folded.
- ``fold_kana``: カタカナ → ひらがな, so ホケンショウ and ほけんしょう meet.
- ``terms``: content words from SudachiPy (mode C, plus the mode-A parts of long compounds), each
  as its ``normalized_form`` (送り仮名 variants, 旧字体 and spelling variants collapse:
  引越し/引っ越し, 申込/申し込み, 國民/国民, コンピュータ/コンピューター), kana-folded.
- ``bigrams``: character 2-grams of the normalized, kana-folded text, for typos and words the
  dictionary does not know.

The Sudachi dictionary is loaded once per process; tokenizers are per thread.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from madoguchi.core.sudachi import tokenizer as _tokenizer  # one dictionary per process, shared

# Parts of speech that carry no meaning for search.
_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# Frequent words of questions that say nothing about the topic (after normalized_form + kana fold).
# Interrogatives that name what is asked (どこ → 場所, いつ → 時期, 誰 → 申請者) stay terms: the
# synonym dictionary maps them to the words FAQ questions use.
STOPWORDS = frozenset(
    """
    する ある いる なる れる られる せる させる こと もの ため よう ところ とき 時 場合 方 方法 について
    教える くださる 下さる ください です ます ござる おる いう 言う 思う 知る 分かる わかる 良い よい いい
    この その あの どの これ それ あれ どれ ここ そこ 何 なに なん どう どんな
    たい ほしい 欲しい 様 さん 等 など 的 の ん ない ね よ か な
    為る 居る 成る 有る 遣る 下さる 頂く 致す 御座る 仕舞う 呉れる 貰う 置く 見る 来る 行く 出来る 得る
    ちゃう じゃう とく もう ちょっと 一寸 今 まず 先ず
    """.split()
)
_LONG_VOWELS = re.compile("[ー―‐‑–—−ｰ~〜～-]+")
_REPEAT_LONG = re.compile("ー{2,}")
_PUNCT = re.compile(
    r"[\s\u3000、。，．,.!?！？「」『』（）()【】\[\]{}<>＜＞・:：;；/／\\|\"'`…※▼▲●○◎△×*＊#＃&＆=＝+＋]+"
)
_KATAKANA = re.compile("[\u30a1-\u30f6]")


def normalize(text: str) -> str:
    """NFKC + lower case + one 長音. Keeps punctuation (Sudachi uses it as boundaries)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    # 長音・ダッシュ・波線 after kana/長音 become ー; elsewhere (e.g. "10~12") a plain hyphen.
    text = _LONG_VOWELS.sub(lambda m: _long_vowel(text, m), text)
    return _REPEAT_LONG.sub("ー", text)


def _long_vowel(text: str, match: re.Match) -> str:
    mark = match.group(0)[0]
    if mark in "~〜～":  # wave dashes: decoration after words, "from-to" between numbers
        return " "
    before = text[match.start() - 1] if match.start() else ""
    if before and ("\u3041" <= before <= "\u30ff"):
        return "ー"
    return "-"


def fold_kana(text: str) -> str:
    """カタカナ → ひらがな (ヴ and small letters included)."""
    return _KATAKANA.sub(lambda m: chr(ord(m.group(0)) - 0x60), text)


def search_key(text: str) -> str:
    """The comparable form of a string: normalized, kana folded, no punctuation or spaces."""
    return _PUNCT.sub("", fold_kana(normalize(text)))


def _split_mode_a():
    from sudachipy import SplitMode

    return SplitMode.A


def morphemes(text: str) -> list[tuple[str, str, str, str]]:
    """(surface, normalized term, reading, part of speech) for each morpheme of normalized text."""
    text = normalize(text)
    if not text.strip():
        return []
    result = []
    for chunk in _chunks(text):
        for m in _tokenizer().tokenize(chunk):
            pos = m.part_of_speech()[0]
            result.append((m.surface(), fold_kana(m.normalized_form().lower()), m.reading_form(), pos))
    return result


def _chunks(text: str, size: int = 4000):
    # Sudachi refuses very long inputs; split on line ends.
    buffer = ""
    for line in text.splitlines(keepends=True):
        if len(buffer) + len(line) > size and buffer:
            yield buffer
            buffer = ""
        buffer += line[:size]
    if buffer:
        yield buffer


def terms(text: str, *, parts: bool = True) -> list[str]:
    """Content-word terms of ``text`` (with repeats, in order).

    With ``parts`` (documents and queries), long compounds also yield their mode-A parts
    (国民健康保険証 → 国民, 健康, 保険, 証) and two adjacent nouns also yield their join (保険 + 証 →
    保険証), so a compound matches whichever way the dictionary split it on either side.
    """
    text = normalize(text)
    if not text.strip():
        return []
    out: list[str] = []
    mode_a = _split_mode_a()
    for chunk in _chunks(text):
        previous_noun = previous_tail = ""
        for m in _tokenizer().tokenize(chunk):
            pos = m.part_of_speech()
            if pos[0] in _SKIP_POS:
                previous_noun = previous_tail = ""
                continue
            term = fold_kana(m.normalized_form().lower())
            is_noun = pos[0] in _NOUN_POS and not _is_noise(term)
            pieces = m.split(mode_a) if parts and is_noun and len(m.surface()) >= 3 else ()
            if parts and is_noun and previous_noun:
                out.append(previous_noun + term)
                head = fold_kana(pieces[0].normalized_form().lower()) if len(pieces) > 1 else term
                if previous_tail and (previous_tail != previous_noun or head != term):
                    out.append(previous_tail + head)  # 国民健康保険 + 証 → 保険証
            if is_noun:
                previous_noun = term
                previous_tail = fold_kana(pieces[-1].normalized_form().lower()) if len(pieces) > 1 else term
            else:
                previous_noun = previous_tail = ""
            if term in STOPWORDS or not term.strip() or _is_noise(term):
                continue
            out.append(term)
            # long compounds (国民健康保険証) also match their parts (保険証 → 保険, 証)
            if pos[0] == "名詞" and len(pieces) > 1:
                subs = [fold_kana(piece.normalized_form().lower()) for piece in pieces]
                for sub in subs:
                    if sub != term and sub not in STOPWORDS and len(sub) > 1 and not _is_noise(sub):
                        out.append(sub)
                if len(subs) > 2:  # 国民|健康|保険|証 → 健康保険, 保険証
                    out.extend(
                        a + b
                        for a, b in zip(subs, subs[1:], strict=False)
                        if not (_is_noise(a) or _is_noise(b))
                    )
    return out


_NOUN_POS = {"名詞", "接尾辞", "接頭辞"}


def _is_noise(term: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZ" for ch in term)


def bigrams(text: str) -> list[str]:
    """Character bigrams of each punctuation-free run (a one-character run counts as itself)."""
    folded = fold_kana(normalize(text))
    out: list[str] = []
    for run in _PUNCT.split(folded):
        if not run:
            continue
        if len(run) == 1:
            out.append(run)
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def reading(text: str) -> str:
    """The text as it is read, in hiragana (よなき for 夜泣き and 夜なき alike); punctuation kept
    as separators. Unknown words keep their own spelling."""
    text = normalize(text)
    if not text.strip():
        return ""
    out: list[str] = []
    for chunk in _chunks(text):
        for m in _tokenizer().tokenize(chunk):
            pos = m.part_of_speech()[0]
            if pos in ("補助記号", "空白", "記号"):
                out.append(" ")
                continue
            yomi = m.reading_form()
            out.append(fold_kana(yomi if yomi and yomi != "キゴウ" else m.surface()))
    return "".join(out)


def reading_bigrams(text: str) -> list[str]:
    """Bigrams of the hiragana reading: kana spellings and kanji spellings meet."""
    out: list[str] = []
    for run in _PUNCT.split(reading(text)):
        if len(run) >= 2:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


@lru_cache(maxsize=4096)
def cached_terms(text: str) -> tuple[str, ...]:
    return tuple(terms(text))
