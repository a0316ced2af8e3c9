"""Word (.docx): paragraphs, runs, tables, headers and footers read into blocks; translations put
back into the runs with their formatting; malformed or oversized files refused."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.section import WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement, parse_xml
from docx.text.paragraph import Paragraph
from hypothesis import given, settings
from hypothesis import strategies as st

from service.formats.base import DocumentFormatError, FormatOptions, Limits, Span, TranslatedBlock
from service.formats.docx import DocxDocument, parse


def _png() -> bytes:
    """A 1×1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    properties.append(OxmlElement("w:u"))
    properties[0].set(qn("w:val"), "single")
    run.append(properties)
    element = OxmlElement("w:t")
    element.text = text
    run.append(element)
    link.append(run)
    paragraph._p.append(link)


def _save(document: Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def dispatch_docx() -> bytes:
    """A dispatch with the usual Word content: heading, formatted runs, a hyperlink, a list, a tab
    and an image, a table with a nested table, and two sections with headers and footers."""
    document = docx.Document()
    document.add_heading("Séoul et Paris renforcent leur coopération", 1)
    paragraph = document.add_paragraph("Le ")
    paragraph.add_run("président").bold = True
    paragraph.add_run(" a reçu le ")
    paragraph.add_run("ministre").italic = True
    paragraph.add_run(" hier.")
    paragraph = document.add_paragraph("Voir ")
    _hyperlink(paragraph, "https://fr.yna.co.kr/view/1", "la dépêche")
    paragraph.add_run(" de Yonhap.")
    document.add_paragraph("Premier point", style="List Bullet")
    document.add_paragraph("Second point", style="List Number")
    paragraph = document.add_paragraph("Source :")
    paragraph.add_run().add_tab()
    paragraph.add_run("Yonhap")
    paragraph.add_run().add_picture(io.BytesIO(_png()))
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Pays"
    table.cell(0, 1).text = "Montant"
    table.cell(1, 1).text = "12 milliards"
    table.cell(1, 0).add_table(rows=1, cols=1).cell(0, 0).text = "Imbriqué"
    first = document.sections[0]
    first.header.paragraphs[0].text = "En-tête Yonhap"
    first.footer.paragraphs[0].text = "Pied de page"
    second = document.add_section(WD_SECTION.NEW_PAGE)
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "Deuxième en-tête"
    second.header.add_table(rows=1, cols=1, width=first.page_width).cell(0, 0).text = "Case d'en-tête"
    document.add_paragraph("Fin de la dépêche.")
    document.add_section(WD_SECTION.NEW_PAGE)  # headers linked to the previous section: read once
    return _save(document)


def _identity(doc: DocxDocument) -> list[TranslatedBlock]:
    return [TranslatedBlock(block.text, block.spans) for block in doc.blocks]


def _upper(doc: DocxDocument) -> list[TranslatedBlock]:
    return [TranslatedBlock(block.text.upper(), block.spans) for block in doc.blocks]


def _mirrored(doc: DocxDocument) -> list[TranslatedBlock]:
    """Each block's spans in reverse order, each with its own text: the order a translation may
    give the words of differently formatted runs."""
    out = []
    for block in doc.blocks:
        text, spans = "", []
        for span in reversed(block.spans):
            piece = block.text[span.start : span.end]
            spans.append(Span(len(text), len(text) + len(piece), span.open))
            text += piece
        out.append(TranslatedBlock(text, tuple(reversed(spans))))
    return out


def _runs(paragraph: Paragraph) -> list[tuple[str, bool | None, bool | None, bool | None]]:
    """The text and formatting of every run with text (hyperlinks' runs too), in order."""
    out = []
    for item in paragraph.iter_inner_content():
        for run in [item] if hasattr(item, "bold") else item.runs:
            if run.text:
                out.append((run.text, run.bold, run.italic, run.underline))
    return out


def _all_paragraphs(document: Document) -> list[Paragraph]:
    """Every paragraph of the body (tables included, nested ones too) and of the headers and
    footers, as python-docx sees them."""
    out: list[Paragraph] = []

    def container(item: object) -> None:
        for paragraph in item.paragraphs:  # type: ignore[attr-defined]
            out.append(paragraph)
        for table in item.tables:  # type: ignore[attr-defined]
            for row in table.rows:
                for cell in row.cells:
                    container(cell)

    container(document)
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                container(part)
    return out


def test_blocks_of_a_dispatch() -> None:
    doc = parse(dispatch_docx(), FormatOptions())
    assert [(block.text, block.where) for block in doc.blocks] == [
        ("Séoul et Paris renforcent leur coopération", "body/p[1]"),
        ("Le président a reçu le ministre hier.", "body/p[2]"),
        ("Voir la dépêche de Yonhap.", "body/p[3]"),
        ("Premier point", "body/p[4]"),
        ("Second point", "body/p[5]"),
        ("Source : Yonhap", "body/p[6]"),
        ("Pays", "body/tbl[1]/tr[1]/tc[1]/p[1]"),
        ("Montant", "body/tbl[1]/tr[1]/tc[2]/p[1]"),
        ("Imbriqué", "body/tbl[1]/tr[2]/tc[1]/tbl[1]/tr[1]/tc[1]/p[1]"),
        ("12 milliards", "body/tbl[1]/tr[2]/tc[2]/p[1]"),
        ("Fin de la dépêche.", "body/p[8]"),  # p[7] holds the first section's break
        ("En-tête Yonhap", "header1/p[1]"),
        ("Pied de page", "footer1/p[1]"),
        ("Deuxième en-tête", "header2/p[1]"),
        ("Case d'en-tête", "header2/tbl[1]/tr[1]/tc[1]/p[1]"),
    ]
    assert doc.blocks[1].spans == (
        Span(0, 3, "r0"),
        Span(3, 12, "r1"),
        Span(12, 23, "r2"),
        Span(23, 31, "r3"),
        Span(31, 37, "r4"),
    )
    assert doc.blocks[5].spans == (Span(0, 8, "r0"), Span(8, 9, "s1"), Span(9, 15, "r2"))


def test_translation_keeps_runs_links_images_and_tables() -> None:
    source = dispatch_docx()
    doc = parse(source, FormatOptions())
    out = docx.Document(io.BytesIO(doc.render(_upper(doc), "en")))
    before = docx.Document(io.BytesIO(source))
    old, new = _all_paragraphs(before), _all_paragraphs(out)
    assert len(new) == len(old)
    for paragraph_before, paragraph_after in zip(old, new, strict=True):
        assert [(t.upper(), *rest) for t, *rest in _runs(paragraph_before)] == _runs(paragraph_after)
    assert len(out.tables) == len(before.tables) == 1
    assert out.paragraphs[2].hyperlinks[0].address == "https://fr.yna.co.kr/view/1"
    assert out.paragraphs[2].text == "VOIR LA DÉPÊCHE DE YONHAP."
    assert out.paragraphs[5].text == "SOURCE :\tYONHAP"
    assert len(out.inline_shapes) == 1
    assert out.paragraphs[3].style is not None and out.paragraphs[3].style.name == "List Bullet"
    assert out.sections[1].header.tables[0].cell(0, 0).text == "CASE D'EN-TÊTE"


def test_identity_and_language_mark() -> None:
    doc = parse(dispatch_docx(), FormatOptions())
    out = doc.render(_identity(doc), "ko")
    again = parse(out, FormatOptions())
    assert again.blocks == doc.blocks
    run = docx.Document(io.BytesIO(out)).paragraphs[1].runs[1]
    assert run.bold is True
    lang = run._r.rPr.find(qn("w:lang"))
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("ko", "ko")


def test_reordered_runs_follow_the_translation() -> None:
    doc = parse(dispatch_docx(), FormatOptions())
    translations = _identity(doc)
    # "Le président a reçu le ministre hier." → the minister (italic) before the president (bold)
    translations[1] = TranslatedBlock(
        "The minister was received by the president yesterday.",
        (Span(0, 4, "r0"), Span(33, 42, "r1"), Span(12, 33, "r2"), Span(4, 12, "r3"), Span(42, 53, "r4")),
    )
    out = docx.Document(io.BytesIO(doc.render(translations, "en")))
    paragraph = out.paragraphs[1]
    assert paragraph.text == "The minister was received by the president yesterday."
    assert _runs(paragraph) == [
        ("The ", None, None, None),
        ("minister", None, True, None),
        (" was received by the ", None, None, None),
        ("president", True, None, None),
        (" yesterday.", None, None, None),
    ]


def test_text_no_span_covers_joins_its_neighbour() -> None:
    doc = parse(dispatch_docx(), FormatOptions())
    translations = _identity(doc)
    translations[1] = TranslatedBlock(
        "Yesterday the president met the minister.",
        (Span(10, 13, "r0"), Span(14, 23, "r1"), Span(23, 28, "r2"), Span(32, 40, "r3"), Span(40, 41, "r4")),
    )
    translations[2] = TranslatedBlock("See the dispatch.", ())  # no span placed: all to the first run
    out = docx.Document(io.BytesIO(doc.render(translations, "en")))
    assert _runs(out.paragraphs[1]) == [
        ("Yesterday the ", None, None, None),  # text before any span joins the first one written
        ("president", True, None, None),
        (" met the ", None, None, None),  # "the " (no span) joins the run before it
        ("minister", None, True, None),
        (".", None, None, None),
    ]
    assert out.paragraphs[2].runs[0].text == "See the dispatch."
    assert out.paragraphs[2].text == "See the dispatch."
    assert out.paragraphs[2].hyperlinks[0].address == "https://fr.yna.co.kr/view/1"


def test_spans_over_the_whole_sentence_give_it_the_base_formatting() -> None:
    """When every run is placed around the whole sentence (the markup fallback), the sentence
    takes the formatting of the run that held the most text."""
    doc = parse(dispatch_docx(), FormatOptions())
    translations = _identity(doc)
    text = "The president received the minister yesterday."
    translations[1] = TranslatedBlock(text, tuple(Span(0, len(text), f"r{n}") for n in range(5)))
    out = docx.Document(io.BytesIO(doc.render(translations, "en")))
    assert _runs(out.paragraphs[1]) == [(text, None, None, None)]
    assert out.paragraphs[1].runs[2].text == text  # " a reçu le " was the longest run


def test_wrong_number_of_translations() -> None:
    doc = parse(dispatch_docx(), FormatOptions())
    with pytest.raises(ValueError, match="1 translations for 15 paragraphs"):
        doc.render([TranslatedBlock("x")], "en")


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {member: archive.read(member) for member in archive.namelist()}
    parts[name] = content
    return _zip(parts)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&d;&d;&d;&d;</w:t></w:r></w:p></w:body></w:document>"""


@pytest.mark.parametrize(
    ("make", "limits", "message"),
    [
        (lambda: b"plain text, not a zip", Limits(), "not a Word document"),
        (lambda: _zip({"hello.txt": b"hi"}), Limits(), "not a readable Word document"),
        (
            lambda: _replace_part(dispatch_docx(), "word/document.xml", b"<w:document"),
            Limits(),
            "not a readable Word document",
        ),
        (
            lambda: _replace_part(dispatch_docx(), "word/document.xml", BOMB),
            Limits(),
            "word/document.xml in the .docx declares a DTD",
        ),
        (
            lambda: _replace_part(dispatch_docx(), "word/bomb.xml", b"<a>" + b" " * 3_000_000 + b"</a>"),
            Limits(max_bytes=100_000),
            "unpacks to .* bytes; the limit is 2000000",
        ),
        (dispatch_docx, Limits(max_bytes=1000), "bytes; the limit is 1000"),
        (dispatch_docx, Limits(max_chars=50), "characters; the limit is 50"),
        (dispatch_docx, Limits(max_elements=60), "elements; the limit is 60"),
        (dispatch_docx, Limits(max_depth=4), "levels deep; the limit is 4"),
    ],
)
def test_bad_files(make: Callable[[], bytes], limits: Limits, message: str) -> None:
    with pytest.raises(DocumentFormatError, match=message):
        parse(make(), FormatOptions(limits=limits))


def test_python_docx_does_not_expand_entities() -> None:
    """The parser python-docx opens parts with leaves entity references alone (a second guard
    behind the DTD check)."""
    element = parse_xml(b'<!DOCTYPE r [<!ENTITY a "xxxxxxxxxx">]><r>&a;&a;</r>')
    assert element.text is None


# Generated documents: paragraphs of runs with random formatting, in the body and in table cells.
WORDS = st.sampled_from(["Séoul", "Paris", "président", "accord", "été", "Yonhap", "12", "l'ONU"])
RUN = st.tuples(
    st.lists(WORDS, min_size=1, max_size=3).map(" ".join).map(lambda text: text + " "),
    st.sampled_from([None, True]),
    st.sampled_from([None, True]),
    st.sampled_from([None, True]),
)
PARAGRAPH = st.lists(RUN, min_size=1, max_size=5)


Runs = list[tuple[str, bool | None, bool | None, bool | None]]
SPECS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["p", "list", "tab"]), PARAGRAPH, PARAGRAPH),
        st.tuples(st.just("table"), st.integers(1, 2), st.lists(PARAGRAPH, min_size=1, max_size=4)),
    ),
    min_size=1,
    max_size=5,
)


def _build(spec: list[tuple[object, ...]], header: Runs, footer: Runs) -> bytes:
    """A document from a generated description (kept small so that a failing case reads well)."""
    document = docx.Document()
    for kind, first, second in spec:
        if kind == "table":
            assert isinstance(first, int) and isinstance(second, list)
            table = document.add_table(rows=1, cols=first)
            for cell, runs in zip(table.rows[0].cells, second, strict=False):
                _fill(cell.paragraphs[0], runs)
            continue
        assert isinstance(first, list) and isinstance(second, list)
        paragraph = document.add_paragraph(style="List Bullet" if kind == "list" else None)
        _fill(paragraph, first)
        if kind == "tab":
            paragraph.add_run().add_tab()
            _fill(paragraph, second)
    section = document.sections[0]
    _fill(section.header.paragraphs[0], header)
    _fill(section.footer.paragraphs[0], footer)
    return _save(document)


def _fill(paragraph: Paragraph, runs: Runs) -> None:
    for text, bold, italic, underline in runs:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline


def _shape(document: Document) -> tuple[int, int, list[list[tuple[bool | None, ...]]]]:
    """Paragraph count, table count, and each paragraph's run formatting."""
    paragraphs = _all_paragraphs(document)
    return (
        len(paragraphs),
        len(document.tables),
        [[tuple(run[1:]) for run in _runs(paragraph)] for paragraph in paragraphs],
    )


@settings(max_examples=10, deadline=None)
@given(SPECS, PARAGRAPH, PARAGRAPH)
def test_generated_round_trips(spec: list[tuple[object, ...]], header: Runs, footer: Runs) -> None:
    """Identity and upper-cased translations keep every paragraph, table, run and format; runs
    given in reverse order (as a translation may reorder words) each come back once with their
    own formatting."""
    source = _build(spec, header, footer)
    doc = parse(source, FormatOptions())
    before = docx.Document(io.BytesIO(source))
    identity = doc.render(_identity(doc), "en")
    assert parse(identity, FormatOptions()).blocks == doc.blocks
    out = docx.Document(io.BytesIO(doc.render(_upper(doc), "en")))
    assert _shape(out) == _shape(before)
    assert [p.text for p in _all_paragraphs(out)] == [p.text.upper() for p in _all_paragraphs(before)]

    mirrored = _mirrored(doc)
    rendered = doc.render(mirrored, "en")
    # a tab stays where it was: only the spacing around it may differ
    again = parse(rendered, FormatOptions()).blocks
    assert [block.text.split() for block in again] == [block.text.split() for block in mirrored]
    out = docx.Document(io.BytesIO(rendered))
    for paragraph, original in zip(_all_paragraphs(out), _all_paragraphs(before), strict=True):
        assert Counter(_runs(paragraph)) == Counter(_runs(original))


@pytest.mark.slow
def test_libreoffice_opens_the_output(tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.fail(
            "LibreOffice (soffice) is needed: apt-get install libreoffice-writer-nogui (.ci/run does)"
        )
    doc = parse(dispatch_docx(), FormatOptions())
    path = tmp_path / "out.docx"
    path.write_bytes(doc.render(_upper(doc), "en"))
    subprocess.run(
        [office, "--headless", "--convert-to", "txt:Text", "--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (tmp_path / "out.txt").read_text(encoding="utf-8-sig")
    assert "LE PRÉSIDENT A REÇU LE MINISTRE HIER." in text
    assert "12 MILLIARDS" in text
