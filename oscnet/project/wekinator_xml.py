"""Low-level readers for Wekinator's model files: the Java string that holds the XML, and the XML.

Wekinator 2.x saves each output's learning "path" as ``current/models/modelN.xml``, but the file
is not XML: ``Path.writeToFile`` opens a Java ``ObjectOutputStream`` and writes, in order, the
Path as an XStream XML *string*, the model class name, the trained model and the training data.
oscnet reads only the first object and never deserialises Java objects. (A DTW project's
``model1.xml`` is plain XStream XML in every released Wekinator; one development build of
2016-01-17 wrote it like a Path file. :func:`read_model_text` accepts both.)

The Java object stream, as far as oscnet needs it (Java Object Serialization Specification §6):

* 4 bytes of header: magic ``AC ED`` and version ``00 05``;
* then the first object. A ``String`` is ``TC_STRING`` (0x74) + unsigned 16-bit big-endian byte
  count, or ``TC_LONGSTRING`` (0x7C) + signed 64-bit byte count when the encoded text needs more
  than 65535 bytes; then the text in Java's *modified UTF-8*: UTF-8 except that U+0000 is the
  two bytes ``C0 80`` and characters beyond U+FFFF are written as their two UTF-16 surrogates,
  3 bytes each (so 4-byte UTF-8 sequences never occur). Every surveyed real file begins
  directly with ``TC_STRING``; nothing else (no block data, no reset) precedes the string.

XStream's XML conventions that matter here: the root is the class alias (``Path``,
``DtwModel``); a field whose declared type is an interface or differs from the object's class
carries ``class="..."``; ``null`` fields are left out; an object already written is written
again as an empty element with ``reference="<XPath to the first copy>"`` (XStream's default
relative-XPath mode: ``..`` steps up, ``name[i]`` is the i-th child called ``name``, 1-based; an
absolute path starts with ``/``; the ID mode writes ``id="n"`` / ``reference="n"``).
XStream never writes a DOCTYPE, so the parser here refuses any DOCTYPE or entity declaration
(no entity expansion, no external entities: billion-laughs and XXE files are rejected).
"""

from __future__ import annotations

import codecs
import re
import struct
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
from pathlib import Path
from typing import BinaryIO, NoReturn

from oscnet.errors import OscnetError

STREAM_MAGIC = b"\xac\xed\x00\x05"
TC_STRING = 0x74
TC_LONGSTRING = 0x7C
_TC_NAMES = {0x70: "TC_NULL", 0x71: "TC_REFERENCE", 0x72: "TC_CLASSDESC", 0x73: "TC_OBJECT",
             0x75: "TC_ARRAY", 0x76: "TC_CLASS", 0x77: "TC_BLOCKDATA", 0x78: "TC_ENDBLOCKDATA",
             0x79: "TC_RESET", 0x7A: "TC_BLOCKDATALONG", 0x7B: "TC_EXCEPTION", 0x7E: "TC_ENUM"}
_MUTF8_ERRORS = "oscnet-modified-utf8"
# Bytes that never occur in modified UTF-8: a raw NUL (Java writes C0 80) and F0..FF (lead
# bytes of 4-byte UTF-8 sequences; Java writes surrogate pairs instead).
_NEVER_IN_MUTF8 = re.compile(rb"[\x00\xf0-\xff]")


def _mutf8_error_handler(exc: UnicodeError) -> tuple[str, int]:
    """Codec error hook: accept the two encodings Python's strict UTF-8 refuses but Java writes.

    ``C0 80`` is NUL; ``ED A0..AF xx`` (high) or ``ED B0..BF xx`` (low) is one UTF-16 surrogate,
    paired up afterwards in :func:`decode_modified_utf8`. Anything else stays an error.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    raw, i = exc.object, exc.start
    if raw[i:i + 2] == b"\xc0\x80":
        return "\x00", i + 2
    if (raw[i] == 0xED and i + 2 < len(raw) and 0xA0 <= raw[i + 1] <= 0xBF
            and 0x80 <= raw[i + 2] <= 0xBF):
        return chr(0xD000 | ((raw[i + 1] & 0x3F) << 6) | (raw[i + 2] & 0x3F)), i + 3
    raise exc


codecs.register_error(_MUTF8_ERRORS, _mutf8_error_handler)


def decode_modified_utf8(raw: bytes, offset: int = 0) -> str:
    """Java's modified UTF-8 (``DataOutput.writeUTF``'s encoding) → str, strictly.

    Refused, with the byte position (plus ``offset``, to name a place in the file): a raw NUL
    byte, 4-byte UTF-8 sequences, stray continuation bytes, truncated or overlong sequences
    (other than ``C0 80``), and surrogates that do not form a high+low pair (Python text
    cannot be valid XML with them).
    """
    if raw.isascii() and b"\x00" not in raw:
        return raw.decode("ascii")  # the usual case: Wekinator's XML is ASCII
    bad = _NEVER_IN_MUTF8.search(raw)
    if bad is not None:
        why = "a NUL byte (Java writes NUL as C0 80)" if bad.group() == b"\x00" else \
            f"byte 0x{bad.group()[0]:02X}, which Java's modified UTF-8 never writes"
        raise OscnetError(f"the text is not Java modified UTF-8: {why} at byte {offset + bad.start()}")
    try:
        text = raw.decode("utf-8", _MUTF8_ERRORS)
    except UnicodeDecodeError as exc:
        raise OscnetError(f"the text is not Java modified UTF-8: {exc.reason} at byte {offset + exc.start}") from None
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    try:  # join high+low surrogates into one character; a lone surrogate raises
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise OscnetError("the text is not Java modified UTF-8: an unpaired UTF-16 surrogate at "
                          f"character {exc.start // 2}") from None


def _string_header(head: bytes) -> tuple[int, int]:
    """The first bytes of a Java object stream → (offset of the string's bytes, their count)."""
    if len(head) < 4 or head[:2] != STREAM_MAGIC[:2]:
        raise OscnetError("not a Java-serialised Wekinator file (it does not start with AC ED 00 05)")
    if head[:4] != STREAM_MAGIC:
        raise OscnetError(f"Java object stream version {head[2:4].hex().upper()}; Wekinator writes 0005")
    if len(head) < 5:
        raise OscnetError("the file is truncated: it ends right after the Java stream header")
    tag = head[4]
    if tag == TC_STRING:
        if len(head) < 7:
            raise OscnetError("the file is truncated inside the length of its first string")
        return 7, struct.unpack(">H", head[5:7])[0]
    if tag == TC_LONGSTRING:
        if len(head) < 13:
            raise OscnetError("the file is truncated inside the length of its first string")
        count = struct.unpack(">q", head[5:13])[0]
        if count < 0:
            raise OscnetError(f"the first string claims a negative length ({count}); the file is damaged")
        return 13, count
    name = _TC_NAMES.get(tag, "an unknown type code")
    raise OscnetError(f"the first Java object is {name} (0x{tag:02X}), not a string holding the "
                      "model XML; this is not a Wekinator model file")


def first_java_string(data: bytes) -> str:
    """The first object of a Java object stream, which must be a String, decoded.

    ``data``: the file's bytes (only the first string's bytes are looked at). Raises
    :class:`OscnetError` for a file that is empty, not a Java stream, truncated, or whose first
    object is not a string; the caller adds the file name.
    """
    start, count = _string_header(bytes(data[:13]))
    if len(data) < start + count:
        raise OscnetError(f"the file is truncated: its first string needs {count} bytes but only "
                          f"{max(len(data) - start, 0)} follow")
    return decode_modified_utf8(bytes(data[start:start + count]), offset=start)


def _read_first_string(stream: BinaryIO) -> str:
    """Like :func:`first_java_string` but reads only the bytes it needs from an open file."""
    head = stream.read(13)
    start, count = _string_header(head)
    available = stream.seek(0, 2) - start  # check before reading: a damaged length can be 2**63
    if count > available:
        raise OscnetError(f"the file is truncated: its first string needs {count} bytes but only "
                          f"{available} follow")
    stream.seek(start)
    return decode_modified_utf8(stream.read(count), offset=start)


def read_model_text(path: str | Path) -> str | bytes:
    """A model file's XML: the first Java string of a serialised file, or a plain XML file's bytes.

    Plain XML (DTW's ``model1.xml``) is returned as bytes so that the XML parser applies the
    file's own encoding rules (UTF-8 unless declared otherwise).
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(5)
            if head.startswith(STREAM_MAGIC[:2]):
                stream.seek(0)
                return _read_first_string(stream)
            if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                return head + stream.read()
    except OSError as exc:
        raise OscnetError(f"cannot read {path}: {exc.strerror}") from None
    except OscnetError as exc:
        raise OscnetError(f"{path}: {exc}") from None
    if not head:
        raise OscnetError(f"{path} is empty; Wekinator writes a Java-serialised model there "
                          "(delete the file to let oscnet use the default learner)")
    raise OscnetError(f"{path} is neither a Java-serialised Wekinator model nor XML "
                      f"(it starts with bytes {head.hex(' ').upper()})")


class _Refused(Exception):
    """Raised from inside expat when the document declares a DOCTYPE or an entity."""


def _refuse(*_args: object) -> NoReturn:
    raise _Refused


def parse_xstream_xml(text: str | bytes) -> ET.Element:
    """Parse XStream XML into an ElementTree, refusing DOCTYPE and entity declarations.

    Raises :class:`OscnetError` (without a file name: the caller adds it).
    """
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    # XStream never writes these; refusing them rules out entity expansion and external entities.
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    try:
        parser.Parse(text, True)
        return builder.close()
    except _Refused:
        raise OscnetError("the XML declares a DOCTYPE or entities, which Wekinator never writes; "
                          "refused (entity expansion could exhaust memory or read other files)") from None
    except expat.ExpatError as exc:
        raise OscnetError(f"not valid XML: {expat.ErrorString(exc.code)} at line {exc.lineno}, "
                          f"column {exc.offset + 1}") from None


class XStreamDoc:
    """An XStream document with its ``reference="..."`` back-references resolvable."""

    def __init__(self, root: ET.Element) -> None:
        self.root = root
        self._parent = {child: parent for parent in root.iter() for child in parent}
        self._ids: dict[str, ET.Element] | None = None

    def deref(self, element: ET.Element) -> ET.Element:
        """The element itself, or the one its ``reference`` attribute points to (followed to the end)."""
        seen = 0
        while "reference" in element.attrib:
            seen += 1
            if seen > 64:
                raise OscnetError("XStream references form a loop")
            element = self._follow(element, element.attrib["reference"])
        return element

    def _follow(self, element: ET.Element, ref: str) -> ET.Element:
        if ref.isdigit():  # XStream ID_REFERENCES mode
            if self._ids is None:
                self._ids = {e.attrib["id"]: e for e in self.root.iter() if "id" in e.attrib}
            if ref not in self._ids:
                raise OscnetError(f"XStream reference {ref!r} names no element")
            return self._ids[ref]
        steps = ref.split("/")
        node: ET.Element | None = element
        if ref.startswith("/"):  # absolute: /Root/child/...
            steps = steps[1:]
            if not steps or re.sub(r"\[\d+\]$", "", steps[0]) != self.root.tag:
                raise OscnetError(f"XStream reference {ref!r} does not start at the root <{self.root.tag}>")
            node, steps = self.root, steps[1:]
        for step in steps:
            if node is None:
                break
            if step in ("", "."):
                continue
            if step == "..":
                node = self._parent.get(node)
                continue
            match = re.fullmatch(r"(.+?)(?:\[(\d+)\])?", step)
            assert match is not None  # the pattern matches every non-empty step
            same = [child for child in node if child.tag == match.group(1)]
            index = int(match.group(2) or 1) - 1
            node = same[index] if 0 <= index < len(same) else None
        if node is None:
            raise OscnetError(f"XStream reference {ref!r} points outside the document")
        return node


def read_dtw_model(path: str | Path) -> XStreamDoc:
    """A DTW project's ``current/models/model1.xml`` (or the project folder) → its ``<DtwModel>`` XML.

    Interpreting it (examples, settings, references) is the DTW module's job; the returned
    :class:`XStreamDoc` resolves XStream's ``reference=`` attributes (``doc.deref(element)``).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "current" / "models" / "model1.xml"
    text = read_model_text(path)
    try:
        root = parse_xstream_xml(text)
    except OscnetError as exc:
        raise OscnetError(f"{path}: {exc}") from None
    if root.tag != "DtwModel":
        raise OscnetError(f"{path}: the XML is a <{root.tag}>, not Wekinator's <DtwModel>")
    return XStreamDoc(root)
