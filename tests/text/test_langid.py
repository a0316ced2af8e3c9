"""Tests for service.text.langid: news sentences and paragraphs in fr/en/ko, short and mixed inputs,
other languages and scripts answered "und", and the shape of every answer."""

from __future__ import annotations

import unicodedata

import pytest
from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.langid import SUPPORTED, LanguageGuess, best_language, detect

LANGUAGES = {*SUPPORTED, "und"}

# Sentences of eight words or more on diplomacy, defence, economy, sport, culture, society. The three
# lists tell roughly the same stories, so vocabulary (names, figures) is shared across languages.
FRENCH = [
    "SÉOUL, 12 mars (Yonhap) -- La Corée du Nord a tiré mardi plusieurs missiles balistiques de courte portée en direction de la mer de l'Est, a annoncé l'état-major interarmées.",
    "Le ministre des Affaires étrangères s'est entretenu par téléphone avec son homologue japonais pour discuter de la coopération trilatérale.",
    "La Banque de Corée a maintenu son taux directeur à 3,5 % pour la sixième fois consécutive, citant l'incertitude qui pèse sur l'économie mondiale.",
    "Les exportations sud-coréennes ont progressé de 8,3 % sur un an en février, portées par la forte demande de semi-conducteurs.",
    "Son Heung-min a inscrit deux buts lors de la victoire de Tottenham face à Brighton, samedi soir à Londres.",
    "L'équipe nationale de football affrontera la Jordanie en demi-finale de la Coupe d'Asie, qui se déroule au Qatar.",
    "Le Festival international du film de Busan a dévoilé jeudi la liste des œuvres sélectionnées pour sa prochaine édition.",
    "Le groupe BTS a remporté le prix de l'artiste de l'année lors d'une cérémonie organisée à Los Angeles.",
    "Selon le ministère de l'Unification, le nombre de transfuges nord-coréens arrivés dans le Sud a légèrement augmenté l'an dernier.",
    "Le président Yoon Suk Yeol a appelé les entreprises à investir davantage dans l'intelligence artificielle et les énergies propres.",
    "Les prix à la consommation ont augmenté de 2,8 % en janvier, un rythme plus lent que prévu par les économistes.",
    "Le Musée national de Corée accueillera à partir de vendredi une exposition consacrée aux céramiques de la dynastie Joseon.",
    "Les deux pays sont convenus de renforcer leurs échanges dans les domaines de la défense, de l'énergie et des technologies de pointe.",
    "Samsung Electronics a annoncé un bénéfice d'exploitation trimestriel en hausse, grâce à la reprise du marché des puces mémoire.",
    "La patineuse Kim Yu-na a été nommée ambassadrice des Jeux olympiques de la jeunesse d'hiver organisés à Gangwon.",
    "Des pluies torrentielles ont provoqué des inondations dans plusieurs régions du centre du pays, obligeant des centaines d'habitants à évacuer.",
    "« Nous ne tolérerons aucune provocation », a déclaré le porte-parole du ministère de la Défense lors d'un point de presse.",
    "Kim Jong-un a inspecté une usine de munitions en compagnie de sa fille, selon l'agence officielle KCNA.",
]
ENGLISH = [
    "SEOUL, March 12 (Yonhap) -- North Korea fired several short-range ballistic missiles into the East Sea on Tuesday, the Joint Chiefs of Staff said.",
    "The foreign minister held phone talks with his Japanese counterpart to discuss trilateral cooperation with the United States.",
    "The Bank of Korea kept its benchmark interest rate unchanged at 3.5 percent for the sixth straight meeting, citing uncertainty over the global economy.",
    "South Korea's exports rose 8.3 percent on-year in February on the back of strong demand for semiconductors.",
    "Son Heung-min scored twice as Tottenham beat Brighton on Saturday night in London.",
    "The national football team will face Jordan in the semifinals of the Asian Cup being held in Qatar.",
    "The Busan International Film Festival unveiled the list of films selected for its upcoming edition on Thursday.",
    "BTS won the artist of the year award at a ceremony held in Los Angeles, marking another milestone for the group.",
    "According to the unification ministry, the number of North Korean defectors arriving in the South rose slightly last year.",
    "President Yoon Suk Yeol urged companies to invest more in artificial intelligence and clean energy.",
    "Consumer prices rose 2.8 percent in January, a slower pace than economists had expected.",
    "The National Museum of Korea will open an exhibition of Joseon Dynasty ceramics starting Friday.",
    "The two countries agreed to expand exchanges in defense, energy and advanced technologies.",
    "Samsung Electronics reported a rise in quarterly operating profit thanks to a recovery in the memory chip market.",
    "Figure skater Kim Yu-na was named an ambassador for the Winter Youth Olympic Games to be held in Gangwon.",
    "Torrential rains caused flooding in several central regions of the country, forcing hundreds of residents to evacuate.",
    '"We will not tolerate any provocation," a defense ministry spokesman told a press briefing.',
    "Kim Jong-un inspected a munitions factory with his daughter, the official KCNA news agency reported.",
]
KOREAN = [
    "북한이 12일 동해상으로 단거리 탄도미사일 여러 발을 발사했다고 합동참모본부가 밝혔다.",
    "외교부 장관은 일본 외무상과 전화 통화를 갖고 한미일 3국 협력 방안을 논의했다.",
    "한국은행은 세계 경제의 불확실성을 이유로 기준금리를 연 3.5%로 6회 연속 동결했다.",
    "반도체 수요 호조에 힘입어 2월 수출이 작년 같은 달보다 8.3% 증가했다.",
    "손흥민은 토요일 밤 런던에서 열린 브라이턴과의 경기에서 두 골을 터뜨렸다.",
    "축구 국가대표팀은 카타르에서 열리고 있는 아시안컵 준결승에서 요르단과 맞붙는다.",
    "부산국제영화제 조직위원회는 목요일 올해 영화제에서 상영할 초청작 목록을 공개했다.",
    "방탄소년단(BTS)은 지난 주말 로스앤젤레스에서 열린 시상식에서 올해의 아티스트상을 받았다.",
    "통일부에 따르면 지난해 국내에 입국한 탈북민 수가 소폭 증가했다.",
    "윤석열 대통령은 기업들에 인공지능과 청정에너지 분야에 대한 투자를 늘려 달라고 당부했다.",
    "1월 소비자물가는 2.8% 올라 전문가들의 예상보다 상승 폭이 둔화했다.",
    "국립중앙박물관은 금요일부터 조선시대 도자기를 주제로 한 특별전을 연다.",
    "양국 정상은 국방, 에너지, 첨단기술 분야에서 교류를 확대하기로 합의했다.",
    "삼성전자는 메모리 반도체 시장 회복에 힘입어 분기 영업이익이 증가했다고 발표했다.",
    "피겨 여왕 김연아가 강원 동계청소년올림픽의 홍보대사로 위촉돼 활동을 시작했다.",
    "집중호우로 중부 지방 곳곳에서 침수 피해가 발생해 주민 수백 명이 대피했다.",
    "서울 아파트 가격이 금리 인하 기대감에 힘입어 3주 연속 상승세를 이어갔다.",
    "올해 칸영화제 경쟁 부문에 한국 영화 두 편이 초청돼 관심을 모으고 있다.",
]
CORPUS = {"fr": FRENCH, "en": ENGLISH, "ko": KOREAN}

ENGLISH_PARAGRAPH = (
    "SEOUL, March 12 (Yonhap) -- South Korea and the European Union held their first-ever dialogue on "
    "space security in Brussels on Wednesday, the foreign ministry said.\n\n"
    'The two sides discussed threats to satellites and the growing amount of space debris. "Space has '
    'become essential to our security and our economy," the head of the South Korean delegation said, '
    "adding that Seoul plans to spend 1.5 trillion won on its space program in 2025."
)
KOREAN_PARAGRAPH = (
    "한국과 유럽연합(EU)이 12일 브뤼셀에서 첫 우주안보 대화를 열었다고 외교부가 밝혔다.\n\n"
    '양측은 위성에 대한 위협과 우주 잔해 문제를 논의했다. 한국 대표단장은 "우주는 우리의 안보와 경제에 '
    '필수적인 영역이 됐다"며 정부가 2025년 우주 프로그램에 1조5천억 원을 투입할 계획이라고 말했다.'
)

UNSUPPORTED_SCRIPTS = {
    "ru": "Северная Корея во вторник запустила несколько баллистических ракет малой дальности.",
    "ja": "北朝鮮は火曜日、短距離弾道ミサイル数発を日本海に向けて発射した。",
    "zh": "朝鲜周二向东部海域发射了数枚短程弹道导弹。",
    "ar": "أطلقت كوريا الشمالية يوم الثلاثاء عدة صواريخ باليستية قصيرة المدى.",
    "el": "Η Βόρεια Κορέα εκτόξευσε την Τρίτη αρκετούς βαλλιστικούς πυραύλους μικρού βεληνεκούς.",
    "th": "เกาหลีเหนือยิงขีปนาวุธพิสัยใกล้หลายลูกเมื่อวันอังคาร",
}
UNSUPPORTED_LATIN = {
    "de": "Nordkorea hat am Dienstag mehrere ballistische Kurzstreckenraketen ins Meer abgefeuert.",
    "es": "Corea del Norte lanzó el martes varios misiles balísticos de corto alcance hacia el mar del Este.",
    "it": "La Corea del Nord ha lanciato martedì diversi missili balistici a corto raggio nel mare.",
    "pt": "A Coreia do Norte lançou na terça-feira vários mísseis balísticos de curto alcance.",
    "nl": "Noord-Korea heeft dinsdag verschillende ballistische raketten voor de korte afstand afgevuurd.",
    "tr": "Kuzey Kore salı günü denize birkaç kısa menzilli balistik füze fırlattı.",
    "pl": "Korea Północna wystrzeliła we wtorek kilka pocisków balistycznych krótkiego zasięgu.",
    "vi": "Triều Tiên đã phóng nhiều tên lửa đạn đạo tầm ngắn vào thứ Ba.",
}


def top(text: str) -> LanguageGuess:
    return detect(text)[0]


def assert_well_formed(guesses: list[LanguageGuess]) -> None:
    """The invariants of every answer, whatever the input."""
    assert guesses
    confidences = [guess.confidence for guess in guesses]
    assert all(0.0 <= confidence <= 100.0 for confidence in confidences)
    assert confidences == sorted(confidences, reverse=True)
    languages = [guess.language for guess in guesses]
    if guesses == [LanguageGuess("und", 0.0)]:
        return
    assert sorted(languages) == sorted(LANGUAGES)
    assert sum(confidences) == pytest.approx(100.0)


# --- sentences and paragraphs ------------------------------------------------------------------------


def test_corpus_is_large_varied_and_made_of_long_sentences() -> None:
    for sentences in CORPUS.values():
        assert len(sentences) >= 15
        assert len(set(sentences)) == len(sentences)
        assert all(len(sentence.split()) >= 8 for sentence in sentences)


@pytest.mark.parametrize("language", sorted(CORPUS))
def test_every_sentence_of_eight_words_or_more_is_identified(language: str) -> None:
    misread: dict[str, list[LanguageGuess]] = {}
    for sentence in CORPUS[language]:
        guesses = detect(sentence)
        assert_well_formed(guesses)
        confident = guesses[0].language == language and guesses[0].confidence >= 99.0
        if not confident or best_language(sentence) != language:
            misread[sentence] = guesses[:2]
    accuracy = 1 - len(misread) / len(CORPUS[language])
    assert not misread, f"{language}: accuracy {accuracy:.0%}, misread: {misread}"


def test_french_dispatch_is_french() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert top(text) == LanguageGuess("fr", 100.0)
    assert best_language(text) == "fr"


def test_english_and_korean_paragraphs() -> None:
    assert top(ENGLISH_PARAGRAPH) == LanguageGuess("en", 100.0)
    assert top(KOREAN_PARAGRAPH) == LanguageGuess("ko", 100.0)


def test_all_caps_headlines_are_read_as_words() -> None:
    assert best_language("LA CORÉE DU NORD TIRE UN MISSILE BALISTIQUE") == "fr"
    assert best_language("NORTH KOREA FIRES A BALLISTIC MISSILE") == "en"


def test_long_text_is_fine() -> None:
    text = SAMPLE.read_text(encoding="utf-8") * 40
    assert top(text).language == "fr"


# --- short inputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour", "fr"),
        ("Merci beaucoup", "fr"),
        ("Séoul", "fr"),
        ("Corée du Nord", "fr"),
        ("cette semaine", "fr"),
        ("Hello", "en"),
        ("Thank you", "en"),
        ("North Korea", "en"),
        ("this week", "en"),
        ("안녕하세요", "ko"),
        ("감사합니다", "ko"),
        ("ㅋㅋㅋ", "ko"),
    ],
)
def test_short_inputs(text: str, language: str) -> None:
    guesses = detect(text)
    assert_well_formed(guesses)
    assert guesses[0].language == language
    assert best_language(text) == language


@pytest.mark.parametrize(
    "text", ["a", "G7", "COVID-19", "Paris", "Yonhap", "Kim Jong-un", "UN", "Olympic Games"]
)
def test_too_little_evidence_is_undetermined(text: str) -> None:
    """Names, acronyms and a lone ambiguous word give no language a majority."""
    guesses = detect(text)
    assert_well_formed(guesses)
    assert max(g.confidence for g in guesses if g.language != "und") < 50.0
    assert best_language(text) == "und"
    assert best_language(text, default="fr") == "fr"


# --- mixed text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le slogan « Make America Great Again » a été repris par les partisans de Donald Trump lors du meeting.",
            "fr",
        ),
        ("Le chanteur a interprété « Dynamite », son tube en anglais, devant 50.000 spectateurs.", "fr"),
        ("Le mot « 한류 » désigne la vague culturelle sud-coréenne qui déferle sur le monde.", "fr"),
        ("French President Emmanuel Macron welcomed Lee Jae-myung at the Élysée Palace on Monday.", "en"),
        ("North Korean leader Kim Jong-un met Moon Jae-in and Son Heung-min in Pyongyang last week.", "en"),
        ("유럽연합(EU)은 2025년까지 한국과의 공급망 협력을 강화하겠다고 밝혔다.", "ko"),
        ("EU는 2024년 3월 12일 한국과 FTA 이행 점검 회의를 열었다.", "ko"),
        ("삼성전자는 17일 Galaxy S24 Ultra를 공개하고 AI 기능을 대폭 강화했다고 밝혔다.", "ko"),
        ("北, 美 대선 앞두고 ICBM 발사", "ko"),
    ],
)
def test_mixed_text(text: str, language: str) -> None:
    guesses = detect(text)
    assert_well_formed(guesses)
    assert guesses[0].language == language
    assert guesses[0].confidence >= 90.0
    assert best_language(text) == language


def test_apostrophes_and_decomposed_characters_do_not_matter() -> None:
    assert detect("L’Union européenne et la Corée ont signé l’accord") == detect(
        "L'Union européenne et la Corée ont signé l'accord"
    )
    assert detect(unicodedata.normalize("NFD", "Séoul")) == detect("Séoul")
    assert top(unicodedata.normalize("NFD", "안녕하세요")).language == "ko"


# --- other languages and no language -----------------------------------------------------------------


@pytest.mark.parametrize("text", UNSUPPORTED_SCRIPTS.values(), ids=UNSUPPORTED_SCRIPTS.keys())
def test_other_scripts_are_undetermined(text: str) -> None:
    guesses = detect(text)
    assert_well_formed(guesses)
    assert guesses[0].language == "und"
    assert guesses[0].confidence >= 95.0
    assert best_language(text) == "und"
    assert best_language(text, default="fr") == "fr"


@pytest.mark.parametrize("text", UNSUPPORTED_LATIN.values(), ids=UNSUPPORTED_LATIN.keys())
def test_other_latin_languages_are_undetermined(text: str) -> None:
    guesses = detect(text)
    assert_well_formed(guesses)
    assert guesses[0].language == "und"
    assert guesses[0].confidence >= 90.0
    assert best_language(text) == "und"


@pytest.mark.parametrize(
    "text", ["", "   ", "\n\t ", "2024", "12,5 %", "1.500.000", "—…!?", "« »", "(12) -- 3/4"]
)
def test_no_letters_is_undetermined_with_zero_confidence(text: str) -> None:
    assert detect(text) == [LanguageGuess("und", 0.0)]
    assert best_language(text) == "und"
    assert best_language(text, default="fr") == "fr"


# --- API details -------------------------------------------------------------------------------------


def test_answer_shape() -> None:
    guesses = detect(FRENCH[0])
    assert guesses[0].language == "fr"
    assert_well_formed(guesses)
    assert all(isinstance(g.confidence, float) for g in guesses)
    assert all(round(g.confidence, 1) == g.confidence for g in guesses)


def test_best_language_threshold() -> None:
    assert best_language("Séoul") == "fr"
    assert best_language("Séoul", min_confidence=99.9) == "und"
    assert best_language("Séoul", default="en", min_confidence=99.9) == "en"
    assert best_language("Bonjour", default="en") == "fr"


def test_deterministic() -> None:
    texts = [*FRENCH[:3], *ENGLISH[:3], *KOREAN[:3], "Séoul", "a"]
    first = [detect(text) for text in texts]
    assert [detect(text) for text in reversed(texts)] == list(reversed(first))


# --- properties --------------------------------------------------------------------------------------

FRAGMENTS = [word for sentence in (*FRENCH, *ENGLISH, *KOREAN) for word in sentence.split()] + [
    *UNSUPPORTED_SCRIPTS.values(),
    "l'",
    "'s",
    "-",
    "--",
    "'",
    "\n",
]


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join),
        st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5))).map("".join),
    )
)
def test_detect_never_raises_and_is_well_formed(text: str) -> None:
    guesses = detect(text)
    assert_well_formed(guesses)
    assert best_language(text) in LANGUAGES
