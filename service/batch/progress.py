"""Progress and the closing summary of a batch run, on stderr."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Progress:
    """Records done/total, records/s, tokens/s, ETA and errors; redrawn at most twice a second.

    On a terminal the line is redrawn in place; elsewhere (logs, CI) a line is printed every
    ``log_every`` seconds.
    """

    total: int
    already_done: int = 0
    quiet: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    log_every: float = 10.0
    done: int = 0
    failed: int = 0
    tokens: int = 0
    started: float = field(default_factory=time.monotonic)
    _last_draw: float = 0.0

    def update(self, records: int, failed: int, tokens: int) -> None:
        """Count records just written (``failed`` of them error lines) and their source tokens."""
        self.done += records
        self.failed += failed
        self.tokens += tokens
        now = time.monotonic()
        interactive = self.stream.isatty()
        if self.quiet or now - self._last_draw < (0.5 if interactive else self.log_every):
            return
        self._last_draw = now
        self._draw(end="\r" if interactive else "\n")

    def line(self) -> str:
        """The progress line."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        remaining = max(self.total - self.already_done - self.done, 0)
        rate = self.done / elapsed
        eta = _duration(remaining / rate) if rate > 0 else "?"
        position = self.already_done + self.done
        percent = 100 * position / self.total if self.total else 100.0
        return (
            f"{position}/{self.total} records ({percent:.0f}%) | {rate:.2f} rec/s | "
            f"{self.tokens / elapsed:.0f} tok/s | ETA {eta} | errors {self.failed}"
        )

    def _draw(self, end: str) -> None:
        self.stream.write(self.line() + end)
        self.stream.flush()

    def finish(self) -> None:
        """Leave the progress line finished (the summary follows)."""
        if not self.quiet and self.stream.isatty():
            self._draw(end="\n")
