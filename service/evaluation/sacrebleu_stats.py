"""The one adapter over sacrebleu's private API: additive per-segment statistics of BLEU, chrF and TER.

Why it exists: the bootstrap confidence intervals of :mod:`service.evaluation.metrics` resample
segments, so they need, for every segment, the additive sufficient statistics that sacrebleu sums over
a corpus (BLEU: hypothesis and closest-reference lengths, matching and total n-grams; chrF: hypothesis,
reference and matching character/word n-grams per order; TER: edits and average reference length), and
the corpus value of any sum of them. sacrebleu has exactly that machinery (its own
``corpus_score(n_bootstrap=...)`` and paired significance tests run on it), but only under private
names. The public routes checked against sacrebleu 2.6 do not cover it: ``sentence_score`` returns a
per-segment *score*, which does not add up; ``BLEUScore`` (counts, totals, lengths) and ``TERScore``
(edits, reference length) expose their statistics, but ``CHRFScore`` exposes none, and re-implementing
chrF's matching outside sacrebleu would drift from it. So the private calls live here and nowhere else;
``tests/evaluation/test_sacrebleu_stats.py`` pins the sacrebleu versions this was checked against and
checks that the values equal the public ``corpus_score``. When sacrebleu moves outside that range,
re-read ``Metric.corpus_score`` in ``sacrebleu/metrics/base.py`` and update this module and the pin.
"""

from __future__ import annotations

from collections.abc import Sequence

from sacrebleu.metrics.base import Metric

# The sacrebleu versions (major, minor), inclusive, whose private API this module was checked against.
CHECKED_VERSIONS = ((2, 6), (2, 6))


def segment_statistics(
    metric: Metric, hyps: Sequence[str], refs: Sequence[Sequence[str]]
) -> list[list[float]]:
    """One row of additive sufficient statistics per segment, as ``metric.corpus_score`` computes them.

    ``refs`` is a list of reference streams (``refs[k][i]`` is reference ``k`` of segment ``i``); the
    same argument checks as ``corpus_score`` apply. Rows of one metric instance all have the same length.
    """
    metric._check_corpus_score_args(hyps, refs)
    stats: list[list[float]] = metric._extract_corpus_statistics(hyps, refs)
    return stats


def score_from_statistics(metric: Metric, sums: Sequence[float]) -> float:
    """The corpus value (sacrebleu's 0-100 scale) of the column sums of some rows of statistics.

    With the sums of every row (Python ``sum`` of each column, in segment order) this equals
    ``metric.corpus_score(hyps, refs).score``; pass Python numbers (``ndarray.tolist()``), as sacrebleu's
    own bootstrap does.
    """
    return float(metric._compute_score_from_stats(list(sums)).score)
