"""Full DTW and FastDTW 1.1.0 exactly as Wekinator's `lib/FastDTW1.1.0.jar` computes them.

Spec: shared/specs/wekinator-dtw.md §5 (section numbers below refer to it). The rules, in our
words:

* Point distance (§3.2): Euclidean over the selected inputs, squares added in input order from
  0.0, then one square root. Java's `Math.pow(x, 2.0)` is exactly `x*x`.
* Full DTW (§5.3): C(i,j) = min(C(i-1,j), min(C(i-1,j-1), C(i,j-1))) + d(i,j); first column and
  first row are running sums. The distance is the sum of d along the warp path, never divided.
* FastDTW (§5.1): with r = max(radius, 0), if either series has ≤ r + 2 points, full DTW. Else
  both are halved by PAA (§5.2), the coarse pair is solved recursively (same r), its warp path
  is projected onto the fine matrix (§5.4), the projection is widened by 1 and then by r - 1
  (§5.5), and DTW runs inside that window, reading +inf outside it (§5.6).
* PAA block ends are `round(step*(k+1)) - 1` with step = n/m and Java's `Math.round`
  (floor(x + 0.5); Python's `round` would round half to even and change results); a block's
  mean is its values summed in order, then divided once by the block size.
* Traceback (§5.7): prefer the diagonal on ties (≤); left or down only when strictly
  smaller than both others; left = down < diagonal goes down when i ≤ j, else left. The
  coarse paths shape the windows, so these ties change distances.
* FastDTW is not symmetric (§5.9): Wekinator calls it as (example, candidate window).

Implementation: the recursion is unrolled (coarsen down to the base case, then refine level by
level); the window is kept as a row range [lo, hi] per column (the only shape FastDTW's
windows take) and the cost matrix as the concatenation of those column ranges, exactly like
FastDTW's in-memory matrix. All loops are numba-compiled.
The results equal the jar's bit for bit (tests/test_dtw_fastdtw.py). The matcher's per-input
search over examples and windows is in search.py.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import ArrayLike

from oscnet.errors import OscnetError

_jit = numba.njit(cache=True, nogil=True)

_NEVER = 1 << 62  # "no previous coarse cell" (FastDTW starts from Integer.MAX_VALUE)


# Performance note: numba does not inline small helpers that take arrays, and every such call
# costs reference-count updates (~35 ns here, more than a cell of work), so the per-cell code
# below (point distance, cost lookup, window marks) is written out in place.


@_jit
def _paa(x: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """PAA of x (n, d) to m points: (means (m, d), block sizes (m,)) in FastDTW's arithmetic."""
    n, dims = x.shape
    step = n / m
    means = np.empty((m, dims))
    sizes = np.empty(m, np.int64)
    start = 0
    k = 0
    while start < n:
        end = math.floor(step * (k + 1) + 0.5) - 1  # Java's Math.round, ties up
        count = end - start + 1
        for dim in range(dims):
            total = 0.0
            for p in range(start, end + 1):
                total += x[p, dim]
            means[k, dim] = total / count
        sizes[k] = count
        start = end + 1
        k += 1
    return means, sizes


@_jit
def _window_dtw(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill the cost matrix inside the window (column i holds rows lo[i]..hi[i]; +inf outside).

    Returns (cells, offsets): C(i, j) = cells[offsets[i] + j - lo[i]].
    """
    n_i, dims = x.shape
    offsets = np.empty(n_i + 1, np.int64)
    offsets[0] = 0
    for i in range(n_i):
        offsets[i + 1] = offsets[i] + hi[i] - lo[i] + 1
    cells = np.empty(offsets[n_i])
    inf = math.inf
    prev_lo, prev_hi, prev_base = 0, -1, 0
    for i in range(n_i):
        base = offsets[i] - lo[i]
        if i > 0:
            prev_lo, prev_hi, prev_base = lo[i - 1], hi[i - 1], offsets[i - 1] - lo[i - 1]
        for j in range(lo[i], hi[i] + 1):
            total = 0.0  # the point distance d(i, j), §3.2
            for k in range(dims):
                if mask[k]:
                    diff = x[i, k] - y[j, k]
                    total += diff * diff
            d = math.sqrt(total)
            down = cells[base + j - 1] if j - 1 >= lo[i] else inf  # C(i, j-1)
            if i == 0:
                c = d if j == 0 else d + down
            else:
                left = cells[prev_base + j] if prev_lo <= j <= prev_hi else inf  # C(i-1, j)
                if j == 0:
                    c = d + left
                else:
                    diag = cells[prev_base + j - 1] if prev_lo <= j - 1 <= prev_hi else inf
                    c = min(left, min(diag, down)) + d
            cells[base + j] = c
    return cells, offsets


@_jit
def _traceback(cells: np.ndarray, offsets: np.ndarray, lo: np.ndarray, hi: np.ndarray,
               n_i: int, n_j: int) -> np.ndarray:
    """The warp path (k, 2) of (i, j) cells from (0, 0) to (n_i - 1, n_j - 1), FastDTW's ties."""
    path = np.empty((n_i + n_j - 1, 2), np.int64)
    k = n_i + n_j - 2
    i = n_i - 1
    j = n_j - 1
    path[k, 0] = i
    path[k, 1] = j
    inf = math.inf
    while i > 0 or j > 0:
        diag = left = down = inf
        if i > 0:
            if lo[i - 1] <= j <= hi[i - 1]:
                left = cells[offsets[i - 1] + j - lo[i - 1]]
            if j > 0 and lo[i - 1] <= j - 1 <= hi[i - 1]:
                diag = cells[offsets[i - 1] + j - 1 - lo[i - 1]]
        if j > 0 and lo[i] <= j - 1 <= hi[i]:
            down = cells[offsets[i] + j - 1 - lo[i]]
        if diag <= left and diag <= down:
            i -= 1
            j -= 1
        elif left < diag and left < down:
            i -= 1
        elif (down < diag and down < left) or i <= j:
            j -= 1
        else:
            i -= 1
        k -= 1
        path[k, 0] = i
        path[k, 1] = j
    return path[k:].copy()


@_jit
def _project(path: np.ndarray, sizes_i: np.ndarray, sizes_j: np.ndarray,
             n_i: int, n_j: int) -> tuple[np.ndarray, np.ndarray]:
    """§5.4: the coarse path's blocks at full resolution, joined at diagonal steps.

    A mark adds a cell to its column's range (lo = -1: empty column); ranges only grow.
    """
    lo = np.full(n_i, -1, np.int64)
    hi = np.zeros(n_i, np.int64)
    ci = 0
    cj = 0
    last_i = _NEVER
    last_j = _NEVER
    marks = np.empty((2 * n_i + 2, 2), np.int64)  # this coarse cell's marks: (column, row)
    for p in range(path.shape[0]):
        wi = path[p, 0]
        wj = path[p, 1]
        block_i = sizes_i[wi]
        block_j = sizes_j[wj]
        if wj > last_j:
            cj += sizes_j[last_j]
        if wi > last_i:
            ci += sizes_i[last_i]
        count = 0
        if wj > last_j and wi > last_i:  # a diagonal step: join the two blocks at their corner
            marks[0, 0], marks[0, 1], marks[1, 0], marks[1, 1] = ci - 1, cj, ci, cj - 1
            count = 2
        for x in range(block_i):
            marks[count, 0], marks[count, 1] = ci + x, cj
            marks[count + 1, 0], marks[count + 1, 1] = ci + x, cj + block_j - 1
            count += 2
        for m in range(count):
            col, row = marks[m, 0], marks[m, 1]
            if lo[col] == -1:
                lo[col] = row
                hi[col] = row
            elif row < lo[col]:
                lo[col] = row
            elif row > hi[col]:
                hi[col] = row
        last_i = wi
        last_j = wj
    return lo, hi


@_jit
def _expand(lo: np.ndarray, hi: np.ndarray, k: int, max_j: int) -> None:
    """§5.5: from every cell (c, w) of a snapshot of the window, mark the 8 cells k steps away.

    A direction is skipped at the matrix edge it points to; a target beyond the matrix is
    pulled back along its direction by its largest overshoot (FastDTW's cellsPastEdge). Marks
    only extend column ranges, so instead of visiting every cell this works per snapshot
    column [a, b]: a straight move only matters from a or b; a diagonal one from the ends of
    the runs of w whose targets share a column, except where a target is pulled back onto the
    top or bottom row (its column then changes with w): those are marked one by one.
    """
    if k <= 0:
        return
    max_i = lo.shape[0] - 1
    snap_lo = lo.copy()
    snap_hi = hi.copy()
    # marks[m] = (column, row); at most 2 per straight direction, and per diagonal 2 plus k
    marks = np.empty((8 + 4 * (2 + k), 2), np.int64)
    for c in range(max_i + 1):
        a, b = snap_lo[c], snap_hi[c]
        n = 0
        if b < max_j:  # up
            marks[n, 0], marks[n, 1] = c, min(b + k, max_j)
            n += 1
        if a > 0:  # down
            marks[n, 0], marks[n, 1] = c, max(a - k, 0)
            n += 1
        for di in (-1, 1):
            if (di < 0 and c == 0) or (di > 0 and c == max_i):
                continue
            col = c + di * k
            over_col = max(0, -col, col - max_i)  # how far the column alone overshoots
            side = col - di * over_col
            marks[n, 0], marks[n, 1] = side, a  # left / right
            marks[n + 1, 0], marks[n + 1, 1] = side, b
            n += 2
            for dj in (-1, 1):
                first, last = (a, min(b, max_j - 1)) if dj > 0 else (max(a, 1), b)
                if first > last:
                    continue
                # w whose row overshoot exceeds over_col: pulled onto the top (bottom) row
                edge = max_j - k + over_col if dj > 0 else k - over_col  # boundary value of w
                if dj > 0:
                    run_lo, run_hi, pull_lo, pull_hi = first, min(last, edge), max(first, edge + 1), last
                else:
                    run_lo, run_hi, pull_lo, pull_hi = max(first, edge), last, first, min(last, edge - 1)
                if run_lo <= run_hi:  # one column, rows w + dj*k - dj*over_col: mark both ends
                    marks[n, 0], marks[n, 1] = side, run_lo + dj * (k - over_col)
                    marks[n + 1, 0], marks[n + 1, 1] = side, run_hi + dj * (k - over_col)
                    n += 2
                for w in range(pull_lo, pull_hi + 1):
                    past = w + k - max_j if dj > 0 else k - w
                    marks[n, 0], marks[n, 1] = c + di * (k - past), w + dj * (k - past)
                    n += 1
        for m in range(n):
            col, row = marks[m, 0], marks[m, 1]
            if row < lo[col]:  # every column is marked already: extend its range
                lo[col] = row
            elif row > hi[col]:
                hi[col] = row


@_jit
def _full_dtw_distance(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    """Full DTW's distance with two columns: the same additions as the full matrix (§5.3)."""
    n_i, dims = x.shape
    n_j = y.shape[0]
    prev = np.empty(n_j)
    cur = np.empty(n_j)
    for i in range(n_i):
        for j in range(n_j):
            total = 0.0
            for k in range(dims):
                if mask[k]:
                    diff = x[i, k] - y[j, k]
                    total += diff * diff
            d = math.sqrt(total)
            if i == 0:
                cur[j] = d if j == 0 else cur[j - 1] + d
            elif j == 0:
                cur[j] = prev[0] + d
            else:
                cur[j] = min(prev[j], min(prev[j - 1], cur[j - 1])) + d
        prev, cur = cur, prev
    return prev[n_j - 1]


@_jit
def _fastdtw(x: np.ndarray, y: np.ndarray, radius: int, mask: np.ndarray,
             want_path: bool) -> tuple[float, np.ndarray]:
    """FastDTW(x, y, radius): (distance, warp path (k, 2), empty unless want_path)."""
    r = max(radius, 0)
    no_path = np.empty((0, 2), np.int64)
    if not want_path and (x.shape[0] <= r + 2 or y.shape[0] <= r + 2):
        return _full_dtw_distance(x, y, mask), no_path
    # Coarsen both series until one of them is short enough for full DTW (§5.1).
    xs = [x]
    ys = [y]
    sizes_x = [np.empty(0, np.int64)]
    sizes_y = [np.empty(0, np.int64)]
    while xs[-1].shape[0] > r + 2 and ys[-1].shape[0] > r + 2:
        cx, bx = _paa(xs[-1], xs[-1].shape[0] // 2)
        cy, by = _paa(ys[-1], ys[-1].shape[0] // 2)
        xs.append(cx)
        ys.append(cy)
        sizes_x.append(bx)
        sizes_y.append(by)
    top = len(xs) - 1
    n_i = xs[top].shape[0]
    n_j = ys[top].shape[0]
    lo = np.zeros(n_i, np.int64)
    hi = np.full(n_i, n_j - 1, np.int64)
    cells, offsets = _window_dtw(xs[top], ys[top], lo, hi, mask)
    path = no_path
    if top > 0 or want_path:
        path = _traceback(cells, offsets, lo, hi, n_i, n_j)
    # Refine: project the coarser path, widen it by the radius, DTW inside (§5.4-5.6).
    for level in range(top - 1, -1, -1):
        n_i = xs[level].shape[0]
        n_j = ys[level].shape[0]
        lo, hi = _project(path, sizes_x[level + 1], sizes_y[level + 1], n_i, n_j)
        if r > 0:
            _expand(lo, hi, 1, n_j - 1)
            _expand(lo, hi, r - 1, n_j - 1)
        cells, offsets = _window_dtw(xs[level], ys[level], lo, hi, mask)
        if level > 0 or want_path:
            path = _traceback(cells, offsets, lo, hi, n_i, n_j)
    return cells[offsets[n_i] - 1], path


@_jit
def _full_dtw(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """Full DTW: (distance, warp path)."""
    n_i = x.shape[0]
    n_j = y.shape[0]
    lo = np.zeros(n_i, np.int64)
    hi = np.full(n_i, n_j - 1, np.int64)
    cells, offsets = _window_dtw(x, y, lo, hi, mask)
    return cells[offsets[n_i] - 1], _traceback(cells, offsets, lo, hi, n_i, n_j)


def as_series(x: ArrayLike) -> np.ndarray:
    """A time series as a C-contiguous float64 (n, d) array; 1-D input is one value per point."""
    arr = np.ascontiguousarray(x, dtype=np.float64)
    if not arr.flags.writeable:  # numba compiles read-only arrays as another type: copy instead
        arr = arr.copy()
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise OscnetError(f"a time series must be (points, inputs), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise OscnetError("a time series needs at least one point (FastDTW fails on an empty one)")
    return arr


def _mask_for(x: np.ndarray, y: np.ndarray, mask: ArrayLike | None) -> np.ndarray:
    if x.shape[1] != y.shape[1]:
        raise OscnetError(f"series have {x.shape[1]} and {y.shape[1]} inputs; they must match")
    if mask is None:
        return np.ones(x.shape[1], np.bool_)
    m = np.asarray(mask, dtype=np.bool_)
    if m.shape != (x.shape[1],):
        raise OscnetError(f"the input mask has {m.size} entries for {x.shape[1]} inputs")
    return m


def fastdtw(x: ArrayLike, y: ArrayLike, radius: int,
            mask: ArrayLike | None = None) -> float:
    """FastDTW distance of x (n, d) and y (m, d): `FastDTW.getWarpDistBetween(x, y, radius)`.

    mask (d,) bool selects the inputs of the point distance (None: all), as Wekinator's
    input selection. Not symmetric: Wekinator passes (example, window).
    """
    xs, ys = as_series(x), as_series(y)
    return float(_fastdtw(xs, ys, int(radius), _mask_for(xs, ys, mask), False)[0])


def fastdtw_path(x: ArrayLike, y: ArrayLike, radius: int,
                 mask: ArrayLike | None = None) -> tuple[float, np.ndarray]:
    """FastDTW's (distance, warp path): the path is (k, 2) int64 cells (i, j) from (0, 0)."""
    xs, ys = as_series(x), as_series(y)
    dist, path = _fastdtw(xs, ys, int(radius), _mask_for(xs, ys, mask), True)
    return float(dist), path


def dtw(x: ArrayLike, y: ArrayLike, mask: ArrayLike | None = None) -> float:
    """Full DTW distance (FastDTW's `DTW.getWarpDistBetween`; same value as the full matrix)."""
    xs, ys = as_series(x), as_series(y)
    return float(_full_dtw_distance(xs, ys, _mask_for(xs, ys, mask)))


def dtw_path(x: ArrayLike, y: ArrayLike,
             mask: ArrayLike | None = None) -> tuple[float, np.ndarray]:
    """Full DTW's (distance, warp path), the path traced back with FastDTW's tie rules."""
    xs, ys = as_series(x), as_series(y)
    dist, path = _full_dtw(xs, ys, _mask_for(xs, ys, mask))
    return float(dist), path
