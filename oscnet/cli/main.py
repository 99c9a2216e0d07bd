"""The `oscnet` command: argparse only; each subcommand lives in the module that owns it."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from oscnet.errors import OscnetError

# Each module has register(subparsers), adding its subcommands with set_defaults(func=...). Every one of
# them imports only argparse-level modules at its top: numpy, scipy, numba and the rest of oscnet are
# imported inside the functions that run a command, so `oscnet --help` and argument errors stay
# instant (tests/test_startup.py checks that none of them is imported).
COMMAND_MODULES = ["oscnet.cli.offline", "oscnet.cli.live", "oscnet.cli.mnist", "oscnet.cli.importing",
                   "oscnet.cli.evaluate"]
BENCH_MODULES = ["oscnet.bench.train", "oscnet.bench.mnist", "oscnet.bench.live", "oscnet.bench.live_web",
                 "oscnet.bench.fuzz", "oscnet.bench.flood", "oscnet.bench.dtw", "oscnet.bench.startup"]


def _register_all(subparsers: argparse._SubParsersAction, modules: list[str]) -> None:
    """Add the subcommands of every module that exists (features land one by one)."""
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    parser = argparse.ArgumentParser(
        prog="oscnet",
        description="Wekinator-compatible interactive machine learning over OSC, headless.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    _register_all(commands, COMMAND_MODULES)
    bench = commands.add_parser("bench", help="measure speed against a reference in the same run")
    benches = bench.add_subparsers(dest="bench", metavar="WHAT")
    benches.required = True
    _register_all(benches, BENCH_MODULES)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the oscnet command; user errors print one line, never a traceback."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "recipe_options", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra  # a recipe's own options (`oscnet train ... --recipe knn -K 3`)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except OscnetError as exc:
        print(f"oscnet: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `oscnet dump m.json | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("oscnet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
