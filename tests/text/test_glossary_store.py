"""The glossary store (SQLite) and the parsing of uploaded glossary text (TSV, CSV, JSON)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from service.errors import MtsError
from service.glossaries import (
    CompiledGlossaries,
    GlossaryNotFoundError,
    GlossaryStore,
    GlossaryTooLargeError,
    TooManyGlossariesError,
)
from service.text.glossary import GlossaryEntry, GlossaryError, format_entries, parse_entries

TSV = (
    "kind\tfr\ten\tko\tnote\nperson\tKim Min-seok\tKim Min-seok\t김민석\tPM\nplace\tBusan|Pusan\tBusan\t\t\n"
)
ENTRIES = parse_entries(TSV, "tsv")


def open_store(tmp_path: Path) -> GlossaryStore:
    return GlossaryStore(tmp_path / "sub" / "glossaries.sqlite3")


def add(store: GlossaryStore, owner: str = "a", entries: list[GlossaryEntry] = ENTRIES, **limits: int) -> str:
    stored = store.create(
        owner=owner,
        name="noms",
        entries=entries,
        max_entries=limits.get("max_entries", 100_000),
        max_glossaries=limits.get("max_glossaries", 100),
    )
    return stored.id


def test_create_get_list_entries_delete(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    first = add(store)
    second = add(store, owner="b")
    third = add(store)
    got = store.get(first)
    assert got is not None and got.owner == "a" and got.name == "noms" and got.entries == 2
    assert dict(got.counts) == {"fr": 2, "en": 2, "ko": 1, "person": 1, "place": 1}
    assert store.entries(first) == ENTRIES
    assert store.entries(first, offset=1, limit=5) == ENTRIES[1:]
    assert [g.id for g in store.list_glossaries("a")] == [first, third]
    assert [g.id for g in store.list_glossaries()] == [first, second, third]
    assert store.delete(first) and not store.delete(first)
    assert store.get(first) is None and store.entries(first) == []
    assert [g.id for g in store.list_glossaries()] == [second, third]


def test_ownership_is_a_not_found_either_way(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    mine = add(store, owner="a")
    assert store.owned(mine, "a").id == mine
    assert store.owned(mine, None).id == mine  # an admin
    for glossary_id, owner in [(mine, "b"), ("missing", "a")]:
        with pytest.raises(GlossaryNotFoundError, match="no glossary with id"):
            store.owned(glossary_id, owner)


def test_bounds(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with pytest.raises(GlossaryTooLargeError, match="the limit is 1"):
        add(store, max_entries=1)
    add(store, max_glossaries=2)
    add(store, max_glossaries=2)
    with pytest.raises(TooManyGlossariesError, match="already has 2 glossaries"):
        add(store, max_glossaries=2)
    add(store, owner="b", max_glossaries=2)  # the bound is per key
    with pytest.raises(MtsError, match="no entries"):
        add(store, entries=[])
    with pytest.raises(MtsError, match="name"):
        store.create(owner="a", name=" ", entries=ENTRIES, max_entries=10, max_glossaries=10)


def test_reopening_keeps_glossaries(tmp_path: Path) -> None:
    glossary_id = add(open_store(tmp_path))
    reopened = open_store(tmp_path)
    assert reopened.entries(glossary_id) == ENTRIES
    assert (tmp_path / "sub" / "glossaries.sqlite3").exists()


@pytest.mark.slow
def test_fifty_thousand_entries_store_and_compile_once(tmp_path: Path) -> None:
    text = "kind\tfr\ten\tko\n" + "".join(f"term\tmot{i} rare\tword{i}\t단어{i}\n" for i in range(50_000))
    entries = parse_entries(text, "tsv", max_entries=100_000)
    store = open_store(tmp_path)
    stored = store.create(owner="a", name="big", entries=entries, max_entries=100_000, max_glossaries=1)
    assert stored.entries == 50_000
    compiled = CompiledGlossaries(store)
    glossary = compiled.glossary(stored)
    assert compiled.glossary(stored) is glossary
    found = glossary.find("Le mot4321 rare est là.", "fr")
    assert [m.entry.en for m in found] == [("word4321",)]
    compiled.discard(stored.id)
    assert compiled.glossary(stored) is not glossary


def test_compiled_glossaries_are_bounded_and_shared_between_threads(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    compiled = CompiledGlossaries(store, size=2)
    ids = [add(store) for _ in range(3)]
    stored = [store.owned(i, "a") for i in ids]
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(compiled.glossary(stored[0]))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    compiled.glossary(stored[1])
    compiled.glossary(stored[2])
    assert [key[0] for key in compiled._compiled] == ids[1:]


@pytest.mark.parametrize("fmt", ["tsv", "csv", "json"])
def test_formats_round_trip(fmt: str) -> None:
    entries = [*ENTRIES, GlossaryEntry("term", ('dit "oui", puis',), ("said yes",), (), "a, b")]
    assert parse_entries(format_entries(entries, fmt), fmt) == entries


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("kind\tfr\ten\tko\nterm\tA\tB\tC\n\nalien\tA\tB\tC\n", "tsv", r"up:4: unknown kind 'alien'"),
        ("kind\tfr\ten\n", "tsv", r"up:1: missing column 'ko'"),
        ('kind,fr,en,ko\nterm,"two\nlines",B,C\nterm,,B,C\n', "csv", r"up:4: no fr form"),
        ('kind,fr,en,ko\nterm,"open,B,C\n', "csv", r"up:\d+: invalid CSV"),
        ("kind,fr,en,ko\nterm,A,B,C,D,E\n", "csv", r"up:2: expected 4 comma-separated columns, found 6"),
        ('[{"fr": "A"}, {"fr": "B", "kind": 3}]', "json", r"up item 1: unknown kind 3"),
        ('{"fr": "A"}', "json", r"up: expected a list of entries"),
        ('[{"fr": "A"},', "json", r"up:1: invalid JSON"),
        ("[]", "yaml", r"unknown glossary format 'yaml'"),
    ],
)
def test_parse_errors_name_the_line_or_item(text: str, fmt: str, message: str) -> None:
    with pytest.raises(GlossaryError, match=message):
        parse_entries(text, fmt, where="up")


def test_parse_refuses_more_entries_than_allowed() -> None:
    with pytest.raises(GlossaryTooLargeError, match=r"up:4: more than 2 entries"):
        parse_entries("kind\tfr\ten\tko\n" + "term\ta\tb\tc\n" * 3, "tsv", where="up", max_entries=2)
    with pytest.raises(GlossaryTooLargeError, match="3 entries"):
        parse_entries('[{"fr": "a"}, {"fr": "b"}, {"fr": "c"}]', "json", where="up", max_entries=2)


def test_an_id_never_starts_with_a_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line would take "-lAq…" for an option (`mts glossary rm ID`)."""
    import secrets

    drawn = iter(["-lAqSUZ5Z2dLAUqx", "-x", "kE3vQ9_a0bCdEfGh"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(drawn))
    assert add(open_store(tmp_path)) == "kE3vQ9_a0bCdEfGh"
