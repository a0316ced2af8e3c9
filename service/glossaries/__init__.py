"""Stored glossaries: named glossaries uploaded once (HTTP ``/v1/glossaries`` or ``mts glossary
add``), kept in an SQLite database (:class:`GlossaryStore`), owned by an API key's id and referenced
by ``glossary_id`` on every entry point; compiled once per process and cached
(:class:`CompiledGlossaries`)."""

from __future__ import annotations

import sqlite3

from service.config import Settings
from service.errors import ConfigurationError
from service.glossaries.store import (
    CompiledGlossaries,
    GlossaryNotFoundError,
    GlossaryStore,
    StoredGlossary,
    TooManyGlossariesError,
)
from service.text.glossary import GlossaryTooLargeError

__all__ = [
    "CompiledGlossaries",
    "GlossaryNotFoundError",
    "GlossaryStore",
    "GlossaryTooLargeError",
    "StoredGlossary",
    "TooManyGlossariesError",
    "open_store",
]


def open_store(settings: Settings) -> GlossaryStore:
    """The store at MTS_GLOSSARIES_PATH; ConfigurationError (one line) when it cannot be used."""
    try:
        return GlossaryStore(settings.glossaries_path)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigurationError(
            f"cannot use MTS_GLOSSARIES_PATH {str(settings.glossaries_path)!r}: {exc}"
        ) from None
