"""Errors a user can act on.

Every entry point turns an :class:`MtsError` into one clear line (CLI: stderr and exit code 2;
later the API: a 4xx/5xx body) instead of a traceback.
"""

from __future__ import annotations


class MtsError(Exception):
    """An error whose message tells the user what went wrong and how to fix it."""

    exit_code = 2


class ModelNotAvailableError(MtsError):
    """A configured model is neither on disk nor downloadable right now."""


class BrokenModelError(MtsError):
    """A model is present but its export is unusable (e.g. a vocabulary that does not cover its tokenizer)."""


class UnsupportedLanguagePairError(MtsError):
    """No configured model translates this language pair."""


class ConfigurationError(MtsError):
    """A setting has a value the service cannot use."""
