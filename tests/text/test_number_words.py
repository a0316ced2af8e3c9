"""Numbers written in words, read so a translation in digits (or in words) is not flagged."""

from __future__ import annotations

import pytest

from service.text.number_words import french_counts, word_values


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("fr", "Deux cent vingt-quatre transfuges", "224"),
        ("fr", "plus de quatre cent mille naissances", "400000"),
        ("fr", "soixante-dix ans", "70"),
        ("fr", "quatre-vingt-douze victimes", "92"),
        ("fr", "vingt et un morts", "21"),
        ("fr", "pour le seizième mois", "16"),
        ("fr", "la vingt et unième édition", "21"),
        ("fr", "la première fois", "1"),
        ("fr", "une quarantaine de millions d'unités", "40000000"),
        ("fr", "une dizaine de diplomates", "10"),
        ("fr", "des milliers de manifestants", "1000"),
        ("fr", "un demi-match", "0.5"),
        ("fr", "le quintette", "5"),
        ("fr", "trois millions de personnes", "3000000"),
        ("en", "four hundred thousand births", "400000"),
        ("en", "the ninth local elections", "9"),
        ("en", "the twenty-first edition", "21"),
        ("en", "two ties", "2"),
        ("ko", "세 번째부터 여섯 번째까지", "6"),
        ("ko", "두 차례", "2"),
        ("ko", "첫 번째", "1"),
        ("ko", "스무 살", "20"),
        ("ko", "사흘간", "3"),
        ("ko", "석 달", "3"),
        ("ko", "세 나라", "3"),
        ("fr", "les exportations ont doublé", "2"),
        ("fr", "un quinquagénaire", "50"),
        ("fr", "en demi-finales", "4"),
        ("fr", "les huitièmes de finale", "16"),
        ("fr", "la moitié des votants", "50%"),
        ("en", "a decade ago", "10"),
    ],
)
def test_numbers_in_words_are_read(lang: str, text: str, value: str) -> None:
    assert value in word_values(text, lang)


@pytest.mark.parametrize(
    ("lang", "text", "absent"),
    [
        # An article is not the number one; runs stop at punctuation.
        ("fr", "un accord", "1"),
        ("fr", "quatre-vingt-douze, un demi", "93"),
        ("en", "four hundred thousand, two ties", "400002"),
        # Hangul around a native numeral makes another word ("세계" is world, not three).
        ("ko", "세계 경제", "3"),
    ],
)
def test_what_is_not_a_number_in_words(lang: str, text: str, absent: str) -> None:
    assert absent not in word_values(text, lang)


def test_an_unknown_language_has_no_words() -> None:
    assert word_values("drei", "de") == set()


def test_counts_in_words_that_a_translation_must_keep() -> None:
    text = "Trois ministres, neuf membres, sept jours, tous les deux, quinze jours et deux cent vingt-quatre transfuges."
    found = [(text[a:b], value) for a, b, value in french_counts(text)]
    # "neuf" and "sept" count before a plural noun ("neuf médailles" → "9개", yna-fr2-41; "dans
    # les sept jours" → "7일 안에", yna-fr2-49); "quinze jours" is an idiom (two weeks).
    assert found == [("Trois", "3"), ("neuf", "9"), ("sept", "7"), ("deux cent vingt-quatre", "224")]
    # Not counts: "neuf" as new, "sept" as the month after a day, "deux" alone.
    text = "Un appareil neuf, le 18 sept prochains jours, sept. 2026, les deux pays."
    assert french_counts(text) == []


def test_a_half_and_decimal_fractions_in_words_give_their_value() -> None:
    """Tuning examples: "trois matchs et demi d'avance" → "3.5경기", "3 1/2 games"; "à quatre
    millièmes" → "0.004초", "four thousandths of a second" (yna-fr2-59, -41)."""
    text = "avec trois matchs et demi d'avance, à quatre millièmes du Chinois"
    assert [value for _, _, value in french_counts(text)] == ["3.5", "0.004"]
    assert {"3.5", "0.004"} <= word_values(text, "fr")
    assert "0.004" in word_values("four thousandths of a second behind", "en")
    assert "0.4" not in word_values("four thousandths of a second behind", "en")
    # "une quatrième victoire" is the fourth, not 1 + 4.
    assert "5" not in word_values("une quatrième victoire d'affilée", "fr")
    assert "4" in word_values("une quatrième victoire d'affilée", "fr")
