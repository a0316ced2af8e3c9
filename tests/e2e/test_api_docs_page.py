"""The API documentation in a real browser with no internet: headless Chromium against `mts serve`
on loopback, every request to another host refused. Swagger UI (/docs) and ReDoc (/redoc) must
still render every operation of the OpenAPI document.

Needs Debian's `chromium` and the `playwright` package (no browser download): without them the
tests skip, or fail when `CI` is set.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="module")
def spec(server: str) -> dict[str, Any]:
    """The OpenAPI document the pages render."""
    document: dict[str, Any] = httpx.get(f"{server}/openapi.json", timeout=10).json()
    return document


@pytest.fixture(scope="module")
def operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document."""
    return [(method, path) for path, item in spec["paths"].items() for method in item]


@pytest.fixture(scope="module")
def translate_fields(spec: dict[str, Any]) -> list[str]:
    """The fields of POST /v1/translate's request body."""
    body = spec["paths"]["/v1/translate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    return list(spec["components"]["schemas"][name]["properties"])


def _offline_page(browser: Browser, url: str) -> tuple[Page, list[str], list[str]]:
    """Open ``url`` with every request to a host other than loopback refused; returns the page,
    the refused URLs and the page's console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    problems: list[str] = []

    def guard(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            refused.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(url)
    return page, refused, problems


def test_swagger_ui_renders_every_operation_offline(
    browser: Browser, server: str, operations: list[tuple[str, str]], translate_fields: list[str]
) -> None:
    page, refused, problems = _offline_page(browser, f"{server}/docs")
    try:
        translate = page.locator(".opblock-post", has=page.locator("[data-path='/v1/translate']"))
        translate.wait_for(timeout=30_000)
        assert page.locator(".opblock").count() == len(operations)
        # An operation opens and shows its request body's fields (Swagger UI's own code at work).
        translate.locator(".opblock-summary").click()
        translate.locator(".opblock-body").wait_for(timeout=10_000)
        # The body's example is rendered after the body itself: read until it shows (10 s at most).
        deadline = time.monotonic() + 10
        shown = translate.inner_text()
        while any(f'"{f}"' not in shown for f in translate_fields) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
            shown = translate.inner_text()
        assert translate_fields
        assert [f for f in translate_fields if f'"{f}"' not in shown] == []
        page.wait_for_load_state("networkidle")
        assert refused == []
        assert problems == []
    finally:
        page.context.close()


def test_redoc_renders_every_operation_offline(
    browser: Browser, server: str, operations: list[tuple[str, str]]
) -> None:
    page, refused, problems = _offline_page(browser, f"{server}/redoc")
    try:
        sections = page.locator("[data-section-id^='operation/']")
        sections.first.wait_for(timeout=30_000)
        assert sections.count() == len(operations)
        assert page.get_by_text("/v1/translate", exact=True).count() >= 1
        page.wait_for_load_state("networkidle")
        assert refused == []
        # The only thing the browser may have declined is an image from another host (ReDoc's
        # sidebar logo), refused by the page's policy before any request was made.
        declined_image = 'violates the following Content Security Policy directive: "img-src'
        assert [p for p in problems if declined_image not in p] == []
    finally:
        page.context.close()
