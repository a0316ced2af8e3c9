"""`mts translate` and `mts process` on documents: the format by extension or --format, the result
in the same format on stdout or in --output, the sentences' places in --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import run

HTML = (
    '<html lang="fr"><body><h1>Séoul</h1><p>Le ministre <a href="/a?x=1&amp;y=2">Cho Tae-yul</a> '
    "a rencontré son homologue mardi.</p><pre>code 12</pre></body></html>\n"
)


@pytest.mark.slow
def test_html_file_comes_back_as_html(models_env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "dispatch.html"
    source.write_text(HTML, encoding="utf-8")
    out = tmp_path / "dispatch.en.html"
    proc = run("translate", "--to", "en", "--allow-flags", str(source), "-o", str(out), env=models_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # the result went to the file
    written = out.read_text(encoding="utf-8")
    assert written.startswith('<html lang="en"><body><h1>') and written.endswith("</body></html>\n")
    assert '<a href="/a?x=1&amp;y=2">' in written and "<pre>code 12</pre>" in written
    listed = run("translate", "--to", "ko", "--json", "--allow-flags", str(source), env=models_env)
    data = json.loads(listed.stdout)
    assert {s["where"] for s in data["segments"]} == {"body/h1[1]", "body/p[1]"}
    assert data["translation"].startswith('<html lang="ko">')


@pytest.mark.slow
def test_markdown_by_extension_and_text_by_default(models_env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "note.md"
    source.write_text("# Titre\n\nLe ministre est **venu** à Séoul.\n", encoding="utf-8")
    proc = run("translate", "--to", "en", "--allow-flags", str(source), env=models_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# ") and proc.stdout.count("**") == 2
    # The same bytes on stdin are plain text: the markers go to the model as they are.
    piped = run(
        "translate", "--to", "en", "--allow-flags", "--json", stdin=source.read_bytes(), env=models_env
    )
    assert all("where" not in s for s in json.loads(piped.stdout)["segments"])
