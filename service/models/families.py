"""Seq2seq translation families: how each is told which languages to translate between, and how a
saved model's family is recognised."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from service.errors import BrokenModelError, MtsError

Family = Literal["marian", "m2m100", "nllb"]


@dataclass(frozen=True)
class FamilySpec:
    """How a seq2seq family is told which languages to translate between.

    Marian models are single-pair and take no language tokens. M2M100 and NLLB set the source
    language on the tokenizer and force the target language token as the first decoder token.
    """

    name: Family
    lang_codes: dict[str, str] = field(default_factory=dict)
    lang_token: str | None = None

    def language_token(self, lang: str) -> str | None:
        """The decoder token that selects ``lang`` as target, or None for families without one."""
        if self.lang_token is None:
            return None
        return self.lang_token.format(self.code(lang))

    def code(self, lang: str) -> str:
        """The family's own code for an ISO 639-1 language code."""
        try:
            return self.lang_codes[lang]
        except KeyError:
            raise MtsError(f"model family {self.name} has no code for language {lang!r}") from None


FAMILIES: dict[Family, FamilySpec] = {
    "marian": FamilySpec("marian"),
    "m2m100": FamilySpec("m2m100", {"fr": "fr", "en": "en", "ko": "ko"}, "__{}__"),
    "nllb": FamilySpec("nllb", {"fr": "fra_Latn", "en": "eng_Latn", "ko": "kor_Hang"}, "{}"),
}


def detect_family(path: Path) -> Family:
    """The seq2seq family of a saved model, from its config and tokenizer config."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BrokenModelError(f"{path}: unreadable config.json ({exc})") from None
    model_type = config.get("model_type")
    if model_type == "marian":
        return "marian"
    if model_type == "m2m_100":
        try:
            tok_config = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tok_config = {}
        return "nllb" if "nllb" in str(tok_config.get("tokenizer_class", "")).lower() else "m2m100"
    raise BrokenModelError(
        f"{path}: model type {model_type!r} is not a supported translation family (marian, m2m_100/nllb)"
    )
