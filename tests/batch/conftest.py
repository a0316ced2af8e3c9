"""Fixtures of the batch job tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Settings


@pytest.fixture
def settings(tiny_marian_fast: Path, tmp_path: Path) -> Settings:
    """Settings over the fast tiny model, with the cache in a folder of its own."""
    return Settings(
        model_fr_en=str(tiny_marian_fast),
        num_beams=1,
        device="cpu",
        cache_path=tmp_path / "cache" / "cache.sqlite3",
        models_dir=tmp_path / "models",
    )
