"""The Korean style option through the runtime's pipeline: translations and bullets, both styles,
the configured default, and a clear error for an unknown style."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_helpers import PHRASES, PoliteKorean

from service.config import Settings
from service.errors import MtsError
from service.pipeline import DispatchRequest
from service.runtime import Runtime
from service.runtime.registry import Loaders

TEXT = " ".join(PHRASES)


@pytest.fixture
def runtime_for(tiny_marian: Path, tiny_m2m100: Path) -> Iterator[Any]:
    """A runtime whose engine writes polite Korean (the tiny models' folders stand for the
    configured models)."""
    made: list[Runtime] = []

    def build(**overrides: Any) -> Runtime:
        models = {"model_fr_en": str(tiny_marian), "model_fr_ko": str(tiny_m2m100)}
        settings = Settings(**(models | {"summarizer": "extractive"} | overrides))
        runtime = Runtime(settings, loaders=Loaders(translator=lambda spec, s: PoliteKorean()))
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.close()


def test_news_is_the_default_and_polite_keeps_the_register(runtime_for: Any) -> None:
    pipeline = runtime_for().pipeline
    [(news, _)] = pipeline.translate([TEXT], "fr", "ko")
    assert news.translation == "장관은 화요일 서울에 도착했다. 그는 3만4천300명을 만났다. 회의는 중요하다."
    [(polite, _)] = pipeline.translate([TEXT], "fr", "ko", style="polite")
    assert polite.translation == " ".join(PHRASES.values())
    [(english, _)] = pipeline.translate([TEXT], "fr", "en", style="polite")
    assert english.translation.startswith("[en] ")


def test_the_configured_style_is_the_default(runtime_for: Any) -> None:
    pipeline = runtime_for(korean_style="polite").pipeline
    [(polite, _)] = pipeline.translate([TEXT], "fr", "ko")
    assert polite.translation == " ".join(PHRASES.values())
    [(news, _)] = pipeline.translate([TEXT], "fr", "ko", style="news")
    assert news.translation.endswith("중요하다.")


def test_dispatch_translations_and_korean_bullets_follow_the_style(runtime_for: Any) -> None:
    pipeline = runtime_for().pipeline
    result = pipeline.process(DispatchRequest(TEXT, langs=("ko",), bullets=3, style="news"))
    assert result.translations["ko"].translation.endswith("중요하다.")
    assert result.summaries["ko"]
    for bullet in result.summaries["ko"]:
        assert not bullet.text.endswith("니다."), bullet.text
    polite = pipeline.process(DispatchRequest(TEXT, langs=("ko",), bullets=3, style="polite"))
    assert all(b.text.endswith("니다.") for b in polite.summaries["ko"])


def test_an_unknown_style_is_a_clear_error_before_anything_runs(runtime_for: Any) -> None:
    pipeline = runtime_for().pipeline
    with pytest.raises(MtsError, match="unknown style 'formal'; the styles are: news, polite"):
        pipeline.translate([TEXT], "fr", "ko", style="formal")
    with pytest.raises(ValueError, match="korean_style"):
        Settings(korean_style="formal")  # type: ignore[arg-type]
