"""Tests for service.text.segment: French rules on dispatch-like text and losslessness properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.segment import Sentence, segment

NBSP = "\u00a0"
NNBSP = "\u202f"


def texts(text: str) -> list[str]:
    return [s.text for s in segment(text)]


def assert_lossless(text: str, sentences: list[Sentence]) -> None:
    """The invariants every segmentation must satisfy, whatever the input."""
    position = 0
    previous_paragraph = -1
    for sentence in sentences:
        assert sentence.start >= position, "sentences overlap or are out of order"
        assert sentence.end > sentence.start
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
        assert text[position : sentence.start].isspace() or position == sentence.start
        assert sentence.paragraph in (previous_paragraph, previous_paragraph + 1)
        previous_paragraph = sentence.paragraph
        position = sentence.end
    assert text[position:].strip() == ""
    if sentences:
        assert sentences[0].paragraph == 0


# --- the full dispatch ---------------------------------------------------------------------------

DISPATCH = (
    "BRUXELLES, 12 mars (Yonhap) -- La Corée du Sud et l'Union européenne (UE) ont tenu mercredi à "
    "Bruxelles leur premier dialogue sur la sécurité spatiale, a annoncé le ministère sud-coréen des "
    "Affaires étrangères. La délégation était conduite par le ministre Cho Tae-yul.\n"
    "\n"
    "Selon le ministère, les deux parties ont examiné les menaces pesant sur les quelque 3.000 "
    "satellites actifs en orbite basse. M. Cho s'est entretenu pendant env. 90 minutes avec Mme Kaja "
    "Kallas, haute représentante de l'UE, puis avec MM. Costa et Kubilius.\n"
    "\n"
    "\n"
    f"«La sécurité de l'espace est indissociable de la sécurité sur Terre. Aucun pays ne peut relever "
    f"seul ce défi», a déclaré M. Cho à l'issue de la réunion. Il a ajouté que Séoul comptait porter la "
    f"part du spatial à 2,5{NBSP}% de son budget de R&D d'ici 2030, soit environ 1{NNBSP}200 milliards "
    f"de wons.\n"
    "  \t\n"
    f"Les deux parties sont convenues de tenir la prochaine session le 02 déc. à Séoul. Pourquoi "
    f"maintenant{NBSP}? Les responsables ont cité le lancement, le 12 mars 2025 à 14h30, d'un satellite "
    f"de reconnaissance nord-coréen… Ils n'ont toutefois pas précisé le calendrier des travaux.\n"
    "\n"
    f"Un diplomate européen a résumé l'enjeu{NBSP}: «{NBSP}Nous partageons les mêmes valeurs. Nous "
    f"devons maintenant partager les mêmes données.{NBSP}» Le dialogue, lancé à l'initiative de "
    f"J. Borrell en 2023, sera désormais annuel.\n"
    "\n"
    "Le ministre Cho Tae-yul (à g.) pose avec Mme Kallas à Bruxelles, le 12 mars 2025.\n"
    "Photo : YONHAP News\n"
)

DISPATCH_EXPECTED: list[tuple[int, str]] = [
    (
        0,
        "BRUXELLES, 12 mars (Yonhap) -- La Corée du Sud et l'Union européenne (UE) ont tenu mercredi à "
        "Bruxelles leur premier dialogue sur la sécurité spatiale, a annoncé le ministère sud-coréen des "
        "Affaires étrangères.",
    ),
    (0, "La délégation était conduite par le ministre Cho Tae-yul."),
    (
        1,
        "Selon le ministère, les deux parties ont examiné les menaces pesant sur les quelque 3.000 "
        "satellites actifs en orbite basse.",
    ),
    (
        1,
        "M. Cho s'est entretenu pendant env. 90 minutes avec Mme Kaja Kallas, haute représentante de "
        "l'UE, puis avec MM. Costa et Kubilius.",
    ),
    (
        2,
        "«La sécurité de l'espace est indissociable de la sécurité sur Terre. Aucun pays ne peut relever "
        "seul ce défi», a déclaré M. Cho à l'issue de la réunion.",
    ),
    (
        2,
        f"Il a ajouté que Séoul comptait porter la part du spatial à 2,5{NBSP}% de son budget de R&D "
        f"d'ici 2030, soit environ 1{NNBSP}200 milliards de wons.",
    ),
    (3, "Les deux parties sont convenues de tenir la prochaine session le 02 déc. à Séoul."),
    (3, f"Pourquoi maintenant{NBSP}?"),
    (
        3,
        "Les responsables ont cité le lancement, le 12 mars 2025 à 14h30, d'un satellite de "
        "reconnaissance nord-coréen…",
    ),
    (3, "Ils n'ont toutefois pas précisé le calendrier des travaux."),
    (
        4,
        f"Un diplomate européen a résumé l'enjeu{NBSP}: «{NBSP}Nous partageons les mêmes valeurs. Nous "
        f"devons maintenant partager les mêmes données.{NBSP}»",
    ),
    (4, "Le dialogue, lancé à l'initiative de J. Borrell en 2023, sera désormais annuel."),
    (5, "Le ministre Cho Tae-yul (à g.) pose avec Mme Kallas à Bruxelles, le 12 mars 2025."),
    (5, "Photo : YONHAP News"),
]


def test_full_dispatch_sentences_and_paragraphs() -> None:
    sentences = segment(DISPATCH)
    assert [(s.paragraph, s.text) for s in sentences] == DISPATCH_EXPECTED
    assert_lossless(DISPATCH, sentences)


def test_offsets_point_into_original_text() -> None:
    text = "  Première phrase.  Deuxième phrase !\n\n\n   Troisième.  "
    sentences = segment(text)
    assert sentences == [
        Sentence(0, 2, 18, "Première phrase."),
        Sentence(0, 20, 37, "Deuxième phrase !"),
        Sentence(1, 43, 53, "Troisième."),
    ]


# --- paragraphs and lines -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\n\u00a0\u202f\r\n"])
def test_empty_or_whitespace_input(text: str) -> None:
    assert segment(text) == []


def test_paragraph_indices_ignore_number_of_blank_lines() -> None:
    text = "\n\nUn.\n\n\n\nDeux.\n \t \nTrois.\n\n"
    assert [(s.paragraph, s.text) for s in segment(text)] == [(0, "Un."), (1, "Deux."), (2, "Trois.")]


def test_crlf_line_endings() -> None:
    text = "Un. Deux.\r\n\r\nTrois\r\nQuatre"
    assert [(s.paragraph, s.text) for s in segment(text)] == [
        (0, "Un."),
        (0, "Deux."),
        (1, "Trois"),
        (1, "Quatre"),
    ]


def test_single_line_break_is_a_boundary_in_the_same_paragraph() -> None:
    text = "SÉOUL, 12 mars (Yonhap)\nLe président a reçu M. Kim\nPhoto : YONHAP News"
    assert [(s.paragraph, s.text) for s in segment(text)] == [
        (0, "SÉOUL, 12 mars (Yonhap)"),
        (0, "Le président a reçu M. Kim"),
        (0, "Photo : YONHAP News"),
    ]


def test_photo_credit_line_is_its_own_sentence() -> None:
    text = "Le ministre s'exprime lors d'une conférence de presse à Séoul.\nPhoto : YONHAP News"
    assert texts(text) == [
        "Le ministre s'exprime lors d'une conférence de presse à Séoul.",
        "Photo : YONHAP News",
    ]


# --- datelines ---------------------------------------------------------------------------------------


def test_dateline_stays_with_following_sentence() -> None:
    text = (
        "SÉOUL, 12 mars (Yonhap) -- Le président Yoon Suk Yeol a appelé mercredi à renforcer la "
        "coopération trilatérale. Il s'exprimait devant l'Assemblée nationale."
    )
    assert texts(text) == [
        "SÉOUL, 12 mars (Yonhap) -- Le président Yoon Suk Yeol a appelé mercredi à renforcer la "
        "coopération trilatérale.",
        "Il s'exprimait devant l'Assemblée nationale.",
    ]


MONTHS = [
    "janv.",
    "jan.",
    "févr.",
    "fév.",
    "fevr.",
    "avr.",
    "juil.",
    "juill.",
    "sept.",
    "sep.",
    "oct.",
    "nov.",
    "déc.",
    "dec.",
]


@pytest.mark.parametrize("month", [*MONTHS, "JANV.", "Déc.", "janv", "sep"])
def test_abbreviated_month_in_dateline(month: str) -> None:
    text = f"SEOUL, 06 {month} (Yonhap) -- Le ministre de l'Unification a rencontré des transfuges."
    assert texts(text) == [text]
    assert texts(f"SÉOUL, 18 {month} (Yonhap) -- Le ministre est arrivé. Il repart mardi.") == [
        f"SÉOUL, 18 {month} (Yonhap) -- Le ministre est arrivé.",
        "Il repart mardi.",
    ]


@pytest.mark.parametrize("month", MONTHS)
def test_abbreviated_month_in_running_text_never_ends_a_sentence(month: str) -> None:
    for text in (
        f"Le navire est arrivé le 3 {month} dernier à Busan.",
        f"Le navire est arrivé le 3 {month} 2025 à Busan.",
        f"Le navire est arrivé le 1er {month} (heure locale) à Busan.",
        f"SÉOUL, 3 {month} Le ministère a publié les chiffres.",
        f"SÉOUL, 3 {month} -- Le ministère a publié les chiffres.",
    ):
        assert texts(text) == [text]


@pytest.mark.parametrize("month", MONTHS)
def test_a_month_that_closes_a_sentence_in_running_text_ends_it(month: str) -> None:
    """The dot of "le 26 nov." is also the full stop when a new sentence follows (hard-numbers
    yna-fr2-61 and -81, as their writers split them)."""
    assert texts(f"Il se réunira le 26 {month} L'estimation sera publiée le 3 déc.") == [
        f"Il se réunira le 26 {month}",
        "L'estimation sera publiée le 3 déc.",
    ]


def test_jan_as_a_name_can_end_a_sentence() -> None:
    text = "Le prix a été remis à Jan. Il l'a dédié à sa mère."
    assert texts(text) == ["Le prix a été remis à Jan.", "Il l'a dédié à sa mère."]


def test_abbreviated_month_inside_sentence() -> None:
    text = "La réunion aura lieu le 02 déc. à Séoul. Elle durera deux jours."
    assert texts(text) == ["La réunion aura lieu le 02 déc. à Séoul.", "Elle durera deux jours."]


def test_abbreviated_month_before_year() -> None:
    text = "Le traité a été signé en sept. 2018 à Pyongyang."
    assert texts(text) == [text]


def test_sept_as_number_can_end_a_sentence() -> None:
    text = "Les blessés étaient au nombre de sept. Trois sont dans un état grave."
    assert texts(text) == ["Les blessés étaient au nombre de sept.", "Trois sont dans un état grave."]


# --- abbreviations and initials ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "M. Cho Tae-yul a rencontré son homologue japonais à Tokyo.",
        "Le président a reçu MM. Lee et Park à la Maison bleue.",
        "Mme. Kang Kyung-wha a présidé la séance.",
        "Mmes. Kim et Choi ont signé la déclaration.",
        "Mlle. Han a remporté la médaille d'or.",
        "Le Dr. Lee Jong-wook a dirigé l'OMS de 2003 à 2006.",
        "Le Pr. Kim Jong-in enseigne à l'université nationale de Séoul.",
        "La cérémonie a eu lieu à la cathédrale St. Patrick de New York.",
        "La ville a été fondée en 57 av. J.-C. par les Silla.",
        "Le royaume a été unifié en 668 apr. J.-C. sous le roi Munmu.",
        "Certaines provinces, p. ex. Gangwon, ont été touchées.",
        "Les exportations de puces, de voitures, etc. ont progressé.",
        "Le texte (cf. Annexe 2) précise les modalités.",
        "La manifestation a réuni env. 3.000 personnes à Gwanghwamun.",
        "Le décret n°. 15 entre en vigueur lundi.",
        "Selon l'art. 3 de la loi, le gouvernement doit consulter l'Assemblée.",
        "Le rapport, vol. 2 de la série, sera publié jeudi.",
        "Le satellite no. 3 sera lancé depuis Naro.",
        "Le roi Sejong Ier. (1418-1450) a fait créer l'alphabet coréen.",
        "L'ancien président américain J. Biden a salué l'accord.",
        "Le chercheur Kim J.-u. (KARI) a présenté les résultats de la mission.",
        "L'article de J.-P. Martin a été cité par M. Cho.",
    ],
)
def test_abbreviations_and_initials_do_not_split(text: str) -> None:
    assert texts(text) == [text]


def test_an_acronym_in_brackets_after_a_dot_stays_with_its_sentence() -> None:
    """ "selon la Korea Electric Power Corp. (KEPCO)." is one sentence (hard-numbers yna-fr2-57), and
    so is "a annoncé la Korea Railroad Corp. (Korail)." (yna-fr2-165); a bracket that opens a new
    sentence still starts one."""
    text = "Les foyers ont été privés d'électricité, selon la Korea Electric Power Corp. (KEPCO). Le vent a faibli."
    assert texts(text) == [
        "Les foyers ont été privés d'électricité, selon la Korea Electric Power Corp. (KEPCO).",
        "Le vent a faibli.",
    ]
    assert texts("Un train a déraillé, a annoncé la Korea Railroad Corp. (Korail). Le trafic a repris.") == [
        "Un train a déraillé, a annoncé la Korea Railroad Corp. (Korail).",
        "Le trafic a repris.",
    ]
    assert texts("Le vent a faibli. (KEPCO) Le courant revient.") == [
        "Le vent a faibli.",
        "(KEPCO) Le courant revient.",
    ]


def test_etc_followed_by_capital_ends_sentence() -> None:
    text = "Ils ont évoqué les puces, les batteries, etc. Le détail sera publié demain."
    assert texts(text) == [
        "Ils ont évoqué les puces, les batteries, etc.",
        "Le détail sera publié demain.",
    ]


def test_era_abbreviation_can_end_a_sentence() -> None:
    text = "Le site date du Ier siècle av. J.-C. Il a été découvert en 1971."
    assert texts(text) == ["Le site date du Ier siècle av. J.-C.", "Il a été découvert en 1971."]


def test_common_word_art_can_end_a_sentence() -> None:
    text = "Le festival célèbre l'art. Les visiteurs sont attendus nombreux."
    assert texts(text) == ["Le festival célèbre l'art.", "Les visiteurs sont attendus nombreux."]


def test_sentence_ending_with_title_name() -> None:
    text = "Le texte a été signé par M. Kim. Il entrera en vigueur lundi."
    assert texts(text) == ["Le texte a été signé par M. Kim.", "Il entrera en vigueur lundi."]


def test_list_marker_is_not_a_sentence() -> None:
    text = "Trois points ont été retenus. 1. Le renforcement de la surveillance."
    assert texts(text) == ["Trois points ont été retenus.", "1. Le renforcement de la surveillance."]


# --- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "La croissance a atteint 2,5 % au premier trimestre.",
        f"La croissance a atteint 2,5{NBSP}% au premier trimestre.",
        "Quelque 3.000 soldats participent à l'exercice.",
        "La population de la ville s'élève à 2.200.112 habitants.",
        "Le budget prévoit 1 200 milliards de wons.",
        f"Le budget prévoit 1{NBSP}200 milliards de wons.",
        f"Le budget prévoit 1{NNBSP}200 milliards de wons.",
        "La réunion commencera à 14h30 au siège du ministère.",
        "La réunion commencera à 14.30 au siège du ministère.",
        "La version 2.1.3 du logiciel corrige la faille.",
    ],
)
def test_numbers_do_not_split(text: str) -> None:
    assert texts(text) == [text]


def test_sentence_ending_in_number_before_digit() -> None:
    text = "Le chômage a reculé à 2,5 % en 2024. 3.000 emplois ont été créés."
    assert texts(text) == ["Le chômage a reculé à 2,5 % en 2024.", "3.000 emplois ont été créés."]


# --- quotations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "«Il faut agir vite. S'il n'est pas éliminé, le problème persistera», a dit Nam.",
        f"«{NBSP}Il faut agir vite. S'il n'est pas éliminé, le problème persistera{NBSP}», a dit Nam.",
        f"«{NNBSP}Il faut agir vite. S'il n'est pas éliminé, le problème persistera{NNBSP}», a dit Nam.",
        "\"Il faut agir vite. S'il n'est pas éliminé, le problème persistera\", a dit Nam.",
        "“Il faut agir vite. S'il n'est pas éliminé, le problème persistera”, a dit Nam.",
        "«Pourquoi attendre ? Le problème persistera», a demandé Nam.",
        "«Il faut agir ! Maintenant !» a lancé Nam devant la presse.",
        "«Vraiment ?», a-t-il demandé aux journalistes.",
    ],
)
def test_quotation_with_attribution_is_one_sentence(text: str) -> None:
    assert texts(text) == [text]


@pytest.mark.parametrize(
    ("quote", "rest"),
    [
        ("«Il faut agir vite. Le problème persistera.»", "Le ministre a quitté la salle."),
        (f"«{NBSP}Il faut agir vite. Le problème persistera.{NBSP}»", "Le ministre a quitté la salle."),
        ("« Il faut agir vite. Le problème persistera. »", "Le ministre a quitté la salle."),
        ('"Il faut agir vite. Le problème persistera."', "Le ministre a quitté la salle."),
        ("“Il faut agir vite. Le problème persistera.”", "Le ministre a quitté la salle."),
        ("«Qui paiera ?»", "Personne n'a répondu."),
        ("«Nous ne céderons pas !»", "Séoul a aussitôt réagi."),
    ],
)
def test_quotation_ending_the_sentence_splits_after_closing_quote(quote: str, rest: str) -> None:
    assert texts(f"Nam a déclaré : {quote} {rest}") == [f"Nam a déclaré : {quote}", rest]


def test_quotation_closing_a_sentence_terminated_outside() -> None:
    text = "Il a parlé d'un «tournant historique». Les marchés ont salué l'annonce."
    assert texts(text) == ["Il a parlé d'un «tournant historique».", "Les marchés ont salué l'annonce."]


def test_unclosed_quotation_does_not_swallow_the_line() -> None:
    # A quotation that continues in the next paragraph has no closing mark on this line.
    text = "«Nous sommes prêts. Nous agirons. Nous ne reculerons pas."
    assert texts(text) == ["«Nous sommes prêts.", "Nous agirons.", "Nous ne reculerons pas."]


# --- ellipsis, ? ! and what may start a sentence ---------------------------------------------------


@pytest.mark.parametrize("ellipsis", ["...", "…"])
def test_ellipsis(ellipsis: str) -> None:
    text = f"Les discussions continuent{ellipsis} et rien n'est réglé{ellipsis} Le sommet reprendra lundi."
    assert texts(text) == [
        f"Les discussions continuent{ellipsis} et rien n'est réglé{ellipsis}",
        "Le sommet reprendra lundi.",
    ]


def test_elision_marker_is_not_a_boundary() -> None:
    text = "Le communiqué indique que (...) Séoul maintiendra sa position."
    assert texts(text) == [text]


@pytest.mark.parametrize("space", [" ", NBSP, NNBSP])
def test_french_space_before_question_and_exclamation_marks(space: str) -> None:
    text = f"Faut-il négocier{space}? Oui{space}! Le ministre l'a confirmé{space}: pas de délai{space}; rien."
    assert texts(text) == [
        f"Faut-il négocier{space}?",
        f"Oui{space}!",
        f"Le ministre l'a confirmé{space}: pas de délai{space}; rien.",
    ]


@pytest.mark.parametrize(
    "start",
    [
        "Élu en 2022, il",
        "À Séoul, il",
        "Ça a",
        "Ô surprise, il",
        "2025 sera",
        "«Jamais», il",
        "(Yonhap) Il",
        "-- Il",
        "— Il",
        '"Non", il',
        "“Non”, il",
        "[Mise à jour] Il",
    ],
)
def test_sentence_openers(start: str) -> None:
    text = f"Le vote a eu lieu. {start} a conclu la séance."
    assert texts(text) == ["Le vote a eu lieu.", f"{start} a conclu la séance."]


def test_lowercase_after_period_does_not_split() -> None:
    text = "Le vote a eu lieu. puis la séance a été levée."
    assert texts(text) == [text]


def test_closing_bracket_after_period() -> None:
    text = "Le texte a été adopté (par 180 voix.) Les débats reprendront mardi."
    assert texts(text) == ["Le texte a été adopté (par 180 voix.)", "Les débats reprendront mardi."]


def test_no_split_without_whitespace() -> None:
    text = "Voir le site yna.co.kr.Le reste suit."
    assert texts(text) == [text]


# --- properties ------------------------------------------------------------------------------------

_FRAGMENTS = [
    "M.",
    "Mme",
    "MM.",
    "J.-C.",
    "Kim J.-u.",
    "av.",
    "sept.",
    "06",
    "2,5 %",
    "3.000",
    "1\u202f200",
    "14h30",
    "(Yonhap)",
    "--",
    "—",
    "Le ministre",
    "a dit Nam",
    "Séoul",
    "Élu",
    "à",
    "etc.",
    "...",
    "…",
    ".",
    "?",
    "!",
    ":",
    ";",
    ",",
    "«",
    "»",
    '"',
    "“",
    "”",
    "(",
    ")",
    "[",
    "]",
    "1.",
    " ",
    "\u00a0",
    "\u202f",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\u2028",
    "\u2009",
]

_FRENCHISH = st.lists(st.sampled_from(_FRAGMENTS), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_lossless_on_arbitrary_text(text: str) -> None:
    assert_lossless(text, segment(text))


@settings(max_examples=200, deadline=None)
@given(_FRENCHISH)
def test_lossless_on_frenchish_text(text: str) -> None:
    assert_lossless(text, segment(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(_FRENCHISH, min_size=1, max_size=6), st.sampled_from(["\n\n", "\n \n", "\r\n\r\n\r\n"]))
def test_paragraph_indices_count_non_empty_paragraphs(paragraphs: list[str], separator: str) -> None:
    # Paragraph bodies without blank lines inside, so the expected count is easy to state.
    bodies = [" ".join(line for line in p.splitlines() if line.strip()) for p in paragraphs]
    text = separator.join(bodies)
    sentences = segment(text)
    assert_lossless(text, sentences)
    non_empty = sum(1 for body in bodies if body.strip())
    assert len({s.paragraph for s in sentences}) == non_empty
    if sentences:
        assert sentences[-1].paragraph == non_empty - 1


@settings(max_examples=200, deadline=None)
@given(_FRENCHISH)
def test_no_sentence_spans_a_line_break(text: str) -> None:
    for sentence in segment(text):
        assert sentence.text.splitlines() == [sentence.text]
