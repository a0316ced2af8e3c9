"""Documents and alternatives on the translation routes: `format` html/markdown on /v1/translate,
/v1/dispatches and LibreTranslate's /translate, and `alternatives` from the beam (tiny models)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

HTML = (
    '<article><h1 class="t">Séoul et Tokyo</h1>'
    '<p>Le ministre <a href="https://example.org/a?b=1&amp;c=2">Cho Tae-yul</a> a rencontré son '
    "homologue à Séoul mardi. <b>Les exportations</b> ont augmenté.</p>"
    '<pre>SEOUL 12/03</pre><p translate="no">Yonhap</p></article>'
)


class _Tags(HTMLParser):
    """Start tags with their raw text, and whether the end tags close them in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[str] = []
        self.stack: list[str] = []
        self.nested = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append(self.get_starttag_text() or "")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.nested = False


def _tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def test_html_keeps_its_markup_on_v1_translate(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    response = client.post("/v1/translate", json={"text": HTML, "target": "en", "format": "html"})
    assert response.status_code == 200, response.text
    [result] = response.json()["translations"]
    out = result["translation"]
    source, translated = _tags(HTML), _tags(out)
    assert sorted(translated.starts) == sorted(source.starts)
    assert translated.nested and not translated.stack
    assert "<pre>SEOUL 12/03</pre>" in out and '<p translate="no">Yonhap</p>' in out
    assert "Séoul et Tokyo" not in out  # the heading was translated
    wheres = {s["where"] for s in result["segments"]}
    assert len(result["segments"]) == 3 and len(wheres) == 2  # heading, and the paragraph's two sentences


def test_plain_text_segments_have_no_place(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    response = client.post("/v1/translate", json={"text": "Bonjour. Au revoir.", "target": "en"})
    assert all("where" not in s for s in response.json()["translations"][0]["segments"])
    assert "alternatives" not in response.json()["translations"][0]


def test_libretranslate_html_format(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    response = client.post("/translate", json={"q": HTML, "source": "fr", "target": "ko", "format": "html"})
    assert response.status_code == 200, response.text
    assert sorted(_tags(response.json()["translatedText"]).starts) == sorted(_tags(HTML).starts)


def test_markdown_dispatch_translations_keep_markup_and_bullets_are_plain(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    text = (
        "# Séoul\n\nLe ministre **Cho Tae-yul** a rencontré son homologue à Séoul mardi. "
        "Les exportations ont augmenté de 2,5 %.\n\n- La Corée du Nord a tiré un missile.\n"
        "- Le porte-parole a parlé.\n"
    )
    response = client.post("/v1/dispatches", json={"text": text, "format": "markdown", "langs": ["en"]})
    assert response.status_code == 200, response.text
    data = response.json()
    translation = data["translations"]["en"]["translation"]
    assert translation.startswith("# ") and translation.count("**") == 2 and "\n- " in translation
    bullets = [b["text"] for b in data["summaries"]["fr"]]
    assert bullets and not any("**" in b or b.startswith("#") for b in bullets)


@pytest.mark.parametrize("route", ["/v1/translate", "/translate"])
def test_malformed_or_unknown_formats_are_client_errors(
    make_client: Callable[..., TestClient], route: str
) -> None:
    client = make_client()
    key = "text" if route == "/v1/translate" else "q"
    response = client.post(route, json={key: "Bonjour.", "target": "en", "source": "fr", "format": "docx"})
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_alternatives_on_v1_translate(make_client: Callable[..., TestClient], tiny_marian_fast: Path) -> None:
    # A model whose outputs end (a random one's loop, and looping hypotheses are no alternatives).
    client = make_client(model_fr_en=str(tiny_marian_fast))
    text = "Le ministre a rencontré son homologue."
    response = client.post("/v1/translate", json={"text": text, "target": "en", "alternatives": 3})
    assert response.status_code == 200, response.text
    [result] = response.json()["translations"]
    others = [a["translation"] for a in result["alternatives"]]
    assert 1 <= len(others) <= 3
    assert len(set(others)) == len(others) and result["translation"] not in others
    assert all(isinstance(a["score"], float) for a in result["alternatives"])


def test_alternatives_through_libretranslate(
    make_client: Callable[..., TestClient], tiny_marian_fast: Path
) -> None:
    client = make_client(model_fr_en=str(tiny_marian_fast))
    one = client.post(
        "/translate", json={"q": "Bonjour le monde.", "source": "fr", "target": "en", "alternatives": 2}
    ).json()
    assert isinstance(one["translatedText"], str)
    assert isinstance(one["alternatives"], list) and 1 <= len(one["alternatives"]) <= 2
    assert one["translatedText"] not in one["alternatives"]
    many = client.post(
        "/translate", json={"q": ["Bonjour.", "Merci."], "source": "fr", "target": "ko", "alternatives": 1}
    ).json()
    assert [len(a) <= 1 for a in many["alternatives"]] == [True, True]
    plain = client.post("/translate", json={"q": "Bonjour.", "source": "fr", "target": "en"}).json()
    assert "alternatives" not in plain


def test_alternatives_are_bounded(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_alternatives=2, alternatives_max_sentences=2)
    too_many = client.post("/v1/translate", json={"text": "Bonjour.", "target": "en", "alternatives": 3})
    assert too_many.status_code == 400 and "MTS_MAX_ALTERNATIVES" in too_many.json()["error"]["message"]
    long_text = "Un. Deux. Trois."
    too_long = client.post("/v1/translate", json={"text": long_text, "target": "en", "alternatives": 1})
    assert too_long.status_code == 400 and "3" in too_long.json()["error"]["message"]
    html = client.post(
        "/v1/translate", json={"text": "<p>Un.</p>", "target": "en", "alternatives": 1, "format": "html"}
    )
    assert html.status_code == 400
