"""The one settings object of the service.

Every tunable comes from here (environment variables with the ``MTS_`` prefix, or a ``.env``
file); no other module reads ``os.environ``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_models_dir() -> Path:
    return Path.home() / ".cache" / "mts" / "models"


class Settings(BaseSettings):
    """Service configuration; see the README's configuration table for each variable."""

    model_config = SettingsConfigDict(env_prefix="MTS_", env_file=".env", extra="ignore")

    model_fr_en: str = Field(
        default="opus-mt-fr-en",
        description="French→English model: catalog name, hub id (optionally id@revision) or local directory.",
    )
    model_fr_ko: str = Field(
        default="m2m100_418M",
        description="French→Korean model (direct): catalog name, hub id[@revision] or local directory.",
    )
    model_en_ko: str | None = Field(
        default=None,
        description="English→Korean model; when set, French→Korean pivots through English with it.",
    )
    models_dir: Path = Field(
        default_factory=_default_models_dir, description="Where `mts models pull` stores models."
    )
    device: Literal["auto", "cpu", "cuda"] = Field(default="auto", description="Where models run.")
    num_beams: int = Field(default=4, ge=1, le=16, description="Beam width for translation.")
    batch_tokens: int = Field(
        default=2048, ge=16, description="Token budget of one generation batch (source tokens, padded)."
    )
    summarizer: str = Field(
        default="extractive",
        description="Summarizer: extractive, seq2seq:<model> or instruct:<model>.",
    )
    bullets: int = Field(default=3, ge=3, le=5, description="Bullets per summary language (3 to 5).")
    auto_pull: bool = Field(
        default=True,
        description="Download a missing catalog/hub model on first use when the hub is reachable.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
