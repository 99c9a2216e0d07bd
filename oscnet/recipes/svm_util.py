"""Weka 3.6's Utils.doubleToString for the svm recipe (how SMO prints its numbers)."""

from __future__ import annotations

from oscnet.nn.wekatext import java_double  # svm.py takes it from here
from oscnet.recipes.wekaformat import double_to_string, double_to_string_width

__all__ = ["java_double", "weka_number"]


def weka_number(value: float, width: int | None, decimals: int) -> str:
    """Weka 3.6's Utils.doubleToString(value, decimals), right-aligned on the decimal point in
    `width` characters when a width is given."""
    return double_to_string(value, decimals) if width is None else double_to_string_width(value, width, decimals)
