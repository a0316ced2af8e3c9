"""NewsML-G2: hand-written agency items read into blocks, written back as new items per language
that validate against the shipped IPTC schema with their metadata kept, and hostile XML refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from service.formats.base import DocumentFormatError, FormatOptions, Limits, TranslatedBlock
from service.formats.newsml import NAR, SCHEMA_PATH, XHTML, XML_LANG, NewsItemDocument, parse, validate_newsml
from service.models.info import ModelInfo
from service.translation.hf import HFSeq2SeqTranslator
from service.translation.markup import translate_blocks

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "newsml"
MISSILE = FIXTURES / "yonhap-missile.xml"
ECONOMY = FIXTURES / "yonhap-economy.xml"
MESSAGE = FIXTURES / "yonhap-message.xml"
NS = {"n": NAR, "h": XHTML}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """The shipped NewsML-G2 2.35 schema, loaded once for the module."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def assert_valid(schema: etree.XMLSchema, data: bytes) -> None:
    document = etree.fromstring(data)
    assert schema.validate(document), "\n".join(str(error) for error in schema.error_log)


def read(path: Path) -> NewsItemDocument:
    return parse(path.read_bytes(), FormatOptions())


def identity(document: NewsItemDocument) -> list[TranslatedBlock]:
    return [TranslatedBlock(block.text, block.spans) for block in document.blocks]


def upper(document: NewsItemDocument) -> list[TranslatedBlock]:
    """Changed texts of the same lengths, so the spans stay where they were."""
    return [TranslatedBlock(block.text.upper(), block.spans) for block in document.blocks]


def kept_metadata(item: etree._Element) -> dict[str, object]:
    """What a translation must carry over unchanged from its source item."""
    return {
        "subjects": [s.get("qcode") for s in item.iterfind("n:contentMeta/n:subject", NS)],
        "dateline": item.findtext("n:contentMeta/n:dateline", namespaces=NS),
        "slugline": item.findtext("n:contentMeta/n:slugline", namespaces=NS),
        "keywords": [k.text for k in item.iterfind("n:contentMeta/n:keyword", NS)],
        "located": [
            (e.get("qcode"), e.get("literal"), e.findtext("n:name", namespaces=NS))
            for e in item.iterfind("n:contentMeta/n:located//*[n:name]", NS)
        ]
        + [item.find("n:contentMeta/n:located", NS).get("literal")],
        "creator": item.find("n:contentMeta/n:creator", NS).get("literal"),
        "infoSource": item.find("n:contentMeta/n:infoSource", NS).get("literal"),
        "provider": item.find("n:itemMeta/n:provider", NS).get("literal"),
        "copyrightHolder": item.find("n:rightsInfo/n:copyrightHolder", NS).get("uri"),
        "copyrightNotice": item.findtext("n:rightsInfo/n:copyrightNotice", namespaces=NS),
        "pubStatus": item.find("n:itemMeta/n:pubStatus", NS).get("qcode"),
        "contentCreated": item.findtext("n:contentMeta/n:contentCreated", namespaces=NS),
    }


def unmarked(element: etree._Element) -> bytes:
    """An element as written, less the ``xml:lang="fr"`` that marks kept text in a translation."""
    clean = etree.fromstring(etree.tostring(element, with_tail=False))
    for inner in clean.iter():
        if inner.get(XML_LANG) == "fr":
            del inner.attrib[XML_LANG]
    return bytes(etree.tostring(clean))


# --- the fixtures themselves --------------------------------------------------------------------


@pytest.mark.parametrize("path", [MISSILE, ECONOMY, MESSAGE], ids=lambda p: p.name)
def test_the_hand_written_fixtures_validate(schema: etree.XMLSchema, path: Path) -> None:
    assert_valid(schema, path.read_bytes())
    assert validate_newsml(path.read_bytes()) == []


def test_validate_newsml_reports_schema_errors() -> None:
    broken = MISSILE.read_bytes().replace(b'<itemClass qcode="ninat:text"/>', b"")
    errors = validate_newsml(broken)
    assert errors and "itemClass" in errors[0]
    assert validate_newsml(b"<newsItem") and "malformed XML" in validate_newsml(b"<newsItem")[0]


# --- reading --------------------------------------------------------------------------------------


def test_an_item_reads_into_headline_description_and_body_paragraphs() -> None:
    document = read(MISSILE)
    assert [block.where for block in document.blocks] == [
        "newsItem[1]/headline",
        "newsItem[1]/description",
        "newsItem[1]/body/p[1]",
        "newsItem[1]/body/p[2]",
        "newsItem[1]/body/p[3]",
        "newsItem[1]/body/p[4]",
    ]
    headline, description, first, _, third, _ = document.blocks
    assert headline.text == "La Corée du Nord tire un missile balistique vers la mer de l'Est"
    assert description.text.startswith("Pyongyang a lancé mardi matin")
    assert first.text.startswith("SEOUL, 3 mars (Yonhap) -- La Corée du Nord a tiré mardi")
    (link,) = first.spans
    assert first.text[link.start : link.end] == "état-major interarmées"
    assert link.open == '<a href="https://www.jcs.mil.kr/">' and link.close == "</a>"
    (emphasis,) = third.spans
    assert third.text[emphasis.start : emphasis.end] == "troisième"
    assert (emphasis.open, emphasis.close) == ("<em>", "</em>")


def test_slugline_dateline_and_keywords_are_not_blocks() -> None:
    texts = " ".join(block.text for block in read(MISSILE).blocks)
    assert "COREE-NORD-MISSILE" not in texts
    assert not any(block.text == "SEOUL, 3 mars (Yonhap)" for block in read(MISSILE).blocks)


def test_a_news_message_reads_every_item() -> None:
    document = read(MESSAGE)
    wheres = [block.where for block in document.blocks]
    assert wheres[0] == "newsItem[1]/headline"
    assert "newsItem[2]/headline" in wheres and "newsItem[2]/body/p[3]" in wheres
    assert len(document.blocks) == len(read(MISSILE).blocks) + len(read(ECONOMY).blocks)


def test_inline_markup_in_a_headline_becomes_spans_and_comes_back() -> None:
    data = MISSILE.read_bytes().replace(
        b"<headline>La Cor\xc3\xa9e du Nord tire",
        b'<headline>La <span class="pays">Cor\xc3\xa9e du Nord</span> tire',
    )
    document = parse(data, FormatOptions())
    headline = document.blocks[0]
    (span,) = headline.spans
    assert headline.text[span.start : span.end] == "Corée du Nord"
    out = etree.fromstring(document.render(upper(document), "en"))
    written = out.find("n:contentMeta/n:headline/n:span", NS)
    assert written.get("class") == "pays" and written.text == "CORÉE DU NORD"


def test_a_line_break_and_a_comment_in_a_description_are_points_written_back() -> None:
    data = MISSILE.read_bytes().replace(
        b"de courte port\xc3\xa9e,", b"de courte port\xc3\xa9e,<!-- v2 --><br/>"
    )
    document = parse(data, FormatOptions())
    description = document.blocks[1]
    assert [(span.point, span.open) for span in description.spans] == [(True, "<!-- v2 -->"), (True, "<br/>")]
    out = etree.fromstring(document.render(upper(document), "en"))
    written = out.find("n:contentMeta/n:description", NS)
    assert [etree.tostring(child, with_tail=False) for child in written] == [
        b"<!-- v2 -->",
        b'<br xmlns="http://iptc.org/std/nar/2006-10-01/"/>',
    ]
    assert written.xpath("string()") == description.text.upper()


# --- writing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_identity_render_validates_and_keeps_the_metadata(schema: etree.XMLSchema, lang: str) -> None:
    document = read(MISSILE)
    data = document.render(identity(document), lang)
    assert_valid(schema, data)
    source = etree.fromstring(MISSILE.read_bytes())
    item = etree.fromstring(data)
    assert kept_metadata(item) == kept_metadata(source)
    for path in (
        "n:contentMeta/n:subject",
        "n:contentMeta/n:located",
        "n:contentMeta/n:creator",
        "n:rightsInfo",
    ):
        assert [unmarked(e) for e in item.iterfind(path, NS)] == [
            unmarked(e) for e in source.iterfind(path, NS)
        ]
    assert item.findtext("n:contentMeta/n:headline", namespaces=NS) == document.blocks[0].text
    paragraphs = item.findall(".//h:body/h:p", NS)
    assert [p.xpath("string()") for p in paragraphs] == [b.text for b in document.blocks[2:]]
    assert paragraphs[0].find("h:a", NS).get("href") == "https://www.jcs.mil.kr/"


def test_the_new_item_says_its_language_and_keeps_untranslated_text_in_the_source_language() -> None:
    document = read(MISSILE)
    item = etree.fromstring(document.render(upper(document), "ko"))
    assert item.get(XML_LANG) == "ko"
    assert item.find("n:contentMeta/n:language", NS).get("tag") == "ko"
    assert item.find("n:contentSet/n:inlineXML", NS).get(XML_LANG) == "ko"
    for path in (
        "n:contentMeta/n:slugline",
        "n:contentMeta/n:dateline",
        "n:contentMeta/n:keyword",
        "n:itemMeta/n:edNote",
    ):
        assert item.find(path, NS).get(XML_LANG) == "fr", path
    assert item.find("n:contentMeta/n:headline", NS).get(XML_LANG) is None  # inherits "ko"


def test_the_new_item_has_a_stable_guid_of_its_own_and_links_to_its_source() -> None:
    document = read(MISSILE)
    first = etree.fromstring(document.render(identity(document), "en"))
    again = etree.fromstring(read(MISSILE).render(identity(document), "en"))
    korean = etree.fromstring(document.render(identity(document), "ko"))
    source_guid = "urn:newsml:fr.yna.co.kr:20260303:AFR20260303000400884"
    assert first.get("guid") == f"{source_guid}:en" == again.get("guid")
    assert korean.get("guid") == f"{source_guid}:ko"
    assert first.get("version") == "2"  # the source's version: an updated source updates its translation
    links = {link.get("rel"): link for link in first.iterfind("n:itemMeta/n:link", NS)}
    source_link = links["irel:translatedFrom"]
    assert source_link.get("residref") == source_guid and source_link.get("version") == "2"
    assert links["irel:previousVersion"].get("residref") == f"{source_guid}:en"


def test_the_new_item_is_created_now() -> None:
    document = read(MISSILE)
    before = datetime.now(UTC).replace(microsecond=0)
    item = etree.fromstring(document.render(identity(document), "en"))
    for name in ("versionCreated", "firstCreated"):
        written = datetime.fromisoformat(item.findtext(f"n:itemMeta/n:{name}", namespaces=NS))
        assert written >= before, name


def test_changed_texts_render_into_a_valid_item(schema: etree.XMLSchema) -> None:
    document = read(MISSILE)
    data = document.render(upper(document), "en")
    assert_valid(schema, data)
    item = etree.fromstring(data)
    assert item.findtext("n:contentMeta/n:headline", namespaces=NS) == document.blocks[0].text.upper()
    third = item.findall(".//h:body/h:p", NS)[2]
    assert third.find("h:em", NS).text == "TROISIÈME"


def test_markup_characters_in_a_translation_are_escaped(schema: etree.XMLSchema) -> None:
    document = read(ECONOMY)
    blocks = [TranslatedBlock(f"{b.text} <b> & </p> ]]>", b.spans) for b in document.blocks]
    data = document.render(blocks, "en")
    assert_valid(schema, data)
    item = etree.fromstring(data)
    assert item.findtext("n:contentMeta/n:headline", namespaces=NS).endswith("<b> & </p> ]]>")


def test_spans_moved_by_a_translation_land_on_the_new_words(schema: etree.XMLSchema) -> None:
    document = read(ECONOMY)
    translated = identity(document)
    text = "Sales of semiconductors jumped 21%, to 11.3 billion dollars."
    start = text.index("semiconductors")
    (emphasis,) = document.blocks[3].spans
    translated[3] = TranslatedBlock(
        text, (type(emphasis)(start, start + len("semiconductors"), "<em>", "</em>"),)
    )
    data = document.render(translated, "en")
    assert_valid(schema, data)
    paragraph = etree.fromstring(data).findall(".//h:body/h:p", NS)[1]
    assert paragraph.text == "Sales of " and paragraph.find("h:em", NS).text == "semiconductors"
    assert paragraph.find("h:em", NS).tail == " jumped 21%, to 11.3 billion dollars."


def test_the_body_follows_the_html_rules_and_says_its_language(schema: etree.XMLSchema) -> None:
    data = (
        MISSILE.read_bytes()
        .replace(
            b'<html xmlns="http://www.w3.org/1999/xhtml">',
            b'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr">',
        )
        .replace(
            b"<p>Tokyo a",
            b'<p>Selon <span translate="no">KCNA</span>,<br/>Tokyo a',
        )
    )
    document = parse(data, FormatOptions())
    last = document.blocks[-1]
    assert last.where == "newsItem[1]/body/p[4]" and "KCNA" not in last.text
    out = document.render(upper(document), "en")
    assert_valid(schema, out)
    html = etree.fromstring(out).find("n:contentSet/n:inlineXML/h:html", NS)
    assert html.get(XML_LANG) == "en" and html.get("lang") == "en"
    paragraph = html.findall("h:body/h:p", NS)[3]
    assert paragraph.find("h:span", NS).text == "KCNA" and paragraph.find("h:br", NS) is not None
    assert paragraph.xpath("string()").endswith("LA VOIE DIPLOMATIQUE.")


def test_a_news_message_renders_into_a_message_of_new_items(schema: etree.XMLSchema) -> None:
    document = read(MESSAGE)
    data = document.render(upper(document), "en")
    assert_valid(schema, data)
    message = etree.fromstring(data)
    items = message.findall("n:itemSet/n:newsItem", NS)
    assert [item.get("guid").rsplit(":", 1)[1] for item in items] == ["en", "en"]
    assert all(item.get(XML_LANG) == "en" for item in items)
    assert message.findtext("n:header/n:transmitId", namespaces=NS) == "FR-20260304-0042:en"
    assert items[1].findtext("n:contentMeta/n:headline", namespaces=NS).startswith("LES EXPORTATIONS")


def test_a_render_needs_one_translation_per_block() -> None:
    document = read(MISSILE)
    with pytest.raises(ValueError, match="translations"):
        document.render(identity(document)[:-1], "en")


@pytest.fixture(scope="module")
def translators(tiny_marian: Path, tiny_m2m100: Path) -> dict[str, HFSeq2SeqTranslator]:
    """The tiny fr→en Marian and fr→ko M2M100 models, greedy."""
    return {
        "en": HFSeq2SeqTranslator(
            tiny_marian, ModelInfo("tiny/marian", "local"), "marian", device="cpu", num_beams=1
        ),
        "ko": HFSeq2SeqTranslator(
            tiny_m2m100, ModelInfo("tiny/m2m100", "local"), "m2m100", device="cpu", num_beams=1
        ),
    }


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_item_translated_by_a_model_validates_with_its_metadata_kept(
    schema: etree.XMLSchema, translators: dict[str, HFSeq2SeqTranslator], lang: str
) -> None:
    document = read(MISSILE)
    result = translate_blocks(document.blocks, "fr", lang, translators[lang])
    data = document.render(result.blocks, lang)
    assert_valid(schema, data)
    item = etree.fromstring(data)
    assert kept_metadata(item) == kept_metadata(etree.fromstring(MISSILE.read_bytes()))
    assert item.get(XML_LANG) == lang
    assert item.findtext("n:contentMeta/n:headline", namespaces=NS) == result.blocks[0].text
    paragraphs = item.findall(".//h:body/h:p", NS)
    assert len(paragraphs) == 4
    assert len(paragraphs[0].findall("h:a", NS)) == 1 and len(paragraphs[2].findall("h:em", NS)) == 1


# --- refusing bad input ---------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE newsItem [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x" version="1" standard="NewsML-G2"
 standardversion="2.35"><contentMeta><headline>&lol9;</headline></contentMeta></newsItem>
"""


def test_entity_expansion_is_refused() -> None:
    with pytest.raises(DocumentFormatError, match="DOCTYPE"):
        parse(BILLION_LAUGHS, FormatOptions())


def test_an_external_entity_is_refused_and_its_file_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    data = MISSILE.read_bytes().replace(
        b"<newsItem ", f'<!DOCTYPE newsItem [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n<newsItem '.encode(), 1
    )
    data = data.replace(b"<headline>La", b"<headline>&x; La")
    with pytest.raises(DocumentFormatError, match="DOCTYPE") as caught:
        parse(data, FormatOptions())
    assert "TOP-SECRET-MARKER" not in str(caught.value)
    assert "TOP-SECRET-MARKER" not in " ".join(validate_newsml(data))


def test_malformed_xml_names_its_line_and_column() -> None:
    data = MISSILE.read_bytes().replace(b"</headline>", b"</headlin>")
    with pytest.raises(DocumentFormatError, match=r"malformed XML at line \d+, column \d+"):
        parse(data, FormatOptions())


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>',
        b"<newsItem><headline>no namespace</headline></newsItem>",
    ],
)
def test_xml_that_is_not_newsml_is_refused_clearly(data: bytes) -> None:
    with pytest.raises(DocumentFormatError, match="not a NewsML-G2 file"):
        parse(data, FormatOptions())


def test_a_news_message_without_items_is_refused() -> None:
    data = f'<newsMessage xmlns="{NAR}"><header><sent>2026-03-04T14:06:00Z</sent></header><itemSet/></newsMessage>'
    with pytest.raises(DocumentFormatError, match="no newsItem"):
        parse(data.encode(), FormatOptions())


def test_a_non_xhtml_body_is_refused_rather_than_left_untranslated() -> None:
    data = MISSILE.read_bytes().replace(
        b'<html xmlns="http://www.w3.org/1999/xhtml">', b'<html xmlns="urn:other">'
    )
    with pytest.raises(DocumentFormatError, match="only XHTML"):
        parse(data, FormatOptions())


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (Limits(max_bytes=1000), "bytes"),
        (Limits(max_elements=20), "more than 20 elements"),
        (Limits(max_depth=5), "deeper than 5"),
        (Limits(max_chars=100), "characters"),
    ],
)
def test_limits_are_enforced(limits: Limits, message: str) -> None:
    with pytest.raises(DocumentFormatError, match=message):
        parse(MISSILE.read_bytes(), FormatOptions(limits=limits))
