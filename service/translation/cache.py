"""An on-disk translation cache: repeated sentences across an archive are translated once.

Keyed by model id, revision and backend (every model in the chain), language pair and the
normalized sentence, so a model or backend change never serves stale translations. SQLite in WAL
mode lets several worker processes share one cache file.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from service.models.info import ModelInfo
from service.translation.base import Translation, Translator


def normalize(text: str) -> str:
    """The cache's view of a sentence: Unicode NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


class TranslationCache:
    """A persistent map (models, pair, sentence) → translation, safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self.hits = 0
        self.misses = 0
        with self._connection() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS translations ("
                " key TEXT PRIMARY KEY, text TEXT NOT NULL, score REAL, looped INTEGER NOT NULL)"
            )

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @staticmethod
    def key(models: Sequence[ModelInfo], src: str, tgt: str, sentence: str) -> str:
        """The cache key of one sentence."""
        chain = "|".join(f"{m.id}@{m.revision}" + (f"/{m.backend}" if m.backend else "") for m in models)
        return hashlib.sha256(f"{chain}\n{src}\n{tgt}\n{normalize(sentence)}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """The cached translations among ``keys``."""
        found: dict[str, Translation] = {}
        db = self._connection()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                f"SELECT key, text, score, looped FROM translations WHERE key IN ({marks})", chunk
            )
            for key, text, score, looped in rows:
                found[key] = Translation(text, score, looped=bool(looped))
        return found

    def put_many(self, items: Sequence[tuple[str, Translation]]) -> None:
        """Store translations (a looping output is stored too: retrying it gives the same loop)."""
        db = self._connection()
        db.executemany(
            "INSERT OR REPLACE INTO translations (key, text, score, looped) VALUES (?, ?, ?, ?)",
            [(k, t.text, t.score, int(t.looped)) for k, t in items],
        )

    @property
    def hit_rate(self) -> float | None:
        """Share of sentences served from the cache so far (None before any lookup)."""
        total = self.hits + self.misses
        return self.hits / total if total else None


class CachingTranslator:
    """Serves repeated sentences from a :class:`TranslationCache`, translating only the misses."""

    def __init__(self, inner: Translator, cache: TranslationCache) -> None:
        self.inner = inner
        self.cache = cache

    @property
    def models(self) -> list[ModelInfo]:
        """The wrapped translator's models."""
        return self.inner.models

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Cached translations where available; the rest translated in one call and stored."""
        keys = [TranslationCache.key(self.models, src, tgt, t) if t.strip() else "" for t in texts]
        found = self.cache.get_many([k for k in keys if k])
        missing = list(dict.fromkeys(k for k in keys if k and k not in found))
        first_text: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key in missing:
                first_text.setdefault(key, text)
        self.cache.hits += sum(1 for k in keys if k and k in found)
        self.cache.misses += sum(1 for k in keys if k and k not in found)
        if missing:
            fresh = self.inner.translate([first_text[k] for k in missing], src, tgt)
            pairs = list(zip(missing, fresh, strict=True))
            self.cache.put_many(pairs)
            found.update(pairs)
        return [found[k] if k else Translation("", None) for k in keys]
