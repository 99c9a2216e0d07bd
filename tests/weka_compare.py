"""Compare model texts the way the spec recommends: same words, every number within a tolerance."""

from __future__ import annotations

import re

NUMBER = re.compile(r"^-?(\d+\.\d+(E-?\d+)?|NaN|-?Infinity)$")


def model_text_from_weka_output(output: str) -> str:
    """The model text inside Weka's CLI output: after `Options: ...` and a blank line, up to `Time taken`."""
    lines = output.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Options:")) + 2
    end = next(i for i, line in enumerate(lines) if line.startswith("Time taken to build model"))
    body = lines[start:end]
    while body and body[-1] == "":
        body.pop()
    return "\n".join(body) + "\n"


def assert_same_model_text(ours: str, weka: str, tolerance: float = 1e-9) -> None:
    """Every line has the same words, and every number differs by at most `tolerance`."""
    ours_lines, weka_lines = ours.split("\n"), weka.split("\n")
    assert len(ours_lines) == len(weka_lines), f"{len(ours_lines)} lines, Weka has {len(weka_lines)}"
    for n, (a, b) in enumerate(zip(ours_lines, weka_lines), start=1):
        a_fields, b_fields = a.split("    "), b.split("    ")
        assert len(a_fields) == len(b_fields), f"line {n}: {a!r} vs Weka {b!r}"
        for x, y in zip(a_fields, b_fields):
            if NUMBER.match(y):
                assert NUMBER.match(x), f"line {n}: {x!r} is not a Java double like {y!r}"
                assert abs(float(x) - float(y)) <= tolerance, f"line {n}: {x} vs Weka {y}"
            else:
                assert x == y, f"line {n}: {a!r} vs Weka {b!r}"
