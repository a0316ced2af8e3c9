"""The batch job on documents (NewsML-G2, HTML, Markdown) with tiny models: one output line per
file, the translations written as items in the same format, broken files as record errors, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree
from test_cli import assert_one_line_error, run

from service.batch.reader import format_of_pattern, resolve_format
from service.batch.records import BatchOptions
from service.batch.runner import item_names, run_batch
from service.config import Settings
from service.errors import MtsError
from service.formats.newsml import validate_newsml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "newsml"
NAR = "{http://iptc.org/std/nar/2006-10-01/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Not NewsML-G2: malformed XML, and well-formed XML of another vocabulary.
BROKEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"><headline>'
)
RSS = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Yonhap</title></channel></rss>\n'
HTML = (
    '<html lang="fr"><body><h1>Séoul</h1><p>Le ministre <a href="/a?x=1&amp;y=2">Cho Tae-yul</a> '
    "a rencontré son homologue mardi.</p><pre>code 12</pre></body></html>\n"
)


@pytest.fixture
def doc_settings(tiny_marian_fast: Path, tiny_m2m100: Path, tmp_path: Path) -> Settings:
    """Settings over the tiny fr→en and fr→ko models, greedy, with a cache of their own."""
    return Settings(
        model_fr_en=str(tiny_marian_fast),
        model_fr_ko=str(tiny_m2m100),
        num_beams=1,
        device="cpu",
        cache_path=tmp_path / "cache" / "cache.sqlite3",
        models_dir=tmp_path / "models",
    )


def read_output(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def feed(tmp_path: Path) -> Path:
    """A feed folder: the NewsML-G2 fixtures (one in a subfolder), a broken item, an RSS file, and
    an item that reads well but breaks the schema (two providers), as does its translation."""
    root = tmp_path / "feed"
    (root / "2026" / "03").mkdir(parents=True)
    shutil.copy(FIXTURES / "yonhap-missile.xml", root / "2026" / "03" / "yonhap-missile.xml")
    shutil.copy(FIXTURES / "yonhap-economy.xml", root / "yonhap-economy.xml")
    shutil.copy(FIXTURES / "yonhap-message.xml", root / "yonhap-message.xml")
    (root / "broken.xml").write_text(BROKEN, encoding="utf-8")
    (root / "rss.xml").write_text(RSS, encoding="utf-8")
    economy = (FIXTURES / "yonhap-economy.xml").read_text(encoding="utf-8")
    provider = '<provider literal="Yonhap News Agency"/>'
    assert provider in economy
    (root / "two-providers.xml").write_text(economy.replace(provider, provider * 2), encoding="utf-8")
    return root


GOOD = ["2026/03/yonhap-missile", "yonhap-economy", "yonhap-message"]


def test_auto_format_follows_the_glob_pattern() -> None:
    assert format_of_pattern("*.xml") == "newsml"
    assert format_of_pattern("2026/*.HTML") == "html"
    assert format_of_pattern("*.md") == "markdown"
    assert format_of_pattern("*") == "text"
    assert resolve_format("auto", None) == ("text", "*.txt")
    assert resolve_format("auto", "*.xml") == ("newsml", "*.xml")
    assert resolve_format("newsml", None) == ("newsml", "*.xml")
    assert resolve_format("html", "*.htm") == ("html", "*.htm")
    assert resolve_format("text", "*.md") == ("text", "*.md"), "an explicit format wins over the pattern"
    assert resolve_format("docx", None) == ("docx", "*.docx"), "refused by the job, with its reason"
    with pytest.raises(
        MtsError, match="unknown format 'pdf'; choose one of: auto, text, html, markdown, newsml"
    ):
        resolve_format("pdf", "*.pdf")


def test_item_names_keep_subfolders_and_stay_inside_the_folder() -> None:
    assert item_names("2026/03/a.xml", "newsml", ["en", "ko"]) == {
        "en": PurePosixPath("2026/03/a.en.xml"),
        "ko": PurePosixPath("2026/03/a.ko.xml"),
    }
    assert item_names("yna-42", "newsml", ["en"]) == {"en": PurePosixPath("yna-42.en.xml")}
    assert item_names("a.htm", "html", ["ko"]) == {"ko": PurePosixPath("a.ko.htm")}
    assert item_names("note.2026", "markdown", ["en"]) == {"en": PurePosixPath("note.2026.en.md")}
    for unsafe in ("../up.xml", "/etc/a.xml", "a/../../b", ".hidden.xml", "a\\b.xml", ""):
        with pytest.raises(ValueError, match="not a relative file path"):
            item_names(unsafe, "newsml", ["en"])


def test_word_is_refused_and_validate_needs_newsml(doc_settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "Salut."}\n', encoding="utf-8")
    output = tmp_path / "out.jsonl"
    with pytest.raises(MtsError, match=r"Word \(\.docx\) files are not a batch format"):
        run_batch(source, output, doc_settings, BatchOptions(format="docx"), quiet=True)
    with pytest.raises(MtsError, match="--validate checks NewsML-G2 items"):
        run_batch(source, output, doc_settings, BatchOptions(format="html", validate=True), quiet=True)
    with pytest.raises(MtsError, match="unknown batch format 'pdf'"):
        run_batch(source, output, doc_settings, BatchOptions(format="pdf"), quiet=True)
    root = feed(tmp_path)
    with pytest.raises(MtsError, match="inside INPUT"):
        run_batch(
            root, output, doc_settings, BatchOptions(format="newsml"), pattern="*.xml", items=root / "out"
        )
    assert not output.exists(), "refused before the output is touched"


def test_newsml_feed_to_items_with_errors_and_resume(doc_settings: Settings, tmp_path: Path) -> None:
    root, output, items = feed(tmp_path), tmp_path / "out.jsonl", tmp_path / "items"
    options = BatchOptions(langs=("en", "ko"), summaries=False, format="newsml", validate=True)
    summary = run_batch(root, output, doc_settings, options, quiet=True, pattern="*.xml", items=items)

    lines = {line["id"]: line for line in read_output(output)}
    assert len(lines) == len(read_output(output)) == 6, "one line per file"
    for bad in ("broken.xml", "rss.xml"):
        error = lines[bad]["error"]
        assert (error["type"], error["kind"]) == ("invalid_document", "record")
    assert "malformed XML" in lines["broken.xml"]["error"]["message"]
    assert "not a NewsML-G2 file" in lines["rss.xml"]["error"]["message"]
    error = lines["two-providers.xml"]["error"]
    assert (error["type"], error["kind"]) == ("invalid_newsml", "record")
    assert (
        "does not validate against the NewsML-G2 schema" in error["message"]
        and "provider" in error["message"]
    )
    assert (summary.done, summary.failed, summary.items) == (6, 3, 6)

    written = sorted(p.relative_to(items).as_posix() for p in items.rglob("*") if p.is_file())
    assert written == sorted(f"{name}.{lang}.xml" for name in GOOD for lang in ("en", "ko"))
    for name in GOOD:
        line = lines[f"{name}.xml"]
        assert "error" not in line
        for lang in ("en", "ko"):
            data = (items / f"{name}.{lang}.xml").read_bytes()
            assert data.decode("utf-8") == line["translations"][lang]["translation"]
            assert validate_newsml(data) == []
            root_element = etree.fromstring(data)
            item = (
                root_element
                if root_element.tag == f"{NAR}newsItem"
                else root_element.find(f".//{NAR}newsItem")
            )
            assert item is not None
            assert item.get(XML_LANG) == lang and item.get("guid", "").endswith(f":{lang}")
            link = item.find(f"{NAR}itemMeta/{NAR}link[@rel='irel:translatedFrom']")
            assert (
                link is not None
                and link.get("residref")
                and not link.get("residref", "").endswith(f":{lang}")
            )

    # A run killed while it wrote the last record's items, before its line: the line is cut off
    # (a partial line stays), one item is half-done (stale here), the other missing. The resumed
    # run redoes that record only, writes both items again, and adds no line twice.
    kept = output.read_bytes().splitlines(keepends=True)
    assert json.loads(kept[-1])["id"] == "yonhap-message.xml"
    output.write_bytes(b"".join(kept[:-1]) + kept[-1][:20])
    (items / "yonhap-message.en.xml").write_text("stale", encoding="utf-8")
    (items / "yonhap-message.ko.xml").unlink()
    again = run_batch(root, output, doc_settings, options, quiet=True, pattern="*.xml", items=items)
    assert (again.done, again.resumed, again.truncated_partial_line, again.items) == (1, 5, True, 2)
    after = read_output(output)
    assert len(after) == len({line["id"] for line in after}) == 6
    assert sorted(p.relative_to(items).as_posix() for p in items.rglob("*") if p.is_file()) == written
    for lang in ("en", "ko"):
        assert validate_newsml((items / f"yonhap-message.{lang}.xml").read_bytes()) == []
    assert not [p for p in items.rglob(".*")], "no temporary file is left behind"


def test_jsonl_records_are_documents(doc_settings: Settings, tmp_path: Path) -> None:
    source, output, items = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "items"
    records = [
        {"id": "yna-1", "text": HTML, "desk": "politique"},
        {"id": "../escape", "text": HTML},
        {"id": "2026/yna-2.htm", "text": HTML.replace("mardi", "jeudi")},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    options = BatchOptions(langs=("en",), summaries=False, format="html")
    summary = run_batch(source, output, doc_settings, options, quiet=True, items=items)
    by_id = {line["id"]: line for line in read_output(output)}
    assert by_id["yna-1"]["desk"] == "politique"
    for record_id, name in (("yna-1", "yna-1.en.html"), ("2026/yna-2.htm", "2026/yna-2.en.htm")):
        page = (items / name).read_text(encoding="utf-8")
        assert page == by_id[record_id]["translations"]["en"]["translation"]
        assert page.startswith('<html lang="en"><body><h1>') and page.endswith("</body></html>\n")
        assert '<a href="/a?x=1&amp;y=2">' in page and "<pre>code 12</pre>" in page
    error = by_id["../escape"]["error"]
    assert (error["type"], error["kind"]) == ("invalid_item_name", "record")
    assert not (tmp_path / "escape.en.html").exists()
    assert (summary.done, summary.failed, summary.items) == (3, 1, 2)


@pytest.mark.slow
def test_html_folder_through_the_command(
    models_env: dict[str, str], tiny_marian_fast: Path, tmp_path: Path
) -> None:
    env = {**models_env, "MTS_MODEL_FR_EN": str(tiny_marian_fast), "MTS_NUM_BEAMS": "1"}
    archive, items, output = tmp_path / "archive", tmp_path / "items", tmp_path / "out.jsonl"
    (archive / "desk").mkdir(parents=True)
    (archive / "a.html").write_text(HTML, encoding="utf-8")
    (archive / "desk" / "b.html").write_text(HTML.replace("mardi", "jeudi"), encoding="utf-8")
    (archive / "c.txt").write_text("Pas une page du lot.", encoding="utf-8")
    common = ("--langs", "en", "--no-summaries", "-q", "--items", str(items))
    # --format auto (the default): html, from the pattern's extension.
    proc = run("batch", str(archive), str(output), "--glob", "*.html", *common, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = read_output(output)
    assert [line["id"] for line in lines] == ["a.html", "desk/b.html"]
    for line, name in zip(lines, ("a.en.html", "desk/b.en.html"), strict=True):
        page = (items / name).read_text(encoding="utf-8")
        assert page == line["translations"]["en"]["translation"]
        assert page.startswith('<html lang="en"><body><h1>') and "<pre>code 12</pre>" in page
    assert run("batch-verify", str(archive), str(output), "--format", "html").returncode == 0
    assert run("batch-verify", str(archive), str(output)).returncode == 1, "*.txt: c.txt is missing"
    assert_one_line_error(
        run("batch", str(archive), str(tmp_path / "x.jsonl"), "--glob", "*.docx", *common, env=env),
        "not a batch format",
    )
