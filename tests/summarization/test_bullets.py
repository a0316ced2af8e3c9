"""parse_bullets and is_well_formed on the kinds of answers instruction-tuned models really give."""

from __future__ import annotations

import pytest

from service.summarization.bullets import is_well_formed, parse_bullets

EN = [
    "South Korea and the EU held their first space security dialogue in Brussels on Wednesday.",
    "Seoul plans to spend 1,500 billion won on its space programme in 2025.",
    "The next dialogue will be held in Seoul in 2026.",
]
FR = [
    "La Corée du Sud et l'UE ont tenu mercredi à Bruxelles leur premier dialogue sur la sécurité spatiale.",
    "Séoul prévoit de consacrer 1.500 milliards de wons à son programme spatial en 2025.",
    "Le prochain dialogue aura lieu en 2026 à Séoul.",
]
KO = [
    "한국과 EU는 수요일 브뤼셀에서 첫 우주안보 대화를 열었다.",
    "한국은 2025년 우주 예산으로 1조5천억 원을 배정할 계획이다.",
    "다음 대화는 2026년 서울에서 열린다.",
]

CASES: dict[str, tuple[str, list[str]]] = {
    "dashes": ("- " + "\n- ".join(EN), EN),
    "dashes, trailing newline and spaces": ("- " + "  \n- ".join(EN) + "   \n\n", EN),
    "stars": ("* " + "\n* ".join(FR), FR),
    "bullet dots": ("• " + "\n• ".join(KO), KO),
    "en dashes": ("– " + "\n– ".join(FR), FR),
    "numbered with dots": ("1. {}\n2. {}\n3. {}".format(*EN), EN),
    "numbered with parentheses": ("1) {}\n2) {}\n3) {}".format(*FR), FR),
    "numbers in parentheses": ("(1) {}\n(2) {}\n(3) {}".format(*KO), KO),
    "circled numbers without space": ("①{}\n②{}\n③{}".format(*KO), KO),
    "circled numbers with space": ("① {}\n② {}\n③ {}".format(*KO), KO),
    "loose list (blank lines between items)": ("- {}\n\n- {}\n\n- {}".format(*EN), EN),
    "indented list": ("   - {}\n   - {}\n   - {}".format(*EN), EN),
    "bold whole bullet": ("- **{}**\n- **{}**\n- **{}**".format(*EN), EN),
    "bold number": ("**1.** {}\n**2.** {}\n**3.** {}".format(*FR), FR),
    "bold lead-in": (
        "1. **Dialogue :** premier dialogue spatial à Bruxelles.\n2. **Budget :** 1.500 milliards de wons.",
        ["Dialogue : premier dialogue spatial à Bruxelles.", "Budget : 1.500 milliards de wons."],
    ),
    "english prose before and after": (
        "Here are the bullets:\n\n- {}\n- {}\n- {}\n\nI hope this helps!".format(*EN),
        EN,
    ),
    "french prose before and after": (
        "Voici les points clés :\n1. {}\n2. {}\n3. {}\nN'hésitez pas si vous avez des questions.".format(*FR),
        FR,
    ),
    "korean header": ("요약:\n- {}\n- {}\n- {}".format(*KO), KO),
    "korean closing remark right after an unpunctuated bullet": (
        "- 한국과 EU, 첫 우주안보 대화 개최\n- 다음 대화는 2026년 서울\n도움이 되셨길 바랍니다.",
        ["한국과 EU, 첫 우주안보 대화 개최", "다음 대화는 2026년 서울"],
    ),
    "markdown heading and closing sentence after a punctuated bullet": (
        "### Summary\n- {}\n- {}\n- {}\nThese points sum up the dispatch.".format(*EN),
        EN,
    ),
    "wrapped continuation, indented": (
        "- South Korea and the EU held their first space\n  security dialogue in Brussels on Wednesday.\n"
        f"- {EN[1]}\n- {EN[2]}",
        EN,
    ),
    "wrapped continuation, lower-case start": (
        "1. La Corée du Sud et l'UE ont tenu mercredi à Bruxelles leur premier dialogue\n"
        f"sur la sécurité spatiale.\n2. {FR[1]}\n3. {FR[2]}",
        FR,
    ),
    "wrapped continuation, unfinished sentence before a capital": (
        f"- The delegations were led by\nPark Min-ho and Claire Vasseur.\n- {EN[2]}",
        ["The delegations were led by Park Min-ho and Claire Vasseur.", EN[2]],
    ),
    "wrapped continuation, korean": (
        f"- 한국과 EU는 수요일 브뤼셀에서\n첫 우주안보 대화를 열었다.\n- {KO[1]}\n- {KO[2]}",
        KO,
    ),
    "wrapped continuation starting with a number": (
        "- Seoul plans to spend\n1,500 billion won on its space programme in 2025.",
        [EN[1]],
    ),
    "code fence around the list": ("```\n- {}\n- {}\n- {}\n```".format(*EN), EN),
    "surrounding quotes": ('- "{}"\n- “{}”\n- « {} »'.format(*EN), EN),
    "inner quotes are kept": (
        "- «L'espace est devenu un domaine essentiel», a déclaré M. Park, «pour notre sécurité».",
        ["«L'espace est devenu un domaine essentiel», a déclaré M. Park, «pour notre sécurité»."],
    ),
    "duplicates (case, spacing, final stop)": (
        "- {0}\n- {1}\n- {0}\n- {2}\n- {3}".format(
            EN[0], EN[1], EN[2], EN[0].upper().rstrip(".").replace(" ", "  ")
        ),
        EN,
    ),
    "empty bullets": ("- \n-\n- {}\n* .\n- {}\n- {}".format(*EN), EN),
    "negative number and thousands are not markers": (
        "- Températures :\n-5 °C à Séoul.\n- 10.000 satellites en orbite.",
        ["Températures : -5 °C à Séoul.", "10.000 satellites en orbite."],
    ),
    "windows line endings": ("- {}\r\n- {}\r\n- {}\r\n".format(*EN), EN),
    "no list: one paragraph": (" ".join(FR), FR),
    "no list: abbreviations do not split": (
        "La délégation était conduite par M. Park Min-ho. L'UE était représentée par Mme Claire Vasseur. "
        "Le dialogue a duré env. 6 heures.",
        [
            "La délégation était conduite par M. Park Min-ho.",
            "L'UE était représentée par Mme Claire Vasseur.",
            "Le dialogue a duré env. 6 heures.",
        ],
    ),
    "no list: one sentence per line": ("\n".join(EN), EN),
    "no list: polite opener, intro line and closer dropped": (
        "Sure! Here is a summary of the dispatch.\n\nSummary:\n{} {}\n\n{}\n\nI hope this helps.".format(*EN),
        EN,
    ),
    "no list: inline french intro": ("Voici les points clés : {} {} {}".format(*FR), FR),
    "no list: korean": (" ".join(KO), KO),
    "no list: question and exclamation marks": (
        "Who attended? Both delegations! The talks lasted 6 hours.",
        ["Who attended?", "Both delegations!", "The talks lasted 6 hours."],
    ),
    "empty string": ("", []),
    "only whitespace": ("  \n\n\t ", []),
    "only prose preamble": ("Voici les points clés :", []),
}


@pytest.mark.parametrize(("text", "expected"), list(CASES.values()), ids=list(CASES))
def test_parse_bullets(text: str, expected: list[str]) -> None:
    assert parse_bullets(text) == expected


def test_max_bullets_caps_after_deduplication() -> None:
    text = "- {0}\n- {0}\n- {1}\n- {2}".format(*EN)
    assert parse_bullets(text, max_bullets=2) == EN[:2]
    assert parse_bullets(text, max_bullets=5) == EN
    assert parse_bullets(text, max_bullets=0) == []


def test_max_bullets_applies_to_the_sentence_fallback() -> None:
    assert parse_bullets(" ".join(EN), max_bullets=1) == EN[:1]


def test_negative_max_bullets_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_bullets"):
        parse_bullets("- a", max_bullets=-1)


@pytest.mark.parametrize(
    ("text", "expected", "well_formed"),
    [
        ("- {}\n- {}\n- {}".format(*EN), 3, True),
        ("Here are the bullets:\n1. {}\n2. {}\n3. {}\nI hope this helps!".format(*EN), 3, True),
        ("- {}\n- {}\n- {}\n- Extra fact.".format(*EN), 3, True),  # one extra: trimmed by the caller
        ("- {}\n- {}\n- {}\n- Extra.\n- More.".format(*EN), 3, False),  # two extra
        ("- {}\n- {}".format(*EN), 3, False),  # too few
        ("- {0}\n- {0}\n- {0}".format(EN[0]), 3, False),  # one bullet repeated: a loop
        (" ".join(EN), 3, False),  # no list at all, even with the right number of sentences
        ("", 3, False),
        ("① {}\n② {}\n③ {}\n④ 추가 사실.\n⑤ 또 다른 사실.".format(*KO), 5, True),
        (f"- {EN[0]}", 1, True),
    ],
)
def test_is_well_formed(text: str, expected: int, well_formed: bool) -> None:
    assert is_well_formed(text, expected) is well_formed


def test_is_well_formed_rejects_a_nonsensical_expectation() -> None:
    with pytest.raises(ValueError, match="expected"):
        is_well_formed("- a", 0)
