"""Every command's exit codes, one table row per command.

0: done, nothing needs attention; 1: done, but something needs attention (flagged lines or
sentences, failed records, a gate regression, a batch output that does not match its input);
2: usage, configuration or input error. ``mts serve`` runs until it is stopped: stopped by
SIGTERM, it shuts down gracefully and ends by that signal, as servers do. A command added to the
CLI without a row here fails :func:`test_every_command_has_a_row`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer.main
import yaml
from api_helpers import MTS, free_port, wait_until_serving
from test_cli import assert_one_line_error, run

from service.cli import app
from service.config import Settings
from service.evaluation.suites import eval_dir

# How a process ends that its SIGTERM handler shut down cleanly (subprocess's negative status).
STOPPED = -int(signal.SIGTERM)
NUMBERS_FR = "Le budget atteindra 2.200.112 milliards de wons en 2031, selon le ministère.\n"


@dataclass
class Workspace:
    """What a case builds its command from: a scratch directory and the tiny models' settings."""

    tmp: Path
    models_env: dict[str, str]

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return str(path)

    def suite(self, baseline_shift: float | None = None) -> str:
        """A copy of the offline suite over one dispatch; with ``baseline_shift``, its baseline is
        the committed one with every metric moved that far past its tolerance towards "better"
        (scores are out of 100: a shift of 200 fails the gate, -200 passes it)."""
        root = self.tmp / "eval"
        data = root / "data"
        data.mkdir(parents=True, exist_ok=True)
        first = sorted((eval_dir() / "data" / "yonhap-fr").glob("*.yaml"))[0]
        shutil.copy(first, data / first.name)
        spec = yaml.safe_load((eval_dir() / "suites" / "offline.yaml").read_text(encoding="utf-8"))
        spec["data"] = "../data"
        (root / "suites").mkdir(exist_ok=True)
        path = root / "suites" / "offline.yaml"
        path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        if baseline_shift is not None:
            baseline = json.loads((eval_dir() / "baselines" / "offline.json").read_text(encoding="utf-8"))
            for spec_ in baseline["metrics"].values():
                step = spec_["tolerance"] + baseline_shift
                spec_["value"] += step if spec_.get("higher_is_better", True) else -step
            (root / "baselines").mkdir(exist_ok=True)
            (root / "baselines" / "offline.json").write_text(json.dumps(baseline), encoding="utf-8")
        return str(path)


@dataclass
class Case:
    """One run of a command and the exit code it must give."""

    code: int
    name: str
    build: Callable[[Workspace], tuple[list[str], dict[str, str], bytes | None]]
    slow: bool = False
    # Exit code 2 from the command line parser (typer's usage message), not a one-line error.
    usage: bool = False
    # Text stdout or stderr must hold (for exit code 1: the command ran to the end).
    shows: list[str] = field(default_factory=list)


def _args(
    *args: str, stdin: bytes | None = None
) -> Callable[[Workspace], tuple[list[str], dict[str, str], bytes | None]]:
    """A case whose command line needs nothing from the workspace but the models."""
    return lambda ws: (list(args), ws.models_env, stdin)


WEEKDAY_SOURCE = "SÉOUL, 9 avril (Yonhap) -- Le ministère a annoncé mardi un plan.\n"


def _check(
    ws: Workspace, source: str, translation: str, *extra: str
) -> tuple[list[str], dict[str, str], None]:
    return ["check", ws.file("src.txt", source), ws.file("out.txt", translation), *extra], {}, None


def _weekday(ws: Workspace, year: str) -> tuple[list[str], dict[str, str], None]:
    """ "mardi" under "9 avril" written as the 8th, checked with the datelines' ``year``."""
    return _check(
        ws, WEEKDAY_SOURCE, "(서울=연합뉴스) 정부는 8일 계획을 발표했다.\n", "--to", "ko", "--year", year
    )


def _batch(ws: Workspace, lines: list[str], *extra: str) -> tuple[list[str], dict[str, str], None]:
    source = ws.file("in.jsonl", "".join(line + "\n" for line in lines))
    output = str(ws.tmp / "out.jsonl")
    return ["batch", source, output, "--langs", "en", "--no-summaries", "-q", *extra], ws.models_env, None


def _verify(ws: Workspace, ids: list[str]) -> tuple[list[str], dict[str, str], None]:
    source = ws.file("in.jsonl", '{"id": "a", "text": "Salut."}\n{"id": "b", "text": "Merci."}\n')
    output = ws.file("out.jsonl", "".join(json.dumps({"id": i, "translations": {}}) + "\n" for i in ids))
    return ["batch-verify", source, output], {}, None


def _score(ws: Workspace, refs: int) -> tuple[list[str], dict[str, str], None]:
    hyp = ws.file("hyp.txt", "The minister arrived.\nHe left.\n")
    ref = ws.file("ref.txt", "\n".join(["The minister came."] * refs) + "\n")
    return ["eval", "score", "--hyp", hyp, "--ref", ref, "--lang", "en", "--bootstrap", "0"], {}, None


def _eval_run(
    ws: Workspace, *extra: str, shift: float | None = None
) -> tuple[list[str], dict[str, str], None]:
    suite = ws.suite(shift)
    return (
        ["eval", "run", "--suite", suite, "--bootstrap", "0", "--report", str(ws.tmp / "r"), *extra],
        {},
        None,
    )


def _glossary(ws: Workspace, *args: str, stored: bool = False) -> tuple[list[str], dict[str, str], None]:
    """``mts glossary ...`` on the workspace's own store; with ``stored``, one glossary (id
    ``{id}`` in ``args``) is stored there first."""
    env = {"MTS_GLOSSARIES_PATH": str(ws.tmp / "glossaries.sqlite3")}
    if stored:
        from service.glossaries import open_store
        from service.text.glossary import parse_entries

        entries = parse_entries("kind\tfr\ten\tko\nplace\tBusan\tBusan\t부산\n", "tsv", where="test")
        settings = Settings(glossaries_path=ws.tmp / "glossaries.sqlite3")
        record = open_store(settings).create(
            owner="anonymous", name="noms", entries=entries, max_entries=10, max_glossaries=10
        )
        args = tuple(arg.replace("{id}", record.id) for arg in args)
    return ["glossary", *args], env, None


TABLE: dict[str, list[Case]] = {
    "mts": [
        Case(0, "version", _args("--version")),
        Case(2, "unknown-option", _args("--no-such-option"), usage=True),
    ],
    "translate": [
        Case(0, "nothing-flagged", _args("translate", "--to", "en", stdin=b"")),
        Case(1, "flagged", _args("translate", "--to", "en", stdin=NUMBERS_FR.encode())),
        Case(0, "allow-flags", _args("translate", "--to", "en", "--allow-flags", stdin=NUMBERS_FR.encode())),
        Case(2, "unsupported-pair", _args("translate", "--to", "de", stdin=b"Salut.")),
        Case(2, "unknown-format", _args("translate", "--to", "en", "--format", "pdf", stdin=b"Salut.")),
        Case(
            2,
            "word-without-output",
            _args("translate", "--to", "en", "--format", "docx", stdin=b"PK"),
            shows=["--output"],
        ),
        Case(
            2,
            "malformed-word-file",
            lambda ws: (
                ["translate", "--to", "en", ws.file("bad.docx", "not a zip"), "-o", str(ws.tmp / "o.docx")],
                ws.models_env,
                None,
            ),
        ),
    ],
    "process": [
        Case(0, "nothing-flagged", _args("process", "--langs", "en", stdin=b"")),
        Case(
            1,
            "flagged",
            _args("process", "--langs", "en", stdin=NUMBERS_FR.encode()),
            shows=["## English", "**To check: 1 of 1 sentences**"],
        ),
        Case(0, "allow-flags", _args("process", "--langs", "en", "--allow-flags", stdin=NUMBERS_FR.encode())),
        Case(2, "unknown-language", _args("process", "--langs", "de", stdin=b"Salut.")),
        Case(2, "word-file", _args("process", "--langs", "en", "--format", "docx", stdin=b"PK")),
    ],
    "batch": [
        Case(0, "every-record-done", lambda ws: _batch(ws, ['{"id": "a", "text": "Salut."}'])),
        Case(1, "a-record-failed", lambda ws: _batch(ws, ['{"id": "a", "text": "Salut."}', "not json"])),
        Case(
            0,
            "allow-failures",
            lambda ws: _batch(ws, ['{"id": "a", "text": "Salut."}', "not json"], "--allow-failures"),
        ),
        Case(
            2,
            "directory-without-dispatches",
            lambda ws: (
                ["batch", str(Path(ws.file("archive/README.md", "# About")).parent), str(ws.tmp / "o.jsonl")],
                ws.models_env,
                None,
            ),
        ),
        Case(
            2,
            "word-is-not-a-batch-format",
            lambda ws: _batch(ws, ['{"id": "a", "text": "Salut."}'], "--format", "docx"),
        ),
    ],
    "batch-verify": [
        Case(0, "complete", lambda ws: _verify(ws, ["a", "b"])),
        Case(1, "missing-id", lambda ws: _verify(ws, ["a"]), shows=["missing: 1: b"]),
        Case(
            2,
            "no-output",
            lambda ws: (
                ["batch-verify", ws.file("in.jsonl", '{"id": "a", "text": "x"}\n'), "absent"],
                {},
                None,
            ),
        ),
    ],
    "serve": [
        Case(STOPPED, "stopped-by-sigterm", lambda ws: (["serve"], ws.models_env, None), slow=True),
        Case(2, "invalid-setting", lambda ws: (["serve"], {"MTS_DEVICE": "gpu"}, None)),
    ],
    "bench": [
        Case(
            0,
            "measured",
            _args(
                "bench",
                "--sentences",
                "1",
                "--batch",
                "1",
                "--beams",
                "1",
                "--output-tokens",
                "2",
                "--latency-runs",
                "1",
                "--json",
            ),
            slow=True,
        ),
        Case(2, "unknown-device", _args("bench", "--device", "tpu")),
    ],
    "check": [
        Case(0, "nothing-flagged", lambda ws: _check(ws, "Il a trois chats.\n", "He has three cats.\n")),
        Case(
            1,
            "flagged",
            lambda ws: _check(ws, "Il a 3 chats.\nBonjour.\n", "He has 4 cats.\nHello.\n"),
            shows=["line 1: number_mismatch", "1 of 2 lines flagged"],
        ),
        Case(0, "allow-flags", lambda ws: _check(ws, "Il a 3 chats.\n", "He has 4 cats.\n", "--allow-flags")),
        Case(2, "lines-do-not-align", lambda ws: _check(ws, "Un.\nDeux.\n", "One.\n")),
        # 9 April 2026 is a Thursday: "mardi" is the 7th, not the 8th (the 8th in 2025).
        Case(1, "weekday-not-its-date", lambda ws: _weekday(ws, "2026"), shows=["line 1: number_mismatch"]),
        Case(0, "weekday-its-date", lambda ws: _weekday(ws, "2025")),
        Case(
            2,
            "year-out-of-range",
            lambda ws: _check(ws, WEEKDAY_SOURCE, "x\n", "--year", "26"),
            shows=["--year: '26': expected auto, none or a year such as 2024"],
        ),
    ],
    "models list": [
        Case(0, "listed", _args("models", "list")),
        Case(2, "invalid-setting", lambda ws: (["models", "list"], {"MTS_DEVICE": "gpu"}, None)),
    ],
    "models pull": [
        Case(
            0, "local-directory", lambda ws: (["models", "pull", ws.models_env["MTS_MODEL_FR_EN"]], {}, None)
        ),
        Case(2, "unknown-model", _args("models", "pull", "no-such-model")),
    ],
    "eval suites": [
        Case(0, "listed", _args("eval", "suites")),
        Case(2, "extra-argument", _args("eval", "suites", "extra"), usage=True),
    ],
    "eval run": [
        Case(0, "no-regression", lambda ws: _eval_run(ws, "--gate", shift=-200.0)),
        Case(
            1, "regression", lambda ws: _eval_run(ws, "--gate", shift=200.0), shows=["REGRESSION offline: "]
        ),
        Case(2, "unknown-suite", _args("eval", "run", "--suite", "no-such-suite")),
    ],
    "eval score": [
        Case(0, "scored", lambda ws: _score(ws, 2)),
        Case(2, "files-do-not-align", lambda ws: _score(ws, 1)),
    ],
    "eval langid": [
        Case(0, "measured", _args("eval", "langid", "--json"), slow=True),
        Case(2, "unknown-suite", _args("eval", "langid", "--suite", "no-such-suite")),
    ],
    "eval fidelity": [
        Case(0, "measured", lambda ws: (["eval", "fidelity", "--suite", ws.suite()], {}, None)),
        Case(2, "unknown-suite", _args("eval", "fidelity", "--suite", "no-such-suite")),
    ],
    "glossary add": [
        Case(
            0,
            "stored",
            lambda ws: _glossary(
                ws, "add", "noms", ws.file("n.tsv", "kind\tfr\ten\tko\nplace\tBusan\tBusan\t부산\n")
            ),
        ),
        Case(
            2,
            "bad-line",
            lambda ws: _glossary(
                ws, "add", "noms", ws.file("n.tsv", "kind\tfr\ten\tko\nalien\tBusan\tBusan\t부산\n")
            ),
            shows=["n.tsv:2"],
        ),
    ],
    "glossary list": [
        Case(0, "listed", lambda ws: _glossary(ws, "list", stored=True), shows=["noms"]),
        Case(2, "extra-argument", lambda ws: _glossary(ws, "list", "extra"), usage=True),
    ],
    "glossary show": [
        Case(0, "shown", lambda ws: _glossary(ws, "show", "{id}", "--entries", stored=True), shows=["부산"]),
        Case(2, "unknown-id", lambda ws: _glossary(ws, "show", "no-such-id")),
    ],
    "glossary rm": [
        Case(0, "removed", lambda ws: _glossary(ws, "rm", "{id}", stored=True)),
        Case(2, "unknown-id", lambda ws: _glossary(ws, "rm", "no-such-id")),
    ],
}


def command_paths() -> set[str]:
    """Every command of the CLI, sub-commands as ``group command``."""
    paths: set[str] = set()

    def walk(command: object, prefix: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            if getattr(sub, "commands", None) is not None:
                walk(sub, f"{prefix}{name} ")
            else:
                paths.add(f"{prefix}{name}")

    walk(typer.main.get_command(app), "")
    return paths


def test_every_command_has_a_row() -> None:
    assert set(TABLE) - {"mts"} == command_paths()
    for command, cases in TABLE.items():
        codes = {case.code for case in cases}
        assert 2 in codes and codes & {0, STOPPED}, command


def _serve_and_stop(args: list[str], env: dict[str, str], tmp: Path) -> subprocess.CompletedProcess[str]:
    """``mts serve`` until it is ready, then stopped the way a supervisor stops it (SIGTERM)."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    full_env.update(env)
    log = tmp / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([MTS, *args, "--port", str(port)], env=full_env, stdout=sink, stderr=sink)
        try:
            wait_until_serving(proc, f"http://127.0.0.1:{port}", log)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
    return subprocess.CompletedProcess(proc.args, code, "", log.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=f"{command.replace(' ', '-')}-{case.code}-{case.name}", marks=pytest.mark.slow)
        # Runs that load the models and translate take about ten seconds each.
        if case.slow or (command in ("translate", "process", "batch") and case.code in (0, 1))
        else pytest.param(case, id=f"{command.replace(' ', '-')}-{case.code}-{case.name}")
        for command, cases in TABLE.items()
        for case in cases
    ],
)
def test_exit_code(case: Case, models_env: dict[str, str], tmp_path: Path) -> None:
    args, env, stdin = case.build(Workspace(tmp_path, models_env))
    if case.code == STOPPED:
        proc = _serve_and_stop(args, env, tmp_path)
        assert "Application shutdown complete" in proc.stderr, proc.stderr
    else:
        proc = run(*args, env=env, stdin=stdin)
    if case.code == 2 and not case.usage:
        assert_one_line_error(proc)
    assert proc.returncode == case.code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    if case.usage:
        assert "Usage: mts" in proc.stderr, proc.stderr
    for text in case.shows:
        assert text in proc.stdout + proc.stderr, proc.stdout + proc.stderr
