"""Reading batch input: a JSONL file ({"id", "text", ...} per line) or a directory of .txt/.md files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from service.batch.records import Record
from service.errors import MtsError

TEXT_SUFFIXES = (".txt", ".md")


def _dir_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)


def count_records(path: Path) -> int:
    """How many records the input holds (non-blank lines, or text files)."""
    if path.is_dir():
        return len(_dir_files(path))
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def read_records(path: Path) -> Iterator[Record]:
    """Records in input order; a bad record comes back with ``error`` set instead of raising."""
    if not path.exists():
        raise MtsError(f"input {path} does not exist")
    if path.is_dir():
        yield from _read_dir(path)
    else:
        yield from _read_jsonl(path)


def _read_dir(root: Path) -> Iterator[Record]:
    for file in _dir_files(root):
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
