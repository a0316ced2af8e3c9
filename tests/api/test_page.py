"""The editor page at `/`: served with its own CSS and JavaScript, nothing from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient

from service.api.app import STATIC_DIR
from service.languages import CODES, display_name


class _Page(HTMLParser):
    """Collects the tags of a page with their attributes, and each label's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "label":
            self._label = dict(attrs).get("for") or ""
            self.labels.setdefault(self._label, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label] += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_page_has_the_form(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=EchoTranslator())
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = _parse(response.text)

    assert page.find("html", lang="en")
    assert page.find("textarea", id="dispatch-text")
    assert "French dispatch" in page.labels["dispatch-text"]
    assert page.find("input", id="dispatch-file", type="file")
    assert page.labels["dispatch-file"].strip()
    assert {a["value"] for a in page.find("input", type="checkbox", name="langs")} == {"en", "ko"}
    assert all("checked" in a for a in page.find("input", type="checkbox", name="langs"))
    assert [a["value"] for a in page.find("option")] == ["3", "4", "5"]
    assert "Bullets" in page.labels["bullet-count"]
    assert page.find("input", id="api-key", type="password")
    assert "API key" in page.labels["api-key"]
    assert page.find("button", id="translate", type="submit")
    assert page.find("p", id="status", role="status")
    # Every form control has a label (checkboxes are wrapped in theirs).
    for tag in ("textarea", "select", "input"):
        for attrs in page.find(tag):
            assert attrs.get("type") == "checkbox" or attrs.get("id") in page.labels, attrs


def test_page_files_are_served_with_their_types(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=EchoTranslator())
    page = _parse(client.get("/").text)
    scripts = [a["src"] for a in page.find("script")]
    sheets = [a["href"] for a in page.find("link", rel="stylesheet")]
    assert scripts == ["static/app.js"]
    assert sheets == ["static/app.css"]

    script = client.get("/" + str(scripts[0]))
    assert script.status_code == 200
    assert script.headers["content-type"].split(";")[0] in {"text/javascript", "application/javascript"}
    assert "v1/dispatches" in script.text
    sheet = client.get("/" + str(sheets[0]))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/css")
    assert client.get("/static/index.html").status_code == 200
    assert client.get("/static/missing.js").status_code == 404


def test_page_fetches_nothing_from_elsewhere() -> None:
    files = sorted(STATIC_DIR.iterdir())
    assert {f.name for f in files} >= {"index.html", "app.css", "app.js"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.IGNORECASE), path.name
        assert "@import" not in text and "@font-face" not in text, path.name


def test_page_names_match_the_markdown_report() -> None:
    # The page writes the Markdown download itself; its headings are DispatchResult.to_markdown's.
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    for lang in CODES:
        assert f'{lang}: "{display_name(lang)}"' in script


def test_page_words_every_quality_flag() -> None:
    flags = pytest.importorskip("service.quality.flags")
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    words = script[script.index("FLAG_WORDS = {") : script.index("};", script.index("FLAG_WORDS = {"))]
    for flag in flags.FLAGS:
        assert f"  {flag}: " in words, flag


def test_page_describes_flags_as_the_markdown_report_does() -> None:
    # The page's Markdown download lists flagged sentences with DispatchResult.to_markdown's words.
    from service.quality.flags import FLAG_DESCRIPTIONS

    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    start = script.index("FLAG_DESCRIPTIONS = {")
    table = script[start : script.index("};", start)]
    entries = dict(re.findall(r'^\s+(\w+): "([^"]*)",$', table, flags=re.MULTILINE))
    assert entries == FLAG_DESCRIPTIONS


def test_page_loads_without_a_key_when_the_api_needs_one(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="secret-key")
    assert client.get("/").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    refused = client.post("/v1/dispatches", json={"text": "Le ministre est arrivé à Séoul."})
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "unauthorized"
    allowed = client.post(
        "/v1/dispatches",
        json={"text": "Le ministre est arrivé à Séoul.", "langs": ["en"], "bullets": 3},
        headers={"Authorization": "Bearer secret-key"},
    )
    assert allowed.status_code == 200


def test_page_stays_out_of_the_api_schema(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=EchoTranslator())
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not any(p.startswith("/static") for p in paths)
