"""What every recipe shares: its declaration (name, class types, options), progress types and
the training meter, and the rows a learner trains on.

A recipe declares its options once, as `Option`s: the registry checks a config's or the
command line's options against them (unknown names, wrong types) before anything trains, so a
typo shows when the config loads and not at the first `train` on stage.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from oscnet.errors import OscnetError

Progress = Callable[[int, int, int], None]
"""Called as progress(epoch, examples_done, examples_total) during training."""

Monitor = Callable[[np.ndarray, np.ndarray], None]
"""Called as monitor(outputs, targets) with each batch's forward-pass outputs, (b, n_outputs)."""

ClassType = str  # "numeric" or "nominal"

EPOCH, EPOCHS, ERROR = range(3)
"""The training meter's fields: epochs done, epochs in all, the mean squared error of the last
epoch done (NaN before the first). A float64 array rather than a callback: the compiled loops
write it without calling into Python, and the live worker's reporting thread samples it
(recipes with epochs write it; the others leave it at zero)."""

_meter: ContextVar[np.ndarray | None] = ContextVar("oscnet_training_meter", default=None)


def new_meter() -> np.ndarray:
    """A meter for one training: no epoch done yet."""
    return np.array([0.0, 0.0, np.nan])


@contextmanager
def metered(meter: np.ndarray | None) -> Iterator[None]:
    """Trainings inside the block write their epochs and error to `meter` (None: to nothing)."""
    token = _meter.set(meter)
    try:
        yield
    finally:
        _meter.reset(token)


def training_meter(epochs: int) -> np.ndarray | None:
    """The meter of the training now running (its epochs in all written), or None if none is asked for."""
    meter = _meter.get()
    if meter is not None:
        meter[EPOCHS] = epochs
    return meter


class Trained(Protocol):
    """What every recipe's model offers the live tool, the CLI and the evaluation."""

    recipe: str
    kind: str
    input_names: list[str]
    class_name: str
    class_labels: list[str]

    def predict(self, raw: np.ndarray) -> np.ndarray: ...

    def to_dict(self) -> dict[str, Any]: ...


Fit = Callable[..., Any]
"""fit(inputs (n, d), target (n,), input_names, class_name, class_labels, options) → a model."""


@dataclass(frozen=True)
class Option:
    """One option of a recipe: its name in configs, Weka's flag letter, type, default, meaning.

    `key` is what the recipe's fit function receives (the name unless the module wants the flag).
    """

    name: str
    flag: str
    type: type
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    key: str = ""

    @property
    def fit_key(self) -> str:
        return self.key or self.name

    def coerce(self, value: Any, recipe: str) -> Any:
        """The value as this option's type, or an OscnetError that says what is expected."""
        kind = self.type
        try:
            if kind is bool:
                if isinstance(value, bool):
                    out: Any = value
                elif str(value).lower() in ("true", "yes", "on", "1"):
                    out = True
                elif str(value).lower() in ("false", "no", "off", "0"):
                    out = False
                else:
                    raise ValueError(value)
            elif kind is int:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError(value)
                out = int(value)
            elif kind is float:
                if isinstance(value, bool):
                    raise ValueError(value)
                out = float(value)
            elif isinstance(value, (list, tuple)):  # e.g. hidden: [8, 4] in YAML
                out = ",".join(str(v) for v in value)
            elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
                out = str(value)
            else:
                raise ValueError(value)
        except (TypeError, ValueError):
            raise OscnetError(f"option {self.name} of the {recipe} recipe must be {_a(kind)} "
                              f"({self.help}), not {value!r}") from None
        if self.choices and out not in self.choices:
            raise OscnetError(f"option {self.name} of the {recipe} recipe must be one of "
                              f"{', '.join(map(str, self.choices))}, not {value!r}")
        return out


def _a(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number"}.get(kind, "text")


@dataclass(frozen=True)
class Recipe:
    """A learner by name: which class types it takes, its options, and how it trains."""

    name: str
    summary: str
    class_types: tuple[ClassType, ...]
    options: tuple[Option, ...]
    fit: Fit
    train_network: Callable[..., Any] | None = None  # network recipes: train a given Network in place
    load: Callable[[dict[str, Any]], Any] | None = None  # a model from its to_dict(); None: a network Model

    @classmethod
    def from_module(cls, module: Any, name: str, summary: str, long_names: dict[str, str]) -> Recipe:
        """A learner module that declares NAME, CLASS_TYPES, OPTIONS {flag: (type, default, help)},
        fit(...) and a model class with from_dict: its options keep Weka's flags as fit keys."""
        options = tuple(Option(long_names.get(flag, flag), flag, kind, default, help, key=flag)
                        for flag, (kind, default, help) in module.OPTIONS.items())
        model_class = next(v for v in vars(module).values()  # the module's ...Model class
                           if isinstance(v, type) and v.__module__ == module.__name__
                           and v.__name__.endswith("Model") and hasattr(v, "from_dict"))
        return cls(name, summary, tuple(module.CLASS_TYPES), options, module.fit, load=model_class.from_dict)

    def option(self, name: str) -> Option:
        for option in self.options:
            if name in (option.name, option.flag):
                return option
        raise KeyError(name)

    def default(self, name: str) -> Any:
        return self.option(name).default

    def check_options(self, options: dict[str, Any] | None) -> dict[str, Any]:
        """Options by name or Weka flag → {fit key: typed value}, defaults filled in.

        An unknown name raises an OscnetError that names the closest known one.
        """
        given = dict(options or {})
        known = {o.name: o for o in self.options} | {o.flag: o for o in self.options if o.flag}
        out: dict[str, Any] = {}
        for name, value in given.items():
            option = known.get(str(name))
            if option is None:
                names = [o.name for o in self.options]
                close = difflib.get_close_matches(str(name), list(known), n=1)
                hint = f"; did you mean {known[close[0]].name}?" if close else ""
                takes = f"it takes {', '.join(names)}" if names else "it takes no options"
                raise OscnetError(f"unknown option {name!r} for the {self.name} recipe{hint} ({takes})")
            out[option.fit_key] = option.coerce(value, self.name)
        for option in self.options:
            out.setdefault(option.fit_key, option.default)
        return out

    def parse_flags(self, tokens: list[str]) -> dict[str, Any]:
        """Command-line options as Weka writes them (`-K 3`, `-L`) or by name (`--neighbours 3`):
        a true/false option is a bare flag, every other takes the next word as its value."""
        options: dict[str, Any] = {}
        k = 0
        while k < len(tokens):
            token = tokens[k]
            name = token.lstrip("-").replace("-", "_")
            if not token.startswith("-") or not name:
                raise OscnetError(f"expected an option of the {self.name} recipe, not {token!r}"
                                  f"\n{self.describe_options() or '  (it takes no options)'}")
            try:
                option = self.option(name)
            except KeyError:
                self.check_options({name: None})  # raises the message with the closest name
                raise
            if option.type is bool:  # a bare flag is true; `--keep-colinear false` says it outright
                explicit = k + 1 < len(tokens) and tokens[k + 1].lower() in ("true", "false")
                options[option.name] = tokens[k + 1].lower() == "true" if explicit else True
                k += 2 if explicit else 1
                continue
            if k + 1 >= len(tokens):
                raise OscnetError(f"option {token} of the {self.name} recipe needs a value ({option.help})")
            options[option.name] = tokens[k + 1]
            k += 2
        return options

    def describe_options(self) -> str:
        """One line per option, for --help and error messages."""
        return "\n".join(f"  {o.name} (-{o.flag}, default {o.default}): {o.help}" for o in self.options)


def labelled_rows(inputs: np.ndarray, target: np.ndarray, class_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose target is present, as float64 (n, n_inputs) and (n,); refuses an empty set."""
    x = np.asarray(inputs, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if x.ndim != 2 or t.shape != (len(x),):
        raise OscnetError(f"expected inputs (n, n_inputs) and one target per row, got {x.shape} and {t.shape}")
    keep = ~np.isnan(t)
    x, t = x[keep], t[keep]
    if len(x) == 0:
        raise OscnetError(f"no examples with a value for {class_name!r}: record some first")
    if x.shape[1] == 0:
        raise OscnetError(f"{class_name!r} has no inputs: select at least one input for it")
    return x, t


def hidden_sizes(hidden: str, n_inputs: int, n_outputs: int) -> list[int]:
    """Weka's -H list: i = inputs, o = outputs, a = (i+o)/2, t = i+o, or a number; "0" = none."""
    hidden = str(hidden).replace(" ", "")
    if hidden == "0":
        return []
    named = {"i": n_inputs, "o": n_outputs, "a": (n_inputs + n_outputs) // 2, "t": n_inputs + n_outputs}
    sizes = []
    for token in hidden.split(","):
        if token in named:
            sizes.append(named[token])
        elif token.isdigit() and int(token) > 0:
            sizes.append(int(token))
        else:
            raise OscnetError(f"hidden layers {hidden!r}: each entry must be i, a, o, t or a "
                              "positive number, e.g. 'i' or '8,4'")
    return sizes
