"""The evaluation harness: `mts eval score`, suites, reports and the regression gate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sacrebleu

from service.config import Settings
from service.errors import MtsError
from service.evaluation import run as evaluation
from service.evaluation.suites import list_suites, load_suite
from service.summarization import extractive
from service.text.glossary import default_glossary

MTS = str(Path(sys.executable).with_name("mts"))
HYPS = [
    "South Korea and the EU held their first space security dialogue in Brussels.",
    "The unemployment rate rose to 2.5 percent in March.",
    "North Korea fired two ballistic missiles into the East Sea on Tuesday.",
]
REFS = [
    "South Korea and the European Union held their first dialogue on space security in Brussels.",
    "The jobless rate reached 2.5% in March.",
    "North Korea fired two short-range ballistic missiles into the East Sea on Tuesday morning.",
]


def mts(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(extra_env)
    return subprocess.run([MTS, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_eval_score_reproduces_sacrebleu(tmp_path: Path) -> None:
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("\n".join(HYPS) + "\n", encoding="utf-8")
    ref.write_text("\n".join(REFS) + "\n", encoding="utf-8")
    proc = mts(
        "eval", "score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "en", "--json", "--bootstrap", "100"
    )
    assert proc.returncode == 0, proc.stderr
    scores = {s["metric"]: s for s in json.loads(proc.stdout)}
    assert abs(scores["bleu"]["value"] - sacrebleu.corpus_bleu(HYPS, [REFS]).score) < 0.01
    assert abs(scores["chrf++"]["value"] - sacrebleu.corpus_chrf(HYPS, [REFS], word_order=2).score) < 0.01
    assert "nrefs:1" in scores["bleu"]["signature"] and "version:" in scores["bleu"]["signature"]


@pytest.mark.slow
def test_eval_score_korean_and_french_rouge(tmp_path: Path) -> None:
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("북한이 화요일 동해상으로 탄도미사일 두 발을 발사했다.\n", encoding="utf-8")
    ref.write_text("북한은 화요일 오전 동해상으로 단거리 탄도미사일 2발을 발사했다.\n", encoding="utf-8")
    proc = mts(
        "eval", "score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "ko", "--task", "summary", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    rouge1 = next(s for s in json.loads(proc.stdout) if s["metric"] == "rouge1")
    assert 30 < rouge1["value"] < 100
    hyp.write_text("Les élèves de Séoul\n", encoding="utf-8")
    ref.write_text("Les eleves de séoul\n", encoding="utf-8")
    proc = mts(
        "eval", "score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "fr", "--task", "summary", "--json"
    )
    rouge1 = next(s for s in json.loads(proc.stdout) if s["metric"] == "rouge1")
    assert rouge1["value"] == pytest.approx(75.0), "accents distinguish élèves/eleves; case does not matter"


def test_eval_score_refuses_misaligned_files(tmp_path: Path) -> None:
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("a\nb\n", encoding="utf-8")
    ref.write_text("a\n", encoding="utf-8")
    proc = mts("eval", "score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "en")
    assert proc.returncode == 2 and "has 1 segments but" in proc.stderr and "Traceback" not in proc.stderr


def test_suites_and_data_are_well_formed() -> None:
    suites = {s.name: s for s in list_suites()}
    assert {"offline", "full"} <= set(suites)
    dispatches = suites["offline"].dispatches()
    assert len(dispatches) >= 20
    assert {d.topic for d in dispatches} >= {
        "diplomacy",
        "north-korea",
        "economy",
        "society",
        "culture",
        "sport",
    }
    for d in dispatches:
        paragraphs = len(d.source.strip().split("\n\n"))
        assert len(d.references["en"].strip().split("\n\n")) == paragraphs, d.id
        assert len(d.references["ko"].strip().split("\n\n")) == paragraphs, d.id
        assert all(3 <= len(d.bullets[lang]) <= 5 for lang in ("fr", "en", "ko")), d.id
    with pytest.raises(MtsError, match="unknown suite"):
        load_suite("nope")


def test_offline_gate_passes_on_the_current_code() -> None:
    suite = load_suite("offline")
    report = evaluation.run_suite(suite, Settings(), bootstrap=0)
    assert report.skipped is None
    assert evaluation.gate(report, suite.baseline_path) == []
    assert report.metrics["summary.fr.rouge1"].value > 0
    # Names into Hangul are checked through the glossary, into English as written.
    assert "references.ko.entity_preservation" not in report.metrics
    assert report.metrics["references.ko.glossary_names"].signature.startswith("glossary-names|fr→ko|")
    assert "references.en.entity_preservation" in report.metrics
    assert "references.en.glossary_names" not in report.metrics


KO_SOURCE = (
    "Le président Lee Jae-myung a reçu mardi à Séoul le Premier ministre Kim Min-seok, après le tir d'un "
    "missile balistique intercontinental par Pyongyang."
)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # Particles follow the names; the term (ICBM) is not a name and is not counted.
        ("이재명 대통령은 화요일 서울에서 김민석 국무총리를 만났다. 평양은 대륙간탄도미사일을 쐈다.", (4, 4)),
        ("이재명 대통령은 화요일 김민석 총리를 만났다.", (2, 4)),
        ("The president met the prime minister in Seoul.", (0, 4)),
    ],
)
def test_glossary_names_counts_source_names_rendered_in_korean(
    target: str, expected: tuple[int, int]
) -> None:
    glossary = default_glossary()
    assert evaluation.glossary_names(KO_SOURCE, target, "ko", glossary) == expected


def test_gate_fails_on_a_planted_regression(monkeypatch: pytest.MonkeyPatch) -> None:
    # A summarizer that takes the first lines as they come: photo credits and datelines included.
    monkeypatch.setattr(
        extractive,
        "summarize_extractive",
        lambda document, n: [line for line in document.splitlines() if line][:n],
    )
    suite = load_suite("offline")
    failures = evaluation.gate(evaluation.run_suite(suite, Settings(), bootstrap=0), suite.baseline_path)
    assert any(f.startswith("summary.fr.rouge") for f in failures), failures


def test_suite_whose_models_are_absent_is_skipped_with_a_notice(tmp_path: Path) -> None:
    env_report = tmp_path / "reports"
    proc = mts(
        "eval", "run", "--suite", "full", "--gate", "--report", str(env_report),
        MTS_MODELS_DIR=str(tmp_path / "no-models"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "SKIPPED suite full: models not present: MTS_MODEL_FR_EN" in proc.stderr
    (written,) = env_report.glob("full-*.json")
    assert json.loads(written.read_text(encoding="utf-8"))["skipped"]


def test_missing_baseline_is_a_clear_error(tmp_path: Path) -> None:
    suite = load_suite("offline")
    report = evaluation.run_suite(suite, Settings(), bootstrap=0)
    with pytest.raises(MtsError, match="--update-baseline"):
        evaluation.gate(report, tmp_path / "none.json")
    evaluation.update_baseline(report, tmp_path / "new.json")
    assert evaluation.gate(report, tmp_path / "new.json") == []


def test_a_model_of_the_llm_server_is_never_missing(tmp_path: Path) -> None:
    """A suite needs its models on disk, except those an LLM server runs (the server is tried when
    the suite runs)."""
    from service.config import Settings
    from service.evaluation.run import missing_models

    suite = load_suite("full")
    settings = Settings(models_dir=tmp_path, model_fr_en=str(tmp_path / "absent"), model_fr_ko="openai:qwen")
    assert missing_models(suite, settings) == [f"MTS_MODEL_FR_EN ({tmp_path / 'absent'})"]


def test_a_translation_suite_records_each_routes_decoding(
    tmp_path: Path, tiny_marian_fast: Path, tiny_m2m100: Path
) -> None:
    """A report names the beam width and batch budget each route translated with, so runs with
    other MTS_ROUTE_BEAMS are told apart (how a route's beam is chosen on real models)."""
    import shutil

    import yaml

    from service.evaluation.suites import eval_dir

    data = tmp_path / "data"
    data.mkdir()
    first = sorted((eval_dir() / "data" / "yonhap-fr").glob("*.yaml"))[0]
    shutil.copy(first, data / first.name)
    spec = yaml.safe_load((eval_dir() / "suites" / "full.yaml").read_text(encoding="utf-8"))
    spec.update(data="data", tasks=["translation"])
    (tmp_path / "full.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    settings = Settings(
        model_fr_en=str(tiny_marian_fast),
        model_fr_ko=str(tiny_m2m100),
        models_dir=tmp_path / "models",
        route_beams="fr-ko=1",
        num_beams=2,
    )
    report = evaluation.run_suite(load_suite(str(tmp_path / "full.yaml")), settings, bootstrap=0)
    assert report.skipped is None and report.dispatches == 1
    assert report.as_dict()["decoding"] == {
        "fr-en": {"beams": 2, "batch_tokens": 2048},
        "fr-ko": {"beams": 1, "batch_tokens": 2048},
        "en-ko": {"beams": 2, "batch_tokens": 2048},
    }
    assert '- decoding: {"fr-en": {"beams": 2' in report.markdown()
