"""MNIST handwritten digits: loading (IDX and CSV), training and testing, pictures, download.

Library code, usable without the CLI:

    train, test = load_mnist("data/mnist")
    model = train_model(train, recipe="batch")
    result = evaluate(model, test)
    print(result.accuracy, confusion_table(result.confusion))

Pixels are raw 0..255; the network sees pixel/255·0.99 + 0.01 (the tutorial's scaling),
recorded in the model as its input scaling, so a saved model takes raw pixels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.mnist.data import N_CLASSES, N_PIXELS, SIDE, Digits
from oscnet.nn.model import Model, Scaling
from oscnet.nn.network import Network
from oscnet.recipes import RECIPES, get
from oscnet.recipes.base import Monitor, Progress

LOW, HIGH = 0.01, 0.99  # the tutorial's target values, and its input range
NETWORK_RECIPES = tuple(name for name, r in RECIPES.items() if r.train_network is not None and name != "weka")
"""The recipes that train a given network (Weka's builds its own, for small data)."""

# The four IDX files and the sha256 of their .gz form (shared/data/mnist/SOURCE.md).
# --- the numbers the network sees -------------------------------------------------------


def input_scaling() -> Scaling:
    """Raw pixel → network input as a model scaling: (x − base)/range = x/255·0.99 + 0.01."""
    return Scaling(base=np.full(N_PIXELS, -0.01 * 255 / 0.99), range=np.full(N_PIXELS, 255 / 0.99))


def scale_inputs(images: np.ndarray) -> np.ndarray:
    """Raw pixels (n, 784) to network inputs in 0.01..1.00, as the tutorial does."""
    return np.asarray(images, dtype=np.float64) / 255.0 * 0.99 + 0.01


def one_hot(labels: np.ndarray) -> np.ndarray:
    """Targets (n, 10): 0.99 for the label's node, 0.01 elsewhere (sigmoid never reaches 0 or 1)."""
    targets = np.full((len(labels), N_CLASSES), LOW)
    targets[np.arange(len(labels)), labels] = HIGH
    return targets


def rotated(digits: Digits, degrees: float) -> Digits:
    """The digits plus copies turned by +degrees and −degrees (interleaved as the tutorial trains)."""
    from scipy import ndimage  # only needed here

    images = digits.images.reshape(-1, SIDE, SIDE).astype(np.float32)
    turned = [ndimage.rotate(images, angle, axes=(1, 2), reshape=False, order=1, cval=0.0)
              for angle in (degrees, -degrees)]
    stacked = np.stack([images] + turned, axis=1)  # (n, 3, 28, 28): each digit, then its turns
    pixels = np.clip(stacked.reshape(-1, N_PIXELS), 0, 255)
    return Digits(pixels, np.repeat(digits.labels, 3), f"{digits.source} ±{degrees:g}°")


# --- training and testing -----------------------------------------------------------------


@dataclass
class Result:
    """A test run: the predictions, their accuracy and the confusion table."""

    predicted: np.ndarray
    labels: np.ndarray
    confusion: np.ndarray  # (10, 10): row = true digit, column = predicted digit
    seconds: float

    @property
    def accuracy(self) -> float:
        """The fraction of test digits classified right (the tutorial's 'performance')."""
        return float(np.trace(self.confusion) / max(1, self.confusion.sum()))


@dataclass
class Recipe:
    """How to train: the recipe's name and its settings (learning rate None: the recipe's own)."""

    name: str = "batch"
    hidden: list[int] = field(default_factory=lambda: [200])
    epochs: int = 5
    learning_rate: float | None = None
    batch_size: int = 64
    momentum: float = 0.9
    rotate: float = 0.0
    seed: int = 0

    def check(self) -> None:
        """Raise a clear error for settings that cannot work."""
        if self.name not in NETWORK_RECIPES:
            raise OscnetError(f"unknown recipe {self.name!r}; use one of: {', '.join(NETWORK_RECIPES)}")
        self.options()  # the registry checks every value
        if not self.hidden or any(h < 1 for h in self.hidden):
            raise OscnetError(f"hidden layers must have at least 1 node each, got {self.hidden}")
        if self.epochs < 0:
            raise OscnetError(f"epochs must be 0 or more, got {self.epochs}")

    @property
    def rate(self) -> float:
        """The learning rate used: the tutorial's 0.1 for seed, 0.3 for batch unless set."""
        if self.learning_rate is not None:
            return self.learning_rate
        return float(get(self.name).default("learning_rate"))

    def options(self) -> dict[str, Any]:
        """These settings as the recipe's checked options (the registry's defaults for the rest)."""
        recipe = get(self.name)
        given: dict[str, Any] = {"hidden": ",".join(map(str, self.hidden)), "epochs": self.epochs,
                                 "learning_rate": self.rate, "seed": self.seed}
        if recipe.name == "batch":
            given.update(batch_size=self.batch_size, momentum=self.momentum)
        return recipe.check_options(given)


def train_model(
    train: Digits,
    recipe: Recipe,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    monitor: Monitor | None = None,
    dtype: type = np.float32,
    threads: int | None = None,
) -> Model:
    """Train a 784-hidden-10 network on the digits and wrap it as a nominal Model.

    `threads`: BLAS threads for the batch recipe (None: as configured, normally all cores).
    """
    recipe.check()
    data = rotated(train, recipe.rotate) if recipe.rotate else train
    inputs, targets = scale_inputs(data.images), one_hot(data.labels)
    network = Network.random([N_PIXELS, *recipe.hidden, N_CLASSES], recipe.seed)
    stopped = False

    def stop() -> bool:
        nonlocal stopped
        stopped = stopped or bool(should_stop and should_stop())
        return stopped

    if recipe.name == "seed" and monitor and progress:
        progress = _scoring_recent(progress, monitor, network, inputs, targets)
    start = time.perf_counter()
    train_network = get(recipe.name).train_network
    assert train_network is not None  # check() allows only network recipes
    train_network(network, inputs, targets, recipe.options(), progress, stop,
                  monitor=monitor, dtype=dtype, threads=threads)
    seconds = time.perf_counter() - start
    options: dict[str, Any] = {
        "hidden": list(recipe.hidden), "epochs": recipe.epochs, "learning_rate": recipe.rate,
        "rotate": recipe.rotate, "seed": recipe.seed,
    }
    if recipe.name == "batch":
        options.update(batch_size=recipe.batch_size, momentum=recipe.momentum, dtype=np.dtype(dtype).name)
    return Model(
        network=network,
        input_names=[f"pixel{k}" for k in range(N_PIXELS)],
        kind="nominal",
        class_name="digit",
        class_labels=[str(d) for d in range(N_CLASSES)],
        input_scaling=input_scaling(),
        recipe=recipe.name,
        options=options,
        info={"train_seconds": round(seconds, 3), "train_examples": len(data),
              "train_source": train.source, "stopped_early": stopped},
    )


def _scoring_recent(progress: Progress, monitor: Monitor, network: Network, inputs: np.ndarray,
                    targets: np.ndarray) -> Progress:
    """For the per-example loop (which has no batches to show): score the last 1000 examples learnt."""
    last: list[tuple[int, int]] = []

    def report(epoch: int, done: int, total: int) -> None:
        if last and last[-1] == (epoch, done):
            return  # train_seed reports the end of an epoch twice when n is a multiple of 1000
        last.append((epoch, done))
        recent = slice(max(0, done - 1000), done)
        monitor(network.query(inputs[recent]), targets[recent])
        progress(epoch, done, total)

    return report


def evaluate(model: Model, test: Digits) -> Result:
    """Classify every test digit; the confusion table counts (true, predicted) pairs."""
    start = time.perf_counter()
    predicted = model.predict_class(test.images)
    confusion = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(confusion, (test.labels.astype(np.int64), predicted), 1)
    return Result(predicted, test.labels, confusion, time.perf_counter() - start)


def confusion_table(confusion: np.ndarray) -> str:
    """Per-digit accuracy and the confusion counts as aligned text (rows: true digit)."""
    width = max(5, len(str(confusion.max())) + 1)
    head = "true\\pred" + "".join(f"{d:>{width}}" for d in range(N_CLASSES)) + "   correct"
    lines = [head]
    for d in range(N_CLASSES):
        total = confusion[d].sum()
        share = f"{100 * confusion[d, d] / total:6.2f}%" if total else "     -"
        lines.append(f"{d:>9}" + "".join(f"{c:>{width}}" for c in confusion[d]) + f"   {share}")
    return "\n".join(lines)


# --- pictures ---------------------------------------------------------------------------


def backquery_digits(network: Network) -> np.ndarray:
    """What the network thinks each digit looks like: (10, 28, 28), ink in 0..1.

    Each picture is the tutorial's backquery (`Network.backquery`) of that digit's target,
    less the mean of the ten: trained thresholds add one shared picture (roughly the average
    digit) to all ten, which would otherwise hide what tells the digits apart.
    """
    raw = []
    for digit in range(N_CLASSES):
        targets = np.full(N_CLASSES, LOW)
        targets[digit] = HIGH
        raw.append(network.backquery(targets))
    pictures = np.array(raw) - np.mean(raw, axis=0)
    lo = np.percentile(pictures, 1, axis=1, keepdims=True)  # stretch each picture's contrast,
    hi = np.percentile(pictures, 99, axis=1, keepdims=True)  # ignoring a few extreme pixels
    return np.clip((pictures - lo) / np.maximum(hi - lo, 1e-12), 0, 1).reshape(-1, SIDE, SIDE)


def misclassified(result: Result, test: Digits, limit: int = 100) -> tuple[np.ndarray, list[str]]:
    """Up to `limit` wrongly classified test digits (k, 28, 28) in 0..1, titled 'true>predicted'."""
    wrong = np.flatnonzero(result.predicted != test.labels)[:limit]
    images = test.images[wrong].reshape(-1, SIDE, SIDE) / 255.0
    return images, [f"{test.labels[k]}>{result.predicted[k]}" for k in wrong]


def recipe_from(options: dict[str, Any]) -> Recipe:
    """A Recipe from a config mapping (unknown keys are an error, so typos are caught)."""
    known = set(Recipe.__dataclass_fields__)
    unknown = set(options) - known
    if unknown:
        raise OscnetError(f"unknown recipe setting(s) {sorted(unknown)}; known: {sorted(known)}")
    recipe = Recipe(**options)
    hidden = recipe.hidden
    try:
        if isinstance(hidden, str):
            hidden = hidden.split(",")
        recipe.hidden = [int(h) for h in (hidden if isinstance(hidden, Sequence) else [hidden])]
        recipe.epochs, recipe.batch_size, recipe.seed = int(recipe.epochs), int(recipe.batch_size), int(recipe.seed)
        recipe.momentum, recipe.rotate = float(recipe.momentum), float(recipe.rotate or 0.0)
        if recipe.learning_rate is not None:
            recipe.learning_rate = float(recipe.learning_rate)
    except (TypeError, ValueError) as exc:
        raise OscnetError(f"a recipe setting has the wrong type ({exc}); see configs/mnist.yaml") from None
    return recipe
