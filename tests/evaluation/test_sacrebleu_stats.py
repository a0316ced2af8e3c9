"""The adapter over sacrebleu's private API: pinned to the versions it was checked against."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sacrebleu
from pins import assert_checked_version
from sacrebleu.metrics.base import Metric
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF
from sacrebleu.metrics.ter import TER

from service.evaluation.sacrebleu_stats import CHECKED_VERSIONS, score_from_statistics, segment_statistics

HYPS = [
    "Foreign Minister Cho Tae-yul met his French counterpart in Seoul on Tuesday.",
    "The two ministers agreed to strengthen cooperation in space and nuclear energy.",
    "North Korea fired two short-range ballistic missiles into the East Sea, the military said.",
    "Seoul will host the summit next year, officials said.",
    "",
]
REFS = [
    "Foreign Minister Cho Tae-yul met his French counterpart in Seoul on Tuesday.",
    "The two ministers agreed to boost cooperation in the space and nuclear energy sectors.",
    "North Korea launched two short-range ballistic missiles toward the East Sea, according to the military.",
    "Officials said Seoul would host next year's summit.",
    "The ministry declined to comment.",
]
REFS_2 = [
    "On Tuesday in Seoul, Foreign Minister Cho Tae-yul met his French counterpart.",
    "Both ministers agreed to strengthen space and nuclear cooperation.",
    "The military said North Korea fired two short-range ballistic missiles into the East Sea.",
    "Seoul is to host the summit next year, according to officials.",
    "No comment came from the ministry.",
]

METRICS: dict[str, Callable[[], Metric]] = {
    "bleu": BLEU,
    "chrf++": lambda: CHRF(word_order=2),
    "ter": TER,
}


def test_sacrebleu_version_is_one_the_adapter_was_checked_against() -> None:
    # The adapter calls sacrebleu's private Metric._check_corpus_score_args,
    # _extract_corpus_statistics and _compute_score_from_stats (see Metric.corpus_score).
    assert_checked_version(
        "sacrebleu", sacrebleu.__version__, CHECKED_VERSIONS, "service/evaluation/sacrebleu_stats.py"
    )


def _column_sums(rows: list[list[float]]) -> list[float]:
    return [sum(column) for column in zip(*rows, strict=True)]


@pytest.mark.parametrize("name", list(METRICS))
@pytest.mark.parametrize("refs", [[REFS], [REFS, REFS_2]], ids=["1ref", "2refs"])
def test_corpus_value_equals_public_corpus_score(name: str, refs: list[list[str]]) -> None:
    stats = segment_statistics(METRICS[name](), HYPS, refs)
    assert len(stats) == len(HYPS)
    assert len({len(row) for row in stats}) == 1
    expected = METRICS[name]().corpus_score(HYPS, refs).score
    assert score_from_statistics(METRICS[name](), _column_sums(stats)) == expected


@pytest.mark.parametrize("name", list(METRICS))
def test_statistics_are_additive_over_segments(name: str) -> None:
    """What the bootstrap relies on: a resample's summed rows score as corpus_score of that resample."""
    stats = segment_statistics(METRICS[name](), HYPS, [REFS, REFS_2])
    for index, hyp in enumerate(HYPS):
        assert segment_statistics(METRICS[name](), [hyp], [[REFS[index]], [REFS_2[index]]]) == [stats[index]]
    resample = [2, 0, 2, 3, 4, 4, 1]
    hyps = [HYPS[i] for i in resample]
    refs = [[REFS[i] for i in resample], [REFS_2[i] for i in resample]]
    expected = METRICS[name]().corpus_score(hyps, refs).score
    sums = _column_sums([stats[i] for i in resample])
    assert score_from_statistics(METRICS[name](), sums) == pytest.approx(expected, rel=1e-12)
    # As metrics.bootstrap_ci passes them: float64 sums turned back into Python numbers.
    floats = [float(value) for value in sums]
    assert score_from_statistics(METRICS[name](), floats) == pytest.approx(expected, rel=1e-12)
    assert 0 < expected < 200


def test_statistics_check_arguments_like_corpus_score() -> None:
    with pytest.raises(TypeError, match="hyps"):
        segment_statistics(BLEU(), [1, 2], [REFS[:2]])  # type: ignore[list-item]
