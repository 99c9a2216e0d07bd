"""Weka 3.6's Utils.doubleToString for the svm recipe (how SMO prints its numbers)."""

from __future__ import annotations

from oscnet.nn.wekatext import java_double  # svm.py takes it from here


def weka_number(value: float, width: int | None, decimals: int) -> str:
    """Weka 3.6's Utils.doubleToString(value, decimals), right-aligned on the decimal point in
    `width` characters when a width is given (trailing zeros become spaces there)."""
    temp = value * 10.0 ** decimals
    if not abs(temp) < 9.223372036854776e18:  # Long.MAX_VALUE: Weka falls back to Double.toString
        return java_double(value)
    whole = int(temp + 0.5) if temp > 0 else -int(abs(temp) + 0.5)  # Java's (long) truncates
    digits = str(abs(whole)).rjust(decimals + 1, "0")
    text = digits[:-decimals] + "." + digits[-decimals:] if decimals else digits
    if decimals:
        text = text.rstrip("0").rstrip(".")
    text = ("-" if whole < 0 else "") + text
    if width is None or decimals >= width or "E" in text:
        return text
    dot = text.find(".")
    if dot == -1:
        dot = len(text)
    offset = width - decimals - dot - 1
    if offset < 0:
        return text
    out = [" "] * width
    if "." in text:
        out[width - decimals - 1] = "."
    for n, ch in enumerate(text):
        if n != dot:
            out[offset + n] = ch
    return "".join(out)
