"""Weka's ARFF files as Wekinator writes them: quoted names, nominal and date attributes, `?`.

scipy's reader fails on Wekinator's `Time` attribute (its date format ends in `:SSS`), so this
small reader handles the dialect in docs/specs/wekinator-files.md. Values are kept as
numbers: numeric as float, nominal as the index of its value, date as milliseconds since
1970 (UTC), missing (`?`) as NaN.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from oscnet.errors import OscnetError

# Java SimpleDateFormat letters -> strptime; SSS (milliseconds) is handled separately.
_JAVA_DATE = [("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"), ("SSS", "%f")]
DEFAULT_DATE = "yyyy-MM-dd'T'HH:mm:ss"


@dataclass
class Attribute:
    """One ARFF column: its name, kind ("numeric", "nominal", "date"), nominal values, date format."""

    name: str
    kind: str
    values: list[str] = field(default_factory=list)
    date_format: str = ""

    def arff_line(self) -> str:
        """This attribute's `@attribute` declaration."""
        if self.kind == "nominal":
            kind = "{" + ",".join(quote(v) for v in self.values) + "}"
        elif self.kind == "date":
            kind = f"date {quote(self.date_format, always=True)}"
        else:
            kind = "numeric"
        return f"@attribute {quote(self.name)} {kind}"


@dataclass
class ArffData:
    """A relation: its name, attributes, and rows as a float matrix (n_rows, n_attributes)."""

    relation: str
    attributes: list[Attribute]
    data: np.ndarray

    def column(self, name: str) -> int:
        """The index of the first attribute called `name`."""
        for i, a in enumerate(self.attributes):
            if a.name == name:
                return i
        raise OscnetError(f"no attribute {name!r} in relation {self.relation!r}")


def quote(text: str, always: bool = False) -> str:
    """Quote an ARFF name or value as Weka does: '...' with \\' when it holds a special character."""
    if always or text == "" or re.search(r"[\s,{}%'\"\\?]", text):
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return text


def _tokens(line: str, where: str) -> list[str]:
    """Split a header or data line on commas/whitespace, honouring '...' and "..." with escapes."""
    out, i, n = [], 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t,":
            i += 1
        elif c in "{}":
            out.append(c)
            i += 1
        elif c in "'\"":
            j, buf = i + 1, []
            while j < n and line[j] != c:
                if line[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(line[j])
                j += 1
            if j >= n:
                raise OscnetError(f"{where}: a quote {c} is never closed; close it or remove it")
            out.append("\0" + "".join(buf))  # \0 marks "was quoted", so '?' differs from ?
            i = j + 1
        else:
            j = i
            while j < n and line[j] not in " \t,{}":
                j += 1
            out.append(line[i:j])
            i = j
    return out


def _unq(token: str) -> str:
    return token[1:] if token.startswith("\0") else token


def _date_parser(java_format: str, where: str):
    """A function from a date string in Java's SimpleDateFormat to ms since 1970 (UTC)."""
    fmt = java_format.replace("'T'", "T")
    for java, py in _JAVA_DATE:
        fmt = fmt.replace(java, py)

    def parse(text: str) -> float:
        try:
            stamp = datetime.strptime(text, fmt)
        except ValueError:
            raise OscnetError(f"{where}: date {text!r} does not match the format {java_format!r}") from None
        # %f reads "761" as 761000 µs: right for SSS, which is always three digits
        return stamp.replace(tzinfo=UTC).timestamp() * 1000.0

    return parse


def format_date(ms: float, java_format: str) -> str:
    """ms since 1970 (UTC) as text in a Java date format (SSS = 3-digit milliseconds)."""
    stamp = datetime.fromtimestamp(ms / 1000.0, UTC)
    text = java_format.replace("'T'", "T")
    for java, value in [("yyyy", f"{stamp.year:04d}"), ("MM", f"{stamp.month:02d}"), ("dd", f"{stamp.day:02d}"),
                        ("HH", f"{stamp.hour:02d}"), ("mm", f"{stamp.minute:02d}"), ("ss", f"{stamp.second:02d}"),
                        ("SSS", f"{stamp.microsecond // 1000:03d}")]:
        text = text.replace(java, value)
    return text


def read_arff(path: str | Path) -> ArffData:
    """Read an ARFF file; any problem raises OscnetError naming the file, the line and the fix."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OscnetError(f"cannot read {path}: {exc.strerror}") from None
    text = raw.decode("utf-8", errors="replace")
    relation, attributes, rows, in_data = None, [], [], False
    parsers = []
    for number, line in enumerate(text.splitlines(), start=1):  # splitlines drops \r of CRLF too
        where = f"{path}, line {number}"
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        if not in_data:
            keyword = stripped.split(None, 1)[0].lower()
            rest = stripped[len(keyword):].strip()
            if keyword == "@relation":
                relation = _unq(_tokens(rest, where)[0]) if rest else ""
            elif keyword == "@attribute":
                attribute = _parse_attribute(rest, where)
                attributes.append(attribute)
                parsers.append(_value_parser(attribute, where))
            elif keyword == "@data":
                in_data = True
            else:
                raise OscnetError(f"{where}: expected @relation, @attribute or @data, found {stripped[:40]!r}")
            continue
        if stripped.startswith("{"):
            raise OscnetError(f"{where}: sparse ARFF rows are not supported; save the data as a normal ARFF")
        values = _tokens(stripped, where)
        if len(values) != len(attributes):
            raise OscnetError(f"{where}: {len(values)} values for {len(attributes)} attributes; "
                              "every data row needs one value per @attribute")
        row = []
        for value, parse in zip(values, parsers):
            row.append(math.nan if value == "?" else parse(_unq(value), where))
        rows.append(row)
    if relation is None or not attributes:
        raise OscnetError(f"{path}: not an ARFF file (no @relation / @attribute header)")
    if not in_data:
        raise OscnetError(f"{path}: the @data line is missing")
    data = np.array(rows, dtype=np.float64).reshape(len(rows), len(attributes))
    return ArffData(relation, attributes, data)


def _parse_attribute(rest: str, where: str) -> Attribute:
    tokens = _tokens(rest, where)
    if len(tokens) < 2:
        raise OscnetError(f"{where}: an @attribute needs a name and a type")
    name = _unq(tokens[0])
    if tokens[1] == "{":
        if tokens[-1] != "}":
            raise OscnetError(f"{where}: nominal values must end with '}}'")
        return Attribute(name, "nominal", [_unq(t) for t in tokens[2:-1]])
    kind = tokens[1].lower()
    if kind in ("numeric", "real", "integer"):
        return Attribute(name, "numeric")
    if kind == "date":
        return Attribute(name, "date", date_format=_unq(tokens[2]) if len(tokens) > 2 else DEFAULT_DATE)
    raise OscnetError(f"{where}: attribute {name!r} has type {tokens[1]!r}; oscnet reads numeric, "
                      "nominal {...} and date attributes")


def _value_parser(attribute: Attribute, where: str):
    if attribute.kind == "numeric":
        def parse(text: str, where: str) -> float:
            try:
                return float(text)
            except ValueError:
                raise OscnetError(f"{where}: {text!r} is not a number (attribute {attribute.name!r})") from None
        return parse
    if attribute.kind == "nominal":
        index = {v: float(i) for i, v in enumerate(attribute.values)}

        def parse(text: str, where: str) -> float:
            if text not in index:
                raise OscnetError(f"{where}: {text!r} is not one of the values of {attribute.name!r} "
                                  f"({', '.join(attribute.values)})")
            return index[text]
        return parse
    to_ms = _date_parser(attribute.date_format, where)
    return lambda text, where: to_ms(text)


def format_value(value: float, attribute: Attribute) -> str:
    """One cell as ARFF text: `?` when missing, nominal by name, dates quoted, numbers shortest."""
    if math.isnan(value):
        return "?"
    if attribute.kind == "nominal":
        return quote(attribute.values[int(value)])
    if attribute.kind == "date":
        return quote(format_date(value, attribute.date_format), always=True)
    return repr(int(value)) if value == int(value) and abs(value) < 1e15 else repr(float(value))


def arff_text(data: ArffData) -> str:
    """The whole relation as ARFF text in Wekinator's layout."""
    lines = [f"@relation {quote(data.relation)}", ""]
    lines += [a.arff_line() for a in data.attributes]
    lines += ["", "@data"]
    for row in data.data:
        lines.append(",".join(format_value(v, a) for v, a in zip(row, data.attributes)))
    return "\n".join(lines) + "\n"


def write_arff(path: str | Path, data: ArffData) -> Path:
    """Write an ARFF file atomically."""
    from oscnet.nn.model import write_atomic

    path = Path(path)
    write_atomic(path, arff_text(data))
    return path
