"""The format registry: formats told by name or media type, result names, and plain text."""

from __future__ import annotations

import pytest

from service.formats import detect_format, parse_document, result_name
from service.formats.base import DocumentFormatError, FormatOptions, Limits, TranslatedBlock


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("dispatch.html", None, "html"),
        ("DISPATCH.HTM", None, "html"),
        ("notes.md", None, "markdown"),
        ("report.docx", None, "docx"),
        ("item.xml", None, "newsml"),
        ("dispatch.txt", None, "text"),
        ("upload", "text/html; charset=utf-8", "html"),
        ("upload", "application/vnd.iptc.g2.newsitem+xml", "newsml"),
    ],
)
def test_formats_are_told_by_extension_then_media_type(
    name: str, content_type: str | None, expected: str
) -> None:
    assert detect_format(name, content_type) == expected


def test_an_unknown_file_type_lists_the_supported_ones() -> None:
    with pytest.raises(DocumentFormatError, match=r"\.docx"):
        detect_format("slides.pptx", "application/octet-stream")
    with pytest.raises(DocumentFormatError, match="choose one of"):
        parse_document(b"x", "pdf")


def test_result_names_carry_the_language() -> None:
    assert result_name("a/b/dispatch.html", "html", "ko") == "dispatch.ko.html"
    assert result_name("dispatch", "text", "en") == "dispatch.en.txt"
    assert result_name("feed.XML", "newsml", "en") == "feed.en.XML"


def test_text_paragraphs_are_blocks_and_the_layout_is_kept() -> None:
    source = "\n  Premier paragraphe. Deux.\n\n\n  Second.\r\n\r\nTroisième.  \n"
    document = parse_document(source.encode(), "text")
    assert [b.text for b in document.blocks] == ["Premier paragraphe. Deux.", "Second.", "Troisième."]
    assert [b.where for b in document.blocks] == ["paragraph 1", "paragraph 2", "paragraph 3"]
    same = document.render([TranslatedBlock(b.text) for b in document.blocks], "en")
    assert same == source.encode()
    upper = document.render([TranslatedBlock(b.text.upper()) for b in document.blocks], "en")
    assert upper == source.upper().encode()


def test_text_that_is_not_utf8_or_too_large_is_refused() -> None:
    with pytest.raises(DocumentFormatError, match="not UTF-8"):
        parse_document(b"caf\xe9", "text")
    with pytest.raises(DocumentFormatError, match="limit"):
        parse_document(b"x" * 2000, "text", FormatOptions(limits=Limits(max_bytes=1000)))
