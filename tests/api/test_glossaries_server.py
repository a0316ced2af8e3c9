"""Stored glossaries over a real `mts serve`: create, list, use by id, delete; another key can
neither see nor use one; a restart keeps them; one added with `mts glossary add` serves a server
without API keys."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
from api_helpers import MTS, running_server

pytestmark = pytest.mark.slow

KEY, OTHER = "glossary-key-one", "glossary-key-two"
SOURCE = "La ministre Park Seo-yeon est arrivée mardi."
ENTRY = {"kind": "person", "fr": "Park Seo-yeon", "en": "Park Seo-yeon", "ko": "박서연"}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def translate(base: str, glossary_id: str, key: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/translate",
        json={"text": SOURCE, "target": "en", "glossary_id": glossary_id},
        headers=auth(key) if key else {},
        timeout=60,
    )


def test_glossaries_over_a_real_server(tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path) -> None:
    settings = {
        "MTS_MODEL_FR_EN": str(tiny_marian),
        "MTS_MODEL_FR_KO": str(tiny_m2m100),
        "MTS_NUM_BEAMS": "1",
        "MTS_GLOSSARIES_PATH": str(tmp_path / "glossaries.sqlite3"),
    }
    keyed = settings | {"MTS_API_KEYS": f"{KEY},{OTHER}"}
    tsv = tmp_path / "noms.tsv"
    tsv.write_text("kind\tfr\ten\tko\nperson\tPark Seo-yeon\tPark Seo-yeon\t박서연\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")} | settings
    added = subprocess.run(
        [MTS, "glossary", "add", "noms", str(tsv)], env=env, capture_output=True, text=True, check=False
    )
    assert added.returncode == 0, added.stderr
    local = added.stdout.strip()
    for name in ("first", "open", "again"):
        (tmp_path / name).mkdir()

    with running_server(tmp_path / "first", **keyed) as base:
        created = httpx.post(
            f"{base}/v1/glossaries", json={"name": "politique", "entries": [ENTRY]}, headers=auth(KEY)
        )
        assert created.status_code == 201, created.text
        mine = created.json()["id"]
        listed = httpx.get(f"{base}/v1/glossaries", headers=auth(KEY)).json()["glossaries"]
        assert [g["id"] for g in listed] == [mine]
        used = translate(base, mine, KEY)
        assert used.status_code == 200, used.text
        flags = set(used.json()["translations"][0]["segments"][0]["flags"])
        assert flags & {"entity_mismatch", "term_not_applied"} or "Park Seo-yeon" in used.text
        assert httpx.get(f"{base}/v1/glossaries", headers=auth(OTHER)).json() == {"glossaries": []}
        assert httpx.get(f"{base}/v1/glossaries/{mine}", headers=auth(OTHER)).status_code == 404
        assert translate(base, mine, OTHER).json()["error"]["type"] == "glossary_not_found"
        assert translate(base, local, KEY).status_code == 404  # the CLI's glossary is `anonymous`'s

    with running_server(tmp_path / "open", **settings) as base:  # no API keys: every caller is anonymous
        assert translate(base, local).status_code == 200
        assert translate(base, mine).status_code == 404

    with running_server(tmp_path / "again", **keyed) as base:  # a restart keeps the glossaries
        assert [
            g["id"] for g in httpx.get(f"{base}/v1/glossaries", headers=auth(KEY)).json()["glossaries"]
        ] == [mine]
        assert translate(base, mine, KEY).status_code == 200
        assert httpx.delete(f"{base}/v1/glossaries/{mine}", headers=auth(KEY)).status_code == 204
        assert translate(base, mine, KEY).status_code == 404
        assert httpx.get(f"{base}/v1/glossaries", headers=auth(KEY)).json() == {"glossaries": []}
