"""The page's commands: JSON from the WebSocket → the same `Session` methods OSC and the console call.

A command is `{"cmd": NAME, "id": N, ...}`; the reply is `{"type": "reply", "id": N, "ok": true}`
or `"ok": false` with the error a person reads. Arguments are checked here (types, ranges)
before the session sees them; no command takes a file name. Commands run on the web view's
command thread, one at a time, never on its event loop (a command may wait for the session's
lock while a training result is swapped in).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from oscnet.errors import OscnetError

if TYPE_CHECKING:
    from oscnet.live.session import Session

Command = Callable[["Session", dict[str, Any]], None]


def _output(session: Session, message: dict[str, Any]) -> int:
    """A 0-based output index from the message (checked against the session's outputs)."""
    k = message.get("output")
    n = len(session.config.outputs)
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < n:
        raise OscnetError(f"no output {k!r}: the page names outputs 0..{n - 1}")
    return k


def _number(message: dict[str, Any], key: str) -> float:
    value = message.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise OscnetError(f"{key} must be a finite number, not {value!r}")
    return float(value)


def set_output(session: Session, message: dict[str, Any]) -> None:
    """One output's value (a slider moved): every value is set, this one changed, and sent."""
    k, value = _output(session, message), _number(message, "value")
    with session.lock:
        values = np.array(session.values, dtype=np.float64)
        values[k] = value
        session.set_outputs(values.tolist())


def switch(session: Session, message: dict[str, Any]) -> None:
    """Record/run/train on or off for one output."""
    methods = {"record": session.set_recording_enabled, "run": session.set_running_enabled,
               "train": session.set_training_enabled}
    what, on = message.get("what"), message.get("on")
    if what not in methods or not isinstance(on, bool):
        raise OscnetError(f"switch takes what: record|run|train and on: true|false, not {what!r}, {on!r}")
    methods[what]([_output(session, message) + 1], on)


def _train(session: Session) -> None:
    session.train()  # the job number is the session's business; the page sees training in the frames


COMMANDS: dict[str, Command] = {
    "record": lambda s, m: s.start_recording(),
    "stop": lambda s, m: s.stop(),
    "train": lambda s, m: _train(s),
    "cancel": lambda s, m: s.cancel_train(),
    "run": lambda s, m: s.start_running(),
    "delete_last": lambda s, m: s.delete_last(),
    "delete_all": lambda s, m: s.delete_all(),
    "evaluate": lambda s, m: s.evaluate(None, 10),
    "randomize": lambda s, m: s.randomize(),
    "set_output": set_output,
    "switch": switch,
}


def run(session: Session, message: dict[str, Any]) -> None:
    """Carry out one command; OscnetError says what was wrong."""
    name = message.get("cmd")
    command = COMMANDS.get(name) if isinstance(name, str) else None
    if command is None:
        raise OscnetError(f"unknown command {name!r}; the page sends one of {', '.join(COMMANDS)}")
    command(session, message)
