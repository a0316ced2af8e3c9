"""Evaluation suites: declared in ``eval/suites/*.yaml``, data in ``eval/data/<set>/*.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from service.errors import MtsError

TASKS = frozenset({"translation", "summary", "references"})
HALVES = ("tuning", "test")


def eval_dir() -> Path:
    """The repository's ``eval/`` folder."""
    return Path(__file__).resolve().parents[2] / "eval"


@dataclass(frozen=True)
class Dispatch:
    """One evaluation dispatch with its references."""

    id: str
    topic: str
    source: str
    references: dict[str, str]
    bullets: dict[str, list[str]]
    #: ``tuning`` (rules and allowances may be worked out on it) or ``test`` (never used for that).
    half: str = "tuning"
    #: The source's sentences as a careful reader splits it (the segmenter's gold standard), if given.
    sentences: tuple[str, ...] | None = None
    #: The year of the dispatch's dateline, if given: its weekdays are then read as dates.
    year: int | None = None


@dataclass(frozen=True)
class Suite:
    """What to run and score."""

    name: str
    description: str
    data: Path
    tasks: tuple[str, ...]
    summarizer: str
    bullet_languages: tuple[str, ...]
    translation_languages: tuple[str, ...]
    models_required: tuple[str, ...]
    path: Path

    def dispatches(self) -> list[Dispatch]:
        """The suite's dispatches, in the order of their file names' numbers ("99-…" before "100-…")."""
        files = sorted(self.data.glob("*.yaml"), key=_numbered)
        if not files:
            raise MtsError(f"suite {self.name}: no dispatch files in {self.data}")
        return [load_dispatch(f) for f in files]

    @property
    def baseline_path(self) -> Path:
        """Where the suite's baseline lives."""
        return self.path.parent.parent / "baselines" / f"{self.name}.json"


def _field(data: dict[str, Any], key: str, where: Path) -> Any:
    if key not in data:
        raise MtsError(f"{where}: missing field {key!r}")
    return data[key]


def _numbered(path: Path) -> tuple[int, str]:
    """Sort key of a dispatch file: its leading number, then its name."""
    digits = re.match(r"\d+", path.name)
    return (int(digits.group()) if digits else 10**9, path.name)


def load_dispatch(path: Path) -> Dispatch:
    """One dispatch file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MtsError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, dict):
        raise MtsError(f"{path}: not a mapping")
    references = _field(data, "reference", path)
    bullets = _field(data, "bullets", path)
    source = str(_field(data, "source", path))
    # A set not split into halves is all tuning data: nothing in it is held out.
    half = str(data.get("half", "tuning"))
    if half not in HALVES:
        raise MtsError(f"{path}: half must be one of {', '.join(HALVES)}, not {half!r}")
    sentences = data.get("sentences")
    if sentences is not None:
        sentences = tuple(str(s) for s in sentences)
        # The sentences, in order, must cover the source's text exactly (whitespace aside).
        if "".join("".join(sentences).split()) != "".join(source.split()):
            raise MtsError(f"{path}: the sentences do not cover the source exactly, in order")
        missing = [s for s in sentences if s not in source]
        if missing:
            raise MtsError(f"{path}: a sentence is not in the source as written: {missing[0][:60]!r}")
    year = data.get("year")
    if year is not None and not (isinstance(year, int) and 1900 <= year <= 2999):
        raise MtsError(f"{path}: year must be a year such as 2026, not {year!r}")
    return Dispatch(
        id=str(_field(data, "id", path)),
        topic=str(data.get("topic", "")),
        source=source,
        references={str(k): str(v) for k, v in dict(references).items()},
        bullets={str(k): [str(b) for b in v] for k, v in dict(bullets).items()},
        half=half,
        sentences=sentences,
        year=year,
    )


def load_suite(name_or_path: str, directory: Path | None = None) -> Suite:
    """A suite by name (``eval/suites/<name>.yaml``) or by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = (directory or eval_dir() / "suites") / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(s.name for s in list_suites(directory)) or "none"
        raise MtsError(f"unknown suite {name_or_path!r}; known suites: {known}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MtsError(f"{path}: invalid YAML ({exc})") from None
    tasks = tuple(_field(data, "tasks", path))
    unknown = set(tasks) - TASKS
    if unknown:
        raise MtsError(
            f"{path}: unknown task(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(TASKS))}"
        )
    return Suite(
        name=str(_field(data, "name", path)),
        description=str(data.get("description", "")).strip(),
        data=(path.parent / str(_field(data, "data", path))).resolve(),
        tasks=tasks,
        summarizer=str(data.get("summarizer", "extractive")),
        bullet_languages=tuple(data.get("bullet_languages", ["fr"])),
        translation_languages=tuple(data.get("translation_languages", [])),
        models_required=tuple(data.get("models_required", [])),
        path=path,
    )


def list_suites(directory: Path | None = None) -> list[Suite]:
    """Every suite in the suites folder."""
    folder = directory or eval_dir() / "suites"
    return [load_suite(str(p)) for p in sorted(folder.glob("*.yaml"))]
