"""The example store: rounds, delete/re-add last, per-output values, CSV that reads back exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from oscnet.errors import OscnetError
from oscnet.project.examples import ExampleStore


def filled(rounds=(1, 1, 2, 2, 2), n_inputs=2, n_outputs=2) -> ExampleStore:
    store = ExampleStore(n_inputs, n_outputs, capacity=2)  # small: appending must grow it
    for k, r in enumerate(rounds):
        outputs = np.array([k / 10, math.nan if k % 2 else 1.0])
        store.add(r, 1_700_000_000.123 + k, np.array([k, 0.1 + k]), outputs)
    return store


def test_rounds_delete_last_and_readd_last():
    store = filled()
    assert len(store) == 5 and store.rounds() == [1, 2] and store.round_size(2) == 3
    assert store.delete_round(store.last_round()) == 3
    assert store.rounds() == [1] and len(store) == 2
    assert store.readd() == (2, 3)
    assert store.round_size(2) == 3
    with pytest.raises(OscnetError, match="no deleted recording"):
        store.readd()


def test_clearing_an_output_leaves_the_other_outputs():
    store = filled()
    assert store.count_for_output(1) == 3
    assert store.clear_output(1) == 3
    assert store.count_for_output(1) == 0 and store.count_for_output(0) == 5


def test_versions_change_on_edits_not_on_appends():
    store = filled()
    v = store.version
    store.add(3, 0.0, np.zeros(2), np.zeros(2))
    assert store.version == v
    store.delete_all()
    assert store.version != v and len(store) == 0


def test_csv_round_trip_is_exact_with_empty_cells_for_missing_outputs():
    store = filled()
    store.add(7, 1_700_000_123.5, np.array([1 / 3, -2e-300]), np.array([math.nan, 12345678.125]))
    text = store.to_csv(["x, with comma", "y"], ["pitch", "zone"])
    lines = text.splitlines()
    assert lines[0] == 'round,time,"x, with comma",y,pitch,zone'
    assert lines[2].endswith(",1,1.1,0.1,")  # empty cell: output 2 not recorded
    back = ExampleStore.from_csv(text, 2, 2)
    a, b = store.block(), back.block()
    assert b.rounds.tolist() == a.rounds.tolist()
    assert np.array_equal(b.inputs, a.inputs)
    assert np.array_equal(b.outputs, a.outputs, equal_nan=True)
    assert np.allclose(b.times, a.times, atol=1e-3)


def test_a_half_written_last_line_is_dropped_but_damage_elsewhere_is_an_error():
    text = filled().to_csv(["a", "b"], ["c", "d"])
    assert len(ExampleStore.from_csv(text[:-9], 2, 2)) == 4  # a crash mid-append
    lines = text.splitlines(keepends=True)
    lines[2] = "1,not a time,1,2,3,4\n"
    with pytest.raises(OscnetError, match=r"examples\.csv, line 3"):
        ExampleStore.from_csv("".join(lines), 2, 2)
    with pytest.raises(OscnetError, match="does not match the config"):
        ExampleStore.from_csv(text, 3, 2)
