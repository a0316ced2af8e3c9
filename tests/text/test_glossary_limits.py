"""Glossary limits: no term, request or file can block, recurse without bound or exhaust memory."""

from __future__ import annotations

import os
import random
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from service.errors import MtsError
from service.text import glossary as glossary_module
from service.text.glossary import (
    MAX_FILE_BYTES,
    MAX_FORM_CHARS,
    MAX_FORM_WORDS,
    MAX_FORMS_PER_FIELD,
    MAX_NOTE_CHARS,
    MAX_REQUEST_CHARS,
    MAX_REQUEST_ENTRIES,
    Glossary,
    GlossaryError,
    default_glossary,
    glossary_from_mapping,
    glossary_from_settings,
    load_glossary,
)

DISPATCH = (
    "SÉOUL, 12 mars (Yonhap) -- Le président sud-coréen Yoon Suk Yeol a rencontré mardi à Séoul le "
    "ministre de l'Unification et des représentants de l'Assemblée nationale. "
) * 12
DISPATCH = DISPATCH[:2000]


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()``, failing (not hanging) when it takes more than ``seconds``: a generous bound."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # reraised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if failure:
        raise failure[0]
    return result[0]


@contextmanager
def shallow_stack(frames: int) -> Iterator[None]:
    """Allow only ``frames`` more Python frames than the caller has: recursion over a form fails."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def found(glossary: Glossary, text: str, lang: str = "fr") -> list[tuple[str, str]]:
    return [(m.text, m.entry.fr[0]) for m in glossary.find(text, lang)]


# --------------------------------------------------------------------------------------------------
# One form


@pytest.mark.parametrize("length", [324, 400])
def test_a_term_over_the_length_limit_is_a_clear_error(length: int) -> None:
    items = [{"fr": "Bonjour"}, {"fr": "a" * length, "en": "b", "ko": "c"}]
    with pytest.raises(
        GlossaryError,
        match=rf"glossary item 1: fr form 'a+…' is {length} characters long "
        rf"\(the limit is {MAX_FORM_CHARS}\)",
    ) as caught:
        within(10, lambda: glossary_from_mapping(items))
    assert isinstance(caught.value, MtsError)  # the API answers 400


def test_a_term_at_the_length_limit_matches_without_recursion() -> None:
    term = "a" * MAX_FORM_CHARS
    chain = [{"fr": "b" * n, "en": "x"} for n in range(3, 120)]  # each form a prefix of the next
    glossary = default_glossary().merged(glossary_from_mapping([{"fr": term, "en": "b"}, *chain]))
    text = f"Bonjour {term} et {'b' * 50}, {'b' * 119}s."
    with shallow_stack(250):  # the old trie recursed once (twice) per character of a form
        matches = within(20, lambda: found(glossary, text))
    assert matches == [(term, term), ("b" * 50, "b" * 50), ("b" * 119 + "s", "b" * 119)]


def test_too_many_words_is_a_clear_error() -> None:
    words = " ".join(["mot"] * (MAX_FORM_WORDS + 1))
    with pytest.raises(GlossaryError, match=rf"glossary item 0: en form .* has {MAX_FORM_WORDS + 1} words"):
        glossary_from_mapping([{"fr": "x", "en": words}])
    # Hyphenated words count one by one.
    with pytest.raises(GlossaryError, match="words"):
        glossary_from_mapping([{"fr": "-".join(["a"] * (MAX_FORM_WORDS + 1))}])
    assert len(glossary_from_mapping([{"fr": " ".join(["mot"] * MAX_FORM_WORDS)}])) == 1


def test_120_word_term_in_a_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "user.tsv"
    term = " ".join(f"mot{i}" for i in range(120))
    path.write_text(f"kind\tfr\ten\tko\nterm\tSéoul\tSeoul\t서울\nterm\t{term}\tx\t\n", encoding="utf-8")
    with pytest.raises(GlossaryError) as caught:
        within(10, lambda: glossary_from_settings(str(path)))
    message = str(caught.value)
    assert message.startswith(f"{path}:3: fr form 'mot0 mot1")
    assert f"the limit is {MAX_FORM_CHARS}" in message
    assert "\n" not in message


def test_too_many_variants_and_long_notes() -> None:
    variants = "|".join(f"forme{i}" for i in range(MAX_FORMS_PER_FIELD + 1))
    with pytest.raises(GlossaryError, match=rf"glossary item 0: fr has {MAX_FORMS_PER_FIELD + 1} forms"):
        glossary_from_mapping([{"fr": variants}])
    with pytest.raises(GlossaryError, match=r"glossary item 0: note is \d+ characters long"):
        glossary_from_mapping([{"fr": "x", "note": "n" * (MAX_NOTE_CHARS + 1)}])


# --------------------------------------------------------------------------------------------------
# Request glossaries


def test_request_entry_limit() -> None:
    items = [{"fr": f"terme{i}"} for i in range(MAX_REQUEST_ENTRIES + 1)]
    with pytest.raises(GlossaryError, match=rf"{MAX_REQUEST_ENTRIES + 1} items \(the limit is"):
        glossary_from_mapping(items)
    assert len(glossary_from_mapping(items[:-1])) == MAX_REQUEST_ENTRIES


def test_request_character_budget_names_the_item() -> None:
    form = "x" * MAX_FORM_CHARS
    count = MAX_REQUEST_CHARS // MAX_FORM_CHARS
    items = [{"fr": f"{i:03d}{form[3:]}"} for i in range(count + 1)]
    with pytest.raises(GlossaryError, match=rf"glossary item {count}: the fr forms .* {MAX_REQUEST_CHARS}"):
        glossary_from_mapping(items)


def request_at_the_limits() -> list[dict[str, Any]]:
    """500 entries using the whole character budget of each language, with long and nested forms."""
    rng = random.Random(7)

    def word() -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzéèà") for _ in range(rng.randint(9, 12)))

    def form(chars: int) -> str:
        words = [word() for _ in range(MAX_FORM_WORDS)]
        return " ".join(words)[:chars].strip()

    share = MAX_REQUEST_CHARS // MAX_REQUEST_ENTRIES
    items: list[dict[str, Any]] = []
    for i in range(MAX_REQUEST_ENTRIES):
        chars = MAX_FORM_CHARS if i % 10 == 0 else share - (MAX_FORM_CHARS - share) // 9 - 1
        items.append({"fr": form(chars), "en": form(chars), "ko": "서울" * (chars // 2)})
    items[1] = {"fr": "Séoul", "en": "Seoul", "ko": "서울"}  # overrides a shipped entry
    items[2] = {"fr": "ministre de l'Unification", "en": "Unification Minister"}
    return items


def test_request_glossary_at_the_limits_is_bounded() -> None:
    items = request_at_the_limits()
    for lang in ("fr", "en", "ko"):
        assert sum(len(item.get(lang, "")) for item in items) <= MAX_REQUEST_CHARS
    assert max(len(item["fr"]) for item in items) == MAX_FORM_CHARS

    def work() -> list[tuple[str, str]]:
        glossary = default_glossary().merged(glossary_from_mapping(items))
        glossary.find(DISPATCH, "en")
        return found(glossary, DISPATCH)

    matches = within(30, work)  # about 0.5 s; the bound only catches a hang or a blow-up
    assert ("Séoul", "Séoul") in matches
    assert ("ministre de l'Unification", "ministre de l'Unification") in matches
    assert ("Assemblée nationale", "Assemblée nationale") in matches  # shipped, below the request


@pytest.fixture
def fresh_matchers() -> Iterator[None]:
    """Matchers compiled under the test's settings, and none of them kept for other tests."""
    glossary_module._compiled_matcher.cache_clear()
    yield
    glossary_module._compiled_matcher.cache_clear()


@pytest.mark.usefixtures("fresh_matchers")
def test_deep_nesting_is_written_flat(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the nesting cap, a subtree becomes a flat alternation tried in the same order."""
    texts = {
        "fr": " ; ".join(form for entry in default_glossary() for form in entry.fr) + " " + DISPATCH,
        "en": " ; ".join(form for entry in default_glossary() for form in entry.en),
        "ko": " ".join(form + "에서" for entry in default_glossary() for form in entry.ko),
    }
    expected = {lang: found(Glossary(default_glossary().entries), text, lang) for lang, text in texts.items()}
    for nesting in (0, 1, 3):
        monkeypatch.setattr(glossary_module, "_MAX_NESTING", nesting)
        glossary_module._compiled_matcher.cache_clear()
        for lang, text in texts.items():
            assert found(Glossary(default_glossary().entries), text, lang) == expected[lang], (nesting, lang)


@pytest.mark.usefixtures("fresh_matchers")
def test_large_glossaries_compile_only_the_forms_a_text_may_contain(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = {
        "fr": " ; ".join(form for entry in default_glossary() for form in entry.fr) + " " + DISPATCH,
        "en": " ; ".join(form for entry in default_glossary() for form in entry.en),
        "ko": " ".join(form + "에서" for entry in default_glossary() for form in entry.ko),
    }
    expected = {lang: found(Glossary(default_glossary().entries), text, lang) for lang, text in texts.items()}
    monkeypatch.setattr(glossary_module, "_FULL_PATTERN_ATOMS", 0)
    glossary_module._compiled_matcher.cache_clear()
    for lang, text in texts.items():
        assert found(Glossary(default_glossary().entries), text, lang) == expected[lang], lang
    glossary = Glossary(default_glossary().entries)
    text = "À Séoul et à l'Assemblée nationale, mardi."
    assert found(glossary, text) == [("Séoul", "Séoul"), ("Assemblée nationale", "Assemblée nationale")]
    _, group_slots = glossary._matcher("fr")._pattern(glossary_module._fold_with_offsets(text)[0])
    assert len(group_slots) - 1 < 30  # a handful of forms compiled, not the glossary's 1,000


# --------------------------------------------------------------------------------------------------
# Files


def test_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    link = tmp_path / "zero.tsv"
    link.symlink_to("/dev/zero")
    with pytest.raises(GlossaryError, match=r"zero\.tsv: not a regular file"):
        within(10, lambda: load_glossary(link))
    with pytest.raises(GlossaryError, match=r"/dev/zero"):
        within(10, lambda: glossary_from_settings("/dev/zero"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    with pytest.raises(GlossaryError, match=r"pipe\.yaml: not a regular file"):
        within(10, lambda: load_glossary(pipe))


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dir.tsv"
    folder.mkdir()
    with pytest.raises(GlossaryError, match=r"dir\.tsv: not a regular file"):
        load_glossary(folder)


def test_an_oversize_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.tsv"
    with path.open("wb") as file:
        file.write(b"kind\tfr\ten\tko\n")
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: no 4 MB written
    with pytest.raises(GlossaryError, match=rf"big\.tsv: glossary file too large .*{MAX_FILE_BYTES}"):
        within(10, lambda: load_glossary(path))


@pytest.mark.parametrize("suffix", [".tsv", ".yaml"])
def test_entry_limit_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    monkeypatch.setattr(glossary_module, "MAX_FILE_ENTRIES", 3)
    path = tmp_path / f"user{suffix}"
    names = ["Séoul", "Busan", "Incheon", "Daegu"]
    if suffix == ".tsv":
        path.write_text("kind\tfr\ten\tko\n" + "".join(f"place\t{n}\t{n}\t\n" for n in names), "utf-8")
        message = r"user\.tsv:5: more than 3 entries"
    else:
        path.write_text("".join(f"- fr: {n}\n" for n in names), "utf-8")
        message = r"user\.yaml:4: more than 3 entries"
    with pytest.raises(GlossaryError, match=message):
        load_glossary(path)
    path.write_text(path.read_text("utf-8").rsplit("\n", 2)[0] + "\n", "utf-8")
    assert len(load_glossary(path)) == 3


def test_a_large_file_is_loaded_and_searched_in_bounded_time(tmp_path: Path) -> None:
    """20,000 entries: each text compiles only the few forms it may contain."""
    rng = random.Random(3)

    def name() -> str:
        return " ".join(
            "".join(rng.choice("bcdfghjklmnpqrstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(1, 3))
        )

    path = tmp_path / "newsroom.tsv"
    rows = "".join(f"person\t{name().title()}\t{name().title()}\t\n" for _ in range(19_999))
    path.write_text("kind\tfr\ten\tko\n" + rows + "place\tKwangmyeong-dong\tKwangmyeong-dong\t\n", "utf-8")

    def work() -> list[tuple[str, str]]:
        glossary = default_glossary().merged(load_glossary(path))
        return found(glossary, "À Kwangmyeong dong et à Séoul.") + found(glossary, "In Séoul.", "en")

    assert within(60, work) == [  # a few seconds; the old single pattern took about 20 s
        ("Kwangmyeong dong", "Kwangmyeong-dong"),
        ("Séoul", "Séoul"),
        ("Séoul", "Séoul"),
    ]
