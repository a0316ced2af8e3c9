"""Tests for service.text.particles: final consonants, agreeing particles, splitting an eojeol."""

from __future__ import annotations

import pytest

from service.text.particles import PARTICLE_PAIRS, PARTICLES, attach, final_consonant, split_particle

# (name, particle as given, expected), written by hand.
ATTACH_TABLE: list[tuple[str, str, str]] = [
    # final ㄱ / other consonants
    ("김민석", "를", "김민석을"),
    ("김민석", "을", "김민석을"),
    ("김민석", "는", "김민석은"),
    ("김민석", "가", "김민석이"),
    ("김민석", "와", "김민석과"),
    ("김민석", "로", "김민석으로"),
    ("김민석", "나", "김민석이나"),
    ("김민석", "랑", "김민석이랑"),
    ("김민석", "다", "김민석이다"),
    ("김민석", "였다", "김민석이었다"),
    ("김민석", "라고", "김민석이라고"),
    ("김민석", "란", "김민석이란"),
    ("김민석", "든", "김민석이든"),
    ("김민석", "며", "김민석이며"),
    ("김민석", "야", "김민석이야"),
    ("김민석", "아", "김민석아"),
    ("부산", "로", "부산으로"),
    ("부산", "로서", "부산으로서"),
    ("부산", "로써", "부산으로써"),
    ("부산", "로는", "부산으로는"),
    ("삼성", "과", "삼성과"),
    ("삼성", "와", "삼성과"),
    ("삼성", "는", "삼성은"),
    ("평양", "가", "평양이"),
    ("한국", "와의", "한국과의"),
    ("미국", "나마", "미국이나마"),
    ("북한", "를", "북한을"),
    ("이재명", "가", "이재명이"),
    ("윤석열", "는", "윤석열은"),
    # final ㄹ: 으로 family takes the vowel form, the others the consonant form
    ("서울", "으로", "서울로"),
    ("서울", "로", "서울로"),
    ("서울", "으로서", "서울로서"),
    ("서울", "으로부터", "서울로부터"),
    ("서울", "으로는", "서울로는"),
    ("서울", "는", "서울은"),
    ("서울", "가", "서울이"),
    ("서울", "를", "서울을"),
    ("서울", "와", "서울과"),
    ("베를린", "로", "베를린으로"),
    ("이스라엘", "으로", "이스라엘로"),
    # vowel endings
    ("일본", "와", "일본과"),
    ("중국", "는", "중국은"),
    ("러시아", "은", "러시아는"),
    ("러시아", "이", "러시아가"),
    ("러시아", "을", "러시아를"),
    ("러시아", "과", "러시아와"),
    ("러시아", "으로", "러시아로"),
    ("러시아", "이나", "러시아나"),
    ("러시아", "이다", "러시아다"),
    ("러시아", "이었다", "러시아였다"),
    ("러시아", "이라고", "러시아라고"),
    ("러시아", "과의", "러시아와의"),
    ("러시아", "으로는", "러시아로는"),
    ("이순신", "아", "이순신아"),
    ("철수", "아", "철수야"),
    ("유엔", "가", "유엔이"),
    ("프랑스", "은", "프랑스는"),
    ("코스피", "이", "코스피가"),
    # particles that do not alternate are kept
    ("김민석", "에", "김민석에"),
    ("러시아", "에서", "러시아에서"),
    ("서울", "의", "서울의"),
    ("부산", "도", "부산도"),
    ("한국", "만", "한국만"),
    ("러시아", "까지", "러시아까지"),
    ("서울", "", "서울"),
    # Latin script
    ("BTS", "은", "BTS는"),
    ("BTS", "이", "BTS가"),
    ("LG", "을", "LG를"),
    ("Samsung", "는", "Samsung은"),
    ("Samsung", "로", "Samsung으로"),
    ("Apple", "는", "Apple은"),
    ("Apple", "으로", "Apple로"),
    ("Kim", "가", "Kim이"),
    ("Park", "는", "Park은"),
    ("Google", "가", "Google이"),
    ("Netflix", "은", "Netflix는"),
    ("Hyundai", "와", "Hyundai와"),
    ("IBM", "는", "IBM은"),
    ("UN", "가", "UN이"),
    ("NATO", "은", "NATO는"),
    ("K-pop", "가", "K-pop이"),
    ("Twitter", "을", "Twitter를"),
    # digits read as Korean numerals
    ("G20", "는", "G20은"),
    ("G7", "가", "G7이"),
    ("1", "가", "1이"),
    ("2", "이", "2가"),
    ("3", "로", "3으로"),
    ("6", "와", "6과"),
    ("10", "을", "10을"),
    ("100", "를", "100을"),
    ("1000", "가", "1000이"),
    ("2025", "는", "2025는"),
    ("30%", "이", "30%가"),
    ("1,000", "가", "1,000이"),
    ("20000", "는", "20000은"),
    # brackets and quotes
    ("인공지능(AI)", "가", "인공지능(AI)이"),
    ("“한강”", "를", "“한강”을"),
]

FINALS: list[tuple[str, str | None]] = [
    ("김민석", "ㄱ"),
    ("서울", "ㄹ"),
    ("러시아", None),
    ("삼성", "ㅇ"),
    ("닭", "ㄺ"),
    ("1", "ㄹ"),
    ("2", None),
    ("3", "ㅁ"),
    ("6", "ㄱ"),
    ("0", "ㅇ"),
    ("10", "ㅂ"),
    ("100", "ㄱ"),
    ("1000", "ㄴ"),
    ("10000", "ㄴ"),
    ("100000", "ㄴ"),
    ("100000000", "ㄱ"),
    ("1000000000000", None),
    ("2.5", None),
    ("1.6", "ㄱ"),
    ("Samsung", "ㅇ"),
    ("Apple", "ㄹ"),
    ("BTS", None),
    ("LG", None),
    ("Kim", "ㅁ"),
    ("NASA", None),
    ("FIFA", None),
    ("Line", "ㄴ"),
    ("Facebook", "ㄱ"),
    ("", None),
    ("?!", None),
]


def test_table_is_large_enough() -> None:
    assert len(ATTACH_TABLE) >= 60
    assert len({name for name, _, _ in ATTACH_TABLE if "a" <= name[0].lower() <= "z"}) >= 10


@pytest.mark.parametrize(("name", "particle", "expected"), ATTACH_TABLE)
def test_attach(name: str, particle: str, expected: str) -> None:
    assert attach(name, particle) == expected


@pytest.mark.parametrize(("word", "final"), FINALS)
def test_final_consonant(word: str, final: str | None) -> None:
    assert final_consonant(word) == final


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("서울에서는", ("서울", "에서는")),
        ("김민석를", ("김민석", "를")),
        ("부산으로부터", ("부산", "으로부터")),
        ("한국과의", ("한국", "과의")),
        ("러시아까지도", ("러시아", "까지도")),
        ("김민석이었다", ("김민석", "이었다")),
        ("BTS는", ("BTS", "는")),
        ("서울", ("서울", "")),
        ("이", ("이", "")),
        ("가", ("가", "")),
        ("에서", ("에서", "")),
        ("기자", ("기자", "")),
        ("측면", ("측면", "")),
        ("나라", ("나라", "")),
    ],
)
def test_split_particle(word: str, expected: tuple[str, str]) -> None:
    assert split_particle(word) == expected


def test_split_then_attach_repairs_a_wrong_particle() -> None:
    stem, particle = split_particle("김민석를")
    assert attach(stem, particle) == "김민석을"
    stem, particle = split_particle("철수을")
    assert attach("서울", particle) == "서울을"


def test_pair_forms_are_split_unless_one_syllable_that_ends_many_nouns() -> None:
    # "다", "자", "고", "아"... end many nouns ("바다", "기자", "최고"), so they are not cut off.
    for pair in PARTICLE_PAIRS:
        for form in pair:
            assert form in PARTICLES or len(form) == 1
    assert {"은", "는", "이", "가", "을", "를", "과", "와", "로", "으로"} <= PARTICLES
