"""How long DTW matching takes per input, against the input period.

`run()` records N gestures x 5 examples of smooth 2-D curves (~100 points each, 0.9-1.1 s at
100 Hz), starts a continuous run and times `DtwMatcher.push` over a stream of inputs. It
reports the mean cost per input (what the receive thread spends on average), the mean and
worst cost of the inputs that are actually matched (with downsampling only every f-th input
is; those are the latency spikes), and the mean as a share of the input period. Times are
the thread's CPU time (`time.thread_time`), so other processes on a busy machine do not
count; `wall_mean_us` is the wall-clock mean for comparison.

    oscnet bench dtw
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: `oscnet --help` imports no numpy
    import numpy as np

    from oscnet.dtw.settings import DtwSettings


@dataclass
class BenchResult:
    gestures: int
    examples: int
    settings: str
    inputs: int
    matched: int
    mean_us: float
    """Mean time per input, in microseconds."""
    matched_mean_us: float
    """Mean time of an input that was matched (distances computed)."""
    matched_max_us: float
    period_share: float
    """mean_us / input period."""
    wall_mean_us: float

    def line(self) -> str:
        return (f"{self.gestures:3d} gestures x {self.examples} examples, {self.settings}: "
                f"{self.mean_us:8.1f} us/input = {100 * self.period_share:5.2f}% of the period; "
                f"matched inputs ({self.matched}/{self.inputs}) {self.matched_mean_us:8.1f} us mean, "
                f"{self.matched_max_us:8.1f} us max (wall clock mean {self.wall_mean_us:.1f} us/input)")


def _gesture(rng: np.random.Generator, n: int) -> np.ndarray:
    """A smooth random 2-D curve of n points in [0, 1]^2 (a few sine components per axis)."""
    import numpy as np

    t = np.linspace(0, 1, n)[:, None]
    freq = rng.uniform(0.5, 3, (1, 2, 3))
    phase = rng.uniform(0, 2 * np.pi, (1, 2, 3))
    curve = np.sin(2 * np.pi * freq * t[:, :, None] + phase).sum(axis=2)
    return 0.5 + 0.15 * curve


def _resample(shape: np.ndarray, n: int) -> np.ndarray:
    """The curve (m, 2) performed faster or slower: n points by linear interpolation."""
    import numpy as np

    old, new = np.linspace(0, 1, len(shape)), np.linspace(0, 1, n)
    return np.column_stack([np.interp(new, old, shape[:, k]) for k in range(shape.shape[1])])


def run(gesture_counts: tuple[int, ...] = (3, 10, 30), examples: int = 5, points: int = 100,
        rate_hz: float = 100.0, inputs: int = 3000, settings: DtwSettings | None = None,
        seed: int = 0) -> list[BenchResult]:
    """Time `push` for each number of gestures; settings default to Wekinator's defaults."""
    import numpy as np

    from oscnet.dtw.matcher import DtwMatcher
    from oscnet.dtw.search import warm_up
    from oscnet.dtw.settings import DtwSettings

    warm_up()
    settings = settings or DtwSettings()
    label = settings.downsample.value.lower()
    period_us = 1e6 / rate_hz
    results = []
    for n_gestures in gesture_counts:
        rng = np.random.default_rng(seed)
        matcher = DtwMatcher(n_gestures, 2, settings)
        shapes = [_gesture(rng, points) for _ in range(n_gestures)]
        for g in range(n_gestures):
            for _ in range(examples):
                base = _resample(shapes[g], int(points * rng.uniform(0.9, 1.1)))
                matcher.start_recording(g)
                for p in base + rng.normal(0, 0.01, base.shape):
                    matcher.push(p)
                matcher.stop_recording()
        # The run: gestures one after another, with noise, at varying speed.
        settle = 2 * points  # untimed first inputs: the run buffer fills up to its steady length
        stream = np.concatenate([_resample(shapes[g % n_gestures], int(points * rng.uniform(0.7, 1.4)))
                                 for g in range((settle + inputs) // 50 + 1)])[:settle + inputs]
        stream = stream + rng.normal(0, 0.01, stream.shape)
        matcher.start_running()
        for p in stream[:settle]:
            matcher.push(p)
        stream = stream[settle:]
        times = np.empty(len(stream))
        matched = np.zeros(len(stream), dtype=bool)
        cpu, wall = time.thread_time, time.perf_counter
        wall_start = wall()
        for i, p in enumerate(stream):
            start = cpu()
            distances, _ = matcher.push(p)
            times[i] = cpu() - start
            matched[i] = distances is not None
        wall_us = (wall() - wall_start) * 1e6 / len(stream)
        times *= 1e6
        results.append(BenchResult(
            gestures=n_gestures, examples=examples, settings=label, inputs=len(stream), matched=int(matched.sum()),
            mean_us=float(times.mean()), matched_mean_us=float(times[matched].mean()),
            matched_max_us=float(times[matched].max()), period_share=float(times.mean() / period_us),
            wall_mean_us=wall_us))
    return results


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("dtw", help="DTW matching cost per input against the 100 Hz input period, "
                                          "and inputs lost at 1 kHz by a live server while it matches")
    p.add_argument("--seconds", type=float, default=3.0, help="how long the 1 kHz live run lasts (default 3)")
    p.set_defaults(func=lambda args: main(args.seconds))


def live_loss(n_gestures: int = 10, rate_hz: float = 1000.0, seconds: float = 3.0, seed: int = 0) -> tuple[int, int]:
    """A live server (session + UDP endpoint on 127.0.0.1) running a DTW project of n gestures x 5
    examples; inputs sent at `rate_hz` over UDP while it matches. Returns (sent, handled)."""
    from oscnet.live.session import Session  # the live layer only for this measurement
    from oscnet.osc.endpoint import Endpoint
    from oscnet.osc.sender import Sender
    from oscnet.project.config import Config

    logging.getLogger("oscnet.live.session").setLevel(logging.WARNING)  # not 50 "Recorded gesture" lines
    rng = np.random.default_rng(seed)
    config = Config.from_yaml(f"inputs: 2\noutputs: [{{name: output, type: dtw, gestures: {n_gestures}}}]\n"
                              "recordings: null\nsend: {host: 127.0.0.1, port: 9}\n")
    with Session(config, autosave=False).start() as session, Endpoint(session, "127.0.0.1", 0) as endpoint:
        for g in range(n_gestures):
            shape = _gesture(rng, 100)
            for _ in range(5):
                session.start_dtw_recording(g + 1)
                for point in shape + rng.normal(0, 0.01, shape.shape):
                    session.receive_inputs(point)
                session.stop_dtw_recording()
        session.start_running()
        patch = Sender("127.0.0.1", endpoint.port)
        n = int(rate_hz * seconds)
        stream = np.concatenate([_gesture(rng, 100) for _ in range(n // 100 + 1)])[:n]
        before, start = session.received, time.perf_counter()
        for k, point in enumerate(stream):
            patch.send_floats(config.input_address, point)
            time.sleep(max(0.0, start + (k + 1) / rate_hz - time.perf_counter()))
        deadline = time.perf_counter() + 5
        while session.received - before < n and time.perf_counter() < deadline:
            time.sleep(0.01)
        patch.close()
        return n, session.received - before


def main(seconds: float = 3.0) -> None:
    """Print the default-settings numbers, then NO_DOWNSAMPLING ones (every input matched against
    ~100-point examples over windows of 5 to ~110 points: Wekinator's most expensive setting)."""
    from oscnet.dtw.settings import Downsample, DtwSettings

    for result in run():
        print(result.line())
    for result in run(gesture_counts=(3, 10), settings=DtwSettings(downsample=Downsample.NO_DOWNSAMPLING),
                      inputs=20):
        print(result.line())
    sent, handled = live_loss(seconds=seconds)
    print(f"live server, 10 gestures x 5 examples, inputs at 1 kHz over UDP for {seconds:g} s: "
          f"{sent} sent, {handled} handled, {sent - handled} lost")
