"""An on-disk translation cache: repeated sentences across an archive are translated once.

Keyed by model id, revision and backend (every model in the chain), language pair, the decoding
rules of the target language (``DECODING``) and the normalized sentence, so a model, backend or
decoding change never serves stale translations. SQLite in WAL
mode lets several worker processes share one cache file.

The cache is an optimisation, never a source of failure: a cache file that cannot be opened,
read or written (corrupted, on a full disk, not writable) is reported once through
``on_unusable`` and the cache turns itself off; every lookup is then a miss and nothing is stored,
so the work goes on at model speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from service.models.info import ModelInfo
from service.translation.base import (
    Aligner,
    Alignment,
    NBestTranslator,
    TermTranslator,
    Translation,
    Translator,
)

# Decoding rules that change what the same model writes, by target language: a translation cached
# before one of them was introduced is not served after it. Korean output keeps to the Korean
# output tokens (:func:`service.translation.seq2seq.korean_output_tokens`).
DECODING = {"ko": "korean-output-tokens"}


def normalize(text: str) -> str:
    """The cache's view of a sentence: Unicode NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


class TranslationCache:
    """A persistent map (models, pair, sentence) → translation, safe across threads and processes."""

    def __init__(self, path: Path, on_unusable: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._local = threading.local()
        self.hits = 0
        self.misses = 0
        self.on_unusable = on_unusable
        #: Why the cache turned itself off (None while it works).
        self.problem: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connection() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS translations ("
                    " key TEXT PRIMARY KEY, text TEXT NOT NULL, score REAL, looped INTEGER NOT NULL)"
                )
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)

    @property
    def usable(self) -> bool:
        """Whether the cache still serves lookups and stores translations."""
        return self.problem is None

    def _disable(self, exc: BaseException) -> None:
        """Turn the cache off for good, reporting why once."""
        if self.problem is not None:
            return
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
        self.problem = (
            f"translation cache {self.path} unusable ({reason}); continuing without it — "
            "delete it or set MTS_CACHE_PATH"
        )
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            self._local.db = None
            with contextlib.suppress(sqlite3.Error):
                db.close()
        if self.on_unusable is not None:
            self.on_unusable(self.problem)

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error:
                db.close()
                raise
            self._local.db = db
        return db

    @staticmethod
    def key(
        models: Sequence[ModelInfo], src: str, tgt: str, sentence: str, terms: Sequence[tuple[str, str]] = ()
    ) -> str:
        """The cache key of one sentence (with the glossary terms an LLM was told, which change what
        it writes, and the prompt it was given)."""
        chain = "|".join(
            f"{m.id}@{m.revision}"
            + (f"/{m.backend}" if m.backend else "")
            + (f"#{m.prompt}" if m.prompt else "")
            for m in models
        )
        target = f"{tgt}/{DECODING[tgt]}" if tgt in DECODING else tgt
        told = "".join(f"\n{found}\t{required}" for found, required in terms)
        return hashlib.sha256(f"{chain}\n{src}\n{target}\n{normalize(sentence)}{told}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """The cached translations among ``keys`` (none once the cache is unusable)."""
        if self.problem is not None:
            return {}
        found: dict[str, Translation] = {}
        unique = list(dict.fromkeys(keys))
        try:
            db = self._connection()
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, text, score, looped FROM translations WHERE key IN ({marks})", chunk
                )
                for key, text, score, looped in rows:
                    found[key] = Translation(text, score, looped=bool(looped))
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)
            return {}
        return found

    def put_many(self, items: Sequence[tuple[str, Translation]]) -> None:
        """Store translations (a looping output is stored too: retrying it gives the same loop).

        Does nothing once the cache is unusable; a failing write makes it unusable."""
        if self.problem is not None:
            return
        try:
            db = self._connection()
            db.executemany(
                "INSERT OR REPLACE INTO translations (key, text, score, looped) VALUES (?, ?, ?, ?)",
                [(k, t.text, t.score, int(t.looped)) for k, t in items],
            )
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)

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

    @property
    def takes_terms(self) -> bool:
        """Whether the wrapped translator is told glossary terms (see TermTranslator)."""
        return isinstance(self.inner, TermTranslator) and self.inner.takes_terms

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Cached translations where available; the rest translated in one call and stored."""
        return self._cached(texts, src, tgt, None)

    def translate_terms(
        self, texts: Sequence[str], src: str, tgt: str, terms: Sequence[Sequence[tuple[str, str]]]
    ) -> list[Translation]:
        """:meth:`translate`, the glossary terms passed on to a wrapped translator that takes them
        (and kept in the cache key: they change what it writes)."""
        if not self.takes_terms:
            return self.translate(texts, src, tgt)
        return self._cached(texts, src, tgt, terms)

    def _cached(
        self, texts: Sequence[str], src: str, tgt: str, terms: Sequence[Sequence[tuple[str, str]]] | None
    ) -> list[Translation]:
        told = terms if terms is not None else [() for _ in texts]
        if not self.cache.usable:
            return self._inner(texts, src, tgt, terms)
        keys = [
            TranslationCache.key(self.models, src, tgt, t, sentence_terms) if t.strip() else ""
            for t, sentence_terms in zip(texts, told, strict=True)
        ]
        found = self.cache.get_many([k for k in keys if k])
        missing = list(dict.fromkeys(k for k in keys if k and k not in found))
        first_text: dict[str, str] = {}
        first_terms: dict[str, Sequence[tuple[str, str]]] = {}
        for key, text, sentence_terms in zip(keys, texts, told, strict=True):
            if key in missing:
                first_text.setdefault(key, text)
                first_terms.setdefault(key, sentence_terms)
        if self.cache.usable:
            self.cache.hits += sum(1 for k in keys if k and k in found)
            self.cache.misses += sum(1 for k in keys if k and k not in found)
        if missing:
            fresh = self._inner(
                [first_text[k] for k in missing],
                src,
                tgt,
                None if terms is None else [first_terms[k] for k in missing],
            )
            pairs = list(zip(missing, fresh, strict=True))
            self.cache.put_many(pairs)
            found.update(pairs)
        return [found[k] if k else Translation("", None) for k in keys]

    def _inner(
        self, texts: Sequence[str], src: str, tgt: str, terms: Sequence[Sequence[tuple[str, str]]] | None
    ) -> list[Translation]:
        if terms is not None and isinstance(self.inner, TermTranslator):
            return self.inner.translate_terms(texts, src, tgt, terms)
        return self.inner.translate(texts, src, tgt)

    def translate_n(self, texts: Sequence[str], src: str, tgt: str, n: int) -> list[list[Translation]]:
        """Alternatives from the wrapped translator (not cached: they are asked for rarely); the
        single translation where it has none."""
        if isinstance(self.inner, NBestTranslator):
            return self.inner.translate_n(texts, src, tgt, n)
        return [[t] for t in self.translate(texts, src, tgt)]

    def align(self, pairs: Sequence[tuple[str, str]], src: str, tgt: str) -> list[Alignment]:
        """Alignments from the wrapped translator (not cached: forced decoding of the given
        translation costs about one model pass); empty where it cannot align."""
        if isinstance(self.inner, Aligner):
            return self.inner.align(pairs, src, tgt)
        return [() for _ in pairs]
