"""Progress of a batch run on stderr, drawn by tqdm.

On a terminal tqdm redraws the line in place (at most twice a second). Elsewhere (logs, CI) tqdm's
in-place redraws would fill the log with carriage returns, so tqdm only counts and formats, and a plain
line is printed on the first record and then every ``log_every`` seconds.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

from tqdm import tqdm  # type: ignore[import-untyped]

BAR_FORMAT = (
    "{n}/{total} records ({percentage:.0f}%) | {rate_noinv_fmt} | {tokens_per_s:.0f} tok/s | "
    "ETA {remaining} | errors {errors}"
)


class _RecordsBar(tqdm):  # type: ignore[misc]
    """tqdm with two more fields for :data:`BAR_FORMAT`: source tokens per second and failed records."""

    monitor_interval = 0  # no monitor thread: the bar is only redrawn from ``update``
    tokens = 0
    errors = 0

    @property
    def format_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().format_dict
        elapsed = fields["elapsed"]
        fields.update(tokens_per_s=self.tokens / elapsed if elapsed > 0 else 0.0, errors=self.errors)
        return fields


class Progress:
    """Records done/total, records/s, tokens/s, ETA and errors of a run that resumed ``already_done``."""

    def __init__(
        self,
        total: int,
        already_done: int = 0,
        quiet: bool = False,
        stream: TextIO | None = None,
        log_every: float = 10.0,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        self.log_every = log_every
        self.done = 0
        self.failed = 0
        self.tokens = 0
        self._interactive = not quiet and self.stream.isatty()
        self._last_line = -math.inf
        # Never displayed by tqdm itself (an infinite delay) unless it can redraw in place.
        self._bar = _RecordsBar(
            total=total,
            initial=already_done,
            file=self.stream,
            unit=" rec",
            bar_format=BAR_FORMAT,
            mininterval=0.5,
            smoothing=0,  # the rate over the whole run, as the ETA and the summary use
            delay=0 if self._interactive else math.inf,
            dynamic_ncols=False,
        )

    def update(self, records: int, failed: int, tokens: int) -> None:
        """Count records just written (``failed`` of them error lines) and their source tokens."""
        self.done += records
        self.failed += failed
        self.tokens += tokens
        self._bar.tokens, self._bar.errors = self.tokens, self.failed
        self._bar.update(records)
        if self.quiet or self._interactive:
            return
        now = time.monotonic()
        if now - self._last_line >= self.log_every:
            self._last_line = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        """The progress line."""
        return str(self._bar)

    def finish(self) -> None:
        """Leave the progress line finished (the summary follows)."""
        self._bar.close()
