"""Stored glossaries through the HTTP API: create, list, read, download, delete, ownership between
API keys, bounds, and ``glossary_id`` on the translation routes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient

from service.text.glossary import default_glossary, parse_entries

KEY, OTHER, ADMIN = "key-one", "key-two", "key-admin"
SOURCE = "La ministre Park Seo-yeon est arrivée mardi."
ENTRIES = [
    {"kind": "person", "fr": "Park Seo-yeon", "en": "Park Seo-yeon", "ko": "박서연"},
    {"kind": "term", "fr": "sécurité spatiale", "en": "space security", "ko": "우주 안보", "note": "EU"},
]
TSV = (
    "kind\tfr\ten\tko\nperson\tPark Seo-yeon|Park Seoyeon\tPark Seo-yeon\t박서연\nplace\tBusan\tBusan\t부산\n"
)
CSV = 'kind,fr,en,ko,note\nperson,Park Seo-yeon,Park Seo-yeon,박서연,"a note, with a comma"\n'


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keyed(make_client: Callable[..., TestClient], tmp_path: Path) -> Callable[..., TestClient]:
    """A started app over the echo translator with two keys and an admin key, its glossaries in
    ``tmp_path``."""

    def build(**overrides: Any) -> TestClient:
        settings: dict[str, Any] = {
            "api_keys": f"{KEY},{OTHER}",
            "admin_keys": ADMIN,
            "glossaries_path": str(tmp_path / "glossaries.sqlite3"),
        }
        return make_client(fake=EchoTranslator(), **(settings | overrides))

    return build


def create(client: TestClient, key: str = KEY, **body: Any) -> dict[str, Any]:
    answer = client.post(
        "/v1/glossaries", json={"name": "politique", "entries": ENTRIES} | body, headers=auth(key)
    )
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    assert answer.headers["location"] == f"/v1/glossaries/{data['id']}"
    return data


def test_create_list_show_download_delete(keyed: Callable[..., TestClient]) -> None:
    client = keyed()
    first = create(client)
    assert first["name"] == "politique" and first["entries"] == 2
    assert first["counts"] == {"fr": 2, "en": 2, "ko": 2, "person": 1, "term": 1}
    assert first["created"].endswith("Z")
    second = create(client, name="villes", entries=None, entries_tsv=TSV)
    assert second["counts"] == {"fr": 2, "en": 2, "ko": 2, "person": 1, "place": 1}
    third = create(client, name="csv", entries=None, entries_csv=CSV)
    listed = client.get("/v1/glossaries", headers=auth(KEY)).json()["glossaries"]
    assert [g["id"] for g in listed] == [first["id"], second["id"], third["id"]]  # oldest first

    shown = client.get(f"/v1/glossaries/{second['id']}", headers=auth(KEY)).json()
    assert shown["items"][0] == {
        "kind": "person",
        "fr": "Park Seo-yeon|Park Seoyeon",
        "en": "Park Seo-yeon",
        "ko": "박서연",
        "note": "",
    }
    page = client.get(f"/v1/glossaries/{second['id']}?offset=1&limit=1", headers=auth(KEY)).json()
    assert [item["fr"] for item in page["items"]] == ["Busan"] and page["offset"] == 1

    for fmt in ("tsv", "csv", "json"):
        download = client.get(f"/v1/glossaries/{third['id']}/entries?format={fmt}", headers=auth(KEY))
        assert download.status_code == 200
        assert f'filename="csv.{fmt}"' in download.headers["content-disposition"]
        assert parse_entries(download.text, fmt) == parse_entries(CSV, "csv")

    assert client.delete(f"/v1/glossaries/{first['id']}", headers=auth(KEY)).status_code == 204
    gone = client.get(f"/v1/glossaries/{first['id']}", headers=auth(KEY))
    assert gone.status_code == 404 and gone.json()["error"]["type"] == "glossary_not_found"
    assert client.delete(f"/v1/glossaries/{first['id']}", headers=auth(KEY)).status_code == 404
    assert len(client.get("/v1/glossaries", headers=auth(KEY)).json()["glossaries"]) == 2


def test_another_key_can_neither_see_nor_use_a_glossary(keyed: Callable[..., TestClient]) -> None:
    client = keyed()
    mine = create(client)["id"]
    assert client.get("/v1/glossaries", headers=auth(OTHER)).json() == {"glossaries": []}
    for method, path in [
        ("GET", f"/v1/glossaries/{mine}"),
        ("GET", f"/v1/glossaries/{mine}/entries"),
        ("DELETE", f"/v1/glossaries/{mine}"),
    ]:
        answer = client.request(method, path, headers=auth(OTHER))
        assert answer.status_code == 404, (method, path)
        assert answer.json()["error"]["type"] == "glossary_not_found"
    for path, body in [
        ("/v1/translate", {"text": SOURCE, "target": "en"}),
        ("/v1/dispatches", {"text": SOURCE, "langs": ["en"], "summarizer": "extractive"}),
        ("/v1/summarize", {"text": SOURCE, "langs": ["en"], "summarizer": "extractive"}),
    ]:
        refused = client.post(path, json=body | {"glossary_id": mine}, headers=auth(OTHER))
        assert refused.status_code == 404, path
        assert refused.json()["error"]["type"] == "glossary_not_found"
        assert client.post(path, json=body | {"glossary_id": mine}, headers=auth(KEY)).status_code == 200
    # An unknown id reads the same as another key's.
    unknown = client.post(
        "/v1/translate", json={"text": SOURCE, "target": "en", "glossary_id": "nope"}, headers=auth(KEY)
    )
    assert unknown.status_code == 404 and "nope" in unknown.json()["error"]["message"]
    # The admin key sees and uses every glossary; the owner's still exists.
    assert [g["id"] for g in client.get("/v1/glossaries", headers=auth(ADMIN)).json()["glossaries"]] == [mine]
    used = client.post(
        "/v1/translate", json={"text": SOURCE, "target": "en", "glossary_id": mine}, headers=auth(ADMIN)
    )
    assert used.status_code == 200
    assert client.get(f"/v1/glossaries/{mine}", headers=auth(KEY)).status_code == 200


def test_bad_uploads_are_clear_client_errors(keyed: Callable[..., TestClient]) -> None:
    client = keyed(glossary_max_entries=3, glossaries_per_key=2, glossary_max_bytes=4096)

    def post(body: Any) -> tuple[int, str, str]:
        answer = client.post("/v1/glossaries", content=json.dumps(body), headers=auth(KEY))
        error = answer.json()["error"]
        return answer.status_code, error["type"], error["message"]

    assert post({"name": "x", "entries_tsv": "kind\tfr\ten\tko\nalien\tA\tB\tC\n"})[:2] == (
        400,
        "bad_request",
    )
    assert "entries_tsv:2" in post({"name": "x", "entries_tsv": "kind\tfr\ten\tko\nalien\tA\tB\tC\n"})[2]
    assert "entries_csv:3" in post({"name": "x", "entries_csv": "kind,fr,en,ko\nterm,a,b,c\nterm,,b,c\n"})[2]
    assert "entries item 1" in post({"name": "x", "entries": [{"fr": "a"}, {"fr": "b", "xx": 1}]})[2]
    assert post({"name": "", "entries": ENTRIES})[0] == 400
    assert post({"name": "x"})[0] == 400
    assert post({"name": "x", "entries": ENTRIES, "entries_tsv": TSV})[0] == 400
    assert post({"name": "x", "entries": []})[0] == 400
    assert post([1, 2])[0] == 400
    too_many = post({"name": "x", "entries": [{"fr": f"mot{i}"} for i in range(4)]})
    assert too_many[:2] == (413, "glossary_too_large") and "limit is 3" in too_many[2]
    assert post({"name": "x", "entries": [{"fr": "a" * 100, "note": "n" * 900}] * 5})[:2] == (
        413,
        "payload_too_large",
    )
    create(client)
    create(client)
    full = post({"name": "x", "entries": ENTRIES})
    assert full[:2] == (429, "too_many_glossaries")
    assert (
        client.post("/v1/glossaries", json={"name": "x", "entries": ENTRIES}, headers=auth(OTHER)).status_code
        == 201
    )


def test_a_glossary_needs_a_key_when_keys_are_set(keyed: Callable[..., TestClient]) -> None:
    client = keyed()
    assert client.get("/v1/glossaries").status_code == 401
    assert client.post("/v1/glossaries", json={"name": "x", "entries": ENTRIES}).status_code == 401


def test_a_stored_glossary_changes_a_real_models_translation(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    """With the tiny model (whose output never holds the name), the stored entry is used: the
    sentence is flagged, or the name is written into it; without the id it is neither."""
    assert not default_glossary().find(SOURCE, "fr")  # only the stored glossary knows a name in it
    client = make_client(glossaries_path=str(tmp_path / "g.sqlite3"))
    stored = client.post("/v1/glossaries", json={"name": "noms", "entries": ENTRIES[:1]}).json()["id"]
    plain = client.post("/v1/translate", json={"text": SOURCE, "target": "en"}).json()["translations"][0]
    used = client.post("/v1/translate", json={"text": SOURCE, "target": "en", "glossary_id": stored})
    assert used.status_code == 200, used.text
    segment = used.json()["translations"][0]["segments"][0]
    name_flags = {"entity_mismatch", "term_not_applied"}
    assert "Park Seo-yeon" not in plain["translation"] and not name_flags & set(plain["segments"][0]["flags"])
    assert name_flags & set(segment["flags"]) or "Park Seo-yeon" in segment["translation"]
    # Inline entries are laid over the stored ones (one for a name not in the text: the same
    # result), and a bad inline item is a 400.
    both = client.post(
        "/v1/translate",
        json={
            "text": SOURCE,
            "target": "en",
            "glossary_id": stored,
            "glossary": [{"fr": "Kim Min-seok", "en": "Kim Min-seok"}],
        },
    )
    assert both.status_code == 200 and both.json()["translations"][0]["segments"][0] == segment
    bad = client.post(
        "/v1/translate",
        json={"text": SOURCE, "target": "en", "glossary_id": stored, "glossary": [{"fr": ""}]},
    )
    assert bad.status_code == 400


def test_a_repeated_request_does_not_compile_its_glossary_again(keyed: Callable[..., TestClient]) -> None:
    client = keyed()
    stored = create(client)["id"]
    compiled = client.app.state.glossaries.open()[1]  # type: ignore[attr-defined]
    for _ in range(2):
        answer = client.post(
            "/v1/translate", json={"text": SOURCE, "target": "en", "glossary_id": stored}, headers=auth(KEY)
        )
        assert answer.status_code == 200
    cached = list(compiled._compiled.values())
    assert len(cached) == 1
    again = compiled.glossary(client.app.state.glossaries.open()[0].get(stored))  # type: ignore[attr-defined]
    assert again is cached[0]
    client.delete(f"/v1/glossaries/{stored}", headers=auth(KEY))
    assert not compiled._compiled


def test_a_document_job_uses_a_stored_glossary(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    """``glossary_id`` on a document job: checked at upload (another key's is 404, no job is made),
    then used by the job's translations (the tiny model never writes the name: the sentence is
    flagged, or the name is written into it)."""
    client = make_client(
        api_keys=f"{KEY},{OTHER}",
        glossaries_path=str(tmp_path / "glossaries.sqlite3"),
        documents_path=str(tmp_path / "documents"),
    )
    stored = create(client, entries=ENTRIES[:1])["id"]

    def upload(key: str, **fields: str) -> Any:
        return client.post(
            "/v1/documents",
            files={"file": ("dispatch.txt", (SOURCE + "\n").encode())},
            data={"target": "en", **fields},
            headers=auth(key),
        )

    refused = upload(OTHER, glossary_id=stored)
    assert refused.status_code == 404 and refused.json()["error"]["type"] == "glossary_not_found"
    assert client.get("/v1/documents", headers=auth(OTHER)).json() == {"jobs": []}
    flags = {}
    for name, fields in [("plain", {}), ("stored", {"glossary_id": stored})]:
        job = upload(KEY, **fields)
        assert job.status_code == 202, job.text
        deadline = time.monotonic() + 120
        while (status := client.get(f"/v1/documents/{job.json()['id']}", headers=auth(KEY)).json())[
            "status"
        ] not in ("done", "failed"):
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        assert status["status"] == "done", status
        segments = client.get(f"/v1/documents/{job.json()['id']}/segments", headers=auth(KEY)).json()[
            "segments"
        ]
        flags[name] = (set(segments[0]["flags"]), segments[0]["translation"])
    name_flags = {"entity_mismatch", "term_not_applied"}
    assert not name_flags & flags["plain"][0] and "Park Seo-yeon" not in flags["plain"][1]
    assert name_flags & flags["stored"][0] or "Park Seo-yeon" in flags["stored"][1]
