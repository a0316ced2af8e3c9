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
    assert found == [("Trois", "3"), ("deux cent vingt-quatre", "224")]
