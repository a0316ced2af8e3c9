"""``mts batch-verify``: does an output hold every input id exactly once, and no failure?"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.batch.reader import DEFAULT_PATTERN, read_records
from service.errors import MtsError


@dataclass
class VerifyReport:
    """What OUTPUT holds against INPUT, by id."""

    input_ids: int = 0
    output_lines: int = 0
    missing: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    #: Line numbers of OUTPUT that are not a record (a partial last line, garbage).
    bad_lines: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Every input id exactly once, no error line, nothing else."""
        return not (self.missing or self.duplicates or self.failed or self.unexpected or self.bad_lines)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``ok`` first)."""
        return {
            "ok": self.clean,
            "input_ids": self.input_ids,
            "output_lines": self.output_lines,
            "missing": self.missing,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "unexpected": self.unexpected,
            "bad_lines": self.bad_lines,
        }

    def text(self, limit: int = 20) -> str:
        """The report, for people (at most ``limit`` ids per list)."""

        def some(ids: list[str]) -> str:
            shown = ", ".join(ids[:limit])
            return shown + (f", … ({len(ids) - limit} more)" if len(ids) > limit else "")

        lines = [f"input ids: {self.input_ids}, output lines: {self.output_lines}"]
        if self.missing:
            lines.append(f"missing: {len(self.missing)}: {some(self.missing)}")
        if self.duplicates:
            lines.append(f"duplicate: {len(self.duplicates)}: {some(self.duplicates)}")
        if self.failed:
            by_type = Counter(str(e.get("type")) for e in self.failed.values())
            kinds = ", ".join(f"{t} {n}" for t, n in by_type.most_common())
            lines.append(f"failed: {len(self.failed)} ({kinds}): {some(list(self.failed))}")
        if self.unexpected:
            lines.append(f"not in the input: {len(self.unexpected)}: {some(self.unexpected)}")
        if self.bad_lines:
            numbers = some([str(n) for n in self.bad_lines])
            lines.append(f"lines that are not records: {len(self.bad_lines)} (line {numbers})")
        lines.append("ok: every input id exactly once, no failure" if self.clean else "NOT OK")
        return "\n".join(lines)


def verify_output(input_path: Path, output_path: Path, pattern: str = DEFAULT_PATTERN) -> VerifyReport:
    """Compare OUTPUT with INPUT id by id (the ids ``mts batch`` gives, ``line-N`` included);
    ``pattern`` chooses the files of a directory INPUT, as in the batch job."""
    if not input_path.exists():
        raise MtsError(f"input {input_path} does not exist")
    if not output_path.is_file():
        raise MtsError(f"output {output_path} does not exist or is not a file")
    expected = list(dict.fromkeys(record.id for record in read_records(input_path, pattern)))
    report = VerifyReport(input_ids=len(expected))
    seen: Counter[str] = Counter()
    try:
        data = output_path.read_bytes()
    except OSError as exc:
        raise MtsError(f"cannot read output {output_path}: {exc.strerror}") from None
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        if not raw.strip():
            continue
        report.output_lines += 1
        try:
            line = json.loads(raw)
            record_id = str(line["id"])
        except (ValueError, KeyError, TypeError):
            report.bad_lines.append(number)
            continue
        if not raw.endswith(b"\n"):  # a partial last line, even when it happens to parse
            report.bad_lines.append(number)
            continue
        seen[record_id] += 1
        error = line.get("error")
        if error is not None:
            report.failed[record_id] = error if isinstance(error, dict) else {"type": str(error)}
        elif record_id in report.failed:
            del report.failed[record_id]  # a later result supersedes an error line
    wanted = set(expected)
    report.missing = [i for i in expected if i not in seen]
    report.duplicates = [i for i, n in seen.items() if n > 1]
    report.unexpected = [i for i in seen if i not in wanted]
    return report
