"""Pruning a grown J48 tree as Weka 3.6's C45PruneableClassifierTree does (rules in j48.py):
collapse, then bottom-up pessimistic pruning with subtree raising.

Counts are Weka's: errors are the weight outside a node's majority class (the first class
ahead by more than 1e-6), sums of subtrees run left to right, and the estimated extra errors
are Stats.addErrs at the tree's confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from oscnet.recipes.j48_build import SMALL, Grower, Node
from oscnet.recipes.treeutil import class_sums, eq, gr_or_eq, seq_sum, sm_or_eq


@dataclass
class Pruner:
    """Prunes trees grown by ``g`` (it re-splits their training rows)."""

    g: Grower

    def __post_init__(self) -> None:
        self.cf32 = float(np.float32(self.g.cf))  # Weka keeps the confidence as a Java float
        self.z = normal_inverse(float(np.float32(1) - np.float32(self.cf32)))

    def collapse(self, node: Node) -> None:
        """A subtree that makes no fewer training errors than its root as a leaf goes."""
        if node.att < 0:
            return
        if training_errors(node) >= incorrect(node.pc, node.tot) - 1e-3:
            node.make_leaf()
        else:
            for son in node.sons:
                self.collapse(son)

    def prune(self, node: Node) -> None:
        if node.att < 0:
            return
        for son in node.sons:
            self.prune(son)
        largest = 0
        biggest = 0.0
        for b, weight in enumerate(node.pb):  # the last branch of the largest weight
            if gr_or_eq(weight, biggest):
                biggest, largest = weight, b
        errors_largest = self.branch_errors(node.sons[largest], node.idx, node.w)
        errors_leaf = self.estimated(node.pc, node.tot)
        errors_tree = self.subtree_errors(node)
        if sm_or_eq(errors_leaf, errors_tree + 0.1) and \
                sm_or_eq(errors_leaf, errors_largest + 0.1):
            node.make_leaf()
            return
        if sm_or_eq(errors_largest, errors_tree + 0.1):  # raise the largest branch
            big = node.sons[largest]
            node.att, node.split, node.sons = big.att, big.split, big.sons
            node.pcb, node.pb = big.pcb, big.pb
            self.redistribute(node, node.idx, node.w)
            self.prune(node)

    def redistribute(self, node: Node, idx: np.ndarray, w: np.ndarray) -> None:
        """Weka's newDistribution: the subtree takes these rows as its training data."""
        node.pcb, node.pb, node.pc, node.tot = self.g.distribution_of(node, idx, w)
        node.idx, node.w = idx, w
        if node.att >= 0:
            for son, (i, ww) in zip(node.sons, self.g.split(node, idx, w)):
                self.redistribute(son, i, ww)
        elif not eq(seq_sum(w), 0.0):
            node.empty = False

    def estimated(self, pc: np.ndarray, tot: float) -> float:
        """Training errors plus the pessimistic extra errors at confidence CF."""
        if eq(tot, 0.0):
            return 0.0
        wrong = incorrect(pc, tot)
        return wrong + add_errs(tot, wrong, self.cf32, self.z)

    def subtree_errors(self, node: Node) -> float:
        if node.att < 0:
            return self.estimated(node.pc, node.tot)
        errors = 0.0
        for son in node.sons:
            errors = errors + self.subtree_errors(son)
        return errors

    def branch_errors(self, node: Node, idx: np.ndarray, w: np.ndarray) -> float:
        """Estimated errors of this subtree if these rows were its training data."""
        if node.att < 0:
            pc, tot = class_sums(self.g.y[idx], w, self.g.n_classes)
            return self.estimated(pc, tot)
        saved = node.pcb, node.pb, node.pc, node.tot
        node.pcb, node.pb, node.pc, node.tot = self.g.distribution_of(node, idx, w)
        parts = self.g.split(node, idx, w)
        node.pcb, node.pb, node.pc, node.tot = saved
        errors = 0.0
        for son, (i, ww) in zip(node.sons, parts):
            errors = errors + self.branch_errors(son, i, ww)
        return errors


def max_class(pc: np.ndarray) -> int:
    """Distribution.maxClass: the first class whose weight beats the best by more than 1e-6."""
    best, best_c = 0.0, 0
    for c, v in enumerate(pc.tolist()):
        if v - best > SMALL:
            best, best_c = v, c
    return best_c


def incorrect(pc: np.ndarray, tot: float) -> float:
    """The weight outside the majority class."""
    counts = pc.tolist()
    best, best_c = 0.0, 0
    for c, v in enumerate(counts):
        if v - best > SMALL:
            best, best_c = v, c
    return float(tot) - counts[best_c]


def training_errors(node: Node) -> float:
    if node.att < 0:
        return incorrect(node.pc, node.tot)
    errors = 0.0
    for son in node.sons:
        errors = errors + training_errors(son)
    return errors


def add_errs(n: float, e: float, cf32: float, z: float) -> float:
    """weka.classifiers.trees.j48.Stats.addErrs: the extra errors of the upper confidence
    limit (one-sided, confidence cf32, z its normal quantile) on e errors in n, interpolated
    below one error."""
    if cf32 > 0.5:
        return 0.0
    if e < 1:
        base = n * (1 - math.pow(cf32, 1 / n))
        if e == 0:
            return base
        return base + e * (add_errs(n, 1, cf32, z) - base)
    if e + 0.5 >= n:
        return max(n - e, 0.0)
    f = (e + 0.5) / n
    r = (f + (z * z) / (2 * n) + z * math.sqrt((f / n) - (f * f / n) + (z * z / (4 * n * n)))) / \
        (1 + (z * z) / n)
    return (r * n) - e


# weka.core.Statistics.normalInverse(0.75) as Weka 3.6.14 prints it (Java's Double.toString):
# the quantile behind the default confidence 0.25. Other confidences use the standard library's
# inverse normal, which can differ from Weka's in the last bit.
WEKA_NORMAL_INVERSE = {0.75: 0.6744897501960816}


def normal_inverse(p: float) -> float:
    """The z with P(Z <= z) = p for a standard normal Z."""
    return WEKA_NORMAL_INVERSE.get(p) or NormalDist().inv_cdf(p)
