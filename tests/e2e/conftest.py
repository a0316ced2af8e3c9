"""What the browser tests share: Debian's Chromium through Playwright, and `mts serve` on tiny models."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from api_helpers import running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(tiny_marian: Path, tiny_m2m100: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`mts serve` on a free loopback port over tiny models, once /readyz says ready."""
    with running_server(
        tmp_path_factory.mktemp("server"),
        MTS_MODEL_FR_EN=str(tiny_marian),
        MTS_MODEL_FR_KO=str(tiny_m2m100),
        MTS_MODELS_DIR=str(tmp_path_factory.mktemp("models")),
        MTS_SUMMARIZER="extractive",
        MTS_NUM_BEAMS="1",
        MTS_DEVICE="cpu",
    ) as base:
        yield base
