"""Document jobs over a real `mts serve`: upload → poll → download, another key sees nothing, a
job survives the server being killed mid-job, and LibreTranslate's file translation calls."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_helpers import MTS, free_port, wait_until_serving

from service.formats import parse_document

pytestmark = pytest.mark.slow

KEY, OTHER = "doc-key-one", "doc-key-two"
SENTENCES = [
    "Le ministre des Affaires étrangères a rencontré son homologue à Séoul le {n} mars.",
    "La Corée du Nord a tiré {n} missiles balistiques vers la mer de l'Est.",
    "Le taux de chômage a atteint {n},5 % en mars selon l'office des statistiques.",
    "Les exportations ont augmenté de {n} milliards de wons au premier trimestre.",
]


def paragraphs(count: int) -> list[str]:
    """``count`` distinct two-sentence paragraphs (distinct, so no cache makes them free)."""
    return [
        f"{SENTENCES[i % 4].format(n=i)} {SENTENCES[(i + 1) % 4].format(n=i + 1000)}" for i in range(count)
    ]


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def serve_command(port: int) -> list[str]:
    return [MTS, "serve", "--port", str(port)]


@contextmanager
def server(workdir: Path, env: dict[str, str], name: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real server on a free port; stopped afterwards unless the test killed it. Its log must hold
    no traceback."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(serve_command(port), env=env, stdout=sink, stderr=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(proc, base, log)
            yield base, proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=60)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture
def server_env(tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(
        MTS_MODEL_FR_EN=str(tiny_marian),
        MTS_MODEL_FR_KO=str(tiny_m2m100),
        MTS_MODELS_DIR=str(tmp_path / "models"),
        MTS_NUM_BEAMS="1",
        MTS_DEVICE="cpu",
        MTS_API_KEYS=f"{KEY},{OTHER}",
        MTS_DOCUMENTS_PATH=str(tmp_path / "documents"),
    )
    return env


def upload(base: str, text: str, targets: str, name: str = "dispatch.txt") -> dict[str, Any]:
    response = httpx.post(
        f"{base}/v1/documents",
        files={"file": (name, text.encode())},
        data={"target": targets},
        headers=auth(),
        timeout=60,
    )
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


def status(base: str, job_id: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/v1/documents/{job_id}", headers=auth(), timeout=30)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def wait_done(base: str, job_id: str, timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = status(base, job_id)
        if found["status"] in ("done", "failed"):
            return found
        time.sleep(0.2)
    raise AssertionError(f"job not finished: {found}")


def check_two_languages(base: str) -> None:
    """Upload → poll → download in two languages; another key does not see the job."""
    text = "\n\n".join(paragraphs(6)) + "\n"
    job = upload(base, text, "en,ko")
    done = wait_done(base, job["id"])
    assert done["status"] == "done", done
    assert done["progress"]["sentences_done"] == done["progress"]["sentences_total"] == 2 * 12
    for lang in ("en", "ko"):
        result = httpx.get(f"{base}/v1/documents/{job['id']}/result", params={"lang": lang}, headers=auth())
        assert result.status_code == 200
        assert f"dispatch.{lang}.txt" in result.headers["content-disposition"]
        assert len(parse_document(result.content, "text").blocks) == 6
    assert httpx.get(f"{base}/v1/documents/{job['id']}", headers=auth(OTHER)).status_code == 404


def check_libretranslate_file_calls(base: str) -> None:
    """LibreTranslate's file translation: a multipart POST with the key as a form field, then a
    plain GET of the URL it answers (libretranslatepy 2.1 has no file call of its own; these are
    the calls LibreTranslate's clients make)."""
    answer = httpx.post(
        f"{base}/translate_file",
        files={"file": ("note.md", b"# Titre\n\nLe ministre est **arriv\xc3\xa9** \xc3\xa0 S\xc3\xa9oul.\n")},
        data={"source": "fr", "target": "en", "api_key": KEY},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    url = answer.json()["translatedFileUrl"]
    assert url.startswith(f"{base}/download_file/") and url.endswith("/note.en.md")
    download = httpx.get(url, timeout=30)
    assert download.status_code == 200
    assert "note.en.md" in download.headers["content-disposition"]
    assert download.content.startswith(b"# ")
    assert download.content.count(b"**") == 2
    refused = httpx.post(
        f"{base}/translate_file",
        files={"file": ("note.md", b"# Titre\n")},
        data={"source": "fr", "target": "en", "api_key": "wrong"},
    )
    assert refused.status_code == 403
    assert isinstance(refused.json()["error"], str)  # LibreTranslate's error shape


def test_document_jobs_over_a_real_server(server_env: dict[str, str], tmp_path: Path) -> None:
    """A job survives the server being SIGKILLed midway: the restarted server resumes it. Then, on
    the restarted server: a two-language job end to end, and LibreTranslate's file calls."""
    count = 150
    text = "\n\n".join(paragraphs(count)) + "\n"
    documents = Path(server_env["MTS_DOCUMENTS_PATH"])
    with server(tmp_path, server_env, "first") as (base, proc):
        job = upload(base, text, "en")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            found = status(base, job["id"])
            # Two slices (16 paragraphs of two sentences each) saved, so that some work is kept.
            if found["status"] == "running" and found["progress"]["sentences_done"] >= 64:
                break
            assert found["status"] in ("queued", "running"), found
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        killed_at = time.time()
    total = found["progress"]["sentences_total"]
    assert 0 < found["progress"]["sentences_done"] < total, "the job must be killed midway: make it longer"
    saved_before = sorted((documents / job["id"] / "en").glob("*.json"))

    with server(tmp_path, server_env, "second") as (base, _):
        done = wait_done(base, job["id"])
        assert done["status"] == "done", done
        assert done["progress"] == {"sentences_done": total, "sentences_total": total}
        result = httpx.get(f"{base}/v1/documents/{job['id']}/result", headers=auth(), timeout=30)
        assert result.status_code == 200
        assert len(parse_document(result.content, "text").blocks) == count
        # It resumed: the slices saved before the kill were kept, not translated again (but for
        # the last one, when the kill came between saving its file and recording it).
        kept = [p for p in saved_before if p.stat().st_mtime < killed_at]
        assert len(saved_before) >= 2
        assert kept in (saved_before, saved_before[:-1])
        assert len(list((documents / job["id"] / "en").glob("*.json"))) > len(saved_before)

        check_two_languages(base)
        check_libretranslate_file_calls(base)
