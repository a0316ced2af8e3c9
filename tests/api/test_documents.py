"""Document jobs over HTTP, in process with tiny models: upload, poll, download, ownership, limits,
expiry, resuming after an interruption, and LibreTranslate's /translate_file."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from api_helpers import wait_ready
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.documents import DocumentService, install_documents
from service.config import Settings
from service.documents.runner import DocumentRunner, count_sentences
from service.documents.store import JobStore, worker_name
from service.formats import MEDIA_TYPES, parse_document
from service.formats.base import Block
from service.text.segment import segment

KEY, OTHER, ADMIN = "key-one", "key-two", "key-admin"

PARAGRAPHS = [
    "Le ministre des Affaires étrangères a rencontré son homologue à Séoul. Ils ont parlé du commerce.",
    "La Corée du Nord a tiré un missile balistique vers la mer de l'Est.",
    "Le taux de chômage a atteint 2,5 % en mars. Les exportations ont augmenté de 3.000 milliards de wons.",
    "Une trentaine d'experts ont participé au dialogue.",
]
TEXT = ("\n\n".join(PARAGRAPHS) + "\n").encode()
MARKDOWN = (
    "# Séoul et Bruxelles tiennent un dialogue\n\n"
    "La Corée du Sud et l'Union européenne ont tenu **mercredi** leur premier dialogue.\n\n"
    "- Les exportations ont augmenté de 2,5 %.\n"
    "- Voir [le communiqué](https://example.org/communique) pour les détails.\n"
).encode()


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def make_documents_client(
    tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path
) -> Iterator[Callable[..., tuple[TestClient, DocumentService]]]:
    """A started app with document jobs in ``tmp_path/documents`` and three keys (one admin)."""
    clients: list[TestClient] = []

    def build(slice_blocks: int = 16, **overrides: Any) -> tuple[TestClient, DocumentService]:
        settings = Settings(
            model_fr_en=str(tiny_marian),
            model_fr_ko=str(tiny_m2m100),
            num_beams=1,
            device="cpu",
            api_keys=f"{KEY},{OTHER}",
            admin_keys=ADMIN,
            **{"documents_path": tmp_path / "documents", **overrides},
        )
        app = create_app(settings)
        service = install_documents(app, app.state.service)
        service.settings = dataclasses.replace(service.settings, slice_blocks=slice_blocks, poll_s=0.05)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        wait_ready(client)
        return client, service

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def upload(
    client: TestClient,
    data: bytes = TEXT,
    name: str = "dispatch.txt",
    targets: list[str] | str = "en",
    key: str = KEY,
    **fields: str,
) -> Any:
    return client.post(
        "/v1/documents",
        files={"file": (name, data)},
        data={"target": targets, **fields},
        headers=auth(key),
    )


def wait_done(client: TestClient, job_id: str, key: str = KEY, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"/v1/documents/{job_id}", headers=auth(key)).json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job not finished: {status}")


def sentences_of(data: bytes, fmt: str) -> int:
    return count_sentences(parse_document(data, fmt).blocks)


def test_text_upload_poll_download_in_two_languages(make_documents_client: Callable[..., Any]) -> None:
    client, service = make_documents_client(slice_blocks=1)
    created = upload(client, targets=["en", "ko"])
    assert created.status_code == 202, created.text
    job = created.json()
    assert created.headers["location"] == f"/v1/documents/{job['id']}"
    assert job["status"] in ("queued", "running")
    assert (job["targets"], job["format"], job["filename"]) == (["en", "ko"], "text", "dispatch.txt")
    total = sentences_of(TEXT, "text")
    assert total == 6
    assert job["progress"]["sentences_total"] == 2 * total

    status = wait_done(client, job["id"])
    assert status["status"] == "done", status
    assert status["progress"] == {"sentences_done": 2 * total, "sentences_total": 2 * total}
    assert status["error"] is None
    for lang in ("en", "ko"):
        language = status["languages"][lang]
        assert (language["status"], language["sentences_done"], language["sentences_total"]) == (
            "done",
            total,
            total,
        )
        assert language["flagged_sentences"] <= total
        assert sum(language["flags"].values()) >= language["flagged_sentences"]
        assert language["result"] == f"/v1/documents/{job['id']}/result?lang={lang}"

        result = client.get(language["result"], headers=auth())
        assert result.status_code == 200
        assert result.headers["content-type"] == "text/plain; charset=utf-8"
        assert f"dispatch.{lang}.txt" in result.headers["content-disposition"]
        translated = parse_document(result.content, "text").blocks
        assert len(translated) == len(PARAGRAPHS)  # one translated paragraph per paragraph
        assert result.content.endswith(b"\n")

        segments = client.get(
            f"/v1/documents/{job['id']}/segments", params={"lang": lang}, headers=auth()
        ).json()
        assert segments["lang"] == lang
        assert [s["source"] for s in segments["segments"]] == [s.text for p in PARAGRAPHS for s in segment(p)]
        assert [s["block"] for s in segments["segments"]] == [0, 0, 1, 2, 2, 3]
        assert {s["where"] for s in segments["segments"]} == {f"paragraph {i}" for i in range(1, 5)}
        flagged = sum(1 for s in segments["segments"] if s["flags"])
        assert flagged == language["flagged_sentences"]
        # Each flag with its findings, in the same order.
        for s in segments["segments"]:
            assert list(dict.fromkeys(f["flag"] for f in s["findings"])) == s["flags"]
    # Several targets: the result needs ?lang=.
    assert client.get(f"/v1/documents/{job['id']}/result", headers=auth()).status_code == 400
    # One slice per block and language was saved.
    folder = service.settings.path / job["id"]
    assert sorted(p.name for p in (folder / "en").iterdir()) == [f"{i:09d}.json" for i in range(4)]


def test_markdown_keeps_its_markup(make_documents_client: Callable[..., Any]) -> None:
    client, _ = make_documents_client()
    created = upload(client, MARKDOWN, "réunion 1.md", targets="en,ko")
    assert created.status_code == 202, created.text
    assert created.json()["targets"] == ["en", "ko"]
    assert wait_done(client, created.json()["id"])["status"] == "done"
    result = client.get(f"/v1/documents/{created.json()['id']}/result?lang=en", headers=auth())
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/markdown")
    assert result.headers["content-disposition"] == (
        "attachment; filename=\"r_union 1.en.md\"; filename*=UTF-8''r%C3%A9union%201.en.md"
    )
    text = result.content.decode()
    assert text.startswith("# ")
    assert "](https://example.org/communique)" in text
    assert text.count("\n- ") == 2
    assert len(parse_document(result.content, "markdown").blocks) == len(
        parse_document(MARKDOWN, "markdown").blocks
    )


def test_html_keeps_its_tags(make_documents_client: Callable[..., Any]) -> None:
    client, _ = make_documents_client()
    page = (
        '<html><head><title>Dépêche</title></head><body><h1>Séoul</h1><p class="lead">Le ministre a '
        '<a href="https://example.org/">rencontré</a> son homologue.</p><pre>code 1</pre></body></html>'
    ).encode()
    created = upload(client, page, "dispatch.html")
    assert created.status_code == 202, created.text
    assert wait_done(client, created.json()["id"])["status"] == "done"
    result = client.get(f"/v1/documents/{created.json()['id']}/result", headers=auth())
    assert result.status_code == 200
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert "dispatch.en.html" in result.headers["content-disposition"]
    out = result.content.decode()
    for kept in ('<a href="https://example.org/">', "</a>", '<p class="lead">', "<pre>code 1</pre>", "<h1>"):
        assert out.count(kept) == 1, (kept, out)


def test_docx_comes_back_as_a_word_file(make_documents_client: Callable[..., Any]) -> None:
    document = docx.Document()
    document.add_heading("Séoul et Bruxelles tiennent un dialogue", 1)
    paragraph = document.add_paragraph("Le ministre a ")
    paragraph.add_run("rencontré").bold = True
    paragraph.add_run(" son homologue à Séoul.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Les exportations ont augmenté."
    table.cell(0, 1).text = "Le chômage a baissé."
    sink = io.BytesIO()
    document.save(sink)

    client, _ = make_documents_client()
    created = upload(client, sink.getvalue(), "depeche.docx", targets="ko")
    assert created.status_code == 202, created.text
    assert created.json()["format"] == "docx"
    assert wait_done(client, created.json()["id"])["status"] == "done"
    result = client.get(f"/v1/documents/{created.json()['id']}/result", headers=auth())
    assert result.status_code == 200
    assert result.headers["content-type"] == MEDIA_TYPES["docx"]
    assert "depeche.ko.docx" in result.headers["content-disposition"]
    translated = docx.Document(io.BytesIO(result.content))  # opens as a Word file
    assert len(translated.paragraphs) == len(document.paragraphs)
    bold = [run.bold for run in translated.paragraphs[1].runs]
    assert True in bold and set(bold) <= {None, True}  # the bold run's formatting is carried over
    assert len(translated.tables[0].rows[0].cells) == 2


def test_format_field_overrides_the_file_name(make_documents_client: Callable[..., Any]) -> None:
    client, _ = make_documents_client()
    created = upload(client, MARKDOWN, "note.bin", format="markdown")
    assert created.status_code == 202, created.text
    assert created.json()["format"] == "markdown"
    assert upload(client, MARKDOWN, "note.bin").status_code == 400  # neither name nor type says
    assert upload(client, MARKDOWN, "note.md", format="pdf").status_code == 400


def test_bad_files_are_refused_before_any_job_exists(make_documents_client: Callable[..., Any]) -> None:
    client, service = make_documents_client(document_max_bytes=2048)
    not_utf8 = upload(client, b"Le ministre \xff\xfe est arriv\xe9.", "bad.txt")
    assert not_utf8.status_code == 400
    assert "UTF-8" in not_utf8.json()["error"]["message"]
    assert upload(client, b"\n\n  \n", "empty.txt").status_code == 400
    assert upload(client, TEXT, "dispatch.txt", targets="de").status_code == 400
    assert upload(client, TEXT, "dispatch.txt", targets=" , ").status_code == 400
    too_big = upload(client, b"Le ministre est arriv\xc3\xa9. " * 200, "big.txt")
    assert too_big.status_code == 413
    assert "2048" in too_big.json()["error"]["message"]
    assert client.get("/v1/documents", headers=auth()).json() == {"jobs": []}
    assert [p.name for p in service.settings.path.iterdir() if p.is_dir()] == []


def test_another_key_cannot_see_a_job_and_an_admin_key_can(make_documents_client: Callable[..., Any]) -> None:
    client, _ = make_documents_client()
    job_id = upload(client).json()["id"]
    wait_done(client, job_id)
    for path in ("", "/result", "/segments"):
        response = client.get(f"/v1/documents/{job_id}{path}", headers=auth(OTHER))
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "not_found"
    unknown = client.get("/v1/documents/no-such-job", headers=auth())
    assert (unknown.status_code, unknown.json()["error"]) == (404, response.json()["error"])
    assert client.delete(f"/v1/documents/{job_id}", headers=auth(OTHER)).status_code == 404
    assert client.get("/v1/documents", headers=auth(OTHER)).json() == {"jobs": []}
    assert [j["id"] for j in client.get("/v1/documents", headers=auth()).json()["jobs"]] == [job_id]
    assert client.get(f"/v1/documents/{job_id}", headers=auth(ADMIN)).status_code == 200
    assert [j["id"] for j in client.get("/v1/documents", headers=auth(ADMIN)).json()["jobs"]] == [job_id]
    assert client.get(f"/v1/documents/{job_id}").status_code == 401  # no key at all


def test_delete_removes_the_job_and_its_files(make_documents_client: Callable[..., Any]) -> None:
    client, service = make_documents_client()
    job_id = upload(client).json()["id"]
    wait_done(client, job_id)
    assert (service.settings.path / job_id / "result.en").is_file()
    assert client.delete(f"/v1/documents/{job_id}", headers=auth()).status_code == 204
    assert client.get(f"/v1/documents/{job_id}", headers=auth()).status_code == 404
    assert client.get(f"/v1/documents/{job_id}/result", headers=auth()).status_code == 404
    assert not (service.settings.path / job_id).exists()
    assert client.delete(f"/v1/documents/{job_id}", headers=auth()).status_code == 404


def test_jobs_per_key_are_bounded(make_documents_client: Callable[..., Any]) -> None:
    client, _ = make_documents_client(document_jobs_per_key=2)
    first = upload(client).json()["id"]
    assert upload(client).status_code == 202
    refused = upload(client)
    assert refused.status_code == 429
    assert refused.json()["error"]["type"] == "too_many_jobs"
    assert "limit is 2" in refused.json()["error"]["message"]
    assert upload(client, key=OTHER).status_code == 202  # each key has its own bound
    wait_done(client, first)
    assert client.delete(f"/v1/documents/{first}", headers=auth()).status_code == 204
    assert upload(client).status_code == 202


def test_expired_jobs_are_removed(make_documents_client: Callable[..., Any]) -> None:
    client, service = make_documents_client(document_ttl_hours=1)
    old, recent = upload(client).json()["id"], upload(client).json()["id"]
    wait_done(client, old)
    wait_done(client, recent)
    status = client.get(f"/v1/documents/{recent}", headers=auth()).json()
    assert status["expires"] > status["created"]
    with sqlite3.connect(service.settings.path / "jobs.sqlite3") as db:
        db.execute("UPDATE jobs SET created = created - 3601 WHERE id = ?", (old,))
    db.close()
    assert service.runner is not None
    assert service.runner.cleanup() == 1
    assert client.get(f"/v1/documents/{old}", headers=auth()).status_code == 404
    assert not (service.settings.path / old).exists()
    assert client.get(f"/v1/documents/{recent}", headers=auth()).status_code == 200


def test_an_unusable_folder_leaves_the_rest_of_the_service_up(
    make_documents_client: Callable[..., Any], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    client, _ = make_documents_client(documents_path=blocker / "documents")
    assert client.get("/readyz").status_code == 200
    response = upload(client)
    assert response.status_code == 503
    assert "MTS_DOCUMENTS_PATH" in response.json()["error"]["message"]


def test_result_is_409_until_done(make_documents_client: Callable[..., Any]) -> None:
    client, service = make_documents_client()
    assert service.runner is not None
    service.runner.stop()  # nothing runs jobs: the job stays queued
    job_id = upload(client).json()["id"]
    status = client.get(f"/v1/documents/{job_id}", headers=auth()).json()
    assert status["status"] == "queued"
    assert status["progress"]["sentences_done"] == 0
    response = client.get(f"/v1/documents/{job_id}/result", headers=auth())
    assert response.status_code == 409
    assert response.json()["error"]["type"] == "not_done"
    assert client.get(f"/v1/documents/{job_id}/segments", headers=auth()).json()["segments"] == []


def test_an_interrupted_job_resumes_where_it_stopped(make_documents_client: Callable[..., Any]) -> None:
    """A runner stops after two slices; another one finishes the job translating only the rest."""
    client, service = make_documents_client()
    assert service.runner is not None
    service.runner.stop()
    job_id = upload(client, targets="en").json()["id"]
    pipeline = client.app.state.service.runtime.pipeline
    settings = dataclasses.replace(service.settings, slice_blocks=1)
    store = JobStore(settings.path)
    seen: list[list[str]] = []
    first: DocumentRunner | None = None

    def stopping_after_two(blocks: list[Block], target: str, **options: Any) -> Any:
        seen.append([b.text for b in blocks])
        if len(seen) == 3:
            assert first is not None
            first.stop(timeout_s=0)  # the service stops during the third slice
        return pipeline.translate_blocks(blocks, target, **options)

    first = DocumentRunner(store, settings, stopping_after_two, lambda: True)
    claimed = store.claim(first.worker, settings.stale_s, lambda w: False)
    assert claimed is not None
    first.run(claimed)
    halfway = store.get(job_id)
    assert halfway is not None
    assert (halfway.status, halfway.worker, halfway.progress["en"].blocks_done) == ("queued", None, 2)
    assert halfway.progress["en"].sentences_done == count_sentences([Block(p) for p in PARAGRAPHS[:2]])

    resumed: list[list[str]] = []

    def recording(blocks: list[Block], target: str, **options: Any) -> Any:
        resumed.append([b.text for b in blocks])
        return pipeline.translate_blocks(blocks, target, **options)

    second = DocumentRunner(store, settings, recording, lambda: True)
    claimed = store.claim(second.worker, settings.stale_s, lambda w: False)
    assert claimed is not None
    second.run(claimed)
    assert resumed == [[PARAGRAPHS[2]], [PARAGRAPHS[3]]]
    status = wait_done(client, job_id)
    assert status["status"] == "done"
    assert status["progress"] == {"sentences_done": 6, "sentences_total": 6}
    result = client.get(f"/v1/documents/{job_id}/result", headers=auth())
    assert len(parse_document(result.content, "text").blocks) == len(PARAGRAPHS)


def test_a_killed_workers_job_is_taken_over_once(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job = store.create(
        owner="a",
        filename="a.txt",
        fmt="text",
        targets=["en"],
        translate_attributes=True,
        data=TEXT,
        blocks_total=4,
        sentences_total=6,
        max_jobs=5,
    )
    dead, me, other = "host:1:dead", worker_name(), "elsewhere:7:x"
    assert store.claim(dead, stale_s=60, gone=lambda w: False) is not None
    # Running with a fresh heartbeat: nobody may take it...
    assert store.claim(me, stale_s=60, gone=lambda w: False) is None
    # ...unless its worker is known dead, and then exactly one taker wins.
    assert store.claim(me, stale_s=60, gone=lambda w: w == dead) is not None
    assert store.claim(other, stale_s=60, gone=lambda w: w == dead) is None
    # A stale heartbeat makes it free again, for any worker.
    taken = store.claim(other, stale_s=60, gone=lambda w: False, now=time.time() + 120)
    assert taken is not None and taken.worker == other and taken.attempts == 3
    assert not store.heartbeat(job.id, me)  # the previous holder has lost it
    assert store.heartbeat(job.id, other)


def test_libretranslate_translate_file(make_documents_client: Callable[..., Any]) -> None:
    client, _ = make_documents_client()
    response = client.post(
        "/translate_file",
        files={"file": ("dispatch.txt", TEXT)},
        data={"source": "fr", "target": "ko"},
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    url = response.json()["translatedFileUrl"]
    assert url.startswith("http://testserver/download_file/")
    assert url.endswith("/dispatch.ko.txt")
    download = client.get(url, headers=auth())
    assert download.status_code == 200
    assert len(parse_document(download.content, "text").blocks) == len(PARAGRAPHS)
    assert client.get(url.replace("dispatch.ko.txt", "other.ko.txt"), headers=auth()).status_code == 404
    # The job behind it is an ordinary one of the caller.
    (job,) = client.get("/v1/documents", headers=auth()).json()["jobs"]
    assert (job["status"], job["targets"]) == ("done", ["ko"])

    for missing in ({"source": "fr"}, {"target": "en"}):
        bad = client.post("/translate_file", files={"file": ("d.txt", TEXT)}, data=missing, headers=auth())
        assert bad.status_code == 400
    no_file = client.post("/translate_file", data={"source": "fr", "target": "en"}, headers=auth())
    assert no_file.status_code == 400
    english = client.post(
        "/translate_file",
        files={"file": ("d.txt", TEXT)},
        data={"source": "en", "target": "ko"},
        headers=auth(),
    )
    assert english.status_code == 400
