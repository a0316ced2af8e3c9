"""``mts bench``: the model it builds and the report it prints (on a tiny model, to stay fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service import bench
from service.cli import app


def test_the_benchmark_model_has_the_opus_mt_fr_en_architecture(tmp_path: Path) -> None:
    directory = bench.build_model(tmp_path / "model")
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    for key, value in bench.OPUS_MT_FR_EN.items():
        assert config[key] == value, key
    vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    assert len(vocab) == 59514 and vocab["<pad>"] == 59513 and vocab["</s>"] == 0


def test_inputs_are_seeded_and_about_the_requested_length() -> None:
    config = bench.BenchConfig(source_tokens=40)
    first, again = bench.make_inputs(config, 20, 1000), bench.make_inputs(config, 20, 1000)
    assert first == again
    assert all(32 <= len(ids) <= 48 and ids[-1] == 0 for ids in first)
    assert all(3 <= i < 999 for ids in first for i in ids[:-1])


def tiny_builder(source: Path):  # type: ignore[no-untyped-def]
    def build(directory: Path) -> Path:
        directory.mkdir(parents=True)
        for item in source.iterdir():
            (directory / item.name).write_bytes(item.read_bytes())
        return directory

    return build


@pytest.mark.slow
def test_report_measures_baseline_and_every_engine(tiny_marian: Path) -> None:
    config = bench.BenchConfig(
        batch=2, beams=2, sentences=4, source_tokens=10, target_tokens=6, latency_runs=3
    )
    report = bench.run_bench(config, build=tiny_builder(tiny_marian))
    assert set(report) == {"device", "config", "baseline", "engines", "ratios"}
    assert set(report["engines"]) == {"torch", "ctranslate2"}
    assert report["engines"]["ctranslate2"]["backend"] == "ctranslate2-int8"
    for figures in [report["baseline"], *report["engines"].values()]:
        assert figures["tokens_per_s"] > 0
        assert 0 < figures["latency_p50_ms"] <= figures["latency_p95_ms"]
        assert figures["peak_rss_mb"] > 50
    for name, ratio in report["ratios"].items():
        expected = report["engines"][name]["tokens_per_s"] / report["baseline"]["tokens_per_s"]
        assert ratio == pytest.approx(expected, abs=0.01)
    table = bench.format_table(report)
    assert "stock generate" in table and "ctranslate2-int8" in table


def test_cli_rejects_an_unknown_device() -> None:
    result = CliRunner().invoke(app, ["bench", "--device", "tpu"])
    assert result.exit_code != 0
    assert "--device must be cpu or cuda" in str(result.exception) + result.output


def test_table_columns_fit_their_widest_cell() -> None:
    figures = {"tokens_per_s": 432.1, "latency_p50_ms": 12.3, "latency_p95_ms": 15.0, "peak_rss_mb": 1234.5}
    report = {
        "device": "CPU, 2 cores",
        "config": {"batch": 16, "beams": 4, "sentences": 64, "source_tokens": 40, "target_tokens": 40},
        "baseline": {**figures, "backend": "torch-float32"},
        "engines": {
            "torch": {**figures, "backend": "torch-float32"},
            "ctranslate2": {**figures, "backend": "ctranslate2-int8_float16", "tokens_per_s": 123456.7},
        },
        "ratios": {"torch": 1.0, "ctranslate2": 285.71},
    }
    rows = bench.format_table(report).splitlines()[3:]
    assert [row.split("  ")[0] for row in rows] == ["engine", "stock generate", "torch", "ctranslate2"]
    cells = [row.split() for row in rows[1:]]
    assert [c[-6:] for c in cells] == [
        ["torch-float32", "432.1", "1.00×", "12.3", "15.0", "1234.5"],
        ["torch-float32", "432.1", "1.00×", "12.3", "15.0", "1234.5"],
        ["ctranslate2-int8_float16", "123456.7", "285.71×", "12.3", "15.0", "1234.5"],
    ]
    # Names start, and figures end, at the same column on every line.
    header = rows[0]
    for row, cell in zip(rows[1:], cells, strict=True):
        assert row.index(cell[-6]) == header.index("backend")
        assert row.index(cell[-5]) + len(cell[-5]) == header.index("tokens/s") + len("tokens/s")
        assert len(row) == len(header)
