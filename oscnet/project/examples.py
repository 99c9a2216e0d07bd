"""The example store: one row per recorded input message, grouped in recording rounds, as CSV.

A row is (round, time, inputs, outputs); an output that was not being recorded is NaN (an
empty CSV cell), as Wekinator stores `?`. Appending is O(1) and lock-protected, because the
receive thread appends while the console deletes and the trainer takes snapshots.
"""

from __future__ import annotations

import csv
import io
import math
import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from oscnet.errors import OscnetError

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # local time; written with milliseconds


@dataclass
class Block:
    """Rows taken out of the store (a deleted recording round), ready to be put back."""

    rounds: np.ndarray  # (n,)
    times: np.ndarray  # (n,)
    inputs: np.ndarray  # (n, n_inputs)
    outputs: np.ndarray  # (n, n_outputs), NaN = not recorded

    def __len__(self) -> int:
        return len(self.rounds)


class ExampleStore:
    """Recorded examples; `version` changes whenever rows change other than by appending."""

    def __init__(self, n_inputs: int, n_outputs: int, capacity: int = 1024) -> None:
        self.n_inputs, self.n_outputs = n_inputs, n_outputs
        self._lock = threading.Lock()
        self._n = 0
        self._rounds = np.zeros(capacity, dtype=np.int64)
        self._times = np.zeros(capacity)
        self._inputs = np.zeros((capacity, n_inputs))
        self._outputs = np.zeros((capacity, n_outputs))
        self.version = 0
        self.deleted: Block | None = None  # the last deleted round, for "re-add last recording"
        self.damaged_tail: tuple[int, str] | None = None  # from_csv: the cut last line it dropped

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"ExampleStore({self._n} examples, {self.n_inputs} inputs, {self.n_outputs} outputs)"

    def add(self, round_: int, time: float, inputs: np.ndarray, outputs: np.ndarray) -> None:
        """Append one example: inputs (n_inputs,), outputs (n_outputs,) with NaN = not recorded."""
        with self._lock:
            if self._n == len(self._rounds):
                self._grow(2 * self._n)
            n = self._n
            self._rounds[n] = round_
            self._times[n] = time
            self._inputs[n] = inputs
            self._outputs[n] = outputs
            self._n = n + 1

    def _grow(self, capacity: int) -> None:
        self._rounds = np.resize(self._rounds, capacity)
        self._times = np.resize(self._times, capacity)
        self._inputs = np.resize(self._inputs, (capacity, self.n_inputs))
        self._outputs = np.resize(self._outputs, (capacity, self.n_outputs))

    def block(self, start: int = 0, stop: int | None = None) -> Block:
        """A copy of rows start..stop (all by default)."""
        with self._lock:
            stop = self._n if stop is None else min(stop, self._n)
            return Block(self._rounds[start:stop].copy(), self._times[start:stop].copy(),
                         self._inputs[start:stop].copy(), self._outputs[start:stop].copy())

    def _keep(self, keep: np.ndarray) -> None:
        """Keep only the rows where `keep` is true (caller holds the lock)."""
        n = int(keep.sum())
        for array in (self._rounds, self._times, self._inputs, self._outputs):
            array[:n] = array[:self._n][keep]
        self._n = n
        self.version += 1

    def count_for_output(self, k: int) -> int:
        """How many examples have a value for output k (0-based)."""
        with self._lock:
            return int(np.count_nonzero(~np.isnan(self._outputs[:self._n, k])))

    def rounds(self) -> list[int]:
        """The recording rounds present, in increasing order."""
        with self._lock:
            return sorted(set(self._rounds[:self._n].tolist()))

    def round_size(self, round_: int) -> int:
        """How many examples one recording round has."""
        with self._lock:
            return int(np.count_nonzero(self._rounds[:self._n] == round_))

    def last_round(self) -> int | None:
        with self._lock:
            return int(self._rounds[:self._n].max()) if self._n else None

    def delete_round(self, round_: int) -> int:
        """Delete one round's examples and keep them for `readd`; returns how many."""
        with self._lock:
            hit = self._rounds[:self._n] == round_
            n = self._n
            self.deleted = Block(self._rounds[:n][hit].copy(), self._times[:n][hit].copy(),
                                 self._inputs[:n][hit].copy(), self._outputs[:n][hit].copy())
            self._keep(~hit)
            return len(self.deleted)

    def readd(self) -> tuple[int, int]:
        """Put the last deleted round back; returns (round, examples)."""
        with self._lock:
            block, self.deleted = self.deleted, None
        if block is None or not len(block):
            raise OscnetError("there is no deleted recording to re-add")
        self.extend(block)
        with self._lock:
            self.version += 1  # rows may now be out of time order: rewrite, don't append
        return int(block.rounds[0]), len(block)

    def extend(self, block: Block) -> None:
        """Append many rows at once."""
        with self._lock:
            need = self._n + len(block)
            if need > len(self._rounds):
                self._grow(max(need, 2 * len(self._rounds)))
            s = slice(self._n, need)
            self._rounds[s], self._times[s] = block.rounds, block.times
            self._inputs[s], self._outputs[s] = block.inputs, block.outputs
            self._n = need

    def delete_all(self) -> int:
        """Delete every example; returns how many there were."""
        with self._lock:
            n = self._n
            self._n = 0
            self.version += 1
            self.deleted = None
            return n

    def clear_output(self, k: int) -> int:
        """Forget output k's values (they become not recorded); returns how many were cleared."""
        with self._lock:
            column = self._outputs[:self._n, k]
            n = int(np.count_nonzero(~np.isnan(column)))
            column[:] = np.nan
            self.version += 1
            return n

    # --- CSV ----------------------------------------------------------------------------

    def csv_header(self, input_names: list[str], output_names: list[str]) -> str:
        """`round,time,<inputs>,<outputs>` as one CSV line."""
        return _csv_line(["round", "time", *input_names, *output_names])

    def csv_rows(self, start: int = 0, stop: int | None = None) -> str:
        """Rows start..stop as CSV lines; an empty cell is an output not recorded.

        Formatted a whole block at a time (a rewrite of 100,000 rows is a window in which a
        crash loses what is recorded meanwhile, so it has to be short): one repr per row, whose
        C loop gives each number's shortest exact text, then whole-text fixes for NaN and ".0".
        """
        b = self.block(start, stop)
        if not len(b):
            return ""
        cells = "\n".join(repr(row)[1:-1] for row in np.hstack([b.inputs, b.outputs]).tolist())
        cells = _whole_numbers(cells.replace(", ", ",").replace("nan", ""))
        prefixes = [f"{r},{stamp}," for r, stamp in zip(b.rounds.tolist(), _stamps(b.times))]
        return "".join(p + c + "\n" for p, c in zip(prefixes, cells.split("\n")))

    def to_csv(self, input_names: list[str], output_names: list[str]) -> str:
        """The whole store as CSV text, header first."""
        return self.csv_header(input_names, output_names) + self.csv_rows()

    @classmethod
    def from_csv(cls, text: str, n_inputs: int, n_outputs: int, source: str = "examples.csv") -> ExampleStore:
        """Read CSV written by `to_csv`; columns are matched by position, the header names are informational.

        A damaged last line (cut short by a crash while appending) is dropped, and kept in
        `damaged_tail` as (line number, text) for the caller to report; any other bad line is an
        error.
        """
        store = cls(n_inputs, n_outputs)
        width = 2 + n_inputs + n_outputs
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            return store
        if len(rows[0]) != width:
            raise OscnetError(f"{source}, line 1: {len(rows[0])} columns, expected {width} (round, time, "
                              f"{n_inputs} inputs, {n_outputs} outputs): the file does not match the config")
        rounds, times, values = [], [], []
        for line, row in enumerate(rows[1:], start=2):
            try:
                parsed = _parse_row(row, width, n_inputs)
            except ValueError as exc:
                if line == len(rows):  # the last line was being written when the program stopped
                    store.damaged_tail = (line, text.rstrip("\n").rsplit("\n", 1)[-1])
                    break
                raise OscnetError(f"{source}, line {line}: {exc}; fix or delete that line") from None
            rounds.append(parsed[0])
            times.append(parsed[1])
            values.append(parsed[2])
        if values:
            data = np.array(values, dtype=np.float64).reshape(len(values), -1)
            store.extend(Block(np.array(rounds, dtype=np.int64), np.array(times),
                               data[:, :n_inputs], data[:, n_inputs:]))
        return store


def _parse_row(row: list[str], width: int, n_inputs: int) -> tuple[int, float, list[float]]:
    """(round, time, values) of one CSV row, or ValueError saying what is wrong."""
    if len(row) != width:
        raise ValueError(f"{len(row)} columns, expected {width}")
    values = [float(c) if c.strip() else math.nan for c in row[2:]]
    if any(math.isnan(v) for v in values[:n_inputs]):
        raise ValueError("an input cell is empty")
    return int(row[0]), datetime.strptime(row[1], TIME_FORMAT).timestamp(), values


def _whole_numbers(cells: str) -> str:
    """Whole numbers without ".0" (a class 3 is written 3, as a person would), -0 as 0: plain
    replaces over the whole text, between sentinel newlines, are many times faster than a regex."""
    text = "\n" + cells + "\n"
    text = text.replace(".0,", ",").replace(".0\n", "\n")
    if "-0" in text:
        for a, b in (("\n-0,", "\n0,"), (",-0,", ",0,"), (",-0,", ",0,"), (",-0\n", ",0\n"), ("\n-0\n", "\n0\n")):
            text = text.replace(a, b)
    return text[1:-1]


def _stamps(times: np.ndarray) -> list[str]:
    """Each time as local TIME_FORMAT text to the millisecond (what strftime gives, cut to ms),
    asking the calendar once per second rather than once per row."""
    seconds: dict[int, str] = {}
    out = []
    for t in times.tolist():
        whole = math.floor(t)
        micro = round((t - whole) * 1e6)  # half-even, as datetime.fromtimestamp rounds
        if micro >= 1_000_000:
            whole, micro = whole + 1, micro - 1_000_000
        text = seconds.get(whole)
        if text is None:
            text = seconds[whole] = datetime.fromtimestamp(whole).strftime(TIME_FORMAT[:-2])  # up to "%S."
        out.append(f"{text}{micro // 1000:03d}")
    return out


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()
