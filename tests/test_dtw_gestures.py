"""The gesture store keeps examples and sizes exactly as Wekinator's DtwData (spec §2, §3.3, §3.10).

The sizes matter: the longest example sets the run buffer and the longest candidate window, the
shortest one the shortest window (SET_FROM_EXAMPLES). Wekinator updates them incrementally,
and oscnet does the same so that outputs stay identical.
"""

from __future__ import annotations

import numpy as np
import pytest

from oscnet.dtw.gestures import MAX_INT, GestureStore
from oscnet.dtw.settings import Downsample, DtwSettings, MinimumLength, RunningType
from oscnet.errors import OscnetError


def line(n: int) -> np.ndarray:
    """An example of n points over 2 inputs."""
    return np.column_stack([np.arange(n, dtype=float), np.zeros(n)])


def new_store(settings: DtwSettings | None = None) -> GestureStore:
    store = GestureStore(3, 2)
    store.apply(settings or DtwSettings())  # what a new DTW model does first
    return store


def sizes(store: GestureStore) -> tuple[int, int, int, int]:
    return store.min_size, store.max_size, store.min_ds, store.max_ds


def test_downsampling_to_max_length_keeps_10_to_19_points_by_decimation() -> None:
    store = new_store()
    for n, factor, kept in ((19, 1, 19), (20, 2, 10), (29, 2, 15), (100, 10, 10)):
        store.delete_all()
        example = store.add(0, line(n))
        assert store.factor == factor and len(example.downsampled) == kept
        assert example.downsampled[:, 0].tolist() == list(range(0, n, factor))  # points 0, f, 2f, ...


def test_a_longer_example_redecimates_all_but_leaves_the_sizes_stale() -> None:
    store = new_store()
    for n in (12, 15, 20):
        store.add(0, line(n))
    assert [len(e.downsampled) for e in store.all_examples()] == [6, 8, 10]
    assert sizes(store) == (12, 20, 10, 15)  # the true downsampled sizes are 6 and 10
    store.apply(store_settings := DtwSettings())  # applying settings recomputes them
    assert store_settings.downsample is Downsample.DOWNSAMPLE_TO_MAX_LENGTH
    assert sizes(store) == (12, 20, 6, 10)


def test_constant_factor_and_no_downsampling() -> None:
    store = new_store(DtwSettings(downsample=Downsample.DOWNSAMPLE_BY_CONSTANT_FACTOR, downsample_factor=3))
    assert len(store.add(0, line(10)).downsampled) == 4  # ceil(10 / 3)
    store.apply(DtwSettings(downsample=Downsample.NO_DOWNSAMPLING))
    assert sizes(store) == (10, 10, 4, 4)  # NO_DOWNSAMPLING only switches the policy
    example = store.add(1, line(7))
    assert example.downsampled is example.raw  # the raw series is used as it is
    assert sizes(store) == (7, 10, 4, 7)


def test_deleting_recomputes_a_size_only_when_the_deleted_example_had_it() -> None:
    store = new_store()
    short, middle, long = (store.add(g, line(n)) for g, n in ((0, 12), (0, 15), (1, 20)))
    assert sizes(store) == (12, 20, 10, 15)  # downsampled lengths 6, 8, 10
    store.delete(middle)  # 15 points, 8 downsampled: none of the four sizes, nothing changes
    assert sizes(store) == (12, 20, 10, 15)
    store.delete(long)  # the longest: max recomputed, factor back to 1, the rest re-decimated;
    assert store.factor == 1 and len(short.downsampled) == 12
    assert sizes(store) == (12, 12, 12, 15)  # its 10 was the downsampled minimum; 15 stays stale
    store.delete_gesture(0)  # the last one: 12 points, 12 downsampled; 15 is still not touched
    assert store.n_examples == 0 and sizes(store) == (MAX_INT, 0, MAX_INT, 15)
    store.delete_all()  # deleting all resets every size
    assert sizes(store) == (MAX_INT, 0, MAX_INT, 0)


def test_deleting_everything_keeps_the_factor_and_the_running_phase() -> None:
    store = new_store()
    store.add(0, line(40))
    assert store.factor == 4
    assert [store.keep_running_point() for _ in range(6)] == [True, False, False, False, True, False]
    store.delete_all()
    assert store.factor == 4 and store.counter == 2
    assert sizes(store) == (MAX_INT, 0, MAX_INT, 0)


def test_applying_a_downsampling_policy_restarts_the_running_phase() -> None:
    store = new_store(DtwSettings(downsample=Downsample.DOWNSAMPLE_BY_CONSTANT_FACTOR, downsample_factor=3))
    store.keep_running_point()
    assert store.counter == 1
    store.apply(DtwSettings(downsample=Downsample.NO_DOWNSAMPLING))
    assert store.counter == 1 and all(store.keep_running_point() for _ in range(5))
    store.apply(DtwSettings())
    assert store.counter == 0


def test_examples_must_fit_the_output() -> None:
    store = new_store()
    with pytest.raises(OscnetError, match="there is no gesture 4"):
        store.add(3, line(5))
    with pytest.raises(OscnetError, match="2 inputs"):
        store.add(0, np.zeros((5, 3)))
    with pytest.raises(OscnetError, match="points ≥ 1"):
        store.add(0, np.zeros((0, 2)))


def test_settings_default_to_wekinators_and_round_trip_through_json() -> None:
    settings = DtwSettings()
    assert settings.to_dict() == {
        "match_width": 5, "min_gesture_length": 5, "hop_size": 1, "running_type": "LABEL_CONTINUOUSLY",
        "min_length_rule": "SET_CONSTANT", "downsample": "DOWNSAMPLE_TO_MAX_LENGTH",
        "downsample_max_length": 10, "downsample_factor": 5}
    changed = DtwSettings(running_type=RunningType.LABEL_ONCE_PER_RECORD, min_length_rule=MinimumLength.SET_FROM_EXAMPLES)
    assert DtwSettings.from_dict(changed.to_dict()) == changed


def test_bad_settings_are_refused_in_words() -> None:
    with pytest.raises(OscnetError, match="hop_size must be a whole number ≥ 1"):
        DtwSettings(hop_size=0)
    with pytest.raises(OscnetError, match="downsample must be one of"):
        DtwSettings(downsample="SOMETIMES")  # type: ignore[arg-type]
    with pytest.raises(OscnetError, match="unknown DTW setting"):
        DtwSettings.from_dict({"radius": 3})
