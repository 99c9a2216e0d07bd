"""A trained model as Weka's text ("Display in console"), numbers as Java's Double.toString."""

from __future__ import annotations

import math

from oscnet.nn.model import Model


def java_double(x: float) -> str:
    """Java's Double.toString: shortest round-trip digits, plain in [1e-3, 1e7), else d.dddE<n>."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign = "-" if x < 0 else ""
    digits, exponent = _shortest_digits(abs(x))
    if 1e-3 <= abs(x) < 1e7:
        point = exponent + 1  # digits before the decimal point
        if point <= 0:
            text = "0." + "0" * -point + digits
        elif point >= len(digits):
            text = digits + "0" * (point - len(digits)) + ".0"
        else:
            text = digits[:point] + "." + digits[point:]
    else:
        text = digits[0] + "." + (digits[1:] or "0") + f"E{exponent}"
    return sign + text


def _shortest_digits(x: float) -> tuple[str, int]:
    """The shortest decimal digits of positive x (no trailing zeros) and the power of ten of the first."""
    text = repr(x)  # Python's repr is the shortest round-trip string
    if "e" in text:
        mantissa, exp = text.split("e")
        exponent = int(exp)
    else:
        mantissa, exponent = text, 0
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    exponent += len(whole) - 1
    stripped = digits.lstrip("0")
    exponent -= len(digits) - len(stripped)
    return stripped.rstrip("0") or "0", exponent


def weka_text(model: Model) -> str:
    """The model as Weka's MultilayerPerceptron.toString prints it, every line ending in \\n."""
    net = model.network
    n_layers = len(net.weights)
    # Unit ids: the outputs first (0..C-1), then each hidden layer in turn.
    first_id = []
    next_id = net.sizes[-1]
    for l in range(n_layers - 1):
        first_id.append(next_id)
        next_id += net.sizes[l + 1]
    first_id.append(0)  # the output layer
    kind = "Linear" if net.output_activation == "linear" else "Sigmoid"
    lines: list[str] = []
    for l in [n_layers - 1, *range(n_layers - 1)]:  # output units, then hidden layers
        W, thresholds = net.weights[l], net.thresholds[l]
        for unit in range(W.shape[0]):
            node_kind = kind if l == n_layers - 1 else "Sigmoid"
            lines.append(f"{node_kind} Node {first_id[l] + unit}")
            lines.append("    Inputs    Weights")
            lines.append(f"    Threshold    {java_double(thresholds[unit])}")
            for j, weight in enumerate(W[unit]):
                source = f"Attrib {model.input_names[j]}" if l == 0 else f"Node {first_id[l - 1] + j}"
                lines.append(f"    {source}    {java_double(weight)}")
    labels = model.class_labels if model.kind == "nominal" else [""]
    for k, label in enumerate(labels):
        lines += [f"Class {label}", "    Input", f"    Node {k}"]
    return "\n".join(lines) + "\n"
