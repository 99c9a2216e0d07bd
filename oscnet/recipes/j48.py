"""Weka 3.6's ``weka.classifiers.trees.J48 -C 0.25 -M 2`` (C4.5 revision 8), as Wekinator's
"Decision tree" classifier and AdaBoost's default base learner train it (spec §2.2, §2.3).

The rules, as Weka 3.6.14 applies them to numeric inputs (growing in j48_build.py):

* Rows with a missing class are dropped (but split points still move onto their values, see
  below). A node becomes a leaf when its weight is below 2M or one class holds all of it.
* Each input is tried in turn; the node's rows are sorted on it (Weka's quicksort, and the rows
  stay in that order for the next input). Rows missing the input are left out of the counts.
  ``minSplit`` = 0.1 x known weight / number of classes, at least M and at most 25; with
  fewer than 2 x minSplit known rows (a count, not a weight) the input is not used. Cut
  points lie between two sorted values more than 1e-5 apart, with at least minSplit weight on
  each side; each is scored by information gain x known fraction / known weight, and the
  first best (by more than 1e-6) wins. The gain then pays the MDL cost log2(number of cut
  points) / node weight; nothing left means the input is not used. The split point is the
  midpoint of the two values (or the lower one if the midpoint rounds up to the upper).
* Among usable inputs, those whose gain is at least the average gain - 1e-3 compete on gain
  ratio (gain / split information, where the missing rows count as a third branch); the first
  best by more than 1e-6 wins, and no ratio above 0 gives a leaf.
* The split point then moves down onto the largest value at or below it among all rows J48 was
  given (1e-6 tolerance). A row goes left when value <= point (+1e-6); a row missing the input
  goes down both branches with its weight times the branch's share of the known weight
  (dropped from a branch whose share is not above 1e-6); the split's counts include these
  fractions.
* Collapse: a subtree whose leaves make no fewer training errors than its root as a leaf
  (- 1e-3) becomes a leaf. Pruning, bottom up: estimated errors = errors + Stats.addErrs (upper
  limit of the binomial at confidence 0.25, interpolated below one error); the node becomes a
  leaf if that is no worse (+ 0.1) than the subtree and than its largest branch (the last of
  the heaviest) would make on all the node's rows (same splits, counts redone); else that
  branch replaces the node if it is no worse (+ 0.1) than the subtree (subtree raising),
  takes the node's rows and is pruned again.
* Prediction (no Laplace): a leaf gives its class weights / total (all 0 if its total is 0);
  a missing input goes down both branches with weights share x weight and the results add
  up; a branch with no training rows answers with the split's counts for that branch.
* Text: ``J48 pruned tree``, each branch ``name <= point`` / ``name > point`` (6 decimals, no
  trailing zeros) indented by ``|   ``, a leaf ``: class (weight/errors)`` with both rounded to
  2 decimals and ``/errors`` only when errors > 1e-6, then the leaf and node counts.

Weka's own classifyInstance for J48 picks the first class whose probability beats the best so
far by more than 1e-6 (``classify`` below); the contract's predicted class (first largest) can
differ only when two probabilities are within 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from oscnet.errors import OscnetError
from oscnet.recipes.j48_build import Grower, Node
from oscnet.recipes.j48_prune import Pruner, max_class
from oscnet.recipes.treeutil import (
    SMALL,
    as_rows,
    check_options,
    clean_data,
    double_to_string,
    gr,
    java_double,
    round_double,
)

NAME = "j48"
CLASS_TYPES = ("nominal",)
OPTIONS: dict[str, tuple[type, Any, str]] = {
    "C": (float, 0.25, "confidence for pruning: smaller prunes more (0 < C <= 0.5)"),
    "M": (int, 2, "minimum weight of examples per branch"),
}


@njit(cache=True, error_model="numpy")
def _row_probs(rows: np.ndarray, i: int, root: int, att: np.ndarray, split: np.ndarray,
               sons: np.ndarray, empty: np.ndarray, pcb: np.ndarray, pb: np.ndarray,
               pc: np.ndarray, tot: np.ndarray, stack_node: np.ndarray, stack_w: np.ndarray,
               stack_b: np.ndarray, acc: np.ndarray, val: np.ndarray) -> None:
    """ClassifierTree.getProbs, all classes at once: the tree at node ``root`` on row i of
    rows (n, d), left in val (C,). The stacks (N + 1,) and acc (N + 1, C) are scratch space.

    Weka recurses; this walks the same tree with an explicit stack (cached numba code must not
    recurse) and adds the two branches of a missing value in Weka's order: 0 + left + right."""
    n_classes = pc.shape[1]
    top = 0
    stack_node[0], stack_w[0], stack_b[0] = root, 1.0, -1
    while top >= 0:
        node, weight = stack_node[top], stack_w[top]
        done = False
        if stack_b[top] == -1:
            val[:] = 0.0
            if att[node] < 0:  # a leaf: its class weights / total
                if not abs(tot[node]) < SMALL:
                    for c in range(n_classes):
                        val[c] = weight * (pc[node, c] / tot[node])
                done = True
            else:
                v = rows[i, att[node]]
                if np.isnan(v):  # both branches, each with its share of the weight
                    acc[top, :] = 0.0
                    stack_b[top] = 0
                else:
                    b = 0 if (v - split[node] < SMALL or v <= split[node]) else 1
                    son = sons[node, b]
                    if not empty[son]:
                        stack_node[top] = son
                        continue
                    for c in range(n_classes):  # an empty branch: the split's own counts
                        if pb[node, b] > SMALL:
                            val[c] = weight * (pcb[node, b, c] / pb[node, b])
                        elif not abs(tot[node]) < SMALL:
                            val[c] = weight * (pc[node, c] / tot[node])
                    done = True
        elif stack_b[top] < 2:
            b = stack_b[top]
            stack_b[top] += 1
            son = sons[node, b]
            if not empty[son]:
                top += 1
                stack_node[top] = son
                stack_w[top] = (pb[node, b] / tot[node]) * weight
                stack_b[top] = -1
            continue
        else:
            val[:] = acc[top]
            done = True
        if done:
            top -= 1
            if top >= 0:
                for c in range(n_classes):
                    acc[top, c] += val[c]


@njit(cache=True, error_model="numpy")
def forest_probs(rows: np.ndarray, roots: np.ndarray, att: np.ndarray, split: np.ndarray,
                 sons: np.ndarray, empty: np.ndarray, pcb: np.ndarray, pb: np.ndarray,
                 pc: np.ndarray, tot: np.ndarray) -> np.ndarray:
    """(n, T, C) distributions of rows (n, d) from T trees stored one after another in the
    node arrays (their sons numbered in the whole), tree t starting at node roots[t]."""
    n_nodes, n_classes = pc.shape
    out = np.zeros((rows.shape[0], roots.shape[0], n_classes))
    stack_node = np.empty(n_nodes + 1, dtype=np.int64)
    stack_w = np.empty(n_nodes + 1)
    stack_b = np.empty(n_nodes + 1, dtype=np.int64)  # -1: not entered; 0, 1: next branch
    acc = np.zeros((n_nodes + 1, n_classes))
    val = np.zeros(n_classes)
    for i in range(rows.shape[0]):
        for t in range(roots.shape[0]):
            _row_probs(rows, i, roots[t], att, split, sons, empty, pcb, pb, pc, tot,
                       stack_node, stack_w, stack_b, acc, val)
            for c in range(n_classes):
                out[i, t, c] = val[c]
    return out


def classify(dist: np.ndarray) -> np.ndarray:
    """J48.classifyInstance on distributions (n, C): the first class beating the best so far
    (starting at -1) by more than 1e-6 -> (n,) class indices."""
    best = np.full(dist.shape[0], -1.0)
    index = np.zeros(dist.shape[0], dtype=np.int64)
    for c in range(dist.shape[1]):
        better = dist[:, c] - best > SMALL
        index[better], best[better] = c, dist[better, c]
    return index


@dataclass
class Tree:
    """A built J48 tree as arrays over its N nodes, in depth-first order (root 0): ``att``
    (N,) input or -1 for a leaf, ``split`` (N,), ``sons`` (N, 2), ``empty`` (N,) leaves that
    had no training weight, and each node's class weights: ``pcb`` (N, 2, C) per branch,
    ``pb`` (N, 2), ``pc`` (N, C), ``tot`` (N,) (a leaf uses branch 0 only)."""

    att: np.ndarray
    split: np.ndarray
    sons: np.ndarray
    empty: np.ndarray
    pcb: np.ndarray
    pb: np.ndarray
    pc: np.ndarray
    tot: np.ndarray

    @classmethod
    def from_node(cls, root: Node, n_classes: int) -> Tree:
        nodes: list[Node] = []
        sons: list[list[int]] = []

        def walk(node: Node) -> int:  # depth first, a node before its branches
            me = len(nodes)
            nodes.append(node)
            sons.append([-1, -1])
            for b, son in enumerate(node.sons):
                sons[me][b] = walk(son)
            return me

        walk(root)
        n = len(nodes)
        pcb, pb = np.zeros((n, 2, n_classes)), np.zeros((n, 2))
        for i, node in enumerate(nodes):
            pcb[i, :node.pcb.shape[0]] = node.pcb
            pb[i, :node.pb.shape[0]] = node.pb
        return cls(np.array([nd.att for nd in nodes], dtype=np.int64),
                   np.array([nd.split for nd in nodes], dtype=np.float64),
                   np.array(sons, dtype=np.int64).reshape(n, 2),
                   np.array([nd.empty for nd in nodes], dtype=np.bool_), pcb, pb,
                   np.array([nd.pc for nd in nodes], dtype=np.float64).reshape(n, n_classes),
                   np.array([nd.tot for nd in nodes], dtype=np.float64))

    def distribution(self, rows: np.ndarray) -> np.ndarray:
        """(n, C) class probabilities of rows (n, d)."""
        return forest_probs(rows, np.zeros(1, dtype=np.int64), self.att, self.split, self.sons,
                            self.empty, self.pcb, self.pb, self.pc, self.tot)[:, 0]

    @classmethod
    def concatenate(cls, trees: list[Tree]) -> tuple[Tree, np.ndarray]:
        """All trees as one array set (sons renumbered) and the (T,) node of each root."""
        sizes = np.array([len(t.att) for t in trees], dtype=np.int64)
        roots = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        sons = np.concatenate([np.where(t.sons >= 0, t.sons + r, -1)
                               for t, r in zip(trees, roots)])
        return cls(np.concatenate([t.att for t in trees]),
                   np.concatenate([t.split for t in trees]), sons,
                   np.concatenate([t.empty for t in trees]),
                   np.concatenate([t.pcb for t in trees]), np.concatenate([t.pb for t in trees]),
                   np.concatenate([t.pc for t in trees]),
                   np.concatenate([t.tot for t in trees])), roots

    def _label(self, node: int, b: int, labels: list[str]) -> str:
        """ClassifierSplitModel.dumpLabel: ``class (weight/errors)`` of branch b."""
        pcb, pb = self.pcb[node, b], float(self.pb[node, b])
        c = max_class(pcb) if gr(pb, 0.0) else max_class(self.pc[node])
        wrong = pb - float(pcb[c])
        text = f"{labels[c]} ({java_double(round_double(pb, 2))}"
        if gr(wrong, 0.0):
            text += f"/{java_double(round_double(wrong, 2))}"
        return text + ")"

    def _dump(self, node: int, depth: int, names: list[str], labels: list[str],
              out: list[str]) -> None:
        point = double_to_string(float(self.split[node]), 6)
        for b, sign in enumerate((" <= ", " > ")):
            son = int(self.sons[node, b])
            out.append("\n" + "|   " * depth + names[self.att[node]] + sign + point)
            if self.att[son] < 0:
                out.append(": " + self._label(node, b, labels))
            else:
                self._dump(son, depth + 1, names, labels, out)

    def text(self, names: list[str], labels: list[str]) -> str:
        """J48.toString() of the pruned tree."""
        out: list[str] = []
        if self.att[0] < 0:
            out.append(": " + self._label(0, 0, labels))
        else:
            self._dump(0, 0, names, labels, out)
        leaves = int(np.sum(self.att < 0))
        return ("J48 pruned tree\n------------------\n" + "".join(out) +
                f"\n\nNumber of Leaves  : \t{leaves}\n\nSize of the tree : \t{len(self.att)}\n")

    def to_dict(self) -> dict[str, Any]:
        return {"att": self.att.tolist(), "split": self.split.tolist(),
                "sons": self.sons.tolist(), "empty": self.empty.tolist(),
                "pcb": self.pcb.tolist(), "pb": self.pb.tolist(), "pc": self.pc.tolist(),
                "tot": self.tot.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tree:
        n = len(data["att"])
        c = len(data["pc"][0]) if n else 0
        return cls(np.array(data["att"], dtype=np.int64),
                   np.array(data["split"], dtype=np.float64),
                   np.array(data["sons"], dtype=np.int64).reshape(n, 2),
                   np.array(data["empty"], dtype=np.bool_),
                   np.array(data["pcb"], dtype=np.float64).reshape(n, 2, c),
                   np.array(data["pb"], dtype=np.float64).reshape(n, 2),
                   np.array(data["pc"], dtype=np.float64).reshape(n, c),
                   np.array(data["tot"], dtype=np.float64))


def build(x: np.ndarray, y: np.ndarray, w: np.ndarray, all_x: np.ndarray, n_classes: int,
          cf: float = 0.25, min_obj: int = 2, sorts: dict[str, np.ndarray] | None = None,
          weka_order: bool = False) -> Tree:
    """Grow, collapse and prune a J48 tree on rows x (n, d) with class indices y (n,) and
    weights w (n,); all_x (N, d) = every row J48 was given (split points land on these).
    ``sorts``: a dict kept between builds on the same x (AdaBoost's rounds), where the root's
    sort orders are remembered (they do not depend on the weights). ``weka_order``: sort at
    every node as Weka does (slower; see j48_build.Grower)."""
    grower = Grower(x, y, all_x, n_classes, float(min_obj), cf,
                    None if sorts is None else sorts.get("root"), weka_order)
    root = grower.grow(np.arange(x.shape[0]), np.asarray(w, dtype=np.float64), root=True)
    if sorts is not None and grower.root_chain is not None:
        sorts["root"] = grower.root_chain
    pruner = Pruner(grower)
    pruner.collapse(root)
    pruner.prune(root)
    return Tree.from_node(root, n_classes)


@dataclass
class J48Model:
    input_names: list[str]
    class_name: str
    class_labels: list[str]
    tree: Tree
    options: dict[str, Any] = field(default_factory=dict)
    recipe: str = NAME
    kind: str = "nominal"

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """raw (d,) or (n, d) -> class distributions (C,) or (n, C)."""
        rows, single = as_rows(raw, len(self.input_names))
        out = self.tree.distribution(rows)
        return out[0] if single else out

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.predict(rows)

    def classify(self, raw: np.ndarray) -> np.ndarray:
        """Weka's J48.classifyInstance: class index per row ((n,) or a scalar array)."""
        rows, single = as_rows(raw, len(self.input_names))
        out = classify(self.tree.distribution(rows))
        return out[0] if single else out

    def text(self) -> str:
        return self.tree.text(self.input_names, self.class_labels)

    def to_dict(self) -> dict[str, Any]:
        return {"recipe": self.recipe, "kind": self.kind, "input_names": list(self.input_names),
                "class_name": self.class_name, "class_labels": list(self.class_labels),
                "options": dict(self.options), "tree": self.tree.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> J48Model:
        return cls(list(data["input_names"]), data["class_name"], list(data["class_labels"]),
                   Tree.from_dict(data["tree"]), dict(data["options"]))


def check_j48_options(options: dict[str, Any] | None) -> dict[str, Any]:
    opts = check_options(options, OPTIONS, NAME)
    if not 0 < opts["C"] <= 0.5:
        raise OscnetError(f"j48 option C (pruning confidence) must be above 0 and at most 0.5, "
                          f"not {opts['C']}")
    if opts["M"] < 1:
        raise OscnetError(f"j48 option M (minimum examples per branch) must be at least 1, "
                          f"not {opts['M']}")
    return opts


def fit(x: np.ndarray, y: np.ndarray, input_names: list[str], class_name: str,
        class_labels: list[str] | None, options: dict[str, Any] | None) -> J48Model:
    """Train J48 on x (n, d) (NaN = missing) and class indices y (n,) (NaN = missing class)."""
    opts = check_j48_options(options)
    if class_labels is None:
        raise OscnetError("j48 predicts classes only; use it for a classifier output (Weka: "
                          "cannot handle numeric class)")
    xs, _, yi, x_all = clean_data(x, y, input_names, class_labels, NAME)
    tree = build(xs, yi, np.ones(xs.shape[0]), x_all, len(class_labels), opts["C"], opts["M"])
    return J48Model(list(input_names), class_name, list(class_labels), tree, opts)
