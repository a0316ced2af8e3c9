"""Batch input reading, resumable output and the translation cache (no model needed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from service.batch.reader import count_records, read_records
from service.batch.writer import ResumableWriter
from service.errors import MtsError
from service.models.info import ModelInfo
from service.translation.base import Translation
from service.translation.cache import CachingTranslator, TranslationCache


def test_jsonl_records_and_every_kind_of_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "Bonjour.", "source": "yna", "date": "2025-03-12"}\n'
        b"\n"
        b'{"id": 7, "text": "Salut."}\n'
        b'{"id": "b", "text": \n'
        b'["not", "an", "object"]\n'
        b'{"text": "no id"}\n'
        b'{"id": "c", "text": ""}\n'
        b'{"id": "d", "text": 42}\n' + '{"id": "e", "text": "S\xe9oul"}\n'.encode("latin-1")
    )
    records = list(read_records(path))
    assert count_records(path) == len(records) == 8
    assert records[0].id == "a" and records[0].text == "Bonjour."
    assert records[0].extra == {"source": "yna", "date": "2025-03-12"}
    assert records[1].id == "7" and records[1].error is None
    errors = [(r.id, r.error["type"]) for r in records if r.error]
    assert errors == [
        ("line-4", "invalid_json"),
        ("line-5", "invalid_record"),
        ("line-6", "missing_id"),
        ("c", "empty_text"),
        ("d", "invalid_text"),
        ("line-9", "not_utf8"),
    ]


def test_directory_records_use_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "2025" / "03").mkdir(parents=True)
    (tmp_path / "2025" / "03" / "a.txt").write_text("Premier.", encoding="utf-8")
    (tmp_path / "b.md").write_text("Second.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes("Séoul".encode("latin-1"))
    (tmp_path / "ignored.json").write_text("{}", encoding="utf-8")
    records = {r.id: r for r in read_records(tmp_path)}
    assert set(records) == {"2025/03/a.txt", "empty.txt", "latin.txt"}
    assert records["2025/03/a.txt"].text == "Premier."
    assert records["empty.txt"].error == {"type": "empty_text", "message": "the file is empty"}
    assert records["latin.txt"].error["type"] == "not_utf8"  # type: ignore[index]
    with pytest.raises(MtsError, match="does not exist"):
        list(read_records(tmp_path / "absent.jsonl"))


def test_writer_recovers_a_partial_last_line_and_knows_what_is_done(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id": "a", "x": 1}\n{"id": "b", "x": 2}\n{"id": "c", "x"')
    writer = ResumableWriter(path)
    assert writer.done == {"a", "b"}
    assert writer.truncated_bytes == len(b'{"id": "c", "x"')
    writer.write({"id": "c", "x": 3})
    writer.close()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]


def test_writer_restart_and_fatal_problems(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "a"}\n', encoding="utf-8")
    writer = ResumableWriter(path, restart=True)
    assert writer.done == set()
    writer.close()
    assert path.read_text(encoding="utf-8") == ""
    path.write_text('{"id": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(MtsError, match="--restart"):
        ResumableWriter(path)
    with pytest.raises(MtsError, match="is a directory"):
        ResumableWriter(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(MtsError, match="cannot open output"):
        ResumableWriter(blocker / "out.jsonl")


class CountingTranslator:
    def __init__(self, revision: str = "1") -> None:
        self.revision = revision
        self.seen: list[str] = []

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/model", self.revision)]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        self.seen.extend(texts)
        return [Translation(t.upper(), -0.1) for t in texts]


def test_cache_translates_repeated_sentences_once_and_persists(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path / "cache.sqlite3")
    inner = CountingTranslator()
    cached = CachingTranslator(inner, cache)
    out = cached.translate(["Un.", "Deux.", "Un.", "", "Un.  "], "fr", "en")
    assert [t.text for t in out] == ["UN.", "DEUX.", "UN.", "", "UN."]
    assert inner.seen == ["Un.", "Deux."]
    assert (cache.hits, cache.misses) == (0, 4)
    again = CachingTranslator(CountingTranslator(), TranslationCache(tmp_path / "cache.sqlite3"))
    assert [t.text for t in again.translate(["Deux."], "fr", "en")] == ["DEUX."]
    assert again.cache.hits == 1 and again.cache.hit_rate == 1.0
    assert again.inner.seen == []  # type: ignore[attr-defined]
    # Another revision, or another pair, is another entry.
    other = CountingTranslator(revision="2")
    CachingTranslator(other, cache).translate(["Deux."], "fr", "en")
    CachingTranslator(other, cache).translate(["Deux."], "fr", "ko")
    assert other.seen == ["Deux.", "Deux."]


class TermTakingTranslator(CountingTranslator):
    """Told glossary terms, like an LLM route: writes each required form over the found one."""

    takes_terms = True

    def __init__(self) -> None:
        super().__init__()
        self.told: list[Sequence[tuple[str, str]]] = []

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("llm", "remote", "openai@http://127.0.0.1:8000", prompt="translate-sentences@2")]

    def translate_terms(
        self, texts: Sequence[str], src: str, tgt: str, terms: Sequence[Sequence[tuple[str, str]]]
    ) -> list[Translation]:
        self.told.extend(terms)
        out = []
        for translation, pairs in zip(self.translate(texts, src, tgt), terms, strict=True):
            text = translation.text
            for found, required in pairs:
                text = text.replace(found.upper(), required)
            out.append(Translation(text, translation.score))
        return out


def test_cache_passes_terms_on_and_keys_by_them(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path / "cache.sqlite3")
    inner = TermTakingTranslator()
    cached = CachingTranslator(inner, cache)
    assert cached.takes_terms
    terms = [[("Séoul", "서울")], []]
    assert [t.text for t in cached.translate_terms(["À Séoul.", "Fin."], "fr", "ko", terms)] == [
        "À 서울.",
        "FIN.",
    ]
    assert inner.told == terms
    # The same sentence told other terms, or none, is another entry; told the same, a hit.
    assert [t.text for t in cached.translate(["À Séoul."], "fr", "ko")] == ["À SÉOUL."]
    cached.translate_terms(["À Séoul."], "fr", "ko", [[("Séoul", "서울")]])
    assert inner.seen == ["À Séoul.", "Fin.", "À Séoul."] and cache.hits == 1
    # A translator that is not told terms (a seq2seq route) translates as usual, keyed as before.
    plain = CachingTranslator(CountingTranslator(), cache)
    assert not plain.takes_terms
    assert [t.text for t in plain.translate_terms(["À Séoul."], "fr", "ko", [[("Séoul", "서울")]])] == [
        "À SÉOUL."
    ]
    key = TranslationCache.key(plain.models, "fr", "ko", "À Séoul.")
    assert cache.get_many([key])[key].text == "À SÉOUL."


def test_directory_pattern_chooses_the_files_and_never_readme_or_hidden_ones(tmp_path: Path) -> None:
    for name in ("a.txt", "2025/b.txt", "c.md", "README.md", "README.txt", "docs/readme.txt", ".x.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("Bonjour.", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "d.txt").write_text("Bonjour.", encoding="utf-8")
    assert [r.id for r in read_records(tmp_path)] == ["2025/b.txt", "a.txt"]
    assert count_records(tmp_path) == 2
    assert [r.id for r in read_records(tmp_path, "*.md")] == ["c.md"]
    assert count_records(tmp_path, "*") == 3


def test_directory_pattern_that_matches_nothing_is_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "README.md").write_text("# About this archive", encoding="utf-8")
    (archive / "notes.md").write_text("Notes.", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("Bonjour.", encoding="utf-8")
    with pytest.raises(MtsError, match=r"no file in .*archive matches '\*\.txt' .*--glob"):
        count_records(archive)
    with pytest.raises(MtsError, match="no file"):  # nothing outside the directory either
        list(read_records(archive, "../*.txt"))
    for pattern in ("", "/abs/*.txt"):
        with pytest.raises(MtsError, match="--glob"):
            count_records(archive, pattern)
