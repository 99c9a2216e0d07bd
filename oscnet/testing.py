"""Hostile datagrams for the fuzz test and `oscnet bench fuzz`: random, mutated, oversized, odd.

A seeded generator, so a failure can be replayed. Each datagram comes with how many *valid*
input vectors it carries (inside a bundle, say), so a test can count exactly how many examples
recording must have made. Mutations are chosen so they can never turn into a valid message.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from oscnet.osc.wire import bundle, float_message, message

# Type tags that never make a number from a float's bytes (so a mutated message stays invalid).
POISON_TAGS = "sbxc?[]TFNrm"
CONTROL = "/wekinator/control/"


floats = float_message  # the name the fuzz tests use


class DatagramFuzzer:
    """Random and mutated datagrams aimed at an oscnet server expecting `n_inputs` floats."""

    def __init__(self, seed: int, n_inputs: int, input_address: str = "/wek/inputs") -> None:
        self.rng = random.Random(seed)
        self.n_inputs = n_inputs
        self.address = input_address
        self.kinds: dict[str, Callable[[], tuple[bytes, int]]] = {
            "random bytes": self.random_bytes,
            "truncated": self.truncated,
            "wrong type tags": self.wrong_type_tags,
            "huge argument count": self.huge_argument_count,
            "wrong argument count": self.wrong_argument_count,
            "nested bundles": self.nested_bundles,
            "future timetag": lambda: self.timetagged(time.time() + self.rng.uniform(10, 1e6)),
            "past timetag": lambda: self.timetagged(self.rng.uniform(0, time.time() - 10)),
            "over 8 KB": self.oversized,
            "NaN or inf": self.not_finite,
            "strings for floats": self.strings_for_floats,
            "bad control arguments": self.bad_control,
            "unknown address": self.unknown_address,
        }

    def inputs(self) -> bytes:
        """A valid input vector of floats in 0..1."""
        return message(self.address, *[self.rng.random() for _ in range(self.n_inputs)])

    def next(self) -> tuple[str, bytes, int]:
        """(kind, datagram, number of valid input vectors inside it)."""
        kind = self.rng.choice(list(self.kinds))
        data, valid = self.kinds[kind]()
        return kind, data, valid

    def random_bytes(self) -> tuple[bytes, int]:
        n = self.rng.choice([0, 1, 3, 4, 8, 16, 64, 200])
        head = self.rng.choice([b"", b"/", b"#bundle\0", b"/wek/inputs\0", CONTROL.encode()])
        return head + self.rng.randbytes(n), 0

    def truncated(self) -> tuple[bytes, int]:
        whole = self.inputs()
        return whole[:self.rng.randrange(1, len(whole) - 3)], 0  # always at least one float short

    def wrong_type_tags(self) -> tuple[bytes, int]:
        data = bytearray(self.inputs())
        tags_at = data.index(b",") + 1
        for _ in range(self.rng.randint(1, 3)):
            data[tags_at + self.rng.randrange(self.n_inputs)] = ord(self.rng.choice(POISON_TAGS))
        return bytes(data), 0

    def huge_argument_count(self) -> tuple[bytes, int]:
        n = self.rng.choice([1000, 5000, 60_000])  # 60,000 tags: near the largest UDP datagram
        tags = ("," + "f" * n).encode() + b"\0" * (4 - (n + 1) % 4)
        head = self.address.encode() + b"\0" * (4 - len(self.address) % 4)
        return head + tags + self.rng.randbytes(self.rng.choice([0, 8, 400])), 0

    def wrong_argument_count(self) -> tuple[bytes, int]:
        n = self.rng.choice([0, 1, self.n_inputs - 1, self.n_inputs + 1, 50])
        return message(self.address, *[self.rng.random() for _ in range(max(n, 0))]), 0

    def nested_bundles(self) -> tuple[bytes, int]:
        # A valid input nested 2-4 deep must count; deeper nests hold garbage (a server may
        # refuse deep nesting outright).
        if self.rng.random() < 0.5:
            data, depth, valid = self.inputs(), self.rng.randint(2, 4), 1
        else:
            data, depth, valid = self.rng.randbytes(8), self.rng.randint(2, 40), 0
        for _ in range(depth):
            data = bundle(time.time(), data)
        return data, valid

    def timetagged(self, when: float) -> tuple[bytes, int]:
        return bundle(when, self.inputs()), 1

    def oversized(self) -> tuple[bytes, int]:
        n = self.rng.randint(2100, 4000)  # 4 bytes each: > 8 KB
        return floats(self.address, [0.5] * n), 0

    def not_finite(self) -> tuple[bytes, int]:
        values = [self.rng.random() for _ in range(self.n_inputs)]
        values[self.rng.randrange(self.n_inputs)] = self.rng.choice([float("nan"), float("inf"), float("-inf")])
        return message(self.address, *values), 0

    def strings_for_floats(self) -> tuple[bytes, int]:
        values: list[object] = [self.rng.random() for _ in range(self.n_inputs)]
        values[self.rng.randrange(self.n_inputs)] = self.rng.choice(["0.5", "", "x" * 100])
        return message(self.address, *values), 0

    def bad_control(self) -> tuple[bytes, int]:
        # Arguments that no control message accepts: never a valid state change.
        name = self.rng.choice(["startRecording", "train", "outputs", "deleteExamplesForOutput",
                                "selectInputsForOutput", "saveModelToFile", "setInputNames", "runNewProject"])
        table: dict[str, list[object]] = {"startRecording": ["now"], "train": [1.5, "x"], "outputs": ["a", "b"],
                "deleteExamplesForOutput": ["one"], "selectInputsForOutput": ["x"],
                "saveModelToFile": [1.0], "setInputNames": [1, 2], "runNewProject": [3]}
        args = table[name]
        return message(CONTROL + name, *args), 0

    def unknown_address(self) -> tuple[bytes, int]:
        return message(self.rng.choice(["/wek/input", "/wek/inputs/x", "/foo", "/wekinator/control/explode"]),
                       1.0, 2.0), 0


@dataclass
class FuzzRun:
    """What a fuzz run sent: datagrams by kind and the valid input vectors among them."""

    sent: Counter = field(default_factory=Counter)
    valid_inputs: int = 0
    seconds: float = 0.0

    @property
    def datagrams(self) -> int:
        return sum(self.sent.values())


def stream(fuzzer: DatagramFuzzer, n: int, valid_every: int = 10) -> Iterator[tuple[str, bytes, int]]:
    """`n` hostile datagrams with a valid input vector after every `valid_every` of them."""
    for i in range(1, n + 1):
        yield fuzzer.next()
        if i % valid_every == 0:
            yield "valid inputs", fuzzer.inputs(), 1


def blast(datagrams: Iterable[tuple[str, bytes, int]], send: Callable[[bytes], None],
          fence: Callable[[int], None], chunk: int = 50) -> FuzzRun:
    """Send every (kind, datagram, valid inputs inside) and count what was sent.

    Every `chunk` datagrams, `fence(valid inputs so far)` must block until the server has
    handled everything sent, so a full socket buffer never drops what the test counts.
    """
    run = FuzzRun()
    start = time.perf_counter()
    i = 0
    for i, (kind, data, valid) in enumerate(datagrams, start=1):
        send(data)
        run.sent[kind] += 1
        run.valid_inputs += valid
        if i % chunk == 0:
            fence(run.valid_inputs)
    fence(run.valid_inputs)
    run.seconds = time.perf_counter() - start
    return run
