"""Growing a J48 tree the way Weka 3.6 does (see j48.py for the rules in words; pruning is in
j48_prune.py).

A node keeps Weka's ``Distribution`` as arrays: ``pcb`` (B, C) weight per branch and class,
``pb`` (B,) per branch, ``pc`` (C,) per class, ``tot``; B is 2 for a split and 1 for a leaf.
A node also keeps the training rows that reach it (``idx`` into x, with weights ``w``) in
Weka's order, because pruning re-splits them. Sums add in that order (see treeutil.py and
Grower about the order among equal values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from oscnet.recipes.treeutil import class_sums, eq, seq_sum, weka_sort

LOG2 = math.log(2.0)
MAX_VALUE = 1.7976931348623157e308
SMALL = 1e-6


@njit(cache=True, error_model="numpy")
def _xlogx(v: float) -> float:
    """EntropyBasedSplitCrit.logFunc: v log2 v, and 0 below 1e-6."""
    return 0.0 if v < 1e-6 else v * math.log(v) / LOG2


@njit(cache=True, error_model="numpy")
def _numeric_split(v: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int, min_obj: float,
                   sow: float) -> tuple[bool, float, float, float, np.ndarray, np.ndarray,
                                        np.ndarray, float]:
    """C45Split on one numeric input: v, y, w (m,) in sorted order, NaN last. Returns (usable,
    info gain, gain ratio, split point, pcb (2, C), pb (2,), pc (C,), tot)."""
    m = v.shape[0]
    pcb = np.zeros((2, n_classes))
    pb = np.zeros(2)
    pc = np.zeros(n_classes)
    tot = 0.0
    first_miss = 0
    while first_miss < m and not np.isnan(v[first_miss]):
        c = y[first_miss]
        pcb[1, c] += w[first_miss]
        pb[1] += w[first_miss]
        pc[c] += w[first_miss]
        tot += w[first_miss]
        first_miss += 1
    min_split = 0.1 * tot / n_classes
    if min_split - min_obj < SMALL or min_split <= min_obj:
        min_split = min_obj
    elif min_split - 25.0 > SMALL:
        min_split = 25.0
    if 2 * min_split - first_miss > SMALL:
        return False, 0.0, 0.0, 0.0, pcb, pb, pc, tot
    old_ent = 0.0
    for j in range(n_classes):
        old_ent += _xlogx(pc[j])
    old_ent = _xlogx(tot) - old_ent
    gain = 0.0
    split_index = -1
    n_candidates = 0
    last = 0
    terms = np.zeros((2, n_classes))  # x log2 x of each count, redone only for moved classes
    dirty = np.ones(n_classes, dtype=np.bool_)
    for nxt in range(1, first_miss):
        if v[nxt - 1] + 1e-5 < v[nxt]:
            for k in range(last, nxt):  # rows last..nxt-1 move to the lower branch
                c = y[k]
                pcb[1, c] -= w[k]
                pcb[0, c] += w[k]
                pb[1] -= w[k]
                pb[0] += w[k]
                dirty[c] = True
            if (min_split - pb[0] < SMALL or pb[0] >= min_split) and \
                    (min_split - pb[1] < SMALL or pb[1] >= min_split):
                for j in range(n_classes):
                    if dirty[j]:
                        terms[0, j] = _xlogx(pcb[0, j])
                        terms[1, j] = _xlogx(pcb[1, j])
                        dirty[j] = False
                new_ent = 0.0  # summed in Weka's order: bag by bag, class by class
                for b in range(2):
                    for j in range(n_classes):
                        new_ent += terms[b, j]
                    new_ent -= _xlogx(pb[b])
                num = (1 - (sow - tot) / sow) * (old_ent + new_ent)
                g = 0.0 if (num == 0 or (num < SMALL and -num < SMALL)) else num / tot
                if g - gain > SMALL:
                    gain = g
                    split_index = nxt - 1
                n_candidates += 1
            last = nxt
    if n_candidates == 0:
        return False, 0.0, 0.0, 0.0, pcb, pb, pc, tot
    gain = gain - (math.log(n_candidates) / LOG2) / sow  # the MDL cost of choosing the cut
    if gain < SMALL:
        return False, gain, 0.0, 0.0, pcb, pb, pc, tot
    point = (v[split_index + 1] + v[split_index]) / 2
    if point == v[split_index + 1]:
        point = v[split_index]
    pcb = np.zeros((2, n_classes))
    pb = np.zeros(2)
    pc = np.zeros(n_classes)
    tot = 0.0
    for b, lo, hi in ((0, 0, split_index + 1), (1, split_index + 1, first_miss)):
        s = 0.0
        for k in range(lo, hi):
            s += w[k]
            pcb[b, y[k]] += w[k]
            pc[y[k]] += w[k]
        pb[b] += s
        tot += s
    split_ent = 0.0
    if tot > SMALL:
        split_ent = -_xlogx(pb[0]) - _xlogx(pb[1]) - _xlogx(sow - tot) + _xlogx(sow)
    ratio = 0.0
    if not (split_ent == 0 or (split_ent < SMALL and -split_ent < SMALL)):
        ratio = gain / (split_ent / sow)
    return True, gain, ratio, point, pcb, pb, pc, tot


@njit(cache=True, error_model="numpy")
def select_split(xt: np.ndarray, y: np.ndarray, idx: np.ndarray, w: np.ndarray, n_classes: int,
                 min_obj: float, chain: np.ndarray
                 ) -> tuple[int, float, np.ndarray, np.ndarray, np.ndarray, float, np.ndarray,
                            float, np.ndarray, np.ndarray]:
    """C45ModelSelection on the rows idx (m,) with weights w (m,) of xt (d, n) (the inputs,
    one row per input).

    Returns (the input to split on, or -1 for a leaf; the split point before it moves onto a
    data value; pcb, pb, pc, tot of the split with the missing rows spread over both
    branches; the node's class weights (C,) and total weight; the row order (m,) Weka leaves
    the rows in; ``chain`` (d, m), the row order after each input's sort, as positions in
    idx). The orders depend only on idx, not on the weights: pass a known chain to skip the
    sorting, or a (0, m) array."""
    m = idx.shape[0]
    d = xt.shape[0]
    pc1 = np.zeros(n_classes)
    tot1 = 0.0
    for k in range(m):
        pc1[y[idx[k]]] += w[k]
        tot1 += w[k]
    order = np.arange(m)
    best_c = 0  # Distribution.maxClass
    best_v = 0.0
    for j in range(n_classes):
        if pc1[j] - best_v > SMALL:
            best_c = j
            best_v = pc1[j]
    empty2 = np.zeros((2, n_classes))
    if 2 * min_obj - tot1 > SMALL or abs(tot1 - pc1[best_c]) < SMALL:
        return -1, 0.0, empty2, np.zeros(2), np.zeros(n_classes), 0.0, pc1, tot1, order, chain
    ok = np.zeros(d, dtype=np.bool_)
    gains = np.zeros(d)
    ratios = np.zeros(d)
    points = np.zeros(d)
    pcbs = np.zeros((d, 2, n_classes))
    pbs = np.zeros((d, 2))
    pcs = np.zeros((d, n_classes))
    tots = np.zeros(d)
    v = np.empty(m)
    vs = np.empty(m)
    ys = np.empty(m, dtype=np.int64)
    ws = np.empty(m)
    sorted_already = chain.shape[0] == d and d > 0
    if not sorted_already:
        chain = np.empty((d, m), dtype=np.int64)
    for a in range(d):
        row = xt[a]
        if sorted_already:
            order = chain[a]
        else:
            for k in range(m):
                v[k] = row[idx[order[k]]]
            order = order[weka_sort(v)]
            chain[a] = order
        for k in range(m):
            vs[k] = row[idx[order[k]]]
            ys[k] = y[idx[order[k]]]
            ws[k] = w[order[k]]
        res = _numeric_split(vs, ys, ws, n_classes, min_obj, tot1)
        ok[a], gains[a], ratios[a], points[a] = res[0], res[1], res[2], res[3]
        pcbs[a], pbs[a], pcs[a], tots[a] = res[4], res[5], res[6], res[7]
    average = 0.0
    n_valid = 0
    for a in range(d):
        if ok[a]:
            average += gains[a]
            n_valid += 1
    leaf = (-1, 0.0, empty2, np.zeros(2), np.zeros(n_classes), 0.0, pc1, tot1, order, chain)
    if n_valid == 0:
        return leaf
    average /= n_valid
    best = -1
    best_ratio = 0.0
    for a in range(d):
        if ok[a] and gains[a] >= average - 1e-3 and ratios[a] - best_ratio > SMALL:
            best = a
            best_ratio = ratios[a]
    if abs(best_ratio) < SMALL:
        return leaf
    pcb, pb, pc, tot = pcbs[best].copy(), pbs[best].copy(), pcs[best].copy(), tots[best]
    probs = np.full(2, 0.5) if abs(tot) < SMALL else pb / tot
    for k in range(m):  # rows missing this input join both branches, in proportion
        i = idx[order[k]]
        if np.isnan(xt[best, i]):
            c = y[i]
            pc[c] += w[order[k]]
            tot += w[order[k]]
            for b in range(2):
                share = probs[b] * w[order[k]]
                pcb[b, c] += share
                pb[b] += share
    return best, points[best], pcb, pb, pc, tot, pc1, tot1, order, chain


@njit(cache=True, error_model="numpy")
def onto_data_value(values: np.ndarray, point: float) -> float:
    """C45Split.setSplitPoint: the largest value of values (n,) (all training rows, in order)
    at or below the split point, both compared with Weka's 1e-6 tolerance."""
    new = -MAX_VALUE
    for v in values:
        if not np.isnan(v) and v - new > SMALL and (v - point < SMALL or v <= point):
            new = v
    return new


@njit(cache=True, error_model="numpy")
def reset_distribution(v: np.ndarray, y: np.ndarray, w: np.ndarray, point: float,
                       n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """C45Split.resetDistribution: the split's (pcb, pb, pc, tot) for rows with values v,
    classes y and weights w (m,): known rows to their branch, then missing ones spread."""
    pcb = np.zeros((2, n_classes))
    pb = np.zeros(2)
    pc = np.zeros(n_classes)
    tot = 0.0
    for k in range(v.shape[0]):
        if not np.isnan(v[k]):
            b = 0 if (v[k] - point < SMALL or v[k] <= point) else 1
            pcb[b, y[k]] += w[k]
            pb[b] += w[k]
            pc[y[k]] += w[k]
            tot += w[k]
    probs = np.full(2, 0.5) if abs(tot) < SMALL else pb / tot
    for k in range(v.shape[0]):
        if np.isnan(v[k]):
            pc[y[k]] += w[k]
            tot += w[k]
            for b in range(2):
                share = probs[b] * w[k]
                pcb[b, y[k]] += share
                pb[b] += share
    return pcb, pb, pc, tot


@njit(cache=True, error_model="numpy")
def split_rows(values: np.ndarray, idx: np.ndarray, w: np.ndarray, point: float,
               pb: np.ndarray, tot: float) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray, np.ndarray, np.ndarray]:
    """ClassifierSplitModel.split of rows idx (m,) with weights w (m,) on one input's values
    (n,): rows, weights and positions in idx of the lower branch, then of the upper one, in
    order. A row missing the value goes to each branch whose share pb / tot is above 1e-6,
    with its weight times that share."""
    m = idx.shape[0]
    pos = np.empty((2, m), dtype=np.int64)
    weights = np.empty((2, m))
    count = np.zeros(2, dtype=np.int64)
    shares = pb / tot
    for k in range(m):
        v = values[idx[k]]
        if np.isnan(v):
            for b in range(2):
                if shares[b] > SMALL:
                    pos[b, count[b]] = k
                    weights[b, count[b]] = shares[b] * w[k]
                    count[b] += 1
        else:
            b = 0 if (v - point < SMALL or v <= point) else 1
            pos[b, count[b]] = k
            weights[b, count[b]] = w[k]
            count[b] += 1
    p0, p1 = pos[0, :count[0]].copy(), pos[1, :count[1]].copy()
    return idx[p0], weights[0, :count[0]].copy(), p0, idx[p1], weights[1, :count[1]].copy(), p1


@njit(cache=True)
def child_chain(chain: np.ndarray, pos: np.ndarray, m: int) -> np.ndarray:
    """A branch's rows sorted on every input, from the node's: chain (d, m) positions of the
    node's rows in each input's order, pos (k,) the node positions the branch took -> (d, k)
    branch positions in the same orders."""
    mapping = np.full(m, -1, dtype=np.int64)
    for j in range(pos.shape[0]):
        mapping[pos[j]] = j
    out = np.empty((chain.shape[0], pos.shape[0]), dtype=np.int64)
    for a in range(chain.shape[0]):
        k = 0
        for p in chain[a]:
            if mapping[p] >= 0:
                out[a, k] = mapping[p]
                k += 1
    return out


@dataclass
class Node:
    att: int  # -1: leaf
    split: float
    pcb: np.ndarray
    pb: np.ndarray
    pc: np.ndarray
    tot: float
    empty: bool
    idx: np.ndarray
    w: np.ndarray
    sons: list[Node] = field(default_factory=list)

    def make_leaf(self) -> None:
        """Replace the subtree by a leaf with this node's class weights (Weka's NoSplit)."""
        self.att, self.sons = -1, []
        self.pcb, self.pb = self.pc[None, :].copy(), np.array([self.tot])


@dataclass
class Grower:
    """One J48 build: x (n, d), class indices y (n,), all_x (N, d) = every row J48 was given
    (rows with a missing class too: split points move onto their values as well).

    Sorting: Weka sorts a node's rows on each input in turn with its quicksort, whose order
    among equal values depends on the order before. ``weka_order`` True does exactly that at
    every node, so every sum adds the same numbers in the same order as Weka. False (default,
    several times faster) sorts only at the root and hands each branch its rows already
    sorted, keeping the parent's order among equal values: the same rows in the same
    branches, with sums that may differ from Weka's in the last bits. Every comparison J48
    makes allows 1e-6 (or 1e-3), so the trees are the same."""

    x: np.ndarray
    y: np.ndarray
    all_x: np.ndarray
    n_classes: int
    min_obj: float
    cf: float  # pruning confidence (used by j48_prune)
    root_chain: np.ndarray | None = None  # the root's sort orders, when known (AdaBoost)
    weka_order: bool = False

    def __post_init__(self) -> None:
        self.xt = np.ascontiguousarray(self.x.T)  # one input per row: sorting reads along rows

    def grow(self, idx: np.ndarray, w: np.ndarray, chain: np.ndarray | None = None,
             root: bool = False) -> Node:
        """Grow the subtree of rows idx (m,) with weights w (m,); chain (d, m): their order
        on each input, if known."""
        if root and self.root_chain is not None:
            chain = self.root_chain
        if chain is None:
            chain = np.empty((0, len(idx)), dtype=np.int64)
        att, point, pcb, pb, pc, tot, pc1, tot1, order, chain = select_split(
            self.xt, self.y, idx, w, self.n_classes, float(self.min_obj), chain)
        if root:
            self.root_chain = chain
        idx, w = idx[order], w[order]
        if att < 0:
            return Node(-1, 0.0, pc1[None, :].copy(), np.array([tot1]), pc1, tot1,
                        eq(seq_sum(w), 0.0), idx, w)
        point = onto_data_value(self.all_x[:, att], point)
        node = Node(int(att), float(point), pcb, pb, pc, float(tot), False, idx, w)
        i0, w0, p0, i1, w1, p1 = split_rows(self.xt[att], idx, w, node.split, pb, node.tot)
        if self.weka_order:
            node.sons = [self.grow(i0, w0), self.grow(i1, w1)]
        else:
            renumber = np.empty(len(order), dtype=np.int64)
            renumber[order] = np.arange(len(order))
            chain = renumber[chain]  # positions in the reordered rows
            node.sons = [self.grow(i0, w0, child_chain(chain, p0, len(idx))),
                         self.grow(i1, w1, child_chain(chain, p1, len(idx)))]
        return node

    def split(self, node: Node, idx: np.ndarray, w: np.ndarray
              ) -> list[tuple[np.ndarray, np.ndarray]]:
        """The rows of each branch (with the node's current counts for the missing shares)."""
        i0, w0, _, i1, w1, _ = split_rows(self.xt[node.att], idx, w, node.split, node.pb,
                                          node.tot)
        return [(i0, w0), (i1, w1)]

    def distribution_of(self, node: Node, idx: np.ndarray, w: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """The node's model re-counted on other rows (Weka's resetDistribution)."""
        if node.att < 0:
            pc, tot = class_sums(self.y[idx], w, self.n_classes)
            return pc[None, :].copy(), np.array([tot]), pc, tot
        pcb, pb, pc, tot = reset_distribution(self.x[idx, node.att], self.y[idx], w, node.split,
                                              self.n_classes)
        return pcb, pb, pc, float(tot)
