"""The model catalog: the models the service knows by name, with their licences and families.

Every model reference is a catalog name, a hub id (optionally pinned ``id@revision``) or a local
directory; :mod:`service.models.store` resolves and downloads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Task = Literal["translation", "summarization", "instruct"]


@dataclass(frozen=True)
class CatalogEntry:
    """One model the service knows by name."""

    name: str
    hub_id: str
    family: str
    pairs: tuple[tuple[str, str], ...]
    licence: str
    commercial_use: bool
    download_mb: int
    note: str
    revision: str | None = None
    task: Task = "translation"

    @property
    def licence_label(self) -> str:
        """Licence, with a warning where commercial use is not allowed."""
        return self.licence if self.commercial_use else f"{self.licence} (NON-COMMERCIAL use only)"


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        name="opus-mt-fr-en",
        hub_id="Helsinki-NLP/opus-mt-fr-en",
        family="marian",
        pairs=(("fr", "en"),),
        licence="CC-BY-4.0",
        commercial_use=True,
        download_mb=301,
        note="default fr→en; FLORES devtest BLEU 41.7 / chrF 66.9",
    ),
    CatalogEntry(
        name="opus-mt-tc-big-fr-en",
        hub_id="Helsinki-NLP/opus-mt-tc-big-fr-en",
        family="marian",
        pairs=(("fr", "en"),),
        licence="CC-BY-4.0",
        commercial_use=True,
        download_mb=934,
        note="stronger, slower fr→en option",
    ),
    CatalogEntry(
        name="m2m100_418M",
        hub_id="facebook/m2m100_418M",
        family="m2m100",
        pairs=(("fr", "ko"), ("fr", "en"), ("en", "ko")),
        licence="MIT",
        commercial_use=True,
        download_mb=1935,
        note="default fr→ko (direct)",
    ),
    CatalogEntry(
        name="nllb-200-distilled-600M",
        hub_id="facebook/nllb-200-distilled-600M",
        family="nllb",
        pairs=(("fr", "ko"), ("fr", "en"), ("en", "ko")),
        licence="CC-BY-NC-4.0",
        commercial_use=False,
        download_mb=2460,
        note="fr→ko option; non-commercial licence",
    ),
    CatalogEntry(
        name="distilbart-cnn-12-6",
        hub_id="sshleifer/distilbart-cnn-12-6",
        family="bart",
        pairs=(),
        licence="Apache-2.0",
        commercial_use=True,
        download_mb=1222,
        note="summarizer option: seq2seq:distilbart-cnn-12-6 (English news summaries)",
        task="summarization",
    ),
    CatalogEntry(
        name="qwen2.5-1.5b-instruct",
        hub_id="Qwen/Qwen2.5-1.5B-Instruct",
        family="qwen2",
        pairs=(),
        licence="Apache-2.0",
        commercial_use=True,
        download_mb=3087,
        note="summarizer option: instruct:qwen2.5-1.5b-instruct (bullets in fr, en, ko)",
        task="instruct",
    ),
)


def catalog_entry(name_or_id: str) -> CatalogEntry | None:
    """The catalog entry named ``name_or_id`` (short name or hub id, case-insensitive), if any."""
    key = name_or_id.lower()
    for entry in CATALOG:
        if key in (entry.name.lower(), entry.hub_id.lower()):
            return entry
    return None
