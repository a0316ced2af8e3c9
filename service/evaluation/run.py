"""Running a suite through the pipeline, scoring it, reporting, and gating against a baseline."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.config import Settings
from service.errors import MtsError
from service.evaluation.fidelity import paragraphs, reference_cases
from service.evaluation.metrics import Score, summary_scores, translation_scores
from service.evaluation.suites import Dispatch, Suite
from service.languages import CODES, TARGETS
from service.llm.client import remote_model
from service.models.store import is_ready, resolve
from service.quality.flags import segment_flags
from service.quality.support import check_bullet
from service.summarization.base import SummaryUnavailableError
from service.summarization.extractive import ExtractiveSummarizer
from service.text.entities import entity_in, extract_entities
from service.text.glossary import Glossary, default_glossary
from service.text.numbers import number_keys

# Default tolerances when a baseline is first written (metric points on a 0-100 scale).
DEFAULT_TOLERANCE = {"bleu": 1.0, "chrf++": 1.0, "ter": 1.5, "rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
RATE_TOLERANCE = 2.0


@dataclass
class Report:
    """What a suite run measured (or why it was skipped)."""

    suite: str
    date: str
    skipped: str | None = None
    metrics: dict[str, Score] = field(default_factory=dict)  # by name (the score's ``metric``)
    models: dict[str, Any] = field(default_factory=dict)  # service.schemas.ModelsOut, JSON-ready
    # Each route's beam width and batch budget (Settings.decoding_by_route), when it translated.
    decoding: dict[str, dict[str, int]] = field(default_factory=dict)
    summarizer: str = ""
    prompt: str | None = None
    dispatches: int = 0
    # Dispatches whose summarizer gave no bullets and fell back to extractive, as the service does
    # (the scores are of what it would deliver), and the first reason.
    fallbacks: int = 0
    fallback_reason: str | None = None
    # Quality flags raised, per language: {"segments": n, "flagged": m, "<flag>": count, ...}.
    flags: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "suite": self.suite,
            "date": self.date,
            "skipped": self.skipped,
            "dispatches": self.dispatches,
            "summarizer": self.summarizer,
            "prompt": self.prompt,
            "fallbacks": self.fallbacks,
            "fallback_reason": self.fallback_reason,
            "models": self.models,
            "decoding": self.decoding,
            # Keyed by name, so each entry leaves its `metric` out.
            "metrics": {
                name: m.model_dump(mode="json", exclude={"metric"})
                for name, m in sorted(self.metrics.items())
            },
            "flags": self.flags,
        }

    def add(self, *scores: Score) -> None:
        """Record scores under their names."""
        for score in scores:
            self.metrics[score.metric] = score

    def markdown(self) -> str:
        """A table of the metrics, with their confidence intervals and signatures."""
        lines = [f"# Evaluation: suite `{self.suite}`", "", f"- date: {self.date}"]
        if self.skipped:
            return "\n".join([*lines, f"- **skipped**: {self.skipped}", ""])
        lines += [
            f"- dispatches: {self.dispatches}",
            f"- summarizer: {self.summarizer}" + (f" (prompt {self.prompt})" if self.prompt else ""),
            *(
                [
                    f"- fell back to extractive on {self.fallbacks} of {self.dispatches} dispatches: "
                    f"{self.fallback_reason}"
                ]
                if self.fallbacks
                else []
            ),
            f"- models: {json.dumps(self.models, ensure_ascii=False)}",
            *([f"- decoding: {json.dumps(self.decoding)}"] if self.decoding else []),
            "",
            "| metric | value | 95% CI | better | signature |",
            "| --- | ---: | --- | --- | --- |",
        ]
        for name, m in sorted(self.metrics.items()):
            ci = "" if m.ci_low is None else f"{m.ci_low:.2f}–{m.ci_high:.2f}"
            better = "higher" if m.higher_is_better else "lower"
            lines.append(f"| {name} | {m.value:.2f} | {ci} | {better} | `{m.signature}` |")
        for name, counts in sorted(self.flags.items()):
            detail = ", ".join(
                f"{flag} {n}" for flag, n in counts.items() if flag not in ("segments", "flagged")
            )
            lines.append(
                f"\n- flags, {name}: {counts['flagged']} of {counts['segments']} segments"
                + (f" ({detail})" if detail else "")
            )
        return "\n".join(lines) + "\n"


def _named(prefix: str, scores: list[Score]) -> list[Score]:
    """Corpus scores named for a report: ``bleu`` → ``translation.en.bleu``."""
    return [s.model_copy(update={"metric": f"{prefix}.{s.metric}"}) for s in scores]


def _share(name: str, verdicts: list[bool], signature: str) -> Score:
    """The percentage of true verdicts (0 when there are none)."""
    value = 100.0 * sum(verdicts) / len(verdicts) if verdicts else 0.0
    return Score(metric=name, value=value, higher_is_better=True, signature=signature)


def number_preservation(source: str, target: str, lang: str) -> tuple[int, int]:
    """(source numbers found in the target, source numbers) after normalizing conventions."""
    source_keys = number_keys(source, "fr")
    return len(source_keys & number_keys(target, lang)), len(source_keys)


def entity_preservation(source: str, target: str) -> tuple[int, int]:
    """(source names found in the target as written, source names)."""
    entities = extract_entities(source, "fr")
    return sum(1 for e in entities if entity_in(e, target)), len(entities)


#: Targets that write the source's names in its own (Latin) script, so that names can be compared as
#: written. Into another script ("Séoul" is "서울") they are compared through the glossary instead.
SAME_SCRIPT_TARGETS = frozenset({"en"})


def glossary_names(source: str, target: str, lang: str, glossary: Glossary) -> tuple[int, int]:
    """(glossary names of the source whose ``lang`` form is in the target, glossary names of the source).

    A glossary name is an entry that is not a ``term`` (people, places, organizations, parties,
    companies, North Korean institutions) and has a ``lang`` form; it counts once per pair, however
    often the source names it. Found means any of its ``lang`` forms, under the glossary's own
    matching rules (particles may follow a Korean form).
    """
    entries = {
        match.entry
        for match in glossary.find(source, "fr")
        if match.entry.kind != "term" and match.entry.forms(lang)
    }
    return sum(1 for entry in entries if glossary.rendered(entry, target, lang)), len(entries)


def _preservation(prefix: str, lang: str, pairs: list[tuple[str, str]]) -> list[Score]:
    """Number and name preservation rates of (source, translation) pairs into ``lang``."""
    numbers = _rate(
        f"{prefix}.{lang}.number_preservation",
        [number_preservation(s, t, lang) for s, t in pairs],
        "numbers|fr→" + lang,
    )
    if lang in SAME_SCRIPT_TARGETS:
        names = _rate(
            f"{prefix}.{lang}.entity_preservation",
            [entity_preservation(s, t) for s, t in pairs],
            "entities|fr→" + lang + "|as-written",
        )
    else:
        glossary = default_glossary()
        names = _rate(
            f"{prefix}.{lang}.glossary_names",
            [glossary_names(s, t, lang, glossary) for s, t in pairs],
            f"glossary-names|fr→{lang}|shipped:{len(glossary)}-entries",
        )
    return [numbers, names]


def _rate(name: str, pairs: list[tuple[int, int]], signature: str) -> Score:
    found = sum(p[0] for p in pairs)
    total = sum(p[1] for p in pairs)
    value = 100.0 * found / total if total else 100.0
    return Score(metric=name, value=value, higher_is_better=True, signature=signature)


def missing_models(suite: Suite, settings: Settings) -> list[str]:
    """The required models that are not on disk, as ``MTS_X (id)``."""
    missing = []
    for field_name in suite.models_required:
        ref = getattr(settings, field_name, None)
        if not ref:
            missing.append(f"MTS_{field_name.upper()} (unset)")
            continue
        if remote_model(ref) is not None:
            continue  # a model of the LLM server: nothing on disk (a server that is down fails the run)
        try:
            ready = is_ready(resolve(ref, settings))
        except MtsError:
            ready = False
        if not ready:
            missing.append(f"MTS_{field_name.upper()} ({ref})")
    return missing


def run_suite(suite: Suite, settings: Settings, *, bootstrap: int = 1000) -> Report:
    """Run and score a suite; a suite whose models are absent is skipped, with the reason."""
    report = Report(suite=suite.name, date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    missing = missing_models(suite, settings)
    if missing:
        report.skipped = f"models not present: {', '.join(missing)} (run `mts models pull`)"
        return report
    dispatches = suite.dispatches()
    report.dispatches = len(dispatches)
    report.summarizer = suite.summarizer
    if "references" in suite.tasks:
        _score_references(report, dispatches)
    if "translation" in suite.tasks or any(lang != "fr" for lang in suite.bullet_languages):
        _score_pipeline(report, suite, dispatches, settings, bootstrap)
    elif "summary" in suite.tasks:
        _score_french_summaries(report, suite, dispatches, settings, bootstrap)
    return report


def _count_flags(report: Report, name: str, flag_lists: list[list[str]], signature: str) -> None:
    """Record how many segments carry flags, and which (lower is better)."""
    counts = {"segments": len(flag_lists), "flagged": sum(1 for flags in flag_lists if flags)}
    for flags in flag_lists:
        for flag in flags:
            counts[flag] = counts.get(flag, 0) + 1
    report.flags[name] = counts
    if flag_lists:
        rate = 100.0 * counts["flagged"] / counts["segments"]
        report.add(
            Score(metric=f"{name}.flagged_segments", value=rate, higher_is_better=False, signature=signature)
        )


def _score_references(report: Report, dispatches: list[Dispatch]) -> None:
    glossary = default_glossary()
    for lang in TARGETS:
        refs = [(d.source, d.references[lang]) for d in dispatches if lang in d.references]
        if not refs:
            continue
        _count_flags(
            report,
            f"references.{lang}",
            [
                segment_flags(case.source, case.output, "fr", lang, glossary=glossary, dispatch=case.context)
                for case in reference_cases(dispatches, (lang,))
            ],
            f"flags|fr→{lang}|paragraphs",
        )
        report.add(*_preservation("references", lang, refs))
    for lang in CODES:
        verdicts = [
            check_bullet(
                b, lang, d.source, {lang: d.references[lang]} if lang in d.references else None
            ).supported
            for d in dispatches
            for b in d.bullets.get(lang, [])
        ]
        if verdicts:
            report.add(_share(f"references.{lang}.bullet_support", verdicts, "support|numbers+names"))


def _summary_metrics(
    report: Report, lang: str, bullets: list[list[str]], dispatches: list[Dispatch], bootstrap: int
) -> None:
    hyps = [" ".join(b) for b in bullets]
    refs = [[" ".join(d.bullets.get(lang, [])) for d in dispatches]]
    report.add(*_named(f"summary.{lang}", summary_scores(hyps, refs, lang, bootstrap=bootstrap)))


def _score_french_summaries(
    report: Report, suite: Suite, dispatches: list[Dispatch], settings: Settings, bootstrap: int
) -> None:
    from service.runtime import Runtime

    runtime = Runtime(settings)
    summarizer = runtime.summarizer(suite.summarizer)
    report.prompt = summarizer.prompt_ref
    all_bullets: list[list[str]] = []
    verdicts: list[bool] = []
    try:
        for dispatch in dispatches:
            n = max(3, min(5, len(dispatch.bullets.get("fr", [])) or 3))
            try:
                bullets = summarizer.summarize(dispatch.source, "fr", n)
            except SummaryUnavailableError as exc:
                report.fallbacks += 1
                report.fallback_reason = report.fallback_reason or str(exc)
                bullets = ExtractiveSummarizer().summarize(dispatch.source, "fr", n)
            all_bullets.append(bullets)
            verdicts += [check_bullet(b, "fr", dispatch.source).supported for b in bullets]
    finally:
        runtime.close()
    _summary_metrics(report, "fr", all_bullets, dispatches, bootstrap)
    report.add(_share("summary.fr.support_rate", verdicts, "support|numbers+names"))


def _score_pipeline(
    report: Report, suite: Suite, dispatches: list[Dispatch], settings: Settings, bootstrap: int
) -> None:
    from service.pipeline import DispatchRequest
    from service.runtime import Runtime
    from service.schemas import ModelsOut

    runtime = Runtime(settings)
    langs = tuple(lang for lang in suite.translation_languages) or TARGETS
    results = []
    try:
        for dispatch in dispatches:
            n = max(3, min(5, len(dispatch.bullets.get("fr", [])) or 3))
            request = DispatchRequest(
                text=dispatch.source, id=dispatch.id, langs=langs, bullets=n, summarizer=suite.summarizer
            )
            results.append(runtime.pipeline.process(request))
    finally:
        runtime.close()
    for result in results:
        if result.summarizer.get("fallback_reason"):
            report.fallbacks += 1
            report.fallback_reason = report.fallback_reason or result.summarizer["fallback_reason"]
    first = results[0]
    report.models = ModelsOut.of(first).model_dump(mode="json")
    report.prompt = first.prompt
    if "translation" in suite.tasks:
        report.decoding = settings.decoding_by_route
        for lang in suite.translation_languages:
            hyps: list[str] = []
            refs: list[str] = []
            for dispatch, result in zip(dispatches, results, strict=True):
                hyp_paras = paragraphs(result.translations[lang].translation)
                ref_paras = paragraphs(dispatch.references[lang])
                if len(hyp_paras) == len(ref_paras):
                    hyps += hyp_paras
                    refs += ref_paras
                else:  # paragraph structure lost: score the document as one segment
                    hyps.append(" ".join(hyp_paras))
                    refs.append(" ".join(ref_paras))
            report.add(
                *_named(f"translation.{lang}", translation_scores(hyps, [refs], lang, bootstrap=bootstrap))
            )
            pairs = [
                (d.source, r.translations[lang].translation) for d, r in zip(dispatches, results, strict=True)
            ]
            report.add(*_preservation("translation", lang, pairs))
            _count_flags(
                report,
                f"translation.{lang}",
                [list(s.flags) for r in results for s in r.translations[lang].segments],
                f"flags|fr→{lang}|segments",
            )
    if "summary" in suite.tasks:
        for lang in suite.bullet_languages:
            bullets = [[b.text for b in r.summaries.get(lang, [])] for r in results]
            _summary_metrics(report, lang, bullets, dispatches, bootstrap)
            supported = [b.supported for r in results for b in r.summaries.get(lang, [])]
            report.add(_share(f"summary.{lang}.support_rate", supported, "support|numbers+names"))


def write_report(report: Report, directory: Path) -> tuple[Path, Path]:
    """Write the report as JSON and Markdown; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = report.date.replace(":", "").replace("-", "")
    json_path = directory / f"{report.suite}-{stamp}.json"
    md_path = json_path.with_suffix(".md")
    json_path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(report.markdown(), encoding="utf-8")
    return json_path, md_path


def _default_tolerance(name: str) -> float:
    return DEFAULT_TOLERANCE.get(name.rsplit(".", 1)[-1], RATE_TOLERANCE)


def gate(report: Report, baseline_path: Path) -> list[str]:
    """Regressions beyond tolerance, one message each (empty: the gate passes)."""
    try:
        baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MtsError(
            f"no baseline for suite {report.suite} at {baseline_path}: create it with --update-baseline"
        ) from None
    failures = []
    for name, spec in baseline.get("metrics", {}).items():
        metric = report.metrics.get(name)
        if metric is None:
            failures.append(f"{name}: in the baseline but not measured")
            continue
        value, tolerance = float(spec["value"]), float(spec["tolerance"])
        higher = bool(spec.get("higher_is_better", True))
        worse = metric.value < value - tolerance if higher else metric.value > value + tolerance
        if worse:
            direction = "below" if higher else "above"
            failures.append(
                f"{name}: {metric.value:.2f} is {direction} baseline {value:.2f} "
                f"by more than its tolerance {tolerance:g}"
            )
    return failures


def update_baseline(report: Report, baseline_path: Path) -> None:
    """Rewrite the baseline from this run, keeping existing tolerances."""
    old: dict[str, Any] = {}
    if baseline_path.exists():
        old = json.loads(baseline_path.read_text(encoding="utf-8")).get("metrics", {})
    metrics = {
        name: {
            "value": round(m.value, 4),
            "tolerance": old.get(name, {}).get("tolerance", _default_tolerance(name)),
            "higher_is_better": m.higher_is_better,
        }
        for name, m in sorted(report.metrics.items())
    }
    data = {
        "suite": report.suite,
        "created": report.date,
        "summarizer": report.summarizer,
        "metrics": metrics,
    }
    baseline_path.parent.mkdir(parents=True, exist_ok=True)
    baseline_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
