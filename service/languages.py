"""The languages the service knows: codes, names, and which are sources and targets.

The one table of languages. Modules that handle text in a language (numbers, glossary, ROUGE
tokenization) check codes against :data:`CODES`; the runtime's language plan decides which pairs
are translated and how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args


@dataclass(frozen=True)
class Language:
    """One language: ISO 639-1 code, English name and the name in the language itself."""

    code: str
    name: str
    native: str


LANGUAGES: dict[str, Language] = {
    "fr": Language("fr", "French", "Français"),
    "en": Language("en", "English", "English"),
    "ko": Language("ko", "Korean", "한국어"),
}
#: Every language code the service reads or writes.
CODES: tuple[str, ...] = tuple(LANGUAGES)
#: The language of the dispatches.
SOURCE = "fr"
#: The languages dispatches are translated into (and summarized in, besides French).
TARGETS: tuple[str, ...] = ("en", "ko")
#: The translation routes, each with its own model setting (MTS_MODEL_FR_EN…); en→ko is the
#: second step of a pivot from French.
ROUTES: tuple[tuple[str, str], ...] = (("fr", "en"), ("fr", "ko"), ("en", "ko"))
#: The registers Korean output is written in: ``news`` (한다체, "~했다", as Korean news is written)
#: and ``polite`` (합니다체, "~했습니다").
KoreanStyle = Literal["news", "polite"]
KOREAN_STYLES: tuple[str, ...] = get_args(KoreanStyle)


def display_name(code: str) -> str:
    """How a heading names the language: its own name, with the English one when they differ."""
    language = LANGUAGES.get(code)
    if language is None:
        return code
    if language.native == language.name:
        return language.name
    return f"{language.native} ({language.name})" if code != SOURCE else language.native
