"""Crash-safe, resumable JSONL output: one complete line per record, written with one append each."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from service.batch.records import is_final
from service.errors import MtsError


def lock_path(path: Path) -> Path:
    """The sidecar lock file of an output: ``OUTPUT.lock`` next to it."""
    return path.with_name(path.name + ".lock")


class OutputLock:
    """An exclusive ``flock`` on ``OUTPUT.lock``: one ``mts batch`` per output at a time.

    The lock file holds the pid of the run that holds it (for the refusal message). It is never
    deleted (deleting it would let a third run lock a fresh file while the second still waits); the
    kernel drops the lock when its holder exits, however it exits.
    """

    def __init__(self, output: Path) -> None:
        self.path = lock_path(output)
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise MtsError(f"cannot create the lock file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = self._holder()
            os.close(self._fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                who = f"pid {holder}" if holder else "pid unknown"
                raise MtsError(f"output {output} is being written by another mts batch ({who})") from None
            raise MtsError(f"cannot lock {self.path}: {exc.strerror}") from None
        # The pid is a courtesy for the message; a disk too full to hold it changes nothing.
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def _holder(self) -> str:
        try:
            return os.pread(self._fd, 32, 0).decode("ascii", "replace").strip()
        except OSError:
            return ""

    def release(self) -> None:
        """Drop the lock."""
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


class ResumableWriter:
    """Appends output lines; on open, locks the output and recovers what a killed run left behind.

    Every line goes out in a single ``write`` to a file opened with ``O_APPEND``, so a process
    killed at any moment (``kill -9`` included) leaves at most one partial last line. Opening
    the file again cuts that partial line off and collects the ids already written: rerunning
    the same command finishes the work without redoing or duplicating anything.

    A line counts as done when it is a result or an error of kind ``record``; any other error
    line (including old lines without a kind) is removed on open so that its record is retried.
    A write that fails (a full disk) is cut off again and raised as one :class:`MtsError`: nothing
    partial is ever counted as done.
    """

    def __init__(self, path: Path, *, restart: bool = False) -> None:
        self.path = path
        self.done: set[str] = set()
        #: Error types of the record errors already in the output (kept from earlier runs).
        self.kept_failures: Counter[str] = Counter()
        self.truncated_bytes = 0
        #: Error lines removed on open so that their records are processed again.
        self.retried = 0
        #: Extra lines of an id already in the output, removed on open.
        self.dropped_duplicates = 0
        if path.is_dir():
            raise MtsError(f"output {path} is a directory; give a .jsonl file path")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MtsError(f"cannot open output {path}: {exc.strerror}") from None
        self._lock = OutputLock(path)
        try:
            if restart and path.exists():
                path.unlink()
            if path.exists():
                self._recover()
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except PermissionError:
            self._lock.release()
            raise MtsError(f"output {path} is not writable") from None
        except OSError as exc:
            self._lock.release()
            raise MtsError(f"cannot open output {path}: {exc.strerror}") from None
        except BaseException:
            self._lock.release()
            raise

    def _recover(self) -> None:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1  # everything after the last newline is a partial line
        if end < len(data):
            self.truncated_bytes = len(data) - end
            with self.path.open("r+b") as handle:
                handle.truncate(end)
        kept: list[bytes] = []
        where: dict[str, int] = {}  # id → its line in ``kept``
        failed: dict[str, str] = {}  # id → error type, for the ids whose kept line is a record error
        for raw in data[:end].splitlines(keepends=True):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
                record_id = str(line["id"])
            except (ValueError, KeyError, TypeError):
                raise MtsError(
                    f"output {self.path} holds a line that is not a record; use --restart to start over"
                ) from None
            if not is_final(line):
                self.retried += 1
                continue
            error = line.get("error")
            if record_id in where:
                # A second line for an id (left by two runs that shared the output before the lock):
                # keep one, a result rather than an error.
                self.dropped_duplicates += 1
                if record_id in failed and error is None:
                    kept[where[record_id]] = raw
                    del failed[record_id]
                continue
            where[record_id] = len(kept)
            kept.append(raw)
            if error is not None:
                failed[record_id] = str(error.get("type", "error"))
        self.done.update(where)
        self.kept_failures.update(failed.values())
        if self.retried or self.dropped_duplicates:
            self._rewrite(kept)

    def _rewrite(self, kept: list[bytes]) -> None:
        """Replace the output with ``kept`` (atomically: a new file renamed over the old one)."""
        fresh = self.path.with_name(self.path.name + ".resume-tmp")
        try:
            with fresh.open("wb") as handle:
                handle.writelines(kept)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(fresh, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                fresh.unlink()
            raise MtsError(
                f"cannot rewrite output {self.path} (dropping error lines to retry and duplicate "
                f"lines): {exc.strerror}; free some space and rerun"
            ) from None

    def write(self, line: dict[str, Any]) -> None:
        """Append one record's line; on failure cut it off again and raise one :class:`MtsError`."""
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        start = None
        try:
            start = os.fstat(self._fd).st_size
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            if start is not None:
                # We hold the lock: the bytes after ``start`` are this line's, and only this line's.
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, start)
            raise MtsError(
                f"cannot write output {self.path}: {exc.strerror or exc}; nothing was counted as done "
                "for the record — free some space and rerun the same command to resume"
            ) from None
        self.done.add(str(line["id"]))

    def close(self) -> None:
        """Flush to disk, close and unlock; a failing flush raises one :class:`MtsError`."""
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise MtsError(f"cannot flush output {self.path}: {exc.strerror or exc}") from None
        finally:
            os.close(self._fd)
            self._lock.release()
