"""Document formats the service reads and writes: plain text, HTML, Markdown, Word (.docx) and
IPTC NewsML-G2. Each format module parses a file into blocks of translatable text with their
inline markup (:mod:`service.formats.base`) and writes the file back with translated blocks."""

from __future__ import annotations

import importlib
from pathlib import PurePath

from service.formats.base import DocumentFormatError, FormatOptions, ParsedDocument

FORMATS = ("text", "html", "markdown", "docx", "newsml")
# The file name extensions of each format (lower case), the first one used for results.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "text": (".txt",),
    "html": (".html", ".htm", ".xhtml"),
    "markdown": (".md", ".markdown"),
    "docx": (".docx",),
    "newsml": (".xml", ".nml", ".newsml"),
}
MEDIA_TYPES: dict[str, str] = {
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "newsml": "application/vnd.iptc.g2.newsitem+xml",
}
_BY_MEDIA_TYPE = {
    "text/plain": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    MEDIA_TYPES["docx"]: "docx",
    "application/vnd.iptc.g2.newsitem+xml": "newsml",
    "application/vnd.iptc.g2.newsmessage+xml": "newsml",
}


def detect_format(filename: str, content_type: str | None = None) -> str:
    """The format of a file, by its name's extension, else by its media type; a
    DocumentFormatError lists what is supported when neither says."""
    suffix = PurePath(filename).suffix.lower()
    for fmt, suffixes in EXTENSIONS.items():
        if suffix in suffixes:
            return fmt
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _BY_MEDIA_TYPE:
        return _BY_MEDIA_TYPE[media]
    known = ", ".join(s for suffixes in EXTENSIONS.values() for s in suffixes)
    raise DocumentFormatError(f"cannot tell the format of {filename!r}; supported file types: {known}")


def check_format(fmt: str) -> str:
    """``fmt`` when it names a supported format, else a DocumentFormatError listing them."""
    if fmt not in FORMATS:
        raise DocumentFormatError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return fmt


def parse_document(data: bytes, fmt: str, options: FormatOptions | None = None) -> ParsedDocument:
    """Parse a file of format ``fmt`` (its module is imported on first use)."""
    module = importlib.import_module(f"service.formats.{check_format(fmt)}")
    document: ParsedDocument = module.parse(data, options or FormatOptions())
    return document


def result_name(filename: str, fmt: str, lang: str) -> str:
    """The file name of a translation: ``dispatch.html`` → ``dispatch.en.html``."""
    path = PurePath(PurePath(filename).name or "document")
    suffix = path.suffix if path.suffix.lower() in EXTENSIONS[fmt] else EXTENSIONS[fmt][0]
    return f"{path.stem if path.suffix else path.name}.{lang}{suffix}"
