"""What the web view pushes: a frame of the session's live state, taken on the web side ~30 times a second.

A frame reads the session without its lock (`Session.lock` is held by commands, and a frame must
not wait for a load or a training swap): it takes `session.live_state` once, so config, models,
values and switches are one consistent picture, and plain attributes (status, counters, the last
input vector) are each read once. The receive path does nothing for the web view: the traces are
the last input vector sampled here, and the message rate is the change in `session.received`.

Example counts come from `ExampleMirror`, a copy of the examples on the web side that copies only
the rows added since the last look (the store's lock is held for that copy only), and copies the
whole store again when rows were deleted or a project was loaded.

Frames are replaced, never queued (a slow browser gets the newest one). What must not be lost —
the project's names and outputs, log lines, evaluation results — goes out as separate messages
(`changes()`), each built once and queued for every browser.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from oscnet.live.session import Session
    from oscnet.live.state import LiveState
    from oscnet.project.examples import ExampleStore

LOG_LINES = 200  # kept for a browser that connects later


def finite(values: Any) -> list[float | None]:
    """Numbers for JSON: NaN and ±inf (which JSON cannot carry) become null."""
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=np.float64).ravel()]


class ExampleMirror:
    """The web side's copy of a session's examples, refreshed by copying only what was added."""

    def __init__(self) -> None:
        self.store: ExampleStore | None = None
        self.version = -1
        self.inputs = np.zeros((0, 0))
        self.outputs = np.zeros((0, 0))
        self.counts = np.zeros(0, dtype=np.int64)  # per output: rows with a value

    def refresh(self, store: ExampleStore) -> None:
        n = len(store)
        if store is not self.store or store.version != self.version or n < len(self.inputs):
            block = store.block()
            self.store, self.version = store, store.version
            self.inputs, self.outputs = block.inputs, block.outputs
            self.counts = np.count_nonzero(~np.isnan(block.outputs), axis=0)
        elif n > len(self.inputs):
            block = store.block(len(self.inputs))
            self.inputs = np.concatenate([self.inputs, block.inputs])
            self.outputs = np.concatenate([self.outputs, block.outputs])
            self.counts = self.counts + np.count_nonzero(~np.isnan(block.outputs), axis=0)


class LogTail(logging.Handler):
    """Keeps oscnet's recent log lines (status changes, warnings, bad input) for the page.

    emit() is one deque append; the receive path logs only rate-limited problems through it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: deque[tuple[int, str, str]] = deque(maxlen=LOG_LINES)
        self.seq = 0
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a bad log call must not break the thread that logged it
            return
        self.seq += 1
        self.lines.append((self.seq, record.levelname.lower(), text))

    def since(self, seq: int) -> list[tuple[int, str, str]]:
        return [line for line in list(self.lines) if line[0] > seq]


def learner_text(state: LiveState, k: int) -> str:
    """Output k's learner and options, as the console's status shows them."""
    spec, config = state.config.outputs[k], state.config
    if spec.is_dtw:
        return "dtw"
    recipe, options = spec.training(config.recipe, config.options)
    return recipe + "".join(f" {key}={value}" for key, value in options.items())


def project_message(session: Session) -> dict[str, Any]:
    """The page's layout: input names, and per output its name, type, range and learner."""
    state = session.live_state
    c = state.config
    outputs = []
    for k, spec in enumerate(c.outputs):
        outputs.append({"name": spec.name, "type": spec.type, "min": spec.min, "max": spec.max,
                        "integer": spec.integer, "classes": spec.classes, "describe": spec.describe(),
                        "learner": learner_text(state, k), "gestures": list(spec.gestures)})
    return {"type": "project", "name": c.name, "inputs": list(c.inputs), "outputs": outputs,
            "input_address": c.input_address, "output_address": c.output_address,
            "listening": session.listening, "sending": f"{c.send_host}:{c.send_port}"}


class FrameBuilder:
    """Builds frames and change messages for one session; called from the web view's loop only."""

    def __init__(self, session: Session, log: LogTail) -> None:
        self.session = session
        self.log = log
        self.mirror = ExampleMirror()
        self.seq = 0
        self._received: deque[tuple[float, int]] = deque()
        self._last_received = -1
        self._project_key = self.project_key()  # changes() reports what changes after the start
        self._log_seq = log.seq
        self._evaluation = session.evaluation[0]
        self._lock = threading.Lock()  # frame() and changes() may be called from two threads in tests

    def project_key(self) -> tuple[int, int]:
        s = self.session
        return id(s.live_state.config), s.config_version

    def rate(self, now: float, received: int) -> float:
        """Input messages per second over the last second, from the received counter."""
        history = self._received
        history.append((now, received))
        while len(history) > 2 and now - history[1][0] >= 1.0:
            history.popleft()
        then, before = history[0]
        return (received - before) / (now - then) if now - then > 0.2 else 0.0

    def frame(self) -> dict[str, Any]:
        with self._lock:
            s = self.session
            state = s.live_state
            now = time.monotonic()
            received = s.received
            last = s.last_inputs
            sample = None
            if received != self._last_received and last is not None:
                sample = finite(last)
                self._last_received = received
            self.mirror.refresh(state.examples)
            counts = self.mirror.counts
            if state.dtw is not None:
                counts = np.array([sum(len(e) for e in state.dtw.matcher.store.examples)])
            job = s.training_job
            outputs = []
            for k in range(len(state.config.outputs)):
                model = state.models[k]
                outputs.append([int(counts[k]) if k < len(counts) else 0, model is not None,
                                int(model.info.get("version", 1)) if model is not None and hasattr(model, "info") else 0,
                                bool(state.record_on[k]), bool(state.run_on[k]), bool(state.train_on[k])])
            self.seq += 1
            return {"type": "frame", "seq": self.seq, "state": s.state, "status": s.status_text,
                    "training": list(s.training_progress) if job is not None else None,
                    "epochs": ({str(k): [e.epoch, e.epochs, finite([e.error])[0]] for k, e in s.epochs.items()}
                               if job is not None else {}),
                    "received": received, "rate": round(self.rate(now, received), 1),
                    "problems": dict(s.problems.counts), "sample": sample, "values": finite(state.values),
                    "outputs": outputs, "examples": len(state.examples)}

    def changes(self) -> list[dict[str, Any]]:
        """Messages every browser must get: the project when it changed, new log lines, a new evaluation."""
        with self._lock:
            s = self.session
            found: list[dict[str, Any]] = []
            key = self.project_key()
            if key != self._project_key:
                self._project_key = key
                found.append(project_message(s))
            lines = self.log.since(self._log_seq)
            if lines:
                self._log_seq = lines[-1][0]
                found.append(log_message(lines))
            number, results = s.evaluation
            if number != self._evaluation:
                self._evaluation = number
                found.append(evaluation_message(s, results))
            return found

    def initial(self) -> list[dict[str, Any]]:
        """What a browser that just connected needs: the project, the recent log, the last evaluation."""
        s = self.session
        found = [project_message(s)]
        lines = self.log.since(0)
        if lines:
            found.append(log_message(lines))
        number, results = s.evaluation
        if number:
            found.append(evaluation_message(s, results))
        return found


def log_message(lines: list[tuple[int, str, str]]) -> dict[str, Any]:
    return {"type": "log", "lines": [[level, text] for _, level, text in lines]}


def evaluation_message(session: Session, results: list[dict[str, Any]]) -> dict[str, Any]:
    """An evaluation's figures per output (Weka's definitions; see feedback.EVALUATION)."""
    names = session.config.outputs
    rows = []
    for result in results:
        k = int(result["output"])
        figures = {key: (float(v) if math.isfinite(float(v)) else None) for key, v in result["figures"].items()}
        rows.append({"output": k, "name": names[k].name if k < len(names) else str(k + 1),
                     "figures": figures, "error": result["error"]})
    return {"type": "evaluation", "results": rows}
