"""The `mts` command line, run through its installed entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service.text.segment import segment

MTS = str(Path(sys.executable).with_name("mts"))


def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    full_env.update(env or {})
    proc = subprocess.run(
        [MTS, *args], input=stdin, env=full_env, capture_output=True, timeout=300, check=False
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


def assert_exit_follows_review(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON a command printed; it exits 1 exactly when that JSON says ``"review": true``."""
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    assert proc.returncode == (1 if data["review"] else 0), proc.stderr
    return data


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("mts: error: ")
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(("target", "model_key"), [("en", "MTS_MODEL_FR_EN"), ("ko", "MTS_MODEL_FR_KO")])
@pytest.mark.slow
def test_translate_json_has_one_segment_per_sentence(
    target: str, model_key: str, models_env: dict[str, str], sample_text: str, tmp_path: Path
) -> None:
    source = tmp_path / "dispatch.txt"
    source.write_text(sample_text, encoding="utf-8")
    proc = run("translate", "--to", target, "--json", str(source), env=models_env)
    data = assert_exit_follows_review(proc)
    assert data["source_lang"] == "fr" and data["target_lang"] == target
    assert data["models"] == [
        {"id": models_env[model_key], "revision": "local", "backend": "ctranslate2-int8"}
    ]
    sentences = segment(sample_text)
    assert [s["source"] for s in data["segments"]] == [s.text for s in sentences]
    assert [s["paragraph"] for s in data["segments"]] == [s.paragraph for s in sentences]
    paragraphs = sample_text.strip().split("\n\n")
    assert max(s["paragraph"] for s in data["segments"]) == len(paragraphs) - 1
    assert data["translation"].strip().count("\n\n") == len(paragraphs) - 1
    for segment_ in data["segments"]:
        assert isinstance(segment_["translation"], str)
        assert segment_["score"] is None or segment_["score"] <= 0


@pytest.mark.slow
def test_translate_plain_text_from_stdin_keeps_paragraphs(models_env: dict[str, str]) -> None:
    text = "Premier paragraphe. Deux phrases.\n\nSecond paragraphe.\n"
    proc = run("translate", "--to", "en", "--allow-flags", "-", env=models_env, stdin=text.encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().count("\n\n") == 1


@pytest.mark.slow
def test_empty_input_gives_empty_output(models_env: dict[str, str]) -> None:
    proc = run("translate", "--to", "en", "--json", env=models_env, stdin=b"")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["translation"] == "" and data["segments"] == []


@pytest.mark.slow
def test_pivot_through_english_lists_both_models(models_env: dict[str, str], tiny_m2m100: Path) -> None:
    env = {**models_env, "MTS_MODEL_EN_KO": str(tiny_m2m100)}
    proc = run("translate", "--to", "ko", "--json", env=env, stdin=b"Bonjour. Au revoir.")
    data = assert_exit_follows_review(proc)
    assert [m["id"] for m in data["models"]] == [models_env["MTS_MODEL_FR_EN"], str(tiny_m2m100)]
    assert len(data["segments"]) == 2


def test_missing_model_offline_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = run(
        "translate",
        "--to",
        "en",
        env={"MTS_MODELS_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"},
        stdin=b"Salut.",
    )
    assert_one_line_error(
        proc, "Helsinki-NLP/opus-mt-fr-en", "mts models pull opus-mt-fr-en", "MTS_MODEL_FR_EN"
    )


def test_broken_export_is_refused_with_exit_2(tiny_marian_broken: Path) -> None:
    proc = run("translate", "--to", "en", env={"MTS_MODEL_FR_EN": str(tiny_marian_broken)}, stdin=b"Salut.")
    assert_one_line_error(proc, "broken export", "vocab.json covers only")


def test_unsupported_pair_lists_supported_ones(models_env: dict[str, str]) -> None:
    proc = run("translate", "--to", "de", env=models_env, stdin=b"Salut.")
    assert_one_line_error(proc, "cannot translate fr→de", "fr→en", "fr→ko")


def test_bad_input_files(models_env: dict[str, str], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Séoul".encode("latin-1"))
    assert_one_line_error(run("translate", str(latin1), env=models_env), "not UTF-8")
    assert_one_line_error(run("translate", str(tmp_path / "nope.txt"), env=models_env), "no such file")


def test_invalid_setting_names_the_variable(models_env: dict[str, str]) -> None:
    proc = run("translate", env={**models_env, "MTS_DEVICE": "gpu"}, stdin=b"Salut.")
    assert_one_line_error(proc, "MTS_DEVICE")


def test_models_list_shows_catalog_status_and_licences(models_env: dict[str, str]) -> None:
    proc = run("models", "list", env=models_env)
    assert proc.returncode == 0, proc.stderr
    assert "Helsinki-NLP/opus-mt-fr-en" in proc.stdout
    assert "NON-COMMERCIAL" in proc.stdout
    data = json.loads(run("models", "list", "--json", env=models_env).stdout)
    by_name = {m["name"]: m for m in data["models"]}
    assert by_name["opus-mt-fr-en"]["status"] == "missing"
    local = by_name[models_env["MTS_MODEL_FR_EN"]]
    assert local["status"] == "present" and local["used_by"] == ["MTS_MODEL_FR_EN"]
    assert local["size_mb"] > 0


def test_models_pull_offline_fails_cleanly(tmp_path: Path) -> None:
    proc = run(
        "models", "pull", "opus-mt-fr-en", env={"MTS_MODELS_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "pulling Helsinki-NLP/opus-mt-fr-en ..."
    proc.stderr = "\n".join(proc.stderr.splitlines()[1:])
    assert_one_line_error(proc, "could not download Helsinki-NLP/opus-mt-fr-en")
    assert not (tmp_path / "Helsinki-NLP--opus-mt-fr-en").exists()


@pytest.mark.slow
def test_process_json_has_every_key_and_checked_bullets(models_env: dict[str, str], tmp_path: Path) -> None:
    from conftest import SAMPLE

    proc = run("process", "--json", "--bullets", "4", str(SAMPLE), env=models_env)
    data = assert_exit_follows_review(proc)
    assert set(data) >= {"id", "source", "translations", "summaries", "models", "prompt", "timings_ms"}
    assert set(data["translations"]) == {"en", "ko"}
    for lang in ("fr", "en", "ko"):
        assert len(data["summaries"][lang]) == 4
        assert all(isinstance(b["supported"], bool) for b in data["summaries"][lang])
    texts = [b["text"] for b in data["summaries"]["fr"]]
    assert not any("YONHAP News" in t or "(Yonhap)" in t for t in texts)


@pytest.mark.slow
def test_process_markdown_and_bad_options(models_env: dict[str, str]) -> None:
    proc = run(
        "process",
        "--langs",
        "en",
        "--allow-flags",
        env=models_env,
        stdin="Le ministre a parlé. Il est parti.".encode(),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Dispatch sha256:")
    assert "## English" in proc.stdout and "### Français" in proc.stdout
    assert_one_line_error(run("process", "--langs", "de", env=models_env, stdin=b"Salut."), "de")
    assert_one_line_error(
        run("process", "--summarizer", "magic", env=models_env, stdin=b"Salut."), "unknown summarizer"
    )
    bad_bullets = run("process", "--bullets", "9", env=models_env, stdin=b"Salut.")
    assert bad_bullets.returncode == 2 and "Traceback" not in bad_bullets.stderr


@pytest.mark.slow
def test_style_option_on_translate_process_and_batch(models_env: dict[str, str], tmp_path: Path) -> None:
    """`--style` reaches every command that writes Korean; an unknown one is refused before work."""
    stdin = "Le ministre a parlé. Il est parti.".encode()
    polite = run("translate", "--to", "ko", "--style", "polite", "--allow-flags", env=models_env, stdin=stdin)
    assert polite.returncode == 0, polite.stderr
    assert polite.stdout.strip()
    known = "the styles are: news, polite"
    assert_one_line_error(
        run("translate", "--to", "ko", "--style", "formal", env=models_env, stdin=stdin), known
    )
    assert_one_line_error(run("process", "--style", "formal", env=models_env, stdin=stdin), known)
    records = tmp_path / "in.jsonl"
    records.write_text('{"id": "a", "text": "Le ministre a parlé."}\n', encoding="utf-8")
    output = tmp_path / "out.jsonl"
    assert_one_line_error(run("batch", str(records), str(output), "--style", "formal", env=models_env), known)
    assert not output.exists()


@pytest.mark.slow
def test_process_with_seq2seq_and_instruct_summarizers(
    models_env: dict[str, str], tiny_bart: Path, tiny_causal_lm: Path
) -> None:
    from conftest import SAMPLE

    proc = run("process", "--json", "--summarizer", f"seq2seq:{tiny_bart}", str(SAMPLE), env=models_env)
    data = assert_exit_follows_review(proc)
    assert data["summarizer"]["used"] == f"seq2seq:{tiny_bart}"
    assert data["models"]["summarizer"] == [{"id": str(tiny_bart), "revision": "local"}]
    assert set(data["summaries"]) == {"fr", "en", "ko"}

    proc = run("process", "--json", "--summarizer", f"instruct:{tiny_causal_lm}", str(SAMPLE), env=models_env)
    data = assert_exit_follows_review(proc)
    assert data["summarizer"]["used"] == "extractive"
    assert "malformed answer twice" in data["summarizer"]["fallback_reason"]
    assert len(data["summaries"]["ko"]) == 3


@pytest.mark.slow
def test_process_markdown_lists_the_sentences_to_check(models_env: dict[str, str]) -> None:
    from conftest import SAMPLE

    as_json = run("process", "--json", "--langs", "en,ko", str(SAMPLE), env=models_env)
    data = assert_exit_follows_review(as_json)
    proc = run("process", "--langs", "en,ko", str(SAMPLE), env=models_env)
    assert proc.returncode == as_json.returncode, proc.stderr
    segments = [s for lang in ("en", "ko") for s in data["translations"][lang]["segments"]]
    flagged = [s for s in segments if s["flags"]]
    assert flagged, "tiny models' output is always flagged somewhere"
    for lang, heading in (("en", "## English"), ("ko", "## 한국어 (Korean)")):
        own = data["translations"][lang]["segments"]
        section = proc.stdout.split(heading, 1)[1].split("\n## ", 1)[0]
        count = sum(1 for s in own if s["flags"])
        if count:
            assert f"**To check: {count} of {len(own)} sentences**" in section
        for number, sentence in enumerate(own, start=1):
            line = f"- ⚠ sentence {number}: {sentence['translation'].strip()}"
            assert (line in section) == bool(sentence["flags"]), line
            for flag in sentence["flags"]:
                assert f"  - {flag}: " in section
    note = f"mts: {len(flagged)} of {len(segments)} sentences"
    assert proc.stderr.startswith(note), proc.stderr
    assert proc.stderr.rstrip().endswith("to check (--json shows which and why)")


def test_version_names_package_models_and_backend(models_env: dict[str, str]) -> None:
    from importlib.metadata import version

    proc = run("--version", env={**models_env, "MTS_BACKEND": "torch"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"mts {version('mts')}"
    assert lines[1] == "models:"
    assert [line.split() for line in lines[2:4]] == [
        ["MTS_MODEL_FR_EN", f"{models_env['MTS_MODEL_FR_EN']}@local"],
        ["MTS_MODEL_FR_KO", f"{models_env['MTS_MODEL_FR_KO']}@local"],
    ]
    assert lines[-1] == "backend: torch → torch"
    pinned = {
        "MTS_MODEL_FR_EN": "Helsinki-NLP/opus-mt-fr-en@abc123",
        "MTS_MODELS_DIR": models_env["MTS_MODELS_DIR"],
    }
    missing = run("--version", env=pinned)
    assert "Helsinki-NLP/opus-mt-fr-en@abc123 (missing: mts models pull)" in missing.stdout
    assert missing.returncode == 0, missing.stderr


@pytest.mark.parametrize("command", ["batch", "batch-verify", "check", "process", "models pull", "eval run"])
def test_help_shows_plain_usage_and_flags_without_a_type(command: str) -> None:
    proc = run(*command.split(), "--help", env={"COLUMNS": "100"})
    assert proc.returncode == 0, proc.stderr
    usage = next(line for line in proc.stdout.splitlines() if "Usage:" in line)
    assert "{" not in usage and "<" not in usage, usage
    assert not any(ch.islower() for ch in usage.split("[OPTIONS]", 1)[1]), usage
    assert "<bool>" not in proc.stdout
    assert "Exit codes: 0 " in proc.stdout


@pytest.mark.slow
def test_batch_and_batch_verify_read_a_directory_by_pattern(
    models_env: dict[str, str], tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    (archive / "2025").mkdir(parents=True)
    (archive / "2025" / "a.md").write_text("Le ministre est arrivé.", encoding="utf-8")
    (archive / "b.txt").write_text("Il est parti.", encoding="utf-8")
    (archive / "README.md").write_text("# Archive de dépêches", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    common = ("--langs", "en", "--no-summaries", "-q")
    proc = run("batch", str(archive), str(output), "--glob", "*.md", *common, env=models_env)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == ["2025/a.md"]
    assert run("batch-verify", str(archive), str(output), "--glob", "*.md").returncode == 0
    other = run("batch-verify", str(archive), str(output))  # the default pattern: *.txt
    assert other.returncode == 1 and "missing: 1: b.txt" in other.stdout
    assert_one_line_error(
        run("batch", str(archive), str(tmp_path / "x.jsonl"), "--glob", "*.rst", *common, env=models_env),
        "matches '*.rst'",
        "--glob",
    )
