"""Reading batch input: a JSONL file ({"id", "text", ...} per line) or a directory of files.

In a directory, the files whose names match a pattern (``*.txt`` unless told otherwise) are the
dispatches, in this directory and every directory below it, each with its relative path as id.
README files and hidden files or directories are never read as dispatches: a ``README.md`` next
to an archive describes it, it is not part of it.

A record's text is the dispatch in the job's format: plain text, or the source of an HTML,
Markdown or NewsML-G2 document (a file's content, or a JSONL line's ``text``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path, PurePath

from service.batch.records import BATCH_FORMATS, Record
from service.errors import MtsError
from service.formats import EXTENSIONS

DEFAULT_PATTERN = "*.txt"
#: ``--format auto``: the format named by the ``--glob`` pattern's extension, else text.
AUTO = "auto"


def resolve_format(fmt: str, pattern: str | None) -> tuple[str, str]:
    """The (format, file pattern) of a batch job from ``--format`` and ``--glob`` (None: not given).

    ``auto`` takes the format whose extension the pattern ends with (``*.xml`` → newsml, ``*.html``
    → html), else text. Without a pattern, the files are those of the format's first extension
    (``*.txt`` for text and auto, ``*.xml`` for newsml). ``docx`` is returned as any format, for
    the job to refuse with its reason; a name that is no format is an error."""
    fmt = fmt.strip().lower()
    if fmt != AUTO and fmt not in EXTENSIONS:
        raise MtsError(f"unknown format {fmt!r}; choose one of: {AUTO}, {', '.join(BATCH_FORMATS)}")
    if fmt == AUTO:
        fmt = format_of_pattern(pattern) if pattern is not None else "text"
    if pattern is None:
        pattern = f"*{EXTENSIONS[fmt][0]}"
    return fmt, pattern


def format_of_pattern(pattern: str) -> str:
    """The format whose file extension ends ``pattern`` (``2025/*.md`` → markdown), else text."""
    suffix = PurePath(pattern.strip()).suffix.lower()
    for fmt, suffixes in EXTENSIONS.items():
        if suffix in suffixes:
            return fmt
    return "text"


def dir_files(root: Path, pattern: str = DEFAULT_PATTERN) -> list[Path]:
    """The dispatch files of a directory: names matching ``pattern`` at any depth, sorted by path,
    README files and hidden files and directories left out. An error when none is left."""
    if not pattern.strip():
        raise MtsError("--glob needs a pattern, e.g. '*.txt'")
    try:
        matches = list(root.rglob(pattern))
    except (ValueError, NotImplementedError) as exc:  # an absolute pattern, or one pathlib refuses
        raise MtsError(f"--glob {pattern!r} is not a usable pattern ({exc})") from None
    files = sorted(path for path in matches if path.is_file() and not _skipped(path.relative_to(root)))
    if not files:
        raise MtsError(
            f"no file in {root} matches {pattern!r} (README and hidden files are skipped); "
            "choose the files with --glob, e.g. --glob '*.md'"
        )
    return files


def _skipped(relative: Path) -> bool:
    """README files and anything hidden (``.git/``, editor lock files)."""
    return relative.stem.upper() == "README" or any(part.startswith(".") for part in relative.parts)


def count_records(path: Path, pattern: str = DEFAULT_PATTERN) -> int:
    """How many records the input holds (non-blank lines, or text files matching ``pattern``)."""
    if path.is_dir():
        return len(dir_files(path, pattern))
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def read_records(path: Path, pattern: str = DEFAULT_PATTERN) -> Iterator[Record]:
    """Records in input order; a bad record comes back with ``error`` set instead of raising.

    ``pattern`` chooses the files of a directory (see :func:`dir_files`); a JSONL file ignores it."""
    if not path.exists():
        raise MtsError(f"input {path} does not exist")
    if path.is_dir():
        yield from _read_dir(path, pattern)
    else:
        yield from _read_jsonl(path)


def _read_dir(root: Path, pattern: str) -> Iterator[Record]:
    for file in dir_files(root, pattern):
        record_id = file.relative_to(root).as_posix()
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield Record(
                record_id, None, error={"type": "not_utf8", "message": f"invalid UTF-8 at byte {exc.start}"}
            )
            continue
        except OSError as exc:
            yield Record(record_id, None, error={"type": "unreadable", "message": str(exc.strerror)})
            continue
        if not text.strip():
            yield Record(record_id, None, error={"type": "empty_text", "message": "the file is empty"})
            continue
        yield Record(record_id, text)


def _read_jsonl(path: Path) -> Iterator[Record]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise MtsError(f"cannot read input {path}: {exc.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            line_id = f"line-{number}"
            try:
                data = json.loads(raw.decode("utf-8-sig"))
            except UnicodeDecodeError as exc:
                yield Record(
                    line_id, None, error={"type": "not_utf8", "message": f"invalid UTF-8 at byte {exc.start}"}
                )
                continue
            except (ValueError, RecursionError) as exc:
                yield Record(line_id, None, error={"type": "invalid_json", "message": str(exc)[:200]})
                continue
            if not isinstance(data, dict):
                yield Record(
                    line_id, None, error={"type": "invalid_record", "message": "a line must be a JSON object"}
                )
                continue
            raw_id = data.get("id")
            if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
                yield Record(line_id, None, error={"type": "missing_id", "message": "no usable `id` field"})
                continue
            record_id = str(raw_id)
            text = data.get("text")
            extra = {k: v for k, v in data.items() if k not in ("id", "text")}
            if not isinstance(text, str) or not text.strip():
                kind = "empty_text" if isinstance(text, str) or text is None else "invalid_text"
                yield Record(
                    record_id, None, extra, {"type": kind, "message": "`text` must be a non-empty string"}
                )
                continue
            yield Record(record_id, text, extra)
