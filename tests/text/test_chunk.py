"""Tests for service.text.chunk.chunk_sentence."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.chunk import chunk_sentence


def count_words(text: str) -> int:
    return len(text.split())


def count_thirds(text: str) -> int:
    # Rough subword-tokenizer stand-in: about three characters per token, plus an end token.
    return len(text) // 3 + 1


def assert_valid_chunks(sentence: str, pieces: list[str], count: Callable[[str], int], budget: int) -> None:
    assert "".join(pieces) == sentence
    for piece in pieces:
        assert piece.strip(), f"whitespace-only piece {piece!r}"
        # The only allowed overflow: one character that alone exceeds the budget.
        assert count(piece.strip()) <= budget or len(piece.strip()) == 1, piece


SENTENCE = (
    "Le ministre a déclaré que la coopération spatiale était essentielle; il a ajouté, selon "
    "l'agence, que les deux pays -- qui partagent les mêmes valeurs -- travailleraient ensemble et "
    "qu'un accord serait signé, mais sans préciser de date."
)


def test_fitting_sentence_is_returned_whole() -> None:
    assert chunk_sentence(SENTENCE, count_words, 100) == [SENTENCE]
    assert chunk_sentence("  Court.  ", count_words, 1) == ["  Court.  "]


@pytest.mark.parametrize("budget", [0, -3])
def test_budget_below_one_is_rejected(budget: int) -> None:
    with pytest.raises(ValueError, match="budget"):
        chunk_sentence(SENTENCE, count_words, budget)


def test_empty_and_whitespace_only_input() -> None:
    assert chunk_sentence("", count_words, 1) == []
    assert chunk_sentence("  \t ", count_words, 1) == ["  \t "]


def test_semicolon_is_the_preferred_boundary() -> None:
    pieces = chunk_sentence(SENTENCE, count_words, 30)
    assert pieces == [
        "Le ministre a déclaré que la coopération spatiale était essentielle; ",
        "il a ajouté, selon l'agence, que les deux pays -- qui partagent les mêmes valeurs -- "
        "travailleraient ensemble et qu'un accord serait signé, mais sans préciser de date.",
    ]


def test_commas_then_dashes_inside_a_long_clause() -> None:
    pieces = chunk_sentence(SENTENCE, count_words, 12)
    assert pieces == [
        "Le ministre a déclaré que la coopération spatiale était essentielle; ",
        "il a ajouté, selon l'agence, ",
        "que les deux pays -- qui partagent les mêmes valeurs ",
        "-- travailleraient ensemble et qu'un accord serait signé, ",
        "mais sans préciser de date.",
    ]
    assert_valid_chunks(SENTENCE, pieces, count_words, 12)


def test_colon_before_comma() -> None:
    sentence = "Le ministère a précisé trois points, dans un communiqué : la date, le lieu, le format."
    assert chunk_sentence(sentence, count_words, 10) == [
        "Le ministère a précisé trois points, dans un communiqué : ",
        "la date, le lieu, le format.",
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Séoul a salué l'accord — une première depuis 2018 — et appelé Pyongyang au dialogue",
            # Greedy packing: the first two clauses fit together in 9 words.
            ["Séoul a salué l'accord — une première depuis 2018 ", "— et appelé Pyongyang au dialogue"],
        ),
        (
            "Le gouvernement a annoncé un plan de relance et la Banque centrale a baissé son taux directeur",
            [
                "Le gouvernement a annoncé un plan de relance ",
                "et la Banque centrale a baissé son taux directeur",
            ],
        ),
        (
            "Les négociations ont repris à Genève mais aucun progrès notable n'a été enregistré hier soir",
            [
                "Les négociations ont repris à Genève ",
                "mais aucun progrès notable n'a été enregistré hier soir",
            ],
        ),
        (
            "Le rapport cite trois experts du KARI dont deux ont participé à la mission Danuri",
            ["Le rapport cite trois experts du KARI ", "dont deux ont participé à la mission Danuri"],
        ),
    ],
)
def test_conjunction_and_dash_boundaries(sentence: str, expected: list[str]) -> None:
    assert chunk_sentence(sentence, count_words, 9) == expected


def test_decimal_comma_and_time_are_not_clause_boundaries() -> None:
    sentence = "La croissance a atteint 2,5 % à 14:30 selon la banque"
    pieces = chunk_sentence(sentence, count_words, 5)
    assert pieces == ["La croissance a atteint 2,5 ", "% à 14:30 selon la ", "banque"]


def test_word_fallback_when_no_clause_boundary() -> None:
    sentence = "Les exportations sud-coréennes de semi-conducteurs ont fortement progressé en février"
    pieces = chunk_sentence(sentence, count_words, 4)
    assert pieces == [
        "Les exportations sud-coréennes de ",
        "semi-conducteurs ont fortement progressé ",
        "en février",
    ]


def test_character_fallback_for_a_single_long_word() -> None:
    word = "https://www.yna.co.kr/view/AKR20250312000100088"
    pieces = chunk_sentence(f"Voir {word} pour le détail.", len, 16)
    assert pieces == ["Voir ", "https://www.yna.", "co.kr/view/AKR20", "250312000100088 ", "pour le détail."]


def test_single_character_over_budget_is_its_own_piece() -> None:
    # Each character costs 2 tokens against a budget of 1: the documented exception.
    pieces = chunk_sentence(" ab c ", lambda t: 2 * len(t), 1)
    assert pieces == [" a", "b ", "c "]


def test_leading_and_trailing_whitespace_is_attached_to_pieces() -> None:
    sentence = "   un deux trois quatre   "
    pieces = chunk_sentence(sentence, count_words, 2)
    assert pieces == ["   un deux ", "trois quatre   "]


def test_count_tokens_is_not_called_quadratically() -> None:
    calls = 0

    def counting(text: str) -> int:
        nonlocal calls
        calls += 1
        return count_words(text)

    words = 2000
    sentence = " ".join(f"mot{i}" for i in range(words))
    pieces = chunk_sentence(sentence, counting, 10)
    assert len(pieces) == words // 10
    # A greedy pack costs O(log) calls per piece; a quadratic search would need ~10^6.
    assert calls <= 2 * words


# --- properties ------------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "Séoul",
        "a",
        "et",
        "mais",
        "qui",
        "dont",
        "--",
        "—",
        ",",
        ";",
        ":",
        "2,5",
        "14:30",
        "«Non»",
        "anticonstitutionnellement",
        "x" * 40,
        "é",
        "Cho Tae-yul",
        "l'UE",
        ".",
    ]
)
_SEPARATORS = st.sampled_from([" ", "  ", "", "\u00a0", "\t", "\n", ", ", "; ", ": "])
_SENTENCES = st.lists(st.tuples(_WORDS, _SEPARATORS), max_size=50).map(
    lambda parts: "".join(w + s for w, s in parts)
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_SENTENCES, st.text(max_size=200)), st.integers(min_value=1, max_value=12))
def test_chunks_with_word_counter(sentence: str, budget: int) -> None:
    pieces = chunk_sentence(sentence, count_words, budget)
    if sentence.strip():
        assert_valid_chunks(sentence, pieces, count_words, budget)
    else:
        assert "".join(pieces) == sentence


@settings(max_examples=200, deadline=None)
@given(st.one_of(_SENTENCES, st.text(max_size=200)), st.integers(min_value=1, max_value=20))
def test_chunks_with_length_counter(sentence: str, budget: int) -> None:
    pieces = chunk_sentence(sentence, count_thirds, budget)
    if sentence.strip():
        assert_valid_chunks(sentence, pieces, count_thirds, budget)
    else:
        assert "".join(pieces) == sentence


@settings(max_examples=200, deadline=None)
@given(_SENTENCES, st.integers(min_value=1, max_value=3))
def test_chunks_with_counter_exceeding_single_characters(sentence: str, budget: int) -> None:
    # Every character costs 2 tokens, so with budget 1 all pieces are the single-character exception.
    def double_length(text: str) -> int:
        return 2 * len(text)

    pieces = chunk_sentence(sentence, double_length, budget)
    if sentence.strip():
        assert_valid_chunks(sentence, pieces, double_length, budget)
