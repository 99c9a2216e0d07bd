"""The Java string that holds a Wekinator model's XML, and parsing that XML safely.

A model file starts ``AC ED 00 05`` (Java object stream) and then the Path XML as one Java
String (``74`` + u16 length, or ``7C`` + i64 length) in Java's modified UTF-8. Anything else
— empty, plain text, truncated, another object first, bad encoding, an XML DOCTYPE or entity
(billion laughs, external entities) — is refused with a message naming the file.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from wekinator_model_files import MAGIC, java_string, model_file, mutf8

from oscnet.errors import OscnetError
from oscnet.project.wekinator_models import read_dtw_model, read_model_xml
from oscnet.project.wekinator_xml import XStreamDoc, decode_modified_utf8, first_java_string, parse_xstream_xml

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wekinator_models"
JAVA_TEXT = "a\x00b \u00e9 \u2669 \U0001d11e end"  # what java_string.bin holds (written by Java)


def test_java_writes_nul_as_c0_80_and_non_bmp_as_two_3_byte_surrogates() -> None:
    data = (FIXTURES / "java_string.bin").read_bytes()
    assert first_java_string(data) == JAVA_TEXT
    assert data == MAGIC + java_string(JAVA_TEXT)
    assert b"\xc0\x80" in data and b"\xed\xa0\xb4\xed\xb4\x9e" in data


@pytest.mark.parametrize("text", ["", "plain ascii", "\x7f\x80\u07ff\u0800\uffff", "\x00\x00",
                                  "\U00010000\U0010ffff", "mixed \u00e9\U0001f600\x00z"])
def test_modified_utf8_round_trips(text: str) -> None:
    assert decode_modified_utf8(mutf8(text)) == text
    assert first_java_string(MAGIC + java_string(text)) == text


def test_a_long_string_header_is_read_whatever_the_length() -> None:
    assert first_java_string(MAGIC + b"\x7c" + struct.pack(">q", 3) + b"abc") == "abc"
    big = "x" * 70000
    assert java_string(big)[0] == 0x7C and first_java_string(MAGIC + java_string(big)) == big


@pytest.mark.parametrize("data, message", [
    (b"", "does not start with AC ED 00 05"),
    (b"<Path></Path>", "does not start with AC ED 00 05"),
    (b"\xac\xed\x00\x04t\x00\x00", "version 0004"),
    (MAGIC, "ends right after the Java stream header"),
    (MAGIC + b"\x77\x04abcd", "TC_BLOCKDATA (0x77)"),
    (MAGIC + b"\x73\x72", "TC_OBJECT (0x73)"),
    (MAGIC + b"\x01", "an unknown type code (0x01)"),
    (MAGIC + b"\x74\x00", "truncated inside the length"),
    (MAGIC + b"\x7c\x00\x00\x00", "truncated inside the length"),
    (MAGIC + b"\x74\x00\x10<Path>", "needs 16 bytes but only 6 follow"),
    (MAGIC + b"\x7c" + struct.pack(">q", 1 << 40) + b"<Path>", "only 6 follow"),
    (MAGIC + b"\x7c" + struct.pack(">q", -5), "negative length"),
])
def test_streams_that_are_not_a_leading_java_string_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(OscnetError) as info:
        first_java_string(data)
    assert message in str(info.value)


@pytest.mark.parametrize("body, message", [
    (b"a\x00b", "a NUL byte (Java writes NUL as C0 80) at byte 8"),
    ("\U0001d11e".encode(), "byte 0xF0, which Java's modified UTF-8 never writes at byte 7"),
    (b"ab\x80", "invalid start byte at byte 9"),
    (b"ab\xe2\x99", "unexpected end of data at byte 9"),
    (b"\xc1\x81", "invalid start byte at byte 7"),  # overlong 'A': only C0 80 is allowed
    (b"x\xed\xa0\xb4y", "unpaired UTF-16 surrogate at character 1"),
    (b"\xed\xb4\x9e", "unpaired UTF-16 surrogate at character 0"),
])
def test_bad_modified_utf8_is_refused_with_its_file_offset(body: bytes, message: str) -> None:
    with pytest.raises(OscnetError) as info:
        first_java_string(MAGIC + b"\x74" + struct.pack(">H", len(body)) + body)
    assert "not Java modified UTF-8" in str(info.value) and message in str(info.value)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Path [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Path><output><name>&lol9;</name></output></Path>"""
XXE = '<!DOCTYPE Path [<!ENTITY e SYSTEM "file:///etc/passwd">]><Path><name>&e;</name></Path>'


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"hello, world\n", "neither a Java-serialised Wekinator model nor XML"),
    ((FIXTURES / "knn_k3.xml").read_bytes()[:200], "truncated: its first string needs 902 bytes but only 193"),
    (MAGIC + b"\x7c" + struct.pack(">q", (1 << 63) - 1) + b"<Path/>", "only 7 follow"),  # never allocated
    (MAGIC + b"\x74\x00\x03a\x00b", "a NUL byte (Java writes NUL as C0 80) at byte 8"),
    (model_file("this is not XML"), "not valid XML: syntax error at line 1, column 1"),
    (model_file("<Path><modelBuilder></Path>"), "not valid XML: mismatched tag"),
    (model_file("<WekinatorFileData/>"), "the XML is a <WekinatorFileData>, not a Wekinator <Path>"),
    (model_file(BILLION_LAUGHS), "declares a DOCTYPE or entities"),
    (model_file(XXE), "declares a DOCTYPE or entities"),
    (model_file("<Path><output><name>&e;</name></output></Path>"), "undefined entity"),
    (b"<Path/>", "is a plain XML file, not a Java-serialised Wekinator model"),
])
def test_bad_model_files_are_refused_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "model3.xml"
    path.write_bytes(content)
    with pytest.raises(OscnetError) as info:
        read_model_xml(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_a_missing_model_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OscnetError, match="cannot read .*model0.xml"):
        read_model_xml(tmp_path / "model0.xml")


def test_a_plain_xml_dtw_file_with_entities_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "model1.xml"
    path.write_text(BILLION_LAUGHS.replace("Path", "DtwModel"))
    with pytest.raises(OscnetError, match="model1.xml: the XML declares a DOCTYPE"):
        read_dtw_model(path)
    path.write_text("<?xml version=\"1.0\"?>\n<Path/>")
    with pytest.raises(OscnetError, match="not Wekinator's <DtwModel>"):
        read_dtw_model(path)


def test_xstream_references_relative_absolute_and_by_id() -> None:
    doc = XStreamDoc(parse_xstream_xml(
        '<R><a><b>1</b><b>2</b></a><c reference="../a/b[2]"/><d reference="/R/a/b"/>'
        '<e id="7"><f>x</f></e><g reference="7"/><h reference="./../c"/></R>'))
    get = doc.root.find
    assert [doc.deref(get(t)).text for t in ("c", "d", "h")] == ["2", "1", "2"]  # type: ignore[arg-type]
    assert doc.deref(get("g")).findtext("f") == "x"  # type: ignore[arg-type]


@pytest.mark.parametrize("xml, message", [
    ('<R><c reference="../a/b[3]"/><a><b/></a></R>', "points outside the document"),
    ('<R><c reference="../../../x"/></R>', "points outside the document"),
    ('<R><c reference="/Q/a"/></R>', "does not start at the root <R>"),
    ('<R><c reference="9"/></R>', "names no element"),
    ('<R><c reference="../d"/><d reference="../c"/></R>', "loop"),
])
def test_broken_xstream_references_are_refused(xml: str, message: str) -> None:
    doc = XStreamDoc(parse_xstream_xml(xml))
    with pytest.raises(OscnetError, match=message):
        doc.deref(doc.root.find("c"))  # type: ignore[arg-type]


def test_the_parser_builds_an_ordinary_element_tree() -> None:
    root = parse_xstream_xml(b'<?xml version="1.0"?>\n<a x="1">t&amp;<b>&lt;</b></a>')
    assert isinstance(root, ET.Element) and root.attrib == {"x": "1"} and root.text == "t&"
    assert root.findtext("b") == "<"
