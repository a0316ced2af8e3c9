"""``mts check`` (flags for translations made elsewhere) and ``mts eval fidelity``."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.evaluation.fidelity import CORRUPTIONS

SOURCE = [
    "Les exportations ont augmenté de 2,5 % en mars.",
    "Le ministre Cho Tae-yul est arrivé à Séoul.",
    "Bonjour tout le monde, ceci est une phrase recopiée.",
    "",
]
TRANSLATION = [
    "Exports rose 25% in March.",
    "Minister Cho Tae-yul arrived in Seoul.",
    "Bonjour tout le monde, ceci est une phrase recopiée.",
    "",
]


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_reports_flags_per_line_in_order(tmp_path: Path) -> None:
    source, translation = write(tmp_path, "src.txt", SOURCE), write(tmp_path, "out.txt", TRANSLATION)
    result = CliRunner().invoke(
        app, ["check", "--from", "fr", "--to", "en", str(source), str(translation), "--json"]
    )
    assert result.exit_code == 1, result.output  # lines flagged: done, but to look at
    # Each flag with what it points at: the number of the source, the one the translation adds.
    assert json.loads(result.output) == [
        {
            "line": 1,
            "flags": ["number_mismatch"],
            "findings": [
                {"flag": "number_mismatch", "note": "“2,5 %” of the source is not in the translation"},
                {"flag": "number_mismatch", "note": "“25%” is not in the source"},
            ],
        },
        {"line": 2, "flags": [], "findings": []},
        {
            "line": 3,
            "flags": ["untranslated"],
            "findings": [{"flag": "untranslated", "note": "the source is copied through"}],
        },
        {"line": 4, "flags": [], "findings": []},
    ]
    table = CliRunner().invoke(app, ["check", str(source), str(translation)])
    assert "line 1: number_mismatch\n  number_mismatch: “2,5 %” of the source is not in the translation" in (
        table.output
    )
    assert "2 of 4 lines flagged" in table.output
    allowed = CliRunner().invoke(app, ["check", str(source), str(translation), "--allow-flags"])
    assert allowed.exit_code == 0 and allowed.output == table.output


def test_check_refuses_files_that_do_not_align(tmp_path: Path) -> None:
    source, translation = write(tmp_path, "src.txt", SOURCE), write(tmp_path, "out.txt", TRANSLATION[:2])
    result = CliRunner().invoke(app, ["check", str(source), str(translation)])
    assert result.exit_code != 0
    assert "they must align" in str(result.exception)
    bad = CliRunner().invoke(app, ["check", "--to", "de", str(source), str(source)])
    assert "--to must be one of fr, en, ko" in str(bad.exception)


def test_check_uses_the_user_glossary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    glossary = tmp_path / "mine.tsv"
    glossary.write_text("kind\tfr\ten\tko\nperson\tKim Min-seok\tKim Min-seok\t김민석\n", encoding="utf-8")
    source = write(tmp_path, "src.txt", ["Le Premier ministre Kim Min-seok est arrivé."])
    translation = write(tmp_path, "out.txt", ["김 총리가 도착했다."])
    monkeypatch.setenv("MTS_GLOSSARY", str(glossary))
    result = CliRunner().invoke(app, ["check", "--to", "ko", str(source), str(translation), "--json"])
    [line] = json.loads(result.output)
    assert line["flags"] == ["entity_mismatch"]
    assert line["findings"] == [
        {"flag": "entity_mismatch", "note": "“Kim Min-seok” is not in the translation (“김민석”)"}
    ]


@pytest.mark.slow
def test_eval_fidelity_prints_rates() -> None:
    result = CliRunner().invoke(app, ["eval", "fidelity", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["false_alarms"]["all"]["total"] == 200
    assert set(report["detection"]) == {"all", *CORRUPTIONS}
    assert report["seed"] == 0 and set(report["detection_by_lang"]) == {"en", "ko"}
    assert report["years"] is True


def test_check_reads_a_weekday_against_the_last_dateline_above_it(tmp_path: Path) -> None:
    """Lines after a dispatch's dateline are that dispatch's; a new dateline starts another."""
    lines = [
        "SÉOUL, 9 avril (Yonhap) -- Le ministère de l'Économie a présenté son plan.",
        "Le ministre a annoncé mardi une aide de 3 milliards de wons.",
        "BUSAN, 25 avril (Yonhap) -- Le port a rouvert.",
        "Le ministre a annoncé mardi une aide de 3 milliards de wons.",
    ]
    korean = [
        "(서울=연합뉴스) 기획재정부가 9일 계획을 발표했다.",
        "장관은 18일 30억 원 규모의 지원을 발표했다.",
        "(부산=연합뉴스) 25일 항구가 다시 문을 열었다.",
        "장관은 22일 30억 원 규모의 지원을 발표했다.",
    ]
    source, translation = write(tmp_path, "src.txt", lines), write(tmp_path, "out.txt", korean)
    result = CliRunner().invoke(
        app, ["check", "--from", "fr", "--to", "ko", str(source), str(translation), "--json"]
    )
    flags = {r["line"]: r["flags"] for r in json.loads(result.output)}
    assert "number_mismatch" in flags[2]  # the 18th is no Tuesday of the week before 9 April
    assert "number_mismatch" not in flags[4]  # the 22nd may be, before 25 April


def test_check_infers_the_datelines_year_with_auto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--year auto` reads "9 avril" in the year that puts it on or just before today: read on
    10 April 2026, "mardi" is the 7th, and the 8th is flagged; read in 2025, the 8th is right."""
    source = write(
        tmp_path, "src.txt", ["SÉOUL, 9 avril (Yonhap) -- Le gouvernement a présenté mardi son plan."]
    )
    translation = write(tmp_path, "out.txt", ["(서울=연합뉴스) 정부는 8일 계획을 발표했다."])
    args = ["check", "--to", "ko", str(source), str(translation), "--year", "auto", "--json"]
    monkeypatch.setattr("service.quality.flags.utc_today", lambda: datetime.date(2026, 4, 10))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert (
        json.loads(result.output)[0]["findings"][0]["note"]
        == "“mardi” of the source is not in the translation"
    )
    monkeypatch.setattr("service.quality.flags.utc_today", lambda: datetime.date(2025, 4, 10))
    assert CliRunner().invoke(app, args).exit_code == 0
