"""Weka 3.6.14's printed evaluation: the summary, "Detailed Accuracy By Class" and the
confusion matrix, character for character (see oscnet.recipes.evaluation for the figures).

Layout rules (weka.classifiers.Evaluation.toSummaryString / toClassDetailsString /
toMatrixString and Utils.doubleToString, checked against the jar's output):
- A number is `fixed(value, width, decimals)`: rounded half up to `decimals` places
  (value·10^d + 0.5, truncated), trailing zeros (and a bare point) turned into spaces, then
  placed so that its decimal point sits at column width − decimals − 1 of a `width`-wide
  field; a number that does not fit comes out unpadded. NaN prints "NaN", and a value whose
  scaled form reaches 2^63 prints Java's Double.toString.
- Summary lines are a 35-character label then fixed(·, 12, 4); counts add 5 spaces and the
  percentage, fixed(·, 12, 4) + " %". "Ignored Class Unknown Instances" has a 43-character
  label. "UnClassified Instances" appears only when some rows were unclassified. With no
  known class at all, only the totals are printed.
- Per-class details: fixed(·, 7, 3) columns; a ROC area that is NaN prints "  ?    ".
  Weka 3.6.14 prints this block only when asked (-i), for the training and the CV block.
- Confusion matrix: class ids a, b, …, z, then aa, ab, … (base 26); column width
  1 + max(int(log10(largest count)), int(log(C)/log(26))), 3 more when some count has a
  fractional part ≥ 0.01 (never with whole counts).
- The command line (`cli_text`) prints, after "Time taken to test model on training data":
  "\\n\\n" + the training block, then "\\n\\n\\n" + the cross-validation block (unless -no-cv),
  each block being the summary, then for a nominal class "\\n\\n" + details (with -i) and
  "\\n\\n" + the matrix; and a final newline.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from oscnet.recipes.wekaformat import double_to_string_width as fixed

if TYPE_CHECKING:
    from oscnet.recipes.evaluation import Evaluation

_LONG_MAX = 2.0**63  # Java's Long.MAX_VALUE, as the double Weka compares with


def _line(label: str, value: float) -> str:
    return f"{label:<35}{fixed(value, 12, 4)}\n"


def _count_line(label: str, count: float, pct: float) -> str:
    return f"{label:<35}{fixed(count, 12, 4)}     {fixed(pct, 12, 4)} %\n"


def summary(ev: Evaluation, title: str) -> str:
    """toSummaryString: title line, blank line, one line per figure."""
    text = f"{title}\n\n"
    if ev.with_class > 0:
        if ev.nominal:
            text += _count_line("Correctly Classified Instances", ev.correct, ev.pct_correct())
            text += _count_line("Incorrectly Classified Instances", ev.incorrect, ev.pct_incorrect())
            text += _line("Kappa statistic", ev.kappa())
        else:
            text += _line("Correlation coefficient", ev.correlation())
        text += _line("Mean absolute error", ev.mean_absolute_error())
        text += _line("Root mean squared error", ev.root_mean_squared_error())
        text += f"{'Relative absolute error':<35}{fixed(ev.relative_absolute_error(), 12, 4)} %\n"
        text += f"{'Root relative squared error':<35}{fixed(ev.root_relative_squared_error(), 12, 4)} %\n"
    if ev.unclassified - 0 > 1e-6:  # Utils.gr
        text += _count_line("UnClassified Instances", ev.unclassified, ev.pct_unclassified())
    text += _line("Total Number of Instances", ev.with_class)
    if ev.missing_class > 0:
        text += f"{'Ignored Class Unknown Instances':<43}{fixed(ev.missing_class, 12, 4)}\n"
    return text


def class_details(ev: Evaluation) -> str:
    """toClassDetailsString: TP/FP rate, precision, recall, F-measure, ROC area per class."""
    text = ("=== Detailed Accuracy By Class ===\n\n"
            "               TP Rate   FP Rate   Precision   Recall  F-Measure   ROC Area  Class\n")
    assert ev.class_labels is not None
    for k, label in enumerate(ev.class_labels):
        roc = ev.roc_area(k)
        text += (f"               {fixed(ev.tp_rate(k), 7, 3)}   {fixed(ev.fp_rate(k), 7, 3)}    "
                 f"{fixed(ev.precision(k), 7, 3)}   {fixed(ev.tp_rate(k), 7, 3)}   "
                 f"{fixed(ev.f_measure(k), 7, 3)}    "
                 f"{'  ?    ' if math.isnan(roc) else fixed(roc, 7, 3)}    {label}\n")
    text += (f"Weighted Avg.  {fixed(ev.weighted(ev.tp_rate), 7, 3)}"
             f"   {fixed(ev.weighted(ev.fp_rate), 7, 3)}"
             f"    {fixed(ev.weighted(ev.precision), 7, 3)}"
             f"   {fixed(ev.weighted(ev.tp_rate), 7, 3)}"
             f"   {fixed(ev.weighted(ev.f_measure), 7, 3)}"
             f"    {fixed(ev.weighted(ev.roc_area, skip_nan=True), 7, 3)}\n")
    return text


def _java_int(x: float) -> int:
    """Java's (int) cast of a double: NaN → 0, saturating at the int range."""
    if math.isnan(x):
        return 0
    if x >= 2**31 - 1:
        return 2**31 - 1
    if x <= -(2**31):
        return -(2**31)
    return int(x)


def _java_log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return float("-inf") if x == 0 else float("nan")


def short_id(num: int, width: int) -> str:
    """Weka's num2ShortID: a, b, … z, aa, ab, … right-aligned in `width` characters."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    chars = [" "] * max(width, 0)
    i = width - 1
    while i >= 0:
        chars[i] = letters[num % 26]
        num = num // 26 - 1
        if num < 0:
            break
        i -= 1
    return "".join(chars)


def matrix(ev: Evaluation) -> str:
    """toMatrixString: "=== Confusion Matrix ===", the class ids, one row per actual class."""
    m = ev.confusion
    c = ev.num_classes
    assert ev.class_labels is not None
    maxval, fractional = 0.0, False
    for value in m.ravel():
        current = float(value) * (-10 if value < 0 else 1)
        maxval = max(maxval, current)
        fract = current - round(current)  # Math.rint: half to even, as round()
        if not fractional and _java_log(fract) / math.log(10) >= -2:
            fractional = True
    width = 1 + max(_java_int(_java_log(maxval) / math.log(10) + (3 if fractional else 0)),
                    _java_int(_java_log(c) / math.log(26)))
    text = "=== Confusion Matrix ===\n\n"
    for k in range(c):
        text += f" {short_id(k, width - 3)}   " if fractional else f" {short_id(k, width)}"
    text += "   <-- classified as\n"
    for i in range(c):
        for j in range(c):
            text += " " + fixed(float(m[i, j]), width, 2 if fractional else 0)
        text += f" | {short_id(i, width)} = {ev.class_labels[i]}\n"
    return text


def block(ev: Evaluation, title: str, details: bool = False) -> str:
    """One evaluation as the CLI prints it: "=== title ===" summary, then (nominal) the
    details (when `details`, Weka's -i) and the confusion matrix, blank lines as Weka puts them."""
    text = summary(ev, f"=== {title} ===")
    if ev.nominal:
        if details:
            text += "\n\n" + class_details(ev)
        text += "\n\n" + matrix(ev)
    return text


def cli_text(training: Evaluation, cv: Evaluation | None = None, details: bool = False) -> str:
    """What Weka's command line prints after "Time taken to test model on training data: …"
    for ``-t X.arff`` (cv given) or ``-t X.arff -no-cv`` (cv None); details = its -i flag."""
    text = "\n\n" + block(training, training.title, details)
    if cv is not None:
        text += "\n\n\n" + block(cv, cv.title, details)
    return text + "\n"
