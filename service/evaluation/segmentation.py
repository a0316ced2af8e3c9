"""How the sentence splitter does on annotated dispatches: the share of dispatches it splits exactly
as a careful reader did (each dispatch's ``sentences``), for the whole suite and each half."""

from __future__ import annotations

from typing import Any

from service.evaluation.suites import HALVES, Suite
from service.text.segment import segment


def measure_segmentation(suite: Suite, *, keep_examples: int = 0) -> dict[str, Any] | None:
    """Exact matches per half (None when no dispatch of the suite is annotated). A miss is kept
    as its first differing sentence, the splitter's and the reader's, up to ``keep_examples``."""
    counts = {half: [0, 0] for half in ("all", *HALVES)}
    misses: list[dict[str, Any]] = []
    for dispatch in suite.dispatches():
        if dispatch.sentences is None:
            continue
        found = tuple(s.text for s in segment(dispatch.source))
        exact = found == dispatch.sentences
        for half in ("all", dispatch.half):
            counts[half][0] += exact
            counts[half][1] += 1
        if not exact and len(misses) < keep_examples:
            first = next(
                (i for i, (a, b) in enumerate(zip(found, dispatch.sentences, strict=False)) if a != b),
                min(len(found), len(dispatch.sentences)),
            )
            misses.append(
                {
                    "dispatch": dispatch.id,
                    "splitter": found[first] if first < len(found) else None,
                    "reader": dispatch.sentences[first] if first < len(dispatch.sentences) else None,
                }
            )
    if not counts["all"][1]:
        return None
    report: dict[str, Any] = {
        half: {"exact": exact, "total": total, "rate": round(100 * exact / total, 1) if total else 0.0}
        for half, (exact, total) in counts.items()
    }
    if keep_examples:
        report["misses"] = misses
    return report
