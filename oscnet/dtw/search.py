"""The per-input search of the matcher: every example against every candidate window (spec §3.6).

One compiled call per kept input, so the receive path pays Python's overhead once, not per
FastDTW call. (Skipping calls with lower bounds of the DTW distance was tried: exact, but the
bounds are too loose to skip enough calls and the search got slower, so it is not done.)
"""

from __future__ import annotations

import math

import numba
import numpy as np

from oscnet.dtw.fastdtw import _fastdtw, _full_dtw

_jit = numba.njit(cache=True, nogil=True)


@_jit
def match_windows(series: np.ndarray, starts: np.ndarray, lengths: np.ndarray, gestures: np.ndarray,
                  active: np.ndarray, buffer: np.ndarray, window_starts: np.ndarray, radius: int,
                  mask: np.ndarray, n_gestures: int) -> np.ndarray:
    """Per-gesture distances for one kept input: for every example e of an active gesture and
    every candidate window w, FastDTW(e, w, radius); a gesture's distance is the smallest of
    its values, +inf when it has none. (The order of the loops does not matter: only each
    gesture's minimum is kept, and the matcher takes the first gesture with the smallest one.)

    series (p, d): every example's points, example e at rows starts[e] : starts[e] + lengths[e];
    gestures (e,): each example's gesture index; active (n_gestures,) bool; buffer (n, d): the
    run buffer, oldest point first; window_starts: the candidate windows are buffer[s:] (§3.5).
    Returns (n_gestures,) float64.
    """
    out = np.full(n_gestures, math.inf)
    for e in range(starts.shape[0]):
        g = gestures[e]
        if not active[g]:
            continue
        example = series[starts[e]:starts[e] + lengths[e]]
        for s in window_starts:
            d = _fastdtw(example, buffer[s:], radius, mask, False)[0]
            if d < out[g]:
                out[g] = d
    return out


def warm_up() -> None:
    """Compile (or load from numba's disk cache) every kernel, so a first input never stalls."""
    x = np.arange(20.0).reshape(10, 2)
    mask = np.ones(2, np.bool_)
    _fastdtw(x, x[::-1].copy(), 1, mask, True)
    _full_dtw(x, x, mask)
    one = np.ones(1, np.int64)
    match_windows(x, one * 0, one * 10, one * 0, np.ones(1, np.bool_), x, one * 0, 1, mask, 1)
