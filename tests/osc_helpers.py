"""Helpers for the live tests: a server on an ephemeral 127.0.0.1 port, a patch, a listener."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from oscnet.live.demo import Listener
from oscnet.live.session import Session
from oscnet.osc.endpoint import Endpoint
from oscnet.osc.sender import Sender
from oscnet.project.config import Config

CONTROL = "/wekinator/control/"


def wait_until(done: Callable[[], bool], timeout: float = 20.0, what: str = "the condition") -> None:
    """Poll until `done()` (no fixed sleeps: returns as soon as it holds); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.002)


def live_config(n_inputs: int = 2, n_outputs: int = 1, **changes: object) -> Config:
    """Defaults with n inputs/outputs, listening on an ephemeral 127.0.0.1 port, no autosave."""
    config = Config.default(n_inputs, n_outputs)
    config.receive_host, config.receive_port, config.recordings = "127.0.0.1", 0, None
    for key, value in changes.items():
        setattr(config, key, value)
    return config


class Patch:
    """What a performer's patch does: send inputs and control messages to the server."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.sender = Sender("127.0.0.1", server.endpoint.port)

    def control(self, name: str, *args: object) -> None:
        self.sender.send(CONTROL + name, *args)

    def inputs(self, *values: float) -> None:
        self.sender.send_floats(self.server.session.config.input_address, values)

    def raw(self, data: bytes) -> None:
        self.sender._send(data)

    def sync(self) -> None:
        """Wait until the server has handled every datagram this patch sent (one more input is
        the fence) and the listener has everything the server sent."""
        session, listener, endpoint = self.server.session, self.server.listener, self.server.endpoint
        self.sender.send_floats(session.config.input_address, [0.0] * len(session.config.inputs))
        wait_until(lambda: endpoint.datagrams >= self.sender.sent, what="the server to catch up")
        wait_until(lambda: endpoint.pending == 0, what="the file commands to finish")
        wait_until(lambda: listener.count >= session.sender.sent, what="the listener to catch up")


class Server:
    """A session + endpoint sending to a listener, all on 127.0.0.1."""

    def __init__(self, session: Session, endpoint: Endpoint, listener: Listener) -> None:
        self.session, self.endpoint, self.listener = session, endpoint, listener
        self.patch = Patch(self)

    def outputs_for(self, *inputs: float, timeout: float = 10.0) -> list[float]:
        """Send one input vector and return the /wek/outputs that comes back."""
        wait_until(lambda: self.listener.count >= self.session.sender.sent, what="earlier messages")
        self.listener.drain()
        self.patch.inputs(*inputs)
        return self.listener.get(self.session.config.output_address, timeout)


@contextmanager
def serve(config: Config | None = None, allow_any_path: bool = False, **session_args: object) -> Iterator[Server]:
    """A running server whose outputs go to a fresh listener; everything closed afterwards."""
    config = config or live_config()
    listener = Listener()
    config.send_host, config.send_port = "127.0.0.1", listener.port
    session_args.setdefault("autosave", False)
    try:
        with Session(config, **session_args).start() as session:
            session.send_to("127.0.0.1", listener.port)  # also when a project brought its own config
            with Endpoint(session, "127.0.0.1", 0, allow_any_path=allow_any_path).start() as endpoint:
                yield Server(session, endpoint, listener)
    finally:
        listener.close()


def record_linear(server: Server, n: int = 150, seed: int = 0) -> np.ndarray:
    """Record examples of outputs-1 = 0.2 + 0.5·x1 + 0.25·x2 over UDP; returns the inputs sent."""
    rng = np.random.default_rng(seed)
    patch, session = server.patch, server.session
    xs = rng.uniform(0, 1, (n, 2))
    start = session.received
    patch.control("startRecording")
    for k, x in enumerate(xs, start=1):
        patch.control("outputs", linear(x))
        patch.inputs(*x)
        if k % 25 == 0:  # let the server catch up: a burst must fit the socket buffer
            wait_until(lambda k=k: session.received >= start + k, what="inputs to arrive")
    patch.control("stopRecording")
    wait_until(lambda: session.received >= start + n and not session.recording, what="recording to stop")
    return xs


def linear(x: np.ndarray) -> float:
    return float(0.2 + 0.5 * x[0] + 0.25 * x[1])


OSCNET = [sys.executable, "-m", "oscnet"]


def start_server(tmp_path: Path, project: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    """`oscnet serve --headless` on a project folder in a real subprocess; (process, its port)."""
    proc = subprocess.Popen([*OSCNET, "serve", "--headless", "--project", str(project),
                             "--listen", "127.0.0.1:0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"127\.0\.0\.1:(\d+)", line)
    if not match:
        proc.kill()
        pytest.fail(f"oscnet serve did not start: {line}{proc.stderr.read()}")
    return proc, int(match.group(1))
