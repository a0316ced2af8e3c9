"""`mts glossary add|list|show|rm` and `mts batch --glossary-id`, run through the installed entry
point."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.text.glossary import parse_entries

MTS = str(Path(sys.executable).with_name("mts"))
TSV = "kind\tfr\ten\tko\nperson\tPark Seo-yeon\tPark Seo-yeon\t박서연\nplace\tBusan\tBusan\t부산\n"
CSV = 'kind,fr,en,ko,note\nterm,"sécurité spatiale",space security,우주 안보,"EU, 2024"\n'
SOURCE = "La ministre Park Seo-yeon est arrivée mardi."


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")} | env
    return subprocess.run([MTS, *args], env=full, capture_output=True, text=True, timeout=300, check=False)


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mts: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], proc.stderr


@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    return {"MTS_GLOSSARIES_PATH": str(tmp_path / "store" / "glossaries.sqlite3")}


def test_add_list_show_rm(store_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "noms.tsv").write_text(TSV, encoding="utf-8")
    (tmp_path / "termes.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "more.txt").write_text(json.dumps([{"fr": "Incheon", "ko": "인천"}]), encoding="utf-8")
    added = run("glossary", "add", "noms", str(tmp_path / "noms.tsv"), env=store_env)
    assert added.returncode == 0, added.stderr
    first = added.stdout.strip()
    record = run(
        "glossary",
        "add",
        "termes",
        str(tmp_path / "termes.csv"),
        "--json",
        env=store_env | {"MTS_API_KEY": "k1"},
    )
    second = json.loads(record.stdout)
    assert second["entries"] == 1 and second["counts"]["term"] == 1
    assert second["owner"] == hashlib.sha256(b"k1").hexdigest()[:12]  # the id the server gives key k1
    third = run("glossary", "add", "plus", str(tmp_path / "more.txt"), "--format", "json", env=store_env)
    assert third.returncode == 0, third.stderr

    listed = run("glossary", "list", env=store_env).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == [first, second["id"], third.stdout.strip()]
    assert listed[0].split("\t")[1:3] == ["2", "anonymous"] and listed[0].endswith("\tnoms")
    shown = json.loads(run("glossary", "show", first, env=store_env).stdout)
    assert shown["counts"] == {"fr": 2, "en": 2, "ko": 2, "person": 1, "place": 1}
    entries = run("glossary", "show", first, "--entries", env=store_env).stdout
    assert parse_entries(entries, "tsv") == parse_entries(TSV, "tsv")

    assert run("glossary", "rm", first, env=store_env).returncode == 0
    one_line_error(run("glossary", "rm", first, env=store_env), f"no glossary with id {first!r}")
    one_line_error(run("glossary", "show", first, env=store_env), "no glossary")
    remaining = json.loads(run("glossary", "list", "--json", env=store_env).stdout)
    assert [g["id"] for g in remaining] == [second["id"], third.stdout.strip()]


def test_bad_files_are_one_line_errors(store_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("kind\tfr\ten\tko\nterm\tA\tB\tC\nalien\tA\tB\tC\n", encoding="utf-8")
    one_line_error(run("glossary", "add", "x", str(bad), env=store_env), "bad.tsv:3: unknown kind 'alien'")
    one_line_error(run("glossary", "add", "x", str(tmp_path / "missing.tsv"), env=store_env), "no such file")
    one_line_error(run("glossary", "add", "x", str(tmp_path / "x.yaml"), env=store_env), "--format")
    big = run("glossary", "add", "x", str(bad), env=store_env | {"MTS_GLOSSARY_MAX_ENTRIES": "1"})
    one_line_error(big, "more than 1 entries")
    assert run("glossary", "list", env=store_env).stdout == ""


@pytest.mark.slow
def test_batch_uses_a_stored_glossary_and_refuses_an_unknown_one(
    models_env: dict[str, str], store_env: dict[str, str], tmp_path: Path
) -> None:
    env = models_env | store_env
    (tmp_path / "noms.tsv").write_text(TSV, encoding="utf-8")
    glossary_id = run("glossary", "add", "noms", str(tmp_path / "noms.tsv"), env=env).stdout.strip()
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": SOURCE}) + "\n", encoding="utf-8")
    common = ["--langs", "en", "--no-summaries", "--no-cache", "--quiet"]

    unknown = run("batch", str(source), str(tmp_path / "x.jsonl"), *common, "--glossary-id", "nope", env=env)
    one_line_error(unknown, "no glossary with id 'nope'")
    assert not (tmp_path / "x.jsonl").exists()

    outputs = {}
    for name, extra in [("plain", []), ("stored", ["--glossary-id", glossary_id])]:
        done = run("batch", str(source), str(tmp_path / f"{name}.jsonl"), *common, *extra, env=env)
        assert done.returncode == 0, done.stderr
        line = json.loads((tmp_path / f"{name}.jsonl").read_text(encoding="utf-8"))
        segment = line["translations"]["en"]["segments"][0]
        outputs[name] = (set(segment["flags"]), segment["translation"])
    name_flags = {"entity_mismatch", "term_not_applied"}
    assert not name_flags & outputs["plain"][0] and "Park Seo-yeon" not in outputs["plain"][1]
    assert name_flags & outputs["stored"][0] or "Park Seo-yeon" in outputs["stored"][1]
