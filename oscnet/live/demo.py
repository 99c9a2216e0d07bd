"""`oscnet demo`: the whole record → train → run loop over real UDP, with a built-in gesture.

A pretend performer moves a hand (x, y in 0..1) to nine poses and, for each, sets the
outputs a synth should play there: pitch = 0.2 + 0.6·x, volume = 127·y (a hard, integer
output) and zone = the third of the stage (a 3-class classifier). Everything goes through
Wekinator's protocol to a server on 127.0.0.1; a listener prints what comes back.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import numpy as np
from pythonosc.osc_message import OscMessage

from oscnet.errors import OscnetError
from oscnet.live.report import dump_text
from oscnet.live.session import Session
from oscnet.osc.endpoint import Endpoint
from oscnet.osc.sender import Sender
from oscnet.project.config import Config

DEMO_YAML = """\
# The demo's project: two hand coordinates in, three synth controls out.
name: demo
inputs: [x, y]
outputs:
  - {name: pitch, type: continuous, min: 0, max: 1, limits: soft}
  - {name: volume, type: continuous, min: 0, max: 127, limits: hard, integer: true}
  - {name: zone, type: classifier, classes: 3}
receive: {host: 127.0.0.1, port: 0, address: /wek/inputs}
send: {host: 127.0.0.1, port: 12000, address: /wek/outputs}
training: {recipe: weka, options: {hidden: i, epochs: 500}}
recordings: null
"""

POSES = [(x, y) for y in (0.15, 0.5, 0.85) for x in (0.15, 0.5, 0.85)]
TEST_PATH = [(0.1, 0.1), (0.3, 0.25), (0.45, 0.45), (0.55, 0.6), (0.75, 0.7), (0.9, 0.9), (0.2, 0.8)]


def targets(x: float, y: float) -> list[float]:
    """What the performer wants at (x, y): pitch, volume, zone."""
    return [0.2 + 0.6 * x, float(int(127 * y)), float(min(int(x * 3), 2) + 1)]


class Listener:
    """A UDP socket on 127.0.0.1 whose thread queues every OSC message it receives."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.messages: queue.Queue[tuple[str, list]] = queue.Queue()
        self.count = 0  # datagrams received
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="oscnet-demo-listener", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                message = OscMessage(data)
                self.messages.put((message.address, list(message.params)))
            except Exception:  # not OSC: not ours to judge here
                pass
            self.count += 1  # after the queue holds it: count is a fence for waiters

    def get(self, address: str, timeout: float = 10.0) -> list:
        """The arguments of the next message to `address` (others are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                got, args = self.messages.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise OscnetError(f"no {address} message arrived within {timeout:g} s") from None
            if got == address:
                return args

    def drain(self) -> None:
        while not self.messages.empty():
            self.messages.get_nowait()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@dataclass
class DemoResult:
    """What the demo measured, for the printout and for tests."""

    examples: int
    rows: list[tuple[tuple[float, float], list[float], list[float]]]  # (inputs, received, wanted)
    dump: str
    train_seconds: float


def run_demo(config: Config | None = None, listen_port: int = 0, out: IO[str] | None = None,
             seed: int = 1) -> DemoResult:
    """Serve, record the gesture over UDP, train, run, and report what a listener received."""
    config = config or Config.from_yaml(DEMO_YAML, "demo config")
    rng = np.random.default_rng(seed)
    listener = Listener(listen_port)
    config.send_host, config.send_port = "127.0.0.1", listener.port

    def say(text: str) -> None:
        if out is not None:
            out.write(text + "\n")
            out.flush()

    try:
        with Session(config, autosave=False).start() as session, Endpoint(session) as endpoint:
            patch = Sender("127.0.0.1", endpoint.port)
            say(f"oscnet demo: server on UDP 127.0.0.1:{endpoint.port}, listener on 127.0.0.1:{listener.port}")
            control = "/wekinator/control/"
            for x, y in POSES:  # one recording round per pose, as a performer records
                patch.send(control + "outputs", *targets(x, y))
                patch.send(control + "startRecording")
                for _ in range(30):
                    jitter = rng.normal(0, 0.02, 2)
                    patch.send_floats(config.input_address, [x + jitter[0], y + jitter[1]])
                    time.sleep(0.0005)  # a patch sends at a few hundred messages a second
                patch.send(control + "stopRecording")
            _wait(lambda: not session.recording and session.received >= 30 * len(POSES), 10,
                  "the recorded examples did not all arrive")
            say(f"recorded {len(session.examples)} examples in {len(POSES)} rounds over UDP; training...")
            started = time.monotonic()
            patch.send(control + "train")
            listener.get("/wekinator/status/done-training", timeout=60)
            seconds = time.monotonic() - started
            say(f"training done in {seconds:.2f} s (the listener got /wekinator/status/done-training)")
            patch.send(control + "startRunning")
            _wait(lambda: session.running, 10, "the server did not start running")
            listener.drain()
            rows = []
            for x, y in TEST_PATH:
                patch.send_floats(config.input_address, [x, y])
                rows.append(((x, y), listener.get(config.output_address), targets(x, y)))
            patch.close()
            say(f"running: sent {len(TEST_PATH)} input messages, received {len(rows)} {config.output_address}:")
            names = [o.name for o in config.outputs]
            say("    x     y  | " + "  ".join(f"{n:>15}" for n in names))
            for (x, y), got, want in rows:
                cells = "  ".join(f"{g:7.3g} ({w:5.3g})" for g, w in zip(got, want))
                say(f" {x:5.2f} {y:5.2f} | {cells}")
            say("(each cell: received (wanted); volume is a hard integer output, zone a 3-class classifier)\n")
            dump = dump_text(session)
            say(dump)
            return DemoResult(len(session.examples), rows, dump, seconds)
    finally:
        listener.close()


def _wait(done: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise OscnetError(message)
        time.sleep(0.005)
