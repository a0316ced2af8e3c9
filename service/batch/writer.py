"""Crash-safe, resumable JSONL output: one complete line per record, written with one append each."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from service.errors import MtsError


class ResumableWriter:
    """Appends output lines; on open, recovers what a killed run left behind.

    Every line goes out in a single ``write`` to a file opened with ``O_APPEND``, so a process
    killed at any moment (``kill -9`` included) leaves at most one partial last line. Opening
    the file again cuts that partial line off and collects the ids already written: rerunning
    the same command finishes the work without redoing or duplicating anything.
    """

    def __init__(self, path: Path, *, restart: bool = False) -> None:
        self.path = path
        self.done: set[str] = set()
        self.truncated_bytes = 0
        if path.is_dir():
            raise MtsError(f"output {path} is a directory; give a .jsonl file path")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if restart and path.exists():
                path.unlink()
            if path.exists():
                self._recover()
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except PermissionError:
            raise MtsError(f"output {path} is not writable") from None
        except OSError as exc:
            raise MtsError(f"cannot open output {path}: {exc.strerror}") from None

    def _recover(self) -> None:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1  # everything after the last newline is a partial line
        if end < len(data):
            self.truncated_bytes = len(data) - end
            with self.path.open("r+b") as handle:
                handle.truncate(end)
        for raw in data[:end].splitlines():
            if not raw.strip():
                continue
            try:
                record_id = json.loads(raw)["id"]
            except (ValueError, KeyError, TypeError):
                raise MtsError(
                    f"output {self.path} holds a line that is not a record; use --restart to start over"
                ) from None
            self.done.add(str(record_id))

    def write(self, line: dict[str, Any]) -> None:
        """Append one record's line."""
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.done.add(str(line["id"]))

    def close(self) -> None:
        """Flush to disk and close."""
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
