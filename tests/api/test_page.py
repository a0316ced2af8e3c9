"""The editor page at `/`: served with its own CSS and JavaScript, nothing from elsewhere."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient

from service.api.app import STATIC_DIR
from service.languages import CODES, display_name


class _Page(HTMLParser):
    """Collects the tags of a page with their attributes, each label's text, and the options of
    each select: (value, text, selected)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.labels: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str, bool]]] = {}
        self._label: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "label":
            self._label = dict(attrs).get("for") or ""
            self.labels.setdefault(self._label, "")
        elif tag == "select":
            self._select = dict(attrs).get("id") or ""
            self.options.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self.options[self._select].append((dict(attrs).get("value") or "", "", "selected" in dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label] += data
        if self._select is not None and self.options[self._select]:
            value, text, selected = self.options[self._select][-1]
            self.options[self._select][-1] = (value, (text + data).strip(), selected)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


# Runs app.js in Node over a small stand-in for the page's DOM: the selects start with the options
# of the served index.html, and fetch answers GET v1/glossaries with the service's own answers (by
# Authorization header) and records every request. Prints what the page showed and sent.
_RUN_PAGE = r"""
const fs = require("fs");
const vm = require("vm");
const [script, fixture] = [fs.readFileSync(process.argv[2], "utf8"), JSON.parse(fs.readFileSync(process.argv[3], "utf8"))];

function element(tag, id) {
  const node = {
    tagName: tag.toUpperCase(), id: id || "", children: [], attributes: {}, listeners: {}, dataset: {},
    textContent: "", hidden: false, disabled: false, title: "", plainValue: "", selectedIndex: -1,
    classList: { add() {}, remove() {}, toggle() {}, contains() { return false; } },
    setAttribute(name, value) {
      this.attributes[name] = String(value);
      if (name === "value") this.plainValue = String(value);
      if (name === "title") this.title = String(value);
    },
    getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; },
    removeAttribute(name) { delete this.attributes[name]; if (name === "title") this.title = ""; },
    addEventListener(type, listener) { (this.listeners[type] = this.listeners[type] || []).push(listener); },
    appendChild(child) { this.children.push(child); return child; },
    append(...children) { this.children.push(...children); },
    replaceChildren(...children) { this.children = children; this.selectedIndex = children.length ? 0 : -1; },
    querySelectorAll(selector) { return selector === "input[name=langs]:checked" ? fixture.langs.map((value) => ({ value })) : []; },
    querySelector() { return null; },
    focus() {}, remove() {}, click() {}, select() {}, requestSubmit() {},
    closest() { return null; },
  };
  Object.defineProperty(node, "value", {
    get() { return this.tagName === "SELECT" ? (this.children[this.selectedIndex] || { value: "" }).value : this.plainValue; },
    set(value) {
      if (this.tagName === "SELECT") this.selectedIndex = this.children.findIndex((o) => o.value === String(value));
      else this.plainValue = String(value);
    },
  });
  return node;
}

const elements = {};
for (const [id, options] of Object.entries(fixture.selects)) {
  const select = element("select", id);
  options.forEach(([value, text, selected]) => {
    const option = element("option");
    option.value = value;
    option.textContent = text;
    select.children.push(option);
    if (selected || select.selectedIndex < 0) select.selectedIndex = select.children.length - 1;
  });
  elements[id] = select;
}
const requests = [];
function answer(status, body) {
  return { ok: status >= 200 && status < 300, status, json: async () => body, headers: { get: () => null } };
}
Object.assign(globalThis, {
  document: {
    getElementById(id) { return elements[id] || (elements[id] = element("div", id)); },
    createElement(tag) { return element(tag); },
    createTextNode(text) { return { textContent: text }; },
    body: element("body"),
  },
  window: globalThis,
  sessionStorage: { getItem() { return null; }, setItem() {}, removeItem() {} },
  fetch: async (url, init) => {
    const headers = (init && init.headers) || {};
    requests.push({ url, method: (init && init.method) || "GET", headers, body: init && init.body });
    if (url === "readyz") return answer(200, { status: "ready" });
    if (url === "v1/glossaries") {
      const [status, body] = fixture.glossaries[headers.Authorization || ""];
      return answer(status, body);
    }
    return answer(422, { error: { type: "invalid_request", message: "recorded" } });
  },
});
vm.runInThisContext(script, { filename: "app.js" });

const glossary = elements.glossary;
function shown() {
  return {
    options: glossary.children.map((o) => [o.value, o.textContent]),
    value: glossary.value,
    hint: document.getElementById("glossary-hint").textContent,
    title: glossary.title,
  };
}
function posted() {
  return requests.filter((r) => r.url === "v1/dispatches").map((r) => ({ headers: r.headers, body: JSON.parse(r.body) })).pop();
}
async function changeKey(key) {
  elements["api-key"].value = key;
  for (const listener of elements["api-key"].listeners.change) await listener({});
}
async function submit() {
  await elements["dispatch-form"].listeners.submit[0]({ preventDefault() {} });
}

(async () => {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const steps = { loaded: shown() };
  await changeKey(fixture.key);
  steps.keyed = shown();
  elements["dispatch-text"].value = fixture.text;
  glossary.value = fixture.choose;
  elements.style.value = "polite";
  await submit();
  steps.with_glossary = posted();
  glossary.value = "";
  elements.style.value = "news";
  await submit();
  steps.without_glossary = posted();
  glossary.value = fixture.choose;
  await changeKey("not-a-key");
  steps.refused = shown();
  steps.glossary_requests = requests.filter((r) => r.url === "v1/glossaries").map((r) => r.headers.Authorization || "");
  process.stdout.write(JSON.stringify(steps));
})();
"""


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
    assert [value for value, _, _ in page.options["bullet-count"]] == ["3", "4", "5"]
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


def test_page_offers_a_stored_glossary_and_the_korean_style(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=EchoTranslator())
    page = _parse(client.get("/").text)

    assert page.find("select", id="glossary")
    assert "Glossary" in page.labels["glossary"]
    assert page.options["glossary"] == [("", "No stored glossary", True)]
    assert page.find("select", id="style")
    assert "Korean style" in page.labels["style"]
    assert page.options["style"] == [
        ("news", "Korean news style (한다체)", True),
        ("polite", "Polite (합니다체)", False),
    ]
    # Both sit with the other options, before the Translate button.
    order = [a.get("id") or a.get("class") for t, a in page.tags if t in {"div", "select", "button"}]
    column = order.index("dispatch-form__options")
    assert column < order.index("style") < order.index("translate")
    assert column < order.index("glossary") < order.index("translate")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the page's script")
def test_page_lists_glossaries_and_sends_the_choices(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    key = "page-key"
    client = make_client(
        fake=EchoTranslator(), api_keys=key, glossaries_path=str(tmp_path / "glossaries.sqlite3")
    )
    auth = {"Authorization": f"Bearer {key}"}
    entries = [
        {"kind": "person", "fr": "Park Seo-yeon", "en": "Park Seo-yeon", "ko": "박서연"},
        {"kind": "place", "fr": "Busan", "en": "Busan", "ko": "부산"},
    ]
    made = [
        client.post("/v1/glossaries", json={"name": name, "entries": entries[:count]}, headers=auth)
        for name, count in (("politique", 2), ("villes", 1))
    ]
    assert [r.status_code for r in made] == [201, 201]
    ids = [r.json()["id"] for r in made]
    # The service's own answers to GET v1/glossaries: without a key, with the key, with a wrong one.
    answers: dict[str, tuple[int, Any]] = {}
    for header in ("", f"Bearer {key}", "Bearer not-a-key"):
        got = client.get("/v1/glossaries", headers={"Authorization": header} if header else {})
        answers[header] = (got.status_code, got.json())
    assert [status for status, _ in answers.values()] == [401, 200, 403]

    text = "La ministre Park Seo-yeon est arrivée mardi à Busan."
    fixture = {
        "selects": _parse(client.get("/").text).options,
        "glossaries": answers,
        "key": key,
        "choose": ids[1],
        "text": text,
        "langs": ["en", "ko"],
    }
    (tmp_path / "fixture.json").write_text(json.dumps(fixture), encoding="utf-8")
    (tmp_path / "run_page.js").write_text(_RUN_PAGE, encoding="utf-8")
    run = subprocess.run(
        ["node", str(tmp_path / "run_page.js"), str(STATIC_DIR / "app.js"), str(tmp_path / "fixture.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    steps = json.loads(run.stdout)

    # Loaded without a key: only "No stored glossary", and a quiet word on why.
    assert steps["loaded"]["options"] == [["", "No stored glossary"]]
    assert "API key" in steps["loaded"]["hint"] and "API key" in steps["loaded"]["title"]
    # The key entered: the key's glossaries, oldest first, with their sizes.
    assert steps["keyed"]["options"] == [
        ["", "No stored glossary"],
        [ids[0], "politique (2 entries)"],
        [ids[1], "villes (1 entry)"],
    ]
    assert steps["keyed"]["value"] == "" and not steps["keyed"]["hint"] and not steps["keyed"]["title"]
    assert steps["glossary_requests"] == ["", f"Bearer {key}", "Bearer not-a-key"]

    chosen = steps["with_glossary"]
    assert chosen["headers"]["Authorization"] == f"Bearer {key}"
    assert chosen["body"] == {
        "text": text,
        "langs": ["en", "ko"],
        "bullets": 3,
        "style": "polite",
        "stream": True,
        "glossary_id": ids[1],
    }
    plain = steps["without_glossary"]["body"]
    assert plain["style"] == "news" and "glossary_id" not in plain

    # A refused key empties the list again, and the choice with it.
    assert steps["refused"]["options"] == [["", "No stored glossary"]]
    assert steps["refused"]["value"] == ""
    assert "API key" in steps["refused"]["title"]

    # The service takes what the page sends.
    for body in (chosen["body"], plain):
        answer = client.post("/v1/dispatches", json=body, headers=auth)
        assert answer.status_code == 200, answer.text
