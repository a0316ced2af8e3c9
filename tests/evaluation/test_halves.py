"""Tuning and test halves of the evaluation data, and the splitter measured on annotated dispatches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from service.cli import app
from service.errors import MtsError
from service.evaluation.fidelity import format_report, measure_flags
from service.evaluation.segmentation import measure_segmentation
from service.evaluation.suites import HALVES, load_dispatch, load_suite
from service.text.glossary import default_glossary

SOURCE = "SÉOUL, 18 janv. (Yonhap) -- Le ministre est arrivé. Il repart mardi."


def _dispatch(folder: Path, name: str, **fields: object) -> Path:
    data: dict[str, object] = {
        "id": name,
        "half": "tuning",
        "topic": "society",
        "source": SOURCE,
        "reference": {"en": "SEOUL, Jan. 18 (Yonhap) -- The minister arrived. He leaves on Tuesday."},
        "bullets": {"fr": ["Le ministre est arrivé."]},
    }
    path = folder / f"{name}.yaml"
    merged = {k: v for k, v in (data | fields).items() if v is not None}  # None: leave the field out
    path.write_text(yaml.safe_dump(merged, allow_unicode=True), encoding="utf-8")
    return path


def test_every_dispatch_of_every_suite_has_a_half_and_both_halves_are_used() -> None:
    """Odd-numbered files are the tuning half, even-numbered ones the test half: neighbouring
    files were written on neighbouring subjects, so each half covers every kind of dispatch."""
    for name in ("offline", "hard-numbers"):
        dispatches = load_suite(name).dispatches()
        halves = [d.half for d in dispatches]
        assert halves == ["tuning", "test"] * (len(dispatches) // 2), name
    offline = load_suite("offline").dispatches()
    topics = {half: {d.topic for d in offline if d.half == half} for half in HALVES}
    assert topics["tuning"] == topics["test"]


def test_a_bad_half_and_sentences_that_do_not_cover_the_source_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MtsError, match="half must be one of tuning, test"):
        load_dispatch(_dispatch(tmp_path, "a", half="both"))
    with pytest.raises(MtsError, match="do not cover the source"):
        load_dispatch(
            _dispatch(tmp_path, "b", sentences=["SÉOUL, 18 janv. (Yonhap) -- Le ministre est arrivé."])
        )
    with pytest.raises(MtsError, match="not in the source as written"):
        load_dispatch(
            _dispatch(
                tmp_path,
                "c",
                sentences=["SÉOUL, 18 janv. (Yonhap) -- Le ministre est arrivé.", "Il  repart mardi."],
            )
        )
    assert load_dispatch(_dispatch(tmp_path, "e", half=None)).half == "tuning"  # a set with no split
    good = load_dispatch(
        _dispatch(
            tmp_path,
            "d",
            sentences=["SÉOUL, 18 janv. (Yonhap) -- Le ministre est arrivé.", "Il repart mardi."],
        )
    )
    assert good.sentences == ("SÉOUL, 18 janv. (Yonhap) -- Le ministre est arrivé.", "Il repart mardi.")


def test_the_year_of_a_dispatch_is_read_and_checked(tmp_path: Path) -> None:
    assert load_dispatch(_dispatch(tmp_path, "a", year=2026)).year == 2026
    assert load_dispatch(_dispatch(tmp_path, "b")).year is None
    for bad in ("2026", 26, True):
        with pytest.raises(MtsError, match="year must be a year such as 2026"):
            load_dispatch(_dispatch(tmp_path, "c", year=bad))
    # Every dispatch of the suites gives its year: their Korean weekdays are checked as dates.
    for name in ("offline", "hard-numbers"):
        assert all(d.year for d in load_suite(name).dispatches()), name


def test_the_fidelity_figures_can_be_measured_without_the_years(tmp_path: Path) -> None:
    """A weekday the Korean gives as its date a week later: right with the year (14 April 2026 is
    the next Tuesday), a false alarm when the dateline is read without it."""
    data = tmp_path / "data"
    data.mkdir()
    _dispatch(
        data,
        "01",
        year=2026,
        source="SÉOUL, 9 avr. (Yonhap) -- Le ministre repart mardi prochain.",
        reference={"ko": "(서울=연합뉴스) 장관은 14일 다시 떠난다."},
    )
    suite_file = tmp_path / "s.yaml"
    suite_file.write_text("name: s\ndata: data\ntasks: [references]\n", encoding="utf-8")
    suite = load_suite(str(suite_file))
    dated = measure_flags(suite, default_glossary())
    loose = measure_flags(suite, default_glossary(), years=False)
    assert dated["false_alarms"]["ko"]["flagged"] == 0 and dated["years"] is True
    assert loose["false_alarms"]["ko"]["flagged"] == 1 and loose["years"] is False
    assert "datelines read without their years" in format_report(loose)
    assert "without their years" not in format_report(dated)
    result = CliRunner().invoke(
        app, ["eval", "fidelity", "--suite", str(suite_file), "--without-years", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["years"] is False and report["false_alarms"]["ko"]["flagged"] == 1


def test_segmentation_is_counted_per_half_and_a_miss_shows_where(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    gold = ["SÉOUL, 18 janv. (Yonhap) -- Le ministre est arrivé.", "Il repart mardi."]
    _dispatch(data, "01", sentences=gold)
    # A reader who (wrongly) cut after the month: the splitter does not, so this one is a miss.
    _dispatch(data, "02", half="test", sentences=["SÉOUL, 18 janv.", *[gold[0][16:], gold[1]]])
    _dispatch(data, "03", half="test")  # not annotated: not counted
    suite_file = tmp_path / "s.yaml"
    suite_file.write_text("name: s\ndata: data\ntasks: [references]\n", encoding="utf-8")
    report = measure_segmentation(load_suite(str(suite_file)), keep_examples=5)
    assert report is not None
    assert report["all"] == {"exact": 1, "total": 2, "rate": 50.0}
    assert report["tuning"] == {"exact": 1, "total": 1, "rate": 100.0}
    assert report["test"] == {"exact": 0, "total": 1, "rate": 0.0}
    assert report["misses"] == [{"dispatch": "02", "splitter": gold[0], "reader": "SÉOUL, 18 janv."}]
    assert measure_segmentation(load_suite("offline")) is None  # nothing annotated there


def test_the_halves_add_up_to_the_whole_and_are_printed() -> None:
    report = measure_flags(load_suite("offline"), default_glossary())
    for section in ("false_alarms", "detection"):
        for key, whole in report[section].items():
            parts = [report["halves"][half][section][key] for half in HALVES]
            assert sum(p["total"] for p in parts) == whole["total"], (section, key)
            assert sum(p["flagged"] for p in parts) == whole["flagged"], (section, key)
    assert all(report["halves"][half]["false_alarms"]["all"]["total"] >= 90 for half in HALVES)
    text = format_report(report)
    assert text.splitlines()[2].split() == [
        "tuning",
        "en",
        "tuning",
        "ko",
        "test",
        "en",
        "test",
        "ko",
        "all",
        "en",
        "all",
        "ko",
    ]


def test_the_hard_numbers_set_is_complete_and_annotated() -> None:
    dispatches = load_suite("hard-numbers").dispatches()
    assert len(dispatches) >= 40
    assert len({d.id for d in dispatches}) == len(dispatches)
    for d in dispatches:
        paragraphs = len([p for p in d.source.split("\n\n") if p.strip()])
        for lang in ("en", "ko"):
            assert len([p for p in d.references[lang].split("\n\n") if p.strip()]) == paragraphs, (d.id, lang)
        assert all(len(d.bullets[lang]) == 3 for lang in ("fr", "en", "ko")), d.id
        assert d.sentences is not None and len(d.sentences) >= paragraphs, d.id
    # Abbreviated months, the case unseen copy met, are in the set (datelines and running text).
    assert (
        sum(
            any(
                m in d.source
                for m in (" janv.", " jan.", " févr.", " sept.", " déc.", " oct.", " nov.", " avr.", " juil.")
            )
            for d in dispatches
        )
        >= 10
    )
