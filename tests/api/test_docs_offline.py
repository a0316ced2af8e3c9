"""/docs and /redoc load everything from the service itself: no CDN, no other host."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings

PAGES = ("/docs", "/redoc")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Links(HTMLParser):
    """Every URL a page makes the browser fetch: script sources, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "spec-url"):
            if values.get(name):
                self.urls.append(str(values[name]))


def _fetched_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    # Swagger UI's inline script names the OpenAPI document (`url: '/openapi.json'`).
    parser.urls += re.findall(r"\burl: '([^']*)'", html)
    return parser.urls


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and url.startswith("/")


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(Settings(_env_file=None)))  # type: ignore[call-arg]


@pytest.mark.parametrize("page", PAGES)
def test_pages_reference_only_local_urls(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    urls = _fetched_urls(html)
    assert any(u.endswith(".js") for u in urls), urls  # the viewer's script is among them
    assert [u for u in urls if not _is_local(u)] == []
    # Not even a font or a link elsewhere in the page text.
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w+", html) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_file_a_page_needs_is_served(client: TestClient, page: str) -> None:
    for url in _fetched_urls(client.get(page).text):
        response = client.get(url)
        assert response.status_code == 200, url
        suffix = url[url.rfind(".") :]
        if suffix == ".json":
            assert response.json()["paths"]["/v1/translate"]
        else:
            assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
            assert len(response.content) > 1000, url


@pytest.mark.parametrize("page", [*PAGES, "/docs/oauth2-redirect"])
def test_pages_let_the_browser_fetch_from_this_host_only(client: TestClient, page: str) -> None:
    policy = client.get(page).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    allowed = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
    for directive, sources in directives.items():
        assert set(sources.split()) <= allowed, directive


def test_pages_follow_the_root_path_of_a_proxy() -> None:
    client = TestClient(create_app(Settings(_env_file=None)), root_path="/mts")  # type: ignore[call-arg]
    for page in PAGES:
        urls = _fetched_urls(client.get(page).text)
        assert urls
        assert all(u.startswith("/mts/") for u in urls), urls


def test_documentation_files_follow_the_docs_policy(make_client: Callable[..., TestClient]) -> None:
    """With API keys set, the pages and their files are open together (MTS_OPEN_DOCS=true) or
    need a key together (false): a page that loads but whose script is refused is blank."""
    open_docs = make_client(fake=EchoTranslator(), api_keys="k-docs", open_docs=True)
    files = [u for page in PAGES for u in _fetched_urls(open_docs.get(page).text)]
    assert files
    for url in [*PAGES, *files]:
        assert open_docs.get(url).status_code == 200, url

    closed = make_client(fake=EchoTranslator(), api_keys="k-docs", open_docs=False)
    for url in [*PAGES, *files]:
        assert closed.get(url).status_code == 401, url
        assert closed.get(url, headers={"Authorization": "Bearer k-docs"}).status_code == 200, url


def test_documentation_pages_are_not_api_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]


def test_every_reference_of_the_openapi_document_resolves_in_it(client: TestClient) -> None:
    """Viewers resolve `$ref` against the document root: a reference to anything but the
    document's components (such as a model's nested `$defs`) stops ReDoc from rendering at all."""
    document = client.get("/openapi.json").json()
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    refs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert len(refs) > 20
    schemas = document["components"]["schemas"]
    unresolved = [
        r for r in refs if not r.startswith("#/components/schemas/") or r.rsplit("/", 1)[1] not in schemas
    ]
    assert unresolved == []
    assert "$defs" not in str(document)
