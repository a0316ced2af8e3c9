from __future__ import annotations

import io
import re

from service.batch.progress import Progress

LINE = re.compile(
    r"(\d+)/(\d+) records \((\d+)%\) \| +[\d.]+ rec/s \| \d+ tok/s \| ETA (?:\d+:)?\d\d:\d\d \| errors (\d+)"
)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(stream: io.StringIO, *, quiet: bool = False, log_every: float = 0.0) -> None:
    progress = Progress(total=10, already_done=4, quiet=quiet, stream=stream, log_every=log_every)
    for i in range(6):
        progress.update(1, int(i == 2), 30)
    progress.finish()
    assert (progress.done, progress.failed, progress.tokens) == (6, 1, 180)


def test_plain_lines_without_control_codes_off_a_terminal() -> None:
    stream = io.StringIO()
    _run(stream)
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    parsed = [LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert [m.group(1, 2, 3, 4) for m in parsed if m] == [
        ("5", "10", "50", "0"),
        ("6", "10", "60", "0"),
        ("7", "10", "70", "1"),
        ("8", "10", "80", "1"),
        ("9", "10", "90", "1"),
        ("10", "10", "100", "1"),
    ]


def test_off_a_terminal_the_first_record_prints_then_every_log_every_seconds() -> None:
    stream = io.StringIO()
    _run(stream, log_every=3600)
    [line] = stream.getvalue().splitlines()
    assert line.startswith("5/10 records (50%)")


def test_terminal_line_is_redrawn_in_place_and_finished() -> None:
    stream = _Terminal()
    _run(stream)
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("\n")
    last = text.rstrip("\n").split("\r")[-1].rstrip()
    match = LINE.fullmatch(last)
    assert match and match.group(1, 2, 3, 4) == ("10", "10", "100", "1")


def test_quiet_prints_nothing() -> None:
    for stream in (io.StringIO(), _Terminal()):
        _run(stream, quiet=True)
        assert stream.getvalue() == ""
