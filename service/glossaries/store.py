"""The glossary store: one SQLite database (WAL mode, so several serving processes and the CLI share
it) holding named glossaries, each owned by an API key's id.

A glossary's row holds its id (random, URL-safe), owner, name, creation time, entry count and counts
per language and kind; its entries are rows of a child table in upload order, so a page of them is
read without loading the rest. A glossary is never changed after it is created: to edit one, upload
the new version and delete the old one. That makes (id, created) a safe key for compiled glossaries
(:class:`CompiledGlossaries`).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.errors import MtsError
from service.text.glossary import KINDS, LANGS, Glossary, GlossaryEntry, GlossaryTooLargeError

MAX_NAME_CHARS = 200
"""Characters in a glossary's name."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS glossaries (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    entries INTEGER NOT NULL,
    counts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS glossaries_owner ON glossaries (owner, created);
CREATE TABLE IF NOT EXISTS glossary_entries (
    glossary TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    fr TEXT NOT NULL,
    en TEXT NOT NULL,
    ko TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (glossary, position)
) WITHOUT ROWID;
"""


def new_id() -> str:
    """A random glossary id (96 bits, URL-safe) that never starts with "-", so that the command
    line never takes it for an option (`mts glossary rm ID`, `--glossary-id ID`)."""
    while (found := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return found


class GlossaryNotFoundError(MtsError):
    """No glossary with this id for this API key (404 ``glossary_not_found``: whether it exists for
    another key is not revealed)."""


class TooManyGlossariesError(MtsError):
    """The key already holds as many glossaries as it may (429 ``too_many_glossaries``)."""


@dataclass(frozen=True)
class StoredGlossary:
    """A stored glossary's metadata (its entries are read separately)."""

    id: str
    owner: str
    name: str
    created: float
    entries: int
    counts: Mapping[str, int]  # entries with a form per language ("fr", "en", "ko") and per kind


def counts_of(entries: Sequence[GlossaryEntry]) -> dict[str, int]:
    """Entries that have a form in each language, then entries of each kind present."""
    counts = {lang: sum(1 for entry in entries if entry.forms(lang)) for lang in LANGS}
    for kind in sorted(KINDS):
        found = sum(1 for entry in entries if entry.kind == kind)
        if found:
            counts[kind] = found
    return counts


def check_name(name: object) -> str:
    """A glossary's name, stripped: a non-empty string of at most :data:`MAX_NAME_CHARS`."""
    if not isinstance(name, str) or not name.strip():
        raise MtsError("a glossary needs a name (a non-empty string)")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_CHARS:
        raise MtsError(f"the glossary name has {len(name)} characters (the limit is {MAX_NAME_CHARS})")
    return name


def _row(row: sqlite3.Row) -> StoredGlossary:
    return StoredGlossary(
        id=row["id"],
        owner=row["owner"],
        name=row["name"],
        created=row["created"],
        entries=row["entries"],
        counts={str(k): int(v) for k, v in json.loads(row["counts"]).items()},
    )


class GlossaryStore:
    """Glossaries in one SQLite file. Every method opens its own connection, so the store may be
    used from any thread and by every process that shares the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    def create(
        self,
        *,
        owner: str,
        name: str,
        entries: Sequence[GlossaryEntry],
        max_entries: int,
        max_glossaries: int,
        now: float | None = None,
    ) -> StoredGlossary:
        """Store a new glossary; GlossaryTooLargeError (413) over ``max_entries``, TooManyGlossariesError
        when ``owner`` already holds ``max_glossaries``, MtsError for an empty one or a bad name."""
        name = check_name(name)
        if not entries:
            raise MtsError("the glossary has no entries")
        if len(entries) > max_entries:
            raise GlossaryTooLargeError(
                f"the glossary has {len(entries)} entries (the limit is {max_entries})"
            )
        glossary_id = new_id()
        created = time.time() if now is None else now
        counts = counts_of(entries)
        rows = [
            (glossary_id, i, e.kind, "|".join(e.fr), "|".join(e.en), "|".join(e.ko), e.note)
            for i, e in enumerate(entries)
        ]
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # count and insert atomically across processes
            try:
                (held,) = db.execute("SELECT COUNT(*) FROM glossaries WHERE owner = ?", (owner,)).fetchone()
                if held >= max_glossaries:
                    raise TooManyGlossariesError(
                        f"this API key already has {held} glossaries (the limit is {max_glossaries}); "
                        "delete some (DELETE /v1/glossaries/{id} or `mts glossary rm`)"
                    )
                db.execute(
                    "INSERT INTO glossaries (id, owner, name, created, entries, counts) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (glossary_id, owner, name, created, len(entries), json.dumps(counts)),
                )
                db.executemany("INSERT INTO glossary_entries VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return StoredGlossary(glossary_id, owner, name, created, len(entries), counts)

    def get(self, glossary_id: str) -> StoredGlossary | None:
        """A glossary's metadata, or None when there is none with that id."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM glossaries WHERE id = ?", (glossary_id,)).fetchone()
        return None if row is None else _row(row)

    def owned(self, glossary_id: str, owner: str | None) -> StoredGlossary:
        """A glossary ``owner`` may use (any glossary when None); GlossaryNotFoundError otherwise,
        the same whether it does not exist or belongs to another key."""
        found = self.get(glossary_id)
        if found is None or (owner is not None and found.owner != owner):
            whose = "" if owner is None else " for this API key"
            raise GlossaryNotFoundError(f"no glossary with id {glossary_id!r}{whose}")
        return found

    def list_glossaries(self, owner: str | None = None) -> list[StoredGlossary]:
        """The glossaries of ``owner`` (every glossary when None), oldest first."""
        with self._connect() as db:
            if owner is None:
                rows = db.execute("SELECT * FROM glossaries ORDER BY created, id").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM glossaries WHERE owner = ? ORDER BY created, id", (owner,)
                ).fetchall()
        return [_row(row) for row in rows]

    def entries(self, glossary_id: str, offset: int = 0, limit: int | None = None) -> list[GlossaryEntry]:
        """A glossary's entries in upload order, from ``offset``, at most ``limit`` (all when None)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT kind, fr, en, ko, note FROM glossary_entries WHERE glossary = ? "
                "ORDER BY position LIMIT ? OFFSET ?",
                (glossary_id, -1 if limit is None else limit, offset),
            ).fetchall()
        return [
            GlossaryEntry(
                kind=kind,
                fr=tuple(fr.split("|")),
                en=tuple(en.split("|")) if en else (),
                ko=tuple(ko.split("|")) if ko else (),
                note=note,
            )
            for kind, fr, en, ko, note in rows
        ]

    def delete(self, glossary_id: str) -> bool:
        """Remove a glossary and its entries; False when there was none."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            deleted = db.execute("DELETE FROM glossaries WHERE id = ?", (glossary_id,)).rowcount
            db.execute("DELETE FROM glossary_entries WHERE glossary = ?", (glossary_id,))
            db.execute("COMMIT")
        return deleted > 0


class CompiledGlossaries:
    """The most recently used stored glossaries, compiled, keyed by (id, created): a repeated request
    does not read or compile its glossary again. A glossary is never changed once stored, and the
    caller looks its row up first, so a glossary deleted by another process is never used."""

    def __init__(self, store: GlossaryStore, size: int = 8) -> None:
        self.store = store
        self.size = size
        self._compiled: OrderedDict[tuple[str, float], Glossary] = OrderedDict()
        self._lock = threading.Lock()

    def glossary(self, stored: StoredGlossary) -> Glossary:
        """The compiled glossary of ``stored`` (read and compiled now unless cached). Blocking:
        call it from a work thread."""
        key = (stored.id, stored.created)
        with self._lock:
            found = self._compiled.get(key)
            if found is not None:
                self._compiled.move_to_end(key)
                return found
        glossary = Glossary(self.store.entries(stored.id))
        glossary.prepare()
        with self._lock:
            self._compiled[key] = glossary
            while len(self._compiled) > self.size:
                self._compiled.popitem(last=False)
        return glossary

    def discard(self, glossary_id: str) -> None:
        """Forget a deleted glossary."""
        with self._lock:
            for key in [key for key in self._compiled if key[0] == glossary_id]:
                del self._compiled[key]
