"""Tests for service.text.entities: candidate names in fr/en/ko and tolerant containment."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.entities import entity_in, extract_entities, find_entities

DISPATCH = (
    "BRUXELLES, 12 mars (Yonhap) -- La Corée du Sud et l'Union européenne (UE) ont tenu mercredi à "
    "Bruxelles leur tout premier dialogue sur la sécurité spatiale, a annoncé le ministère des Affaires "
    "étrangères à Séoul.\n\nPhoto : YONHAP News\n\nLa délégation sud-coréenne était conduite par "
    "M. Park Min-ho, et celle de l'UE par Mme Claire Vasseur. Une trentaine de responsables ont pris "
    "part aux discussions. Elles se sont penchées sur la Corée du Nord, qui a lancé son satellite "
    "Malligyong-1.\n\n«L'espace est devenu essentiel. Aucun pays ne peut relever seul ces défis», a "
    "déclaré M. Park. Selon le ministère, Séoul et Bruxelles coopéreront au sein des Nations unies. Le "
    "ministre des Affaires étrangères Cho Tae-yul avait proposé ce mécanisme.\n\nL'agence spatiale "
    "coréenne KASA, créée en mai 2024 à Sacheon, participera aux réunions."
)


def test_dispatch_entities() -> None:
    assert extract_entities(DISPATCH, "fr") == [
        "BRUXELLES",
        "Yonhap",
        "Corée du Sud",
        "Union européenne",
        "UE",
        "Affaires étrangères",
        "Séoul",
        "YONHAP News",
        "Park Min-ho",
        "Claire Vasseur",
        "Corée du Nord",
        "Malligyong-1",
        "Park",
        "Nations unies",
        "Cho Tae-yul",
        "KASA",
        "Sacheon",
    ]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # particles inside a name, adjectives ending it
        ("fr", "Il a visité la Corée du Nord hier.", ["Corée du Nord"]),
        ("fr", "Il a parlé à la Mer de l'Est.", ["Mer de l'Est"]),
        ("fr", "Il a appelé le ministère de l'Unification.", ["Unification"]),
        ("fr", "Il a rejoint l'Union européenne.", ["Union européenne"]),
        (
            "fr",
            "Il a saisi les Nations unies et l'Assemblée nationale.",
            ["Nations unies", "Assemblée nationale"],
        ),
        ("fr", "Il a quitté l'Organisation des Nations unies.", ["Organisation des Nations unies"]),
        ("fr", "Il a rencontré Cho Tae-yul.", ["Cho Tae-yul"]),
        ("en", "He spoke at the Bank of Korea.", ["Bank of Korea"]),
        ("en", "He met officials of the European Union.", ["European Union"]),
        # acronyms
        ("fr", "Selon l'ONU et l'UE, la KASA a agi.", ["ONU", "UE", "KASA"]),
        ("en", "The EU and NATO met.", ["EU", "NATO"]),
        # sentence starters are ordinary words; the rest of the run is kept
        ("fr", "La Corée du Sud a réagi.", ["Corée du Sud"]),
        ("fr", "L'UE et l'ONU ont réagi. D'après Séoul, rien.", ["UE", "ONU", "Séoul"]),
        ("fr", "Selon Séoul, rien ne change.", ["Séoul"]),
        ("fr", "Il a dit. Elle a répondu. Les deux sont partis.", []),
        ("en", "The talks ended. According to Seoul, they went well.", ["Seoul"]),
        ("en", "He left. She stayed.", []),
        ("fr", "Cependant, la Corée a dit que cependant rien.", ["Corée"]),
        ("fr", "Séoul a réagi.", ["Séoul"]),
        # a word capitalised only because it opens the sentence, and found in lower case elsewhere
        ("fr", "Discussions longues. Les discussions ont duré.", []),
        # dateline in capitals, bullets and quotes
        ("fr", "SÉOUL, 12 mars (Yonhap) -- Le gouvernement a dit.", ["SÉOUL", "Yonhap"]),
        ("en", "- The EU met Seoul.\n- South Korea agreed.", ["EU", "Seoul", "South Korea"]),
        ("fr", "«Le pays est prêt», a dit M. Park.", ["Park"]),
        # months, weekdays, courtesy titles and single letters are not names
        ("en", "On Tuesday, March 12, the talks ended in May.", []),
        ("fr", "Mercredi 12 mars, Mme Claire Vasseur a parlé à M. Park.", ["Claire Vasseur", "Park"]),
        ("en", "Mr. Park and Dr. Kim met.", ["Park", "Kim"]),
        # English job titles are descriptions, not names
        (
            "en",
            "Foreign Minister Cho Tae-yul met Prime Minister Han Duck-soo.",
            ["Cho Tae-yul", "Han Duck-soo"],
        ),
        ("en", "The Foreign Ministry said.", ["Foreign Ministry"]),
        ("en", "The UN General Assembly voted.", ["UN General Assembly"]),
        # an adjective ends the name
        ("fr", "l'Union européenne Cho Tae-yul", ["Union européenne", "Cho Tae-yul"]),
        # names with digits are kept whole
        ("fr", "le satellite Malligyong-1 a été lancé", ["Malligyong-1"]),
        # Korean: only Latin-script names
        ("ko", "조태열 외교부 장관은 EU와 KASA 관계자를 만났다.", ["EU", "KASA"]),
        ("ko", "Cho Tae-yul 장관은 300km 떨어진 곳에서 2.5%p", ["Cho Tae-yul"]),
        ("ko", "A씨는 서울에서", []),
        ("ko", "서울에서 만났다.", []),
        ("en", "", []),
    ],
)
def test_extract_entities(lang: str, text: str, expected: list[str]) -> None:
    assert extract_entities(text, lang) == expected


def test_repeats_and_spellings_are_returned_once() -> None:
    assert extract_entities("SÉOUL, 12 mars. Séoul a dit que Séoul et l'UE, l'UE...", "fr") == ["SÉOUL", "UE"]


def test_find_entities_gives_offsets_and_repeats() -> None:
    text = "Seoul and Seoul again, then KASA."
    mentions = find_entities(text, "en")
    assert [(m.text, m.start) for m in mentions] == [("Seoul", 0), ("Seoul", 10), ("KASA", 28)]
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        extract_entities("Séoul", "de")


@pytest.mark.parametrize(
    ("entity", "text"),
    [
        ("Seoul", "SÉOUL, 12 mars"),
        ("Séoul", "seoul"),
        ("Corée du Nord", "la CORÉE-DU-NORD"),
        ("Cho Tae-yul", "M. Cho Tae yul"),
        ("Cho Tae-yul", "Cho Taeyul"),
        ("Mer de l'Est", "la mer de l’Est"),
        ("KASA", "KASA는 2024년"),
        ("EU", "유럽연합(EU)과"),
        ("Korea", "Korea's ministry"),
        ("서울", "서울에서"),
        ("Malligyong-1", "Malligyong 1"),
    ],
)
def test_entity_in_is_tolerant(entity: str, text: str) -> None:
    assert entity_in(entity, text)


@pytest.mark.parametrize(
    ("entity", "text"),
    [
        ("UE", "la queue"),
        ("Corée du Nord", "la Corée du Sud"),
        ("North Korea", "la Corée du Nord"),
        ("Park", "Parkinson"),
        ("Malligyong-1", "Malligyong-12"),
        ("", "anything"),
    ],
)
def test_entity_in_needs_whole_words(entity: str, text: str) -> None:
    assert not entity_in(entity, text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=120), lang=st.sampled_from(["fr", "en", "ko"]))
def test_every_entity_is_found_in_its_text(text: str, lang: str) -> None:
    for mention in find_entities(text, lang):
        assert text[mention.start : mention.end] == mention.text
    for entity in extract_entities(text, lang):
        assert entity_in(entity, text)
