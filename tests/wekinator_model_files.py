"""Build Wekinator model files in tests: a Java object stream whose first object is the Path XML.

The byte layout is the one Java's ObjectOutputStream writes (checked against the Java-written
files in tests/fixtures/wekinator_models/, see test_wekinator_models.py): stream header
``AC ED 00 05``; each string ``74`` + u16 length (``7C`` + i64 when longer than 65535 bytes) +
modified UTF-8; a repeated string is a back-reference ``71 00 7E 00 <handle>``.
"""

from __future__ import annotations

import struct
from xml.sax.saxutils import escape

MAGIC = b"\xac\xed\x00\x05"


def mutf8(text: str) -> bytes:
    """Java's modified UTF-8: NUL as C0 80, characters above U+FFFF as two 3-byte surrogates."""
    out = bytearray()
    units = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(units), 2):
        unit = (units[i] << 8) | units[i + 1]
        if 0 < unit < 0x80:
            out.append(unit)
        elif unit < 0x800:  # includes NUL
            out += bytes((0xC0 | unit >> 6, 0x80 | unit & 0x3F))
        else:
            out += bytes((0xE0 | unit >> 12, 0x80 | (unit >> 6) & 0x3F, 0x80 | unit & 0x3F))
    return bytes(out)


def java_string(text: str) -> bytes:
    """One String object as ObjectOutputStream.writeObject writes it (TC_STRING or TC_LONGSTRING)."""
    body = mutf8(text)
    if len(body) <= 0xFFFF:
        return b"\x74" + struct.pack(">H", len(body)) + body
    return b"\x7c" + struct.pack(">q", len(body)) + body


def model_file(xml: str) -> bytes:
    """A whole modelN.xml as Path.writeToFile writes it with no model and no data:
    the XML, the string "null", then "null" again as a back-reference to handle 0x7E0001."""
    return MAGIC + java_string(xml) + java_string("null") + b"\x71\x00\x7e\x00\x01"


def element(tag: str, fields: dict[str, object], indent: str, cls: str | None = None) -> str:
    """An XStream element with one child per field (values as Java prints them)."""
    attr = f' class="{cls}"' if cls else ""
    if not fields:
        return f"{indent}<{tag}{attr}/>"
    lines = [f"{indent}<{tag}{attr}>"]
    for name, value in fields.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        lines.append(f"{indent}  <{name}>{escape(text)}</{name}>")
    lines.append(f"{indent}</{tag}>")
    return "\n".join(lines)


def builder(short: str, **fields: object) -> str:
    """``<modelBuilder class="wekimini.learning.<short>">`` with the given fields."""
    return element("modelBuilder", fields, "  ", "wekimini.learning." + short)


NUMERIC = "wekimini.osc.OSCNumericOutput"
CLASSIFIER = "wekimini.osc.OSCClassificationOutput"


def numeric_fields(name: str = "y", lo: str = "0.0", hi: str = "1.0", integer: bool = False,
                   hard: bool = False) -> dict[str, object]:
    return {"name": name, "min": lo, "max": hi, "outputType": "INTEGER" if integer else "REAL",
            "limitType": "HARD" if hard else "SOFT",
            "trainingDataLimitRestriction": "ENFORCE_LIMITS" if hard else "DONT_ENFORCE_LIMITS",
            "trainingDataIntegerRestriction": "DONT_ENFORCE_INTEGER"}


def classifier_fields(name: str = "c", classes: int = 3) -> dict[str, object]:
    return {"name": name, "numClasses": classes, "isSendingDistribution": False}


def numeric_output(name: str = "y", lo: str = "0.0", hi: str = "1.0", integer: bool = False,
                   hard: bool = False) -> str:
    """A Path's ``<output class="wekimini.osc.OSCNumericOutput">``."""
    return element("output", numeric_fields(name, lo, hi, integer, hard), "  ", NUMERIC)


def classifier_output(name: str = "c", classes: int = 3) -> str:
    """A Path's ``<output class="wekimini.osc.OSCClassificationOutput">``."""
    return element("output", classifier_fields(name, classes), "  ", CLASSIFIER)


def inputs_xml(names: list[str]) -> str:
    return "\n".join(["  <inputNames class=\"linked-list\">"]
                     + [f"    <string>{escape(n)}</string>" for n in names] + ["  </inputNames>"])


def path_xml(builder_xml: str | None, output_xml: str | None, inputs: list[str] | None = None,
             needs_correction: bool | None = False, record: bool = True, run: bool = True,
             extra: str = "") -> str:
    """A ``<Path>`` as XStream writes it; ``None`` leaves a part out (a null field)."""
    parts = ["<Path>"]
    parts += [p for p in (builder_xml, output_xml) if p is not None]
    if extra:
        parts.append(extra)
    if inputs is not None:
        parts.append(inputs_xml(inputs))
    if needs_correction is not None:
        parts.append(f"  <outputNeedsCorrection>{str(needs_correction).lower()}</outputNeedsCorrection>")
    parts += ["  <modelState>BUILT</modelState>", f"  <recordEnabled>{str(record).lower()}</recordEnabled>",
              f"  <runEnabled>{str(run).lower()}</runEnabled>", "  <numExamples>10</numExamples>",
              "  <currentModelName>y (v1)</currentModelName>", "</Path>"]
    return "\n".join(parts)


def output_config(outputs: list[str]) -> str:
    """outputConfig.xml for outputs given as ``numeric:name`` / ``classifier:name`` / ``dtw:name``
    (numeric ones INTEGER with HARD limits [0, 1])."""
    items = []
    for spec in outputs:
        kind, name = spec.split(":")
        if kind == "numeric":
            items.append(element(NUMERIC, numeric_fields(name, integer=True, hard=True), "    "))
        elif kind == "classifier":
            items.append(element(CLASSIFIER, classifier_fields(name), "    "))
        else:
            items.append(element("wekimini.osc.OSCDtwOutput", {"name": name, "numGestures": 3}, "    "))
    return ('<?xml version="1.0"?>\n<OSCOutputGroup>\n  <oscMessage>/wek/outputs</oscMessage>\n'
            '  <outputs class="linked-list">\n' + "\n".join(items) + "\n  </outputs>\n</OSCOutputGroup>")


def input_config(names: list[str]) -> str:
    return ("<?xml version=\"1.0\"?>\n<OSCInputGroup>\n  <numInputs>%d</numInputs>\n%s\n</OSCInputGroup>"
            % (len(names), inputs_xml(names)))
