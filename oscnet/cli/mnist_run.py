"""`oscnet mnist` once its arguments are parsed: train, test, save, draw (cli/mnist.py parses)."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from oscnet import mnist
from oscnet.errors import OscnetError
from oscnet.mnist import pictures
from oscnet.nn.model import Model


def run_mnist(args: argparse.Namespace, conf: dict[str, Any] | None) -> int:
    """The whole `oscnet mnist` command; `conf` is `cli.mnist.settings(args)` (None with --download)."""
    out = sys.stdout
    if args.download:
        mnist.download(args.download, args.mirror, say=lambda s: print(s, file=out))
        print(f"all four MNIST files are in {args.download}, checksums good", file=out)
        return 0
    assert conf is not None
    train, test = load(args, conf)
    if args.test_only:
        model = Model.load(conf["model"])
        print(f"loaded {model!r} from {conf['model']}", file=out)
    else:
        model = train_with_bar(train, mnist.recipe_from(conf["recipe"]), np.float64 if args.float64 else np.float32, out)
    result = mnist.evaluate(model, test)
    report(result, len(test), out)
    if not args.test_only:
        model.info["test_accuracy"] = result.accuracy
        print(f"model saved to {model.save(conf['model'])}", file=out)
    save_pictures(args, conf, model, result, test, out)
    return 0


def load(args: argparse.Namespace, conf: dict[str, Any]) -> tuple[mnist.Digits, mnist.Digits]:
    """The training and test digits from --train/--test or the data folder."""
    if args.train or args.test:
        if not (args.train and args.test) and not args.test_only:
            raise OscnetError("give both --train and --test (or --data DIR)")
        test = mnist.read_digits(args.test) if args.test else mnist.load_mnist(conf["data"])[1]
        train = mnist.read_digits(args.train) if args.train else test
    else:
        train, test = mnist.load_mnist(conf["data"])
    if args.subset:
        train = train.subset(args.subset)
    return train, test


def train_with_bar(train: mnist.Digits, recipe: mnist.Recipe, dtype: type, out: TextIO) -> Model:
    """Train with a progress bar; the first Ctrl-C stops after the current batch and keeps the model."""
    recipe.check()
    n = len(train) * (3 if recipe.rotate else 1)
    shape = "-".join(str(s) for s in [mnist.N_PIXELS, *recipe.hidden, mnist.N_CLASSES])
    print(f"training {shape} with the {recipe.name} recipe: {n} examples, {recipe.epochs} epochs "
          f"(Ctrl-C stops early and keeps what was learnt)", file=out)
    bar = ProgressBar(recipe.epochs, out)
    with stop_on_ctrl_c(out) as stop:
        model = mnist.train_model(train, recipe, bar, stop, bar.monitor, dtype)
    bar.close()
    info = model.info
    print(("stopped early: " if info["stopped_early"] else "") +
          f"trained in {info['train_seconds']:.1f} s", file=out)
    return model


def report(result: mnist.Result, n_test: int, out: TextIO) -> None:
    """The tutorial's 'performance', then per-digit accuracy and the confusion table."""
    right = int(np.trace(result.confusion))
    print(f"performance = {result.accuracy:.4f} ({right} of {n_test} test digits right, "
          f"tested in {result.seconds:.2f} s)", file=out)
    print(mnist.confusion_table(result.confusion), file=out)


def save_pictures(args: argparse.Namespace, conf: dict[str, Any], model: Model, result: mnist.Result,
                  test: mnist.Digits, out: TextIO) -> None:
    """--backquery: draw each digit as the network sees it; --misclassified: the wrong answers."""
    folder = Path(conf["pictures"])
    if args.backquery:
        images = mnist.backquery_digits(model.network)
        width = shutil.get_terminal_size((100, 24)).columns
        print("what the network thinks each digit looks like (backquery):", file=out)
        print(pictures.draw_blocks(list(images), [str(d) for d in range(10)], width), file=out)
        path = pictures.write_png(folder / "backquery.png", pictures.grid(list(images), [str(d) for d in range(10)]))
        print(f"saved {path}", file=out)
    if args.misclassified:
        images, titles = mnist.misclassified(result, test)
        if len(images):
            path = pictures.write_png(folder / "misclassified.png", pictures.grid(list(images), titles, columns=10, scale=2))
            print(f"saved {path}: {len(images)} wrongly classified test digits, titled true>predicted", file=out)
        else:
            print("no test digit was misclassified", file=out)


@contextmanager
def stop_on_ctrl_c(out: TextIO) -> Iterator[Any]:
    """Yield should_stop(): true after the first Ctrl-C; a second Ctrl-C interrupts at once."""
    pressed: list[float] = []

    def handler(signum: int, frame: Any) -> None:
        if pressed:
            raise KeyboardInterrupt
        pressed.append(time.monotonic())
        print("\nstopping after this batch; the model so far will be tested and saved "
              "(Ctrl-C again to abort)", file=out, flush=True)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: no Ctrl-C handling, train to the end
        yield lambda: False
        return
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, previous)


class ProgressBar:
    """One line per epoch: examples/s, running training accuracy, time left; redrawn ≤ 10 times/s."""

    def __init__(self, epochs: int, out: TextIO) -> None:
        self.epochs, self.out = epochs, out
        self.epoch = -1
        self.started = self.last_draw = 0.0
        self.first = 0
        self.ended = -1
        self.right = self.seen = 0
        self.tty = out.isatty()
        self.line_open = False

    def monitor(self, outputs: np.ndarray, targets: np.ndarray) -> None:
        """Count the training examples the network got right just before learning from them."""
        self.right += int((outputs.argmax(axis=1) == targets.argmax(axis=1)).sum())
        self.seen += len(outputs)

    def __call__(self, epoch: int, done: int, total: int) -> None:
        now = time.perf_counter()
        if epoch == self.ended:
            return  # the end of an epoch may be reported twice
        if epoch != self.epoch:  # the first report of an epoch comes after some examples: rate from there
            self.epoch, self.started, self.first = epoch, now, done
        finished = done >= total
        if not finished and (not self.tty or now - self.last_draw < 0.1):
            return
        self.last_draw = now
        elapsed = max(now - self.started, 1e-9)
        rate = (done - self.first) / elapsed if done > self.first else 0.0
        filled = int(20 * done / max(1, total))
        acc = f"  acc {100 * self.right / self.seen:5.2f}%" if self.seen else ""
        left = f"{(total - done) / rate:4.0f} s" if rate > 0 else "   ? s"
        tail = f"  {elapsed * total / max(1, total - self.first):5.1f} s" if finished else f"  left {left}"
        line = (f"epoch {epoch + 1}/{self.epochs} [{'#' * filled}{'.' * (20 - filled)}] "
                f"{done}/{total}  {rate:8.0f} ex/s{acc}{tail}")
        print(("\r" if self.tty else "") + line, end="\n" if finished else "", file=self.out, flush=True)
        self.line_open = not finished
        if finished:  # the next epoch counts its own accuracy
            self.ended, self.right, self.seen = epoch, 0, 0

    def close(self) -> None:
        """End a line left open by an early stop."""
        if self.line_open:
            print("", file=self.out, flush=True)
            self.line_open = False
