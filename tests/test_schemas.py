"""One definition of each output shape: the CLI's ``--json``, the API's answers (as its OpenAPI
document declares them), batch lines and evaluation reports all come from ``service.schemas``
and ``service.evaluation.metrics.Score``, so they cannot drift apart."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import SAMPLE
from typer.testing import CliRunner

from service.config import Settings
from service.evaluation.metrics import Score
from service.quality.flags import BULLET_FLAGS, FLAGS, bullet_flags
from service.schemas import DispatchOut, SegmentOut, SummaryOut, TranslationOut
from service.text.glossary import default_glossary


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    from service.api.app import create_app

    return create_app(Settings()).openapi()


def _closed(schema: Any) -> Any:
    """The schema with every object closed to keys it does not declare (pydantic leaves them open)."""
    if isinstance(schema, dict):
        closed = {key: _closed(value) for key, value in schema.items()}
        if "properties" in closed:
            closed.setdefault("additionalProperties", False)
        return closed
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


def _response_schema(openapi: dict[str, Any], path: str) -> dict[str, Any]:
    return openapi["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]


def _check(openapi: dict[str, Any], data: Any, schema: dict[str, Any]) -> None:
    """Validate ``data`` against ``schema`` of the OpenAPI document, extra keys refused."""
    document = _closed({**schema, "components": copy.deepcopy(openapi["components"])})
    jsonschema.Draft202012Validator(document).validate(data)


def _component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_the_api_declares_the_shared_models(openapi: dict[str, Any]) -> None:
    from fastapi.routing import APIRoute

    from service.api.routes import router

    routes = {r.path: r for r in router.routes if isinstance(r, APIRoute)}
    assert routes["/v1/dispatches"].response_model is DispatchOut
    assert routes["/v1/summarize"].response_model is SummaryOut
    assert _response_schema(openapi, "/v1/dispatches") == _component("DispatchOut")
    assert _response_schema(openapi, "/v1/summarize") == _component("SummaryOut")
    translate = openapi["components"]["schemas"][
        _response_schema(openapi, "/v1/translate")["$ref"].split("/")[-1]
    ]
    assert translate["properties"]["translations"]["items"] == _component("TranslationOut")


def test_flag_names_in_the_docs_come_from_the_flag_code(openapi: dict[str, Any]) -> None:
    segment_doc = openapi["components"]["schemas"]["SegmentOut"]["properties"]["flags"]["description"]
    assert [f for f in FLAGS if f"`{f}`" in segment_doc] == list(FLAGS)
    bullet_doc = openapi["components"]["schemas"]["BulletOut"]["properties"]["flags"]["description"]
    assert [f for f in FLAGS if f"`{f}`" in bullet_doc] == list(BULLET_FLAGS)
    assert [f for f in FLAGS if f in BULLET_FLAGS] == list(BULLET_FLAGS), "in FLAGS order"
    looping = "Le budget atteindra 9.999 milliards. " * 3 + "Séoul Séoul Séoul Séoul Séoul Séoul"
    assert set(bullet_flags(looping, "en", SAMPLE.read_text(encoding="utf-8"), default_glossary())) <= set(
        BULLET_FLAGS
    )
    assert SegmentOut.model_fields["flags"].description == segment_doc


def _cli_json(env: dict[str, str], *args: str) -> Any:
    from service.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def test_translate_json_is_what_the_api_declares(openapi: dict[str, Any], models_env: dict[str, str]) -> None:
    data = _cli_json(models_env, "translate", "--to", "ko", "--json", "--allow-flags", str(SAMPLE))
    _check(openapi, data, _component("TranslationOut"))
    assert data["models"] and data["segments"]
    assert TranslationOut.model_validate(data).model_dump(mode="json") == data


def test_process_json_is_what_the_api_declares(openapi: dict[str, Any], models_env: dict[str, str]) -> None:
    data = _cli_json(models_env, "process", "--json", "--langs", "en", "--allow-flags", str(SAMPLE))
    _check(openapi, data, _response_schema(openapi, "/v1/dispatches"))
    assert set(data["summaries"]) == {"fr", "en"} and data["translations"]["en"]["segments"]
    assert DispatchOut.model_validate(data).model_dump(mode="json") == data
    summary = {k: data[k] for k in SummaryOut.model_fields}
    _check(openapi, summary, _response_schema(openapi, "/v1/summarize"))


@pytest.mark.parametrize("summaries", [True, False], ids=["summaries", "no-summaries"])
def test_batch_lines_are_dispatch_results_plus_the_input_fields(
    openapi: dict[str, Any], tiny_marian_fast: Path, tmp_path: Path, summaries: bool
) -> None:
    from service.batch.records import BatchOptions
    from service.batch.runner import run_batch

    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [
        {"id": "yna-1", "text": "Le ministre est arrivé à Séoul mardi. Il repart jeudi.", "desk": "fr"},
        {"id": "yna-2", "text": "Les exportations ont augmenté de 2,5 %.", "desk": "eco", "n": 2},
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    settings = Settings(
        model_fr_en=str(tiny_marian_fast),
        num_beams=1,
        device="cpu",
        cache_path=tmp_path / "cache.sqlite3",
        models_dir=tmp_path / "models",
    )
    run_batch(source, output, settings, BatchOptions(langs=("en",), summaries=summaries), quiet=True)
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["yna-1", "yna-2"]
    for row, line in zip(rows, lines, strict=True):
        carried = {k: v for k, v in row.items() if k not in ("id", "text")}
        assert {k: line[k] for k in carried} == carried
        result = {k: v for k, v in line.items() if k not in carried}
        _check(openapi, result, _component("DispatchOut"))
        assert DispatchOut.model_validate(result).model_dump(mode="json") == result
        assert (result["summarizer"] == {}) is not summaries


def test_eval_score_json_and_reports_share_the_score_shape(tmp_path: Path) -> None:
    from service.evaluation.run import Report, write_report

    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("The cat sat on the mat.\nA dog ran.\n", encoding="utf-8")
    ref.write_text("The cat sat on a mat.\nA dog was running.\n", encoding="utf-8")
    scores = _cli_json(
        {},
        "eval",
        "score",
        "--hyp",
        str(hyp),
        "--ref",
        str(ref),
        "--lang",
        "en",
        "--json",
        "--bootstrap",
        "20",
    )
    assert [s["metric"] for s in scores] == ["bleu", "chrf++", "ter"]
    for entry in scores:
        assert list(entry) == [f for f in Score.model_fields if f != "higher_is_better"]
        assert entry["value"] == round(entry["value"], 4)

    report = Report(suite="s", date="2025-01-01T00:00:00Z")
    report.add(Score(metric="translation.en.bleu", value=41.123456, higher_is_better=True, signature="sig"))
    json_path, _ = write_report(report, tmp_path / "reports")
    written = json.loads(json_path.read_text(encoding="utf-8"))["metrics"]
    assert written == {
        "translation.en.bleu": {
            "value": 41.1235,
            "higher_is_better": True,
            "ci_low": None,
            "ci_high": None,
            "signature": "sig",
        }
    }
