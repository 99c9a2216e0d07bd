"""Weka 3.6's `Utils.doubleToString`: how every Weka model text and evaluation prints its numbers.

`double_to_string(value, after)`: rounded half away from zero through a Java long, at most
`after` decimals, trailing zeros dropped; Java's `Double.toString` once |value·10^after| ≥ 2^63.
`double_to_string_width(value, width, after)`: the same, aligned on the decimal point in `width`.
"""

from __future__ import annotations

import math

from oscnet.nn.wekatext import java_double

_LONG_MAX = 2.0**63  # Java's Long.MAX_VALUE, as the double Weka compares with


def double_to_string(value: float, decimals: int) -> str:
    """Weka's Utils.doubleToString(value, decimals): rounded, trailing zeros dropped."""
    temp = value * math.pow(10.0, decimals)
    if not abs(temp) < _LONG_MAX:  # NaN, infinities and huge values
        return java_double(value)
    precise = int(temp + 0.5) if temp > 0 else -int(abs(temp) + 0.5)
    digits = list(str(precise))
    if decimals == 0:
        return "".join(digits)
    dot = len(digits) - decimals
    while (precise < 0 and dot < 1) or dot < 0:
        digits.insert(1 if precise < 0 else 0, "0")
        dot += 1
    digits.insert(dot, ".")
    if precise < 0 and digits[1] == ".":
        digits.insert(1, "0")
    elif digits[0] == ".":
        digits.insert(0, "0")
    pos = len(digits) - 1
    while pos > dot and digits[pos] == "0":
        digits[pos] = " "
        pos -= 1
    if digits[pos] == ".":
        digits[pos] = " "
    return "".join(digits).strip()


def double_to_string_width(value: float, width: int, decimals: int) -> str:
    """Weka's Utils.doubleToString(value, width, decimals): decimal-point aligned in `width`."""
    text = double_to_string(value, decimals)
    if decimals >= width or "E" in text:
        return text
    out = [" "] * width
    if decimals > 0:
        dot = text.find(".")
        if dot == -1:
            dot = len(text)
        else:
            out[width - decimals - 1] = "."
    else:
        dot = len(text)
    offset = width - decimals - dot - (1 if decimals > 0 else 0)
    if offset < 0:
        return text
    for i in range(dot):
        out[offset + i] = text[i]
    for i in range(dot + 1, len(text)):
        out[offset + i] = text[i]
    return "".join(out)
