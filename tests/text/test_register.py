"""Tests for service.text.register: polite ↔ news sentence endings with Korean morphology."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from service.errors import MtsError
from service.text.register import STYLES, StyleError, convert, sentence_spans, warm
from service.text.segment import segment

# (polite sentence, expected news sentence, converts back to the polite sentence). Written by hand.
# Rows marked False are not one-to-one: 해요체 input comes back as 합니다체.
TABLE: list[tuple[str, str, bool]] = [
    # irregular verbs and adjectives (ㅂ ㄷ ㅅ 르 ㅎ ㄹ)
    ("우리는 이웃을 돕습니다.", "우리는 이웃을 돕는다.", True),
    ("정부가 피해 기업을 도왔습니다.", "정부가 피해 기업을 도왔다.", True),
    ("그는 매일 음악을 듣습니다.", "그는 매일 음악을 듣는다.", True),
    ("그는 그 소식을 들었습니다.", "그는 그 소식을 들었다.", True),
    ("이 방법이 그 방법보다 낫습니다.", "이 방법이 그 방법보다 낫다.", True),
    ("두 나라의 입장이 다릅니다.", "두 나라의 입장이 다르다.", True),
    ("상황이 그렇습니다.", "상황이 그렇다.", True),
    ("날씨가 덥습니다.", "날씨가 덥다.", True),
    ("그는 공원을 걷습니다.", "그는 공원을 걷는다.", True),
    ("강물이 바다로 흐릅니다.", "강물이 바다로 흐른다.", True),
    ("하늘이 파랗습니다.", "하늘이 파랗다.", True),
    ("그는 새 집을 짓습니다.", "그는 새 집을 짓는다.", True),
    ("학생들이 노래를 부릅니다.", "학생들이 노래를 부른다.", True),
    ("그는 매일 빵을 만듭니다.", "그는 매일 빵을 만든다.", True),
    ("물가가 많이 올랐습니다.", "물가가 많이 올랐다.", True),
    ("기온이 35도까지 오르겠습니다.", "기온이 35도까지 오르겠다.", True),
    # copula: 이다 after a consonant, contracted 다 after a vowel (as Korean news writes it)
    ("그는 학생입니다.", "그는 학생이다.", True),
    ("그것은 사과입니다.", "그것은 사과다.", True),
    ("이번 방문은 처음입니다.", "이번 방문은 처음이다.", True),
    ("그는 내일 떠날 것입니다.", "그는 내일 떠날 것이다.", True),
    ("회의는 다음 달 열릴 예정입니다.", "회의는 다음 달 열릴 예정이다.", True),
    ("이는 역대 최대 규모입니다.", "이는 역대 최대 규모다.", True),
    ("사망자는 모두 12명입니다.", "사망자는 모두 12명이다.", True),
    ("이는 지난해보다 5% 늘어난 수치입니다.", "이는 지난해보다 5% 늘어난 수치다.", True),
    ("그는 전직 외교관이었습니다.", "그는 전직 외교관이었다.", True),
    ("사고 원인은 운전자의 부주의였습니다.", "사고 원인은 운전자의 부주의였다.", True),
    ("그는 교사이자 작가입니다.", "그는 교사이자 작가다.", True),
    # negation
    ("그것은 사실이 아닙니다.", "그것은 사실이 아니다.", True),
    ("그는 학교에 가지 않습니다.", "그는 학교에 가지 않는다.", True),
    ("날씨가 춥지 않습니다.", "날씨가 춥지 않다.", True),
    ("이 문제는 쉽지 않습니다.", "이 문제는 쉽지 않다.", True),
    ("정부는 이를 허용하지 않았습니다.", "정부는 이를 허용하지 않았다.", True),
    ("그는 아직 결정하지 못했습니다.", "그는 아직 결정하지 못했다.", True),
    ("북한은 아무런 반응을 보이지 않고 있습니다.", "북한은 아무런 반응을 보이지 않고 있다.", True),
    ("남은 재고가 없습니다.", "남은 재고가 없다.", True),
    # tense, aspect, modality
    ("정부는 이날 회의를 열었습니다.", "정부는 이날 회의를 열었다.", True),
    ("최선을 다하겠습니다.", "최선을 다하겠다.", True),
    ("시장이 호황을 누리고 있습니다.", "시장이 호황을 누리고 있다.", True),
    ("그는 보고서를 쓰고 있었습니다.", "그는 보고서를 쓰고 있었다.", True),
    ("정부는 대책을 마련해야 합니다.", "정부는 대책을 마련해야 한다.", True),
    ("수출이 증가할 것으로 전망됩니다.", "수출이 증가할 것으로 전망된다.", True),
    ("경기가 회복될 것으로 보입니다.", "경기가 회복될 것으로 보인다.", True),
    ("외교부는 이날 이같이 밝혔습니다.", "외교부는 이날 이같이 밝혔다.", True),
    ("양국은 협력을 강화하기로 합의했습니다.", "양국은 협력을 강화하기로 합의했다.", True),
    ("대통령은 오는 10일 미국을 방문합니다.", "대통령은 오는 10일 미국을 방문한다.", True),
    ("한국은행은 기준금리를 동결했습니다.", "한국은행은 기준금리를 동결했다.", True),
    ("사고로 3명이 숨졌습니다.", "사고로 3명이 숨졌다.", True),
    ("그는 어제 서울에 왔습니다.", "그는 어제 서울에 왔다.", True),
    ("그는 그 일을 할 수 있습니다.", "그는 그 일을 할 수 있다.", True),
    ("곧 비가 올 것 같습니다.", "곧 비가 올 것 같다.", True),
    ("영상이 공개되자 논란이 일었습니다.", "영상이 공개되자 논란이 일었다.", True),
    # passive and causative
    ("회의는 서울에서 열립니다.", "회의는 서울에서 열린다.", True),
    ("문제가 곧 해결됩니다.", "문제가 곧 해결된다.", True),
    ("그 건물은 1990년에 지어졌습니다.", "그 건물은 1990년에 지어졌다.", True),
    ("결과는 다음 주에 발표됩니다.", "결과는 다음 주에 발표된다.", True),
    ("이 제도는 2020년 도입됐습니다.", "이 제도는 2020년 도입됐다.", True),
    ("이번 조치는 다음 달부터 시행됩니다.", "이번 조치는 다음 달부터 시행된다.", True),
    ("범인이 현장에서 경찰에 잡혔습니다.", "범인이 현장에서 경찰에 잡혔다.", True),
    ("어머니가 아이에게 밥을 먹입니다.", "어머니가 아이에게 밥을 먹인다.", True),
    ("당국은 주민들을 대피시켰습니다.", "당국은 주민들을 대피시켰다.", True),
    ("그 소식은 많은 사람을 놀라게 했습니다.", "그 소식은 많은 사람을 놀라게 했다.", True),
    ("경찰은 용의자를 체포했습니다.", "경찰은 용의자를 체포했다.", True),
    # adjectives and 하다 adjectives
    ("추가 예산이 필요합니다.", "추가 예산이 필요하다.", True),
    ("한국은 수출이 많습니다.", "한국은 수출이 많다.", True),
    ("이 지역은 인구가 적습니다.", "이 지역은 인구가 적다.", True),
    ("경쟁이 매우 치열합니다.", "경쟁이 매우 치열하다.", True),
    ("오늘은 날씨가 좋습니다.", "오늘은 날씨가 좋다.", True),
    ("그는 가족을 보고 싶습니다.", "그는 가족을 보고 싶다.", True),
    # quotations: only the outer verb changes
    ('그는 "좋다"라고 말했습니다.', '그는 "좋다"라고 말했다.', True),
    ("그는 “경제가 어렵습니다”라고 말했습니다.", "그는 “경제가 어렵습니다”라고 말했다.", True),
    ("장관은 “협력을 강화하겠습니다”고 밝혔습니다.", "장관은 “협력을 강화하겠습니다”고 밝혔다.", True),
    ("그는 ‘문제없습니다’라고 강조했습니다.", "그는 ‘문제없습니다’라고 강조했다.", True),
    (
        "관계자는 「추가 조치는 없습니다」라고 전했습니다.",
        "관계자는 「추가 조치는 없습니다」라고 전했다.",
        True,
    ),
    (
        '대변인은 "회담은 생산적이었습니다"라고 덧붙였습니다.',
        '대변인은 "회담은 생산적이었습니다"라고 덧붙였다.',
        True,
    ),
    ("그는 정부가 책임을 져야 한다고 주장했습니다.", "그는 정부가 책임을 져야 한다고 주장했다.", True),
    ('"회의는 끝났습니다." 그는 이렇게 말했습니다.', '"회의는 끝났습니다." 그는 이렇게 말했다.', True),
    ("그는 “좋습니다.”", "그는 “좋습니다.”", True),
    # questions
    ("이것은 무엇입니까?", "이것은 무엇인가?", True),
    ("그는 왜 그렇게 합니까?", "그는 왜 그렇게 하는가?", True),
    ("누가 이 일을 했습니까?", "누가 이 일을 했는가?", True),
    ("시장은 회복될 수 있습니까?", "시장은 회복될 수 있는가?", True),
    ("그 결정은 옳습니까?", "그 결정은 옳은가?", True),
    # propositive and imperative
    ("함께 갑시다.", "함께 가자.", True),
    ("조심하십시오.", "조심하라.", True),
    ("모두 자리에 앉으십시오.", "모두 자리에 앉으라.", True),
    # several sentences, spacing kept
    (
        "경기는 7시에 시작합니다. 관중은 3만 명이 넘습니다.",
        "경기는 7시에 시작한다. 관중은 3만 명이 넘는다.",
        True,
    ),
    ("북한이 미사일을 쐈습니다.  군이 밝혔습니다!", "북한이 미사일을 쐈다.  군이 밝혔다!", True),
    ("첫 문단입니다.\n\n둘째 문단입니다.", "첫 문단이다.\n\n둘째 문단이다.", True),
    # no predicate, not Korean, already news: unchanged
    ("사진: 연합뉴스", "사진: 연합뉴스", True),
    ("(연합뉴스 자료사진)", "(연합뉴스 자료사진)", True),
    ("Samsung Electronics", "Samsung Electronics", True),
    ("2025년 9월 8일", "2025년 9월 8일", True),
    ("다시 만날까요?", "다시 만날까요?", True),
    ("회의 결과를 발표함.", "회의 결과를 발표함.", True),
    # 해요체 input: converted to news, comes back as 합니다체
    ("날씨가 정말 좋아요.", "날씨가 정말 좋다.", False),
    ("그는 밥을 먹었어요.", "그는 밥을 먹었다.", False),
    ("그것은 사실이 아니에요.", "그것은 사실이 아니다.", False),
]


def test_table_is_large_enough() -> None:
    assert len({polite for polite, _, _ in TABLE}) >= 80


@pytest.mark.parametrize(("polite", "news", "_"), TABLE)
def test_polite_to_news(polite: str, news: str, _: bool) -> None:
    assert convert(polite, "news") == news


@pytest.mark.parametrize(("polite", "news"), [(p, n) for p, n, back in TABLE if back])
def test_news_to_polite(polite: str, news: str) -> None:
    assert convert(news, "polite") == polite


@pytest.mark.parametrize("style", STYLES)
def test_already_in_register_is_unchanged(style: str) -> None:
    column = 0 if style == "polite" else 1
    for row in TABLE:
        if row[2]:
            assert convert(row[column], style) == row[column]


def test_only_the_final_predicate_changes() -> None:
    text = "  가격은 1,500원(약 1달러)이며, “싸다”는 평가가 나왔습니다.  "
    out = convert(text, "news")
    assert out == "  가격은 1,500원(약 1달러)이며, “싸다”는 평가가 나왔다.  "


def test_unknown_style_is_a_clear_error() -> None:
    with pytest.raises(StyleError, match="news, polite") as caught:
        convert("좋습니다.", "formal")
    assert isinstance(caught.value, MtsError)


def test_warm_loads_once() -> None:
    warm()
    warm()
    assert convert("했습니다.", "news") == "했다."


def test_sentence_spans() -> None:
    text = ' 그는 "좋다. 정말이다." 라고 했다. 끝났다!\n다음 줄 '
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ['그는 "좋다. 정말이다." 라고 했다.', "끝났다!", "다음 줄"]


# ---------------------------------------------------------------------------------------------
# The project's Korean references: news → polite → news gives every sentence back.

_DATA = Path(__file__).resolve().parents[2] / "eval" / "data" / "yonhap-fr"
_ENDS_POLITE = ("니다", "니까")


def _reference_sentences(numbers: range) -> list[str]:
    sentences: list[str] = []
    for path in sorted(_DATA.glob("*.yaml")):
        if int(path.name[:2]) not in numbers:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in [data["reference"]["ko"], *data["bullets"]["ko"]]:
            for paragraph in segment(text):
                # segment() splits French; Korean sentences inside a line are split here.
                sentences += [paragraph.text[a:b] for a, b in sentence_spans(paragraph.text)]
    return sentences


@pytest.mark.parametrize(
    ("half", "numbers"), [("tuning (01-10)", range(1, 11)), ("test (11-20)", range(11, 21))]
)
def test_references_round_trip(half: str, numbers: range) -> None:
    sentences = _reference_sentences(numbers)
    assert len(sentences) >= 50
    back = 0
    for sentence in sentences:
        polite = convert(sentence, "polite")
        if sentence.rstrip(".?!").endswith("다"):  # a sentence with a final predicate
            assert polite.rstrip(".?!").endswith(_ENDS_POLITE), (sentence, polite)
        back += convert(polite, "news") == sentence
    rate = back / len(sentences)
    print(f"round trip news→polite→news, {half}: {back}/{len(sentences)} = {rate:.1%}")
    assert rate >= 0.95
