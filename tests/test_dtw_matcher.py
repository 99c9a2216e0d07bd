"""The DTW matcher records gestures and recognises them in a stream of inputs, as Wekinator does.

`DtwMatcher.push(vector)` is called for every input; it returns `(distances, match)`: the
per-gesture distances to send (None when nothing is sent) and the gesture whose match message
goes out first (None when none). Gestures are 0-based here, 1-based on the wire.
The traces are Wekinator's own (spec wekinator-dtw.md §6.2, §6.3); where oscnet decided to
differ from Wekinator (spec §7), the test says so.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from oscnet.dtw.matcher import DtwMatcher
from oscnet.dtw.settings import Downsample, DtwSettings, MinimumLength, RunningType
from oscnet.errors import OscnetError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dtw"
MAX = 1.7976931348623157e308  # Java's Double.MAX_VALUE: Wekinator's "no distance"

# Scenario A's recordings (§6.2): 2 inputs, all values multiples of 1/8.
GESTURE_1_A = [(t / 8, 0.0) for t in range(12)]
GESTURE_1_B = [((11 * t) // 14 / 8, 1 / 8) for t in range(15)]
GESTURE_2 = [(4 / 8, (10 - abs(t - 10)) / 8) for t in range(20)]
RUN = ([(0.0, 1.0)] * 6 + [(4 / 8, (11 - abs(t - 11)) / 8) for t in range(22)]
       + [(0.0, 1.0)] * 6 + [(t / 8, 0.0) for t in range(12)])


def record(matcher: DtwMatcher, gesture: int, points: list) -> None:
    """startDtwRecording, the inputs, stopDtwRecording."""
    matcher.start_recording(gesture)
    for point in points:
        assert matcher.push(point) == (None, None)  # nothing is sent while recording
    matcher.stop_recording()


def scenario_a(settings: DtwSettings | None = None, threshold: float = 5.0) -> DtwMatcher:
    matcher = DtwMatcher(3, 2, settings, threshold)
    record(matcher, 0, GESTURE_1_A)
    record(matcher, 0, GESTURE_1_B)
    record(matcher, 1, GESTURE_2)
    return matcher


def float32_bits(values: np.ndarray) -> str:
    """What goes on the wire: each distance cast to an OSC float (+inf for "no distance")."""
    return " ".join(struct.pack(">f", v).hex() for v in values)


def wekinator_trace_a() -> list[dict]:
    rows = []
    for line in (FIXTURES / "scenario_a.txt").read_text().splitlines():
        if line.startswith("|"):
            _, number, point, match, distances, bits, _ = (cell.strip() for cell in line.split("|"))
            skipped = distances.startswith("(input skipped")
            rows.append({
                "number": int(number), "input": tuple(float(v) for v in point.split(",")),
                "match": match or None,
                "distances": None if skipped else [MAX if v.strip() == "MAX" else float(v)
                                                   for v in distances.split(",")],
                "bits": bits or None})
    return rows


# -- Wekinator's traces --------------------------------------------------------------------------

def test_scenario_a_every_input_sends_what_wekinator_sent() -> None:
    """Defaults: downsample factor 2, so every second input is matched; distances to the bit,
    the float32 bits sent, and /output_1, /output_2, /output_1 at inputs 9, 13 and 39."""
    matcher = scenario_a()
    matcher.start_running()
    trace = wekinator_trace_a()
    assert [row["input"] for row in trace] == RUN
    for row in trace:
        distances, match = matcher.push(row["input"])
        if row["distances"] is None:
            assert (distances, match) == (None, None), row["number"]
            continue
        assert distances is not None
        wekinator = [math.inf if v == MAX else v for v in row["distances"]]  # MAX is sent as +inf
        assert distances.tolist() == wekinator, row["number"]
        assert float32_bits(distances) == row["bits"], row["number"]
        assert (None if match is None else f"/output_{match + 1}") == row["match"], row["number"]


def test_scenario_a_size_bookkeeping_is_wekinators_stale_one() -> None:
    """Raw lengths 12, 15, 20 give factor 2 and downsampled lengths 6, 8, 10, but the minimum
    and maximum downsampled sizes stay at 10 and 15 (spec §3.3, §7 item 1)."""
    store = scenario_a().store
    assert store.factor == 2
    assert [len(e.downsampled) for e in store.all_examples()] == [6, 8, 10]
    assert (store.min_size, store.max_size, store.min_ds, store.max_ds) == (12, 20, 10, 15)


def test_applying_the_settings_again_repairs_the_sizes_as_reopening_the_project_does() -> None:
    """Scenario L: Wekinator recomputes the sizes on load (6 and 10), which changes some outputs."""
    matcher = scenario_a()
    matcher.set_settings(matcher.settings)
    assert (matcher.store.min_ds, matcher.store.max_ds) == (6, 10)
    matcher.start_running()
    sent = {k: distances for k, point in enumerate(RUN, start=1)
            if (distances := matcher.push(point)[0]) is not None}
    assert sent[27].tolist() == [5.03567101198003, 0.25, math.inf]  # A: 0.0 for gesture 2
    assert sent[29][1] == 1.6513878188659974  # A: 0.9013878188659973
    assert sent[33][1] == 4.97652858880244  # A: 2.5656013812390923


def test_scenario_b_no_downsampling_hop_2_input_2_ignored() -> None:
    """NO_DOWNSAMPLING + SET_FROM_EXAMPLES: every input is matched, the first 11 give +inf (the
    shortest example has 12 points); /output_2 fires at input 16, /output_1 at input 41."""
    settings = DtwSettings(hop_size=2, min_length_rule=MinimumLength.SET_FROM_EXAMPLES,
                           downsample=Downsample.NO_DOWNSAMPLING)
    matcher = scenario_a(settings, threshold=2.0)
    matcher.select_inputs([True, False])
    matcher.start_running()
    fired = []
    for k, point in enumerate(RUN, start=1):
        distances, match = matcher.push(point)
        assert distances is not None
        assert np.isinf(distances).all() == (k <= 11)
        if match is not None:
            fired.append((k, match + 1))
    assert fired == [(16, 2), (41, 1)]


def test_scenario_c_once_per_record_reports_when_the_run_stops() -> None:
    """Nothing while running; each stop sends one match then one distances message. The
    downsampler's phase carries over: the second run keeps its inputs 3, 6, 9, 12. (The spec
    does not list scenario C's inputs; these runs are the gesture-2 and gesture-1 parts of A's.)"""
    settings = DtwSettings(match_width=1, running_type=RunningType.LABEL_ONCE_PER_RECORD,
                           downsample=Downsample.DOWNSAMPLE_BY_CONSTANT_FACTOR, downsample_factor=3)
    matcher = scenario_a(settings)
    matcher.start_running()
    for point in RUN[6:28]:  # 22 inputs
        assert matcher.push(point) == (None, None)
    distances, match = matcher.stop_running()
    assert match == 1 and distances is not None and distances[1] == distances.min()
    matcher.start_running()
    kept = []
    for k, point in enumerate(RUN[34:], start=1):  # 12 inputs
        before = len(matcher._buffer)
        matcher.push(point)
        if len(matcher._buffer) > before:
            kept.append(k)
    assert kept == [3, 6, 9, 12]
    distances, match = matcher.stop_running()
    assert match == 0


def test_scenario_d_bad_gesture_numbers_empty_recordings_and_deleting_during_a_run() -> None:
    matcher = scenario_a()
    for bad in (-1, 3):  # wire numbers 0 and 4 of a 3-gesture output
        with pytest.raises(OscnetError, match="there is no gesture .*gestures 1 to 3"):
            matcher.start_recording(bad)
    matcher.start_recording(2)
    assert matcher.stop_recording() is None  # no input arrived: nothing stored
    assert matcher.store.examples[2] == []
    matcher.start_running()
    for point in RUN[:10]:
        matcher.push(point)
    matcher.delete_all()
    for point in RUN[10:20]:
        distances, _ = matcher.push(point)
        assert distances is None or np.isinf(distances).all()  # the run goes on, all +inf
    assert matcher.running


# -- where oscnet decided to differ from Wekinator (spec §7) -------------------------------------

def test_a_new_run_announces_its_match_even_if_the_last_run_ended_on_the_same_gesture() -> None:
    """§7 item 8 (e4): Wekinator stays silent the second time; oscnet resets the match per run."""
    settings = DtwSettings(running_type=RunningType.LABEL_ONCE_PER_RECORD)
    matcher = scenario_a(settings)
    for _ in range(2):
        matcher.start_running()
        for point in GESTURE_2:
            matcher.push(point)
        assert matcher.stop_running()[1] == 1


def test_stopping_an_empty_once_per_record_run_sends_no_match() -> None:
    """§7 item 10: Wekinator throws and stays running; oscnet sends all +inf and stops."""
    matcher = scenario_a(DtwSettings(running_type=RunningType.LABEL_ONCE_PER_RECORD))
    matcher.start_running()
    distances, match = matcher.stop_running()
    assert distances is not None and np.isinf(distances).all() and match is None
    assert not matcher.running


def test_recording_during_a_run_pauses_it_and_resumes_a_fresh_run_afterwards() -> None:
    """§7 item 12: as Wekinator's GUI (its OSC path stops the run for good)."""
    matcher = scenario_a()
    matcher.start_running()
    for point in RUN[:20]:
        matcher.push(point)
    assert matcher.start_recording(2) == (None, None)
    assert not matcher.running
    for point in GESTURE_1_A:
        matcher.push(point)
    matcher.stop_recording()
    assert matcher.running and len(matcher._buffer) == 0
    assert len(matcher.store.examples[2]) == 1


def test_running_cannot_start_during_a_recording_or_without_examples() -> None:
    """§7 item 13: Wekinator would corrupt the example being recorded."""
    with pytest.raises(OscnetError, match="record at least one example"):
        DtwMatcher(2, 2).start_running()
    matcher = scenario_a()
    matcher.start_recording(0)
    with pytest.raises(OscnetError, match="stop the recording"):
        matcher.start_running()
    with pytest.raises(OscnetError, match="already recording gesture 1"):
        matcher.start_recording(1)


# -- the other rules -----------------------------------------------------------------------------

def test_new_settings_during_a_run_report_under_the_old_ones_and_restart() -> None:
    matcher = scenario_a(DtwSettings(running_type=RunningType.LABEL_ONCE_PER_RECORD))
    matcher.start_running()
    for point in GESTURE_2:
        matcher.push(point)
    distances, match = matcher.set_settings(DtwSettings())
    assert match == 1 and distances is not None
    assert matcher.running and len(matcher._buffer) == 0


def test_inactive_gestures_and_gestures_without_examples_get_inf() -> None:
    matcher = scenario_a()
    matcher.set_active(0, False)
    matcher.start_running()
    for point in RUN[:20]:
        distances, _ = matcher.push(point)
        if distances is not None:
            assert distances[0] == math.inf and distances[2] == math.inf


def test_an_input_selection_without_inputs_makes_every_distance_zero() -> None:
    """§7 item 23 (kept): the first gesture with an example then always matches."""
    matcher = scenario_a()
    matcher.select_inputs([False, False])
    matcher.start_running()
    sent = [matcher.push(point) for point in RUN[:9]]
    ninth = sent[8][0]
    assert ninth is not None and ninth.tolist() == [0.0, 0.0, math.inf]
    assert [match for _, match in sent if match is not None] == [0]


def test_problems_explain_when_nothing_can_match() -> None:
    """§7 item 5: examples of 4 inputs can never match the default minimum window of 5."""
    matcher = DtwMatcher(2, 1)
    assert matcher.problems() == ["no examples: record at least one example of a gesture"]
    record(matcher, 0, [(0.0,), (1.0,), (2.0,), (3.0,)])
    problems = matcher.problems()
    assert "gesture(s) 2 have no examples" in problems[0]
    assert "nothing can match" in problems[1]


def test_a_vector_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(OscnetError, match="must have 2 values"):
        scenario_a().push([1.0, 2.0, 3.0])


# -- recognising real-looking gestures -----------------------------------------------------------

def circle(t: np.ndarray) -> np.ndarray:
    return np.c_[0.5 + 0.35 * np.cos(2 * np.pi * t), 0.5 + 0.35 * np.sin(2 * np.pi * t)]


def flick(t: np.ndarray) -> np.ndarray:
    """A quick move up-right, a pause, and a slower way back."""
    out, back = np.clip(t / 0.3, 0, 1), np.clip((t - 0.6) / 0.4, 0, 1)
    return np.c_[0.2 + 0.7 * (out - back), 0.3 + 0.5 * (out - back)]


def zigzag(t: np.ndarray) -> np.ndarray:
    """Left to right, down-up-down-up."""
    return np.c_[0.1 + 0.8 * t, 0.2 + 0.6 * 2 * np.abs((2 * t) % 1 - 0.5)]


GESTURES: list[Callable[[np.ndarray], np.ndarray]] = [circle, flick, zigzag]


def test_circle_flick_and_zigzag_are_recognised_when_stretched_and_noisy() -> None:
    """Each gesture recorded 3 times (0.9, 1.0 and 1.1 s at 100 Hz), default settings, threshold
    1.2 (Wekinator's 5.0 suits other scales: distances are sums along the warp path). The run:
    the hand rests, then one gesture at 0.7x, 1x or 1.4x its speed with noise, then rests again.
    The first match message is always the right gesture, and a resting hand matches nothing."""
    rng = np.random.default_rng(7)
    matcher = DtwMatcher(3, 2, threshold=1.2)
    for gesture, shape in enumerate(GESTURES):
        for n in (90, 100, 110):
            record(matcher, gesture, list(shape(np.linspace(0, 1, n)) + rng.normal(0, 0.01, (n, 2))))
    matcher.start_running()
    for rest in ([0.5, 0.5], [0.1, 0.9], [0.2, 0.3]):
        for duration in (70, 100, 140):
            for gesture, shape in enumerate(GESTURES):
                for point in np.tile(rest, (100, 1)) + rng.normal(0, 0.003, (100, 2)):
                    assert matcher.push(point)[1] is None  # still: nothing fires
                performed = shape(np.linspace(0, 1, duration)) + rng.normal(0, 0.02, (duration, 2))
                matches = [matcher.push(point)[1] for point in np.r_[performed, np.tile(rest, (30, 1))]]
                announced = [m for m in matches if m is not None]
                assert announced[:1] == [gesture], (shape.__name__, duration, rest)


def test_an_input_with_nan_is_refused() -> None:
    with pytest.raises(OscnetError, match="NaN"):
        scenario_a().push([float("nan"), 0.0])


def test_the_run_buffer_keeps_the_longest_window_or_everything_once_per_record() -> None:
    """Continuous: the buffer holds at most the longest example (downsampled), here 15 points
    (scenario A's stale maximum). Once per record: every kept input, however long the run."""
    matcher = scenario_a()
    matcher.start_running()
    for k in range(1000):
        matcher.push([k / 1000, 0.0])
    assert len(matcher._buffer) == 15
    assert matcher._buffer.view()[-1].tolist() == [0.998, 0.0]  # the newest kept input (factor 2)
    matcher = scenario_a(DtwSettings(running_type=RunningType.LABEL_ONCE_PER_RECORD))
    matcher.start_running()
    for k in range(1000):
        matcher.push([k / 1000, 0.0])
    assert len(matcher._buffer) == 500
    assert matcher._buffer.view()[:, 0].tolist() == [k / 1000 for k in range(0, 1000, 2)]
