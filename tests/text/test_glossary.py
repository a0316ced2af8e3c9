"""Tests for service.text.glossary: the shipped glossary, tolerant matching and loading user glossaries."""

from __future__ import annotations

import os
import re
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import MtsError
from service.text.glossary import (
    DEFAULT_GLOSSARY_PATH,
    KINDS,
    Glossary,
    GlossaryEntry,
    GlossaryError,
    GlossaryMatch,
    default_glossary,
    glossary_from_mapping,
    glossary_from_settings,
    load_glossary,
)

HANGUL_RE = re.compile("[\uac00-\ud7a3]")
LATIN_RE = re.compile("[A-Za-z]")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("-", " ")


def entry(fr: str) -> GlossaryEntry:
    """The shipped entry whose canonical French form is ``fr``."""
    found = [e for e in default_glossary().entries if e.fr[0] == fr]
    assert len(found) == 1, fr
    return found[0]


def found(text: str, lang: str, glossary: Glossary | None = None) -> list[tuple[str, str]]:
    """(matched text, canonical French form of the entry) of every match."""
    glossary = glossary or default_glossary()
    return [(m.text, m.entry.fr[0]) for m in glossary.find(text, lang)]


# --------------------------------------------------------------------------------------------------
# The shipped glossary


def test_shipped_file_is_inside_the_package_and_has_the_documented_header() -> None:
    assert DEFAULT_GLOSSARY_PATH.is_file()
    assert DEFAULT_GLOSSARY_PATH.parent.parent == Path(__file__).resolve().parents[2] / "service"
    header = DEFAULT_GLOSSARY_PATH.read_text(encoding="utf-8").splitlines()[0]
    assert header == "kind\tfr\ten\tko\tnote"


def test_shipped_glossary_size_and_kinds() -> None:
    glossary = default_glossary()
    assert len(glossary) >= 230
    counts: dict[str, int] = defaultdict(int)
    for e in glossary.entries:
        counts[e.kind] += 1
    assert set(counts) == KINDS
    assert counts["person"] >= 50
    assert counts["place"] >= 50
    assert counts["organization"] >= 50
    assert counts["company"] >= 25
    assert counts["nk_institution"] >= 10
    assert counts["party"] >= 5
    assert counts["term"] >= 25
    assert default_glossary() is glossary  # cached


def test_every_shipped_entry_is_well_formed() -> None:
    problems: list[str] = []
    for e in default_glossary().entries:
        name = e.fr[0] if e.fr else repr(e)
        if e.kind not in KINDS:
            problems.append(f"{name}: kind {e.kind!r}")
        for lang in ("fr", "en", "ko"):
            forms = e.forms(lang)
            if not forms:
                problems.append(f"{name}: no {lang} form")
            for form in forms:
                if form != form.strip() or "  " in form or "\t" in form or "|" in form:
                    problems.append(f"{name}: badly spaced {lang} form {form!r}")
                if form != unicodedata.normalize("NFC", form):
                    problems.append(f"{name}: {lang} form {form!r} is not NFC")
                if lang in ("fr", "en") and (HANGUL_RE.search(form) or not LATIN_RE.search(form)):
                    problems.append(f"{name}: {lang} form {form!r} is not in Latin script")
        if not any(HANGUL_RE.search(form) for form in e.ko):
            problems.append(f"{name}: no Korean form in Hangul")
        for form in e.ko:
            # A Latin-only Korean form is an acronym that Korean text keeps as is ("KT", "EU"):
            # it must be one of the English forms too.
            if not HANGUL_RE.search(form) and form not in e.en:
                problems.append(f"{name}: Korean form {form!r} has no Hangul and is not an English form")
        if "\n" in e.note or e.note != e.note.strip():
            problems.append(f"{name}: badly spaced note")
    assert problems == []


@pytest.mark.parametrize("lang", ["fr", "en", "ko"])
def test_no_form_is_shared_by_two_shipped_entries(lang: str) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for e in default_glossary().entries:
        for form in e.forms(lang):
            owners[fold(form)].add(e.fr[0])
    assert {form: names for form, names in owners.items() if len(names) > 1} == {}


@pytest.mark.parametrize("lang", ["fr", "en", "ko"])
def test_every_shipped_form_is_found_as_its_own_entry(lang: str) -> None:
    glossary = default_glossary()
    wrong = []
    for e in glossary.entries:
        for form in e.forms(lang):
            matches = glossary.find(f"« {form} »", lang)
            if [(m.text, m.entry) for m in matches] != [(form, e)]:
                wrong.append((form, [(m.text, m.entry.fr[0]) for m in matches]))
    assert wrong == []


@pytest.mark.parametrize(
    ("fr", "en", "ko"),
    [
        ("Lee Jae-myung", "Lee Jae-myung", "이재명"),
        ("Yoon Suk Yeol", "Yoon Suk Yeol", "윤석열"),
        ("Kim Jong-un", "Kim Jong-un", "김정은"),
        ("Choe Son-hui", "Choe Son-hui", "최선희"),
        ("Séoul", "Seoul", "서울"),
        ("Assemblée nationale", "National Assembly", "국회"),
        ("ministère de l'Unification", "Ministry of Unification", "통일부"),
        ("Parti démocrate", "Democratic Party", "더불어민주당"),
        ("Parti du pouvoir du peuple", "People Power Party", "국민의힘"),
        ("Parti de la reconstruction de la Corée", "Rebuilding Korea Party", "조국혁신당"),
        ("état-major interarmées", "Joint Chiefs of Staff", "합동참모본부"),
        ("KASA", "Korea AeroSpace Administration", "우주항공청"),
        ("Parti du travail de Corée", "Workers' Party of Korea", "조선노동당"),
        ("Assemblée populaire suprême", "Supreme People's Assembly", "최고인민회의"),
        ("agence centrale de presse coréenne", "Korean Central News Agency", "조선중앙통신"),
        ("zone démilitarisée", "demilitarized zone", "비무장지대"),
        ("mer de l'Est", "East Sea", "동해"),
        ("Pékin", "Beijing", "베이징"),
        ("SK hynix", "SK hynix", "SK하이닉스"),
        ("won", "won", "원"),
    ],
)
def test_shipped_targets(fr: str, en: str, ko: str) -> None:
    e = entry(fr)
    assert (e.target("fr"), e.target("en"), e.target("ko")) == (fr, en, ko)


# --------------------------------------------------------------------------------------------------
# Matching: French and English


def test_case_and_accents_are_ignored() -> None:
    text = "SÉOUL, 3 mars (Yonhap) -- Seoul, seoul et Se\u0301oul."
    matches = default_glossary().find(text, "fr")
    assert [(m.text, m.entry.fr[0]) for m in matches] == [
        ("SÉOUL", "Séoul"),
        ("Yonhap", "Yonhap"),
        ("Seoul", "Séoul"),
        ("seoul", "Séoul"),
        ("Se\u0301oul", "Séoul"),
    ]
    assert all(isinstance(m, GlossaryMatch) for m in matches)


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ"])
def test_elided_article_is_outside_the_match(apostrophe: str) -> None:
    text = f"selon l{apostrophe}Assemblée nationale, le maire d{apostrophe}Incheon"
    matches = default_glossary().find(text, "fr")
    assert [(m.text, m.entry.fr[0]) for m in matches] == [
        ("Assemblée nationale", "Assemblée nationale"),
        ("Incheon", "Incheon"),
    ]
    assert text[matches[0].start - 2 : matches[0].start] == f"l{apostrophe}"


def test_apostrophe_inside_a_form_accepts_typographic_variants() -> None:
    assert found("le ministère de l’Unification", "fr") == [
        ("ministère de l’Unification", "ministère de l'Unification")
    ]
    assert found("the Workers’ Party of Korea", "en") == [
        ("Workers’ Party of Korea", "Parti du travail de Corée")
    ]


def test_plurals_of_lowercase_words() -> None:
    assert found("1.500 milliards de wons", "fr") == [("wons", "won")]
    assert found("des missiles balistiques intercontinentaux", "fr") == [
        ("missiles balistiques intercontinentaux", "missile balistique intercontinental")
    ]
    assert found("les transfuges nord-coréens", "fr") == [
        ("transfuges nord-coréens", "transfuge nord-coréen")
    ]
    assert found("two short-range ballistic missiles", "en") == [
        ("short-range ballistic missiles", "missile balistique à courte portée")
    ]
    assert found("North Korean defectors", "en") == [("North Korean defectors", "transfuge nord-coréen")]


def test_names_are_not_pluralised() -> None:
    assert found("Kias et Séouls", "fr") == []


def test_longest_match_wins() -> None:
    assert found("la Corée du Nord, la Corée du Sud et la Corée", "fr") == [
        ("Corée du Nord", "Corée du Nord"),
        ("Corée du Sud", "Corée du Sud"),
        ("Corée", "Corée du Sud"),
    ]
    assert found("le Parti démocrate de Corée (PD) et le Parti démocrate", "fr") == [
        ("Parti démocrate de Corée", "Parti démocrate"),
        ("PD", "Parti démocrate"),  # the party's French abbreviation (yna-fr2-51)
        ("Parti démocrate", "Parti démocrate"),
    ]
    assert found("le tribunal du district central de Séoul", "fr") == [
        ("tribunal du district central de Séoul", "tribunal du district central de Séoul")
    ]
    assert found("la Banque de Corée", "fr") == [("Banque de Corée", "Banque de Corée")]
    assert found("Samsung Electronics et Samsung", "fr") == [
        ("Samsung Electronics", "Samsung Electronics"),
        ("Samsung", "Samsung"),
    ]


def test_word_boundaries() -> None:
    assert found("Kiang Kiaa aKia", "fr") == []
    assert found("une tenue bleue", "fr") == []  # no "UE" inside words
    assert found("Kia, (Kia) Kia.", "fr") == [("Kia", "Kia")] * 3
    assert found("Séoul-Washington", "fr") == [("Séoul", "Séoul"), ("Washington", "Washington")]


@pytest.mark.parametrize(
    "written",
    ["Cho Tae-yul", "Cho Tae yul", "Cho Taeyul", "cho  tae-yul", "Cho Tae–yul", "Cho\u00a0Tae\u2011yul"],
)
def test_hyphens_and_spaces_are_interchangeable(written: str) -> None:
    assert found(f"M. {written} a déclaré", "fr") == [(written, "Cho Tae-yul")]


def test_spaced_form_matches_hyphenated_text() -> None:
    assert found("Yoon Suk-yeol", "fr") == [("Yoon Suk-yeol", "Yoon Suk Yeol")]
    assert found("Kim Il Sung Square", "en") == [("Kim Il Sung Square", "place Kim Il-sung")]
    assert found("Kim Il-sung Square", "en") == [("Kim Il-sung Square", "place Kim Il-sung")]


def test_english_forms() -> None:
    assert found("the Unification Ministry and the Ministry of Unification", "en") == [
        ("Unification Ministry", "ministère de l'Unification"),
        ("Ministry of Unification", "ministère de l'Unification"),
    ]
    assert found("North Korea and South Korea", "en") == [
        ("North Korea", "Corée du Nord"),
        ("South Korea", "Corée du Sud"),
    ]
    assert found("U.S. Forces Korea and the U.S.", "en") == [
        ("U.S. Forces Korea", "Forces américaines en Corée"),
        ("U.S.", "États-Unis"),
    ]


def test_offsets_map_back_to_the_original_text() -> None:
    text = "Straße\u00ad -- l’Assemblée  nationale a reçu M. Cho Tae\u2013yul\u00a0à Se\u0301oul, puis Hanoi\u0308 (Yonhap)."
    matches = default_glossary().find(text, "fr")
    assert [m.text for m in matches] == [
        "Assemblée  nationale",
        "Cho Tae\u2013yul",
        "Se\u0301oul",
        "Hanoi\u0308",  # the combining mark after the last letter belongs to the match
        "Yonhap",
    ]
    for m in matches:
        assert text[m.start : m.end] == m.text


_PIECES = [
    "Séoul", "Corée du Nord", "Corée", "l'", "l’", "d’", " ", "  ", "\u00a0", "-", "–", ",", ".", "ß",
    "e\u0301", "\u00ad", "œ", "Kia", "ng", "s", "Cho Tae-yul", "Parti démocrate", " de Corée", "wons",
    "서울", "에서", "동", "북한", "국회", "원", "3억", "SK하이닉스", "KT",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25), st.sampled_from(["fr", "en", "ko"]))
def test_matches_are_exact_slices_in_order_without_overlap(pieces: list[str], lang: str) -> None:
    text = "".join(pieces)
    matches = default_glossary().find(text, lang)
    end = 0
    for m in matches:
        assert m.text == text[m.start : m.end]
        assert m.text.strip() == m.text != ""
        assert m.start >= end
        end = m.end


# --------------------------------------------------------------------------------------------------
# Matching: Korean


def test_korean_particles_may_follow_a_form() -> None:
    assert found("서울에서 열린 회의에서 국회는", "ko") == [
        ("서울", "Séoul"),
        ("국회", "Assemblée nationale"),
    ]
    assert found("조선중앙통신은 김정은 국무위원장이", "ko") == [
        ("조선중앙통신", "agence centrale de presse coréenne"),
        ("김정은", "Kim Jong-un"),
    ]


def test_short_korean_forms_need_a_boundary_before() -> None:
    assert found("동서울터미널", "ko") == []
    assert [text for text, _ in found("남북한", "ko")] == ["남북"]  # not 북한
    assert found("한국은행이", "ko") == [("한국은행", "Banque de Corée")]


def test_long_korean_forms_are_found_inside_compounds() -> None:
    assert found("北김정은", "ko") == [("김정은", "Kim Jong-un")]
    assert found("대북전단과 북한군의 합동참모본부", "ko") == [
        ("북한", "Corée du Nord"),
        ("합동참모본부", "état-major interarmées"),
    ]


def test_one_syllable_korean_form() -> None:
    assert [m.text for m in default_glossary().find("3억원을 1조 원 100원대 500원", "ko")] == ["원"] * 4
    assert found("원자력 원장 병원", "ko") == []


def test_spaces_in_korean_forms_are_optional() -> None:
    assert found("단거리 탄도미사일과 단거리탄도미사일", "ko") == [
        ("단거리 탄도미사일", "missile balistique à courte portée"),
        ("단거리탄도미사일", "missile balistique à courte portée"),
    ]
    assert found("화성-18형과 화성18형", "ko") == [("화성-18형", "Hwasong-18"), ("화성18형", "Hwasong-18")]


def test_latin_forms_in_korean_text() -> None:
    assert found("SK하이닉스는 KT와 LG전자", "ko") == [
        ("SK하이닉스", "SK hynix"),
        ("KT", "KT"),
        ("LG전자", "LG Electronics"),
    ]


# --------------------------------------------------------------------------------------------------
# rendered()


def test_rendered() -> None:
    glossary = default_glossary()
    south = entry("Corée du Sud")
    assert glossary.rendered(south, "South Korea said on Monday", "en")
    assert glossary.rendered(south, "한국은 이날", "ko")
    assert not glossary.rendered(
        south, "North Korea fired a missile", "en"
    )  # "Korea" is part of a longer name
    assert not glossary.rendered(south, "한국은행은 이날", "ko")
    unification = entry("ministère de l'Unification")
    assert glossary.rendered(unification, "the unification ministry said", "en")
    assert not glossary.rendered(unification, "the unification of Germany", "en")
    assert glossary.rendered(entry("Séoul"), "SEOUL, May 7 (Yonhap)", "en")


def test_rendered_with_an_entry_outside_the_glossary() -> None:
    custom = GlossaryEntry(kind="term", fr=("bureau de liaison",), en=("liaison office",), ko=())
    glossary = default_glossary()
    assert glossary.rendered(custom, "the inter-Korean liaison offices", "en")
    assert not glossary.rendered(custom, "the liaison", "en")
    assert not glossary.rendered(custom, "연락사무소", "ko")  # no Korean form


def test_entry_accessors_and_languages() -> None:
    e = GlossaryEntry(kind="term", fr=("a b",), en=("c",), ko=())
    assert e.forms("en") == ("c",)
    assert e.target("fr") == "a b"
    with pytest.raises(GlossaryError, match="no ko form"):
        e.target("ko")
    with pytest.raises(ValueError, match="unknown glossary language"):
        e.forms("de")
    with pytest.raises(ValueError, match="unknown glossary language"):
        default_glossary().find("Séoul", "de")
    assert default_glossary().find("", "fr") == []
    assert Glossary([]).find("Séoul", "fr") == []
    assert len(Glossary([e])) == 1


def test_later_entry_wins_a_shared_form() -> None:
    first = GlossaryEntry(kind="term", fr=("alpha",), en=("shared",), ko=())
    second = GlossaryEntry(kind="term", fr=("beta",), en=("shared",), ko=())
    assert [m.entry for m in Glossary([first, second]).find("shared", "en")] == [second]
    assert Glossary([first, second]).rendered(first, "shared", "en")


def test_find_is_fast() -> None:
    glossary = default_glossary()
    text = ((Path(__file__).resolve().parents[2] / "samples" / "dispatch-ue-espace.fr.txt").read_text() * 2)[
        :2000
    ]
    glossary.find(text, "fr")  # compile once
    timings = []
    for _ in range(15):
        start = time.perf_counter()
        glossary.find(text, "fr")
        timings.append(time.perf_counter() - start)
    timings.sort()
    assert timings[len(timings) // 2] < 0.025  # typically ~1 ms; generous for a loaded machine


# --------------------------------------------------------------------------------------------------
# Loading user glossaries


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_load_tsv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "user.tsv",
        "# user glossary\n\nkind\tfr\ten\tko\tnote\n"
        "term\tbureau de liaison | bureau de liaison intercoréen\tliaison office\t연락사무소\tin Kaesong\n"
        "person\tPark Min-ho\tPark Min-ho\t박민호\n"
        "place\tSéoul\tSeoul City\t\t\n",
    )
    glossary = load_glossary(path)
    assert glossary.entries == (
        GlossaryEntry(
            "term",
            ("bureau de liaison", "bureau de liaison intercoréen"),
            ("liaison office",),
            ("연락사무소",),
            "in Kaesong",
        ),
        GlossaryEntry("person", ("Park Min-ho",), ("Park Min-ho",), ("박민호",), ""),
        GlossaryEntry("place", ("Séoul",), ("Seoul City",), (), ""),
    )
    assert found("le bureau de liaison intercoréen", "fr", glossary) == [
        ("bureau de liaison intercoréen", "bureau de liaison")
    ]


def test_load_tsv_columns_in_any_order(tmp_path: Path) -> None:
    path = write(
        tmp_path / "user.tsv", "fr\tko\ten\tkind\nbureau de liaison\t연락사무소\tliaison office\tterm\n"
    )
    assert load_glossary(path).entries[0].ko == ("연락사무소",)


def test_load_yaml(tmp_path: Path) -> None:
    path = write(
        tmp_path / "user.yaml",
        "- fr: bureau de liaison\n"
        "  en: [liaison office, joint liaison office]\n"
        "  ko: 연락사무소\n"
        "  note: in Kaesong\n"
        "- kind: person\n"
        "  fr: [Park Min-ho]\n"
        "  en: Park Min-ho | Park Minho\n",
    )
    assert load_glossary(path).entries == (
        GlossaryEntry(
            "term",
            ("bureau de liaison",),
            ("liaison office", "joint liaison office"),
            ("연락사무소",),
            "in Kaesong",
        ),
        GlossaryEntry("person", ("Park Min-ho",), ("Park Min-ho", "Park Minho"), (), ""),
    )
    assert load_glossary(write(tmp_path / "empty.yml", "")).entries == ()


def test_merged_overrides_entries_sharing_a_french_form(tmp_path: Path) -> None:
    user = load_glossary(
        write(tmp_path / "user.tsv", "kind\tfr\ten\tko\nplace\tSEOUL\tSeoul City\t서울시내\n")
    )
    base = default_glossary()
    merged = base.merged(user)
    assert len(merged) == len(base)
    assert entry("Séoul") not in merged.entries
    assert found("à Séoul", "fr", merged) == [("Séoul", "SEOUL")]
    assert merged.find("Seoul City", "en")[0].entry.target("ko") == "서울시내"
    assert len(base) == len(default_glossary())  # the shipped glossary is unchanged


def test_glossary_from_settings(tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.tsv", "kind\tfr\ten\tko\nterm\tbureau de liaison\tliaison office\t연락사무소\n"
    )
    second = write(tmp_path / "b.yaml", "- fr: Bureau de liaison\n  en: joint liaison office\n")
    assert glossary_from_settings(None) is default_glossary()
    assert glossary_from_settings("") is default_glossary()
    for separator in (os.pathsep, ",", " , "):
        glossary = glossary_from_settings(f"{first}{separator}{second}")
        assert len(glossary) == len(default_glossary()) + 1
        assert glossary.find("bureau de liaison", "fr")[0].entry.en == ("joint liaison office",)
    assert glossary_from_settings(f"{first},{second}") is glossary_from_settings(f"{first},{second}")
    with pytest.raises(GlossaryError, match=r"missing\.tsv"):
        glossary_from_settings(f"{first},{tmp_path / 'missing.tsv'}")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.tsv", None, r"missing\.tsv: glossary file not found"),
        ("user.csv", "kind,fr\n", r"user\.csv: unsupported glossary file type '\.csv'"),
        ("user.tsv", "", r"user\.tsv: missing header line"),
        ("user.tsv", "kind\tfr\ten\nterm\ta\tb\n", r"user\.tsv:1: missing column 'ko'"),
        ("user.tsv", "kind\tfr\ten\tko\tko2\n", r"user\.tsv:1: unknown column 'ko2'"),
        ("user.tsv", "kind\tfr\ten\tko\n\nfoo\tSéoul\tSeoul\t서울\n", r"user\.tsv:3: unknown kind 'foo'"),
        ("user.tsv", "kind\tfr\ten\tko\nplace\tSéoul |\tSeoul\t서울\n", r"user\.tsv:2: empty form in fr"),
        (
            "user.tsv",
            "kind\tfr\ten\tko\nplace\tSéoul\tSeoul | | Séoul\t서울\n",
            r"user\.tsv:2: empty form in en",
        ),
        ("user.tsv", "kind\tfr\ten\tko\nplace\t\tSeoul\t서울\n", r"user\.tsv:2: no fr form"),
        (
            "user.tsv",
            "kind\tfr\ten\tko\nplace Séoul Seoul 서울\n",
            r"user\.tsv:2: expected 4 tab-separated columns, found 1",
        ),
        ("user.yaml", "- fr: [Séoul\n", r"user\.yaml:\d+: invalid YAML"),
        ("user.yaml", "fr: Séoul\n", r"user\.yaml: expected a list of entries"),
        ("user.yaml", "- fr: Séoul\n- Busan\n", r"user\.yaml: entry 2 \(line 2\): expected a mapping"),
        ("user.yaml", "- fr: Séoul\n  kr: 서울\n", r"user\.yaml: entry 1 \(line 1\): unknown key 'kr'"),
        (
            "user.yaml",
            "- fr: Séoul\n- fr: 2024\n",
            r"user\.yaml: entry 2 \(line 2\): fr must be a string or a list",
        ),
        ("user.yml", "- fr: Séoul\n  kind: city\n", r"user\.yml: entry 1 \(line 1\): unknown kind 'city'"),
        ("user.yml", "- en: Seoul\n", r"user\.yml: entry 1 \(line 1\): no fr form"),
        ("user.yml", "- fr: [Séoul, '']\n", r"user\.yml: entry 1 \(line 1\): empty form in fr"),
    ],
)
def test_load_errors_name_the_file(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        write(path, content)
    with pytest.raises(GlossaryError, match=message) as caught:
        load_glossary(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, MtsError)


def test_glossary_from_mapping() -> None:
    glossary = glossary_from_mapping(
        [
            {"fr": "bureau de liaison", "en": ["liaison office"], "ko": "연락사무소"},
            {"fr": ["Park Min-ho"], "kind": "person", "note": "diplomat"},
        ]
    )
    assert glossary.entries == (
        GlossaryEntry("term", ("bureau de liaison",), ("liaison office",), ("연락사무소",)),
        GlossaryEntry("person", ("Park Min-ho",), (), (), "diplomat"),
    )


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ({"fr": "x"}, r"expected a list"),
        ([{"fr": "x"}, "y"], r"glossary item 1: expected an object"),
        ([{"en": "x"}], r"glossary item 0: no fr form"),
        ([{"fr": "x"}, {"fr": "y", "kind": "city"}], r"glossary item 1: unknown kind 'city'"),
        ([{"fr": ["x", 3]}], r"glossary item 0: fr must be a string or a list of strings"),
        ([{"fr": "x", "de": "y"}], r"glossary item 0: unknown key 'de'"),
        ([{"fr": "x", "en": " | "}], r"glossary item 0: empty form in en"),
        ([{"fr": "x", "note": 3}], r"glossary item 0: note must be a string"),
    ],
)
def test_glossary_from_mapping_errors(items: object, message: str) -> None:
    with pytest.raises(GlossaryError, match=message):
        glossary_from_mapping(items)  # type: ignore[arg-type]
