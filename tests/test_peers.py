"""Patches people really use talk to `oscnet serve`: Pure Data, ChucK and node-osc.

Each peer program (tests/peers/) drives a whole session with Wekinator's control messages:
record y1 = x1, y2 = 1 − x1 over a sweep, train, wait for done-training, run, and print the
/wek/outputs it receives. The test checks those printed outputs. `.ci/run` installs the peers
(apt-get puredata-core chuck; npm node-osc); a test only skips where a peer is not installed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.peers  # real OSC peer programs (Pure Data, ChucK, node-osc)

PEERS = Path(__file__).parent / "peers"
CONFIG = """\
name: peer test
inputs: [x1, x2]
outputs:
  - {name: y1, min: 0, max: 1}
  - {name: y2, min: 0, max: 1}
recordings: null
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`oscnet serve --headless` in a subprocess, started once it says it is listening."""

    def __init__(self, tmp_path: Path) -> None:
        config = tmp_path / "peer.yaml"
        config.write_text(CONFIG)
        self.port, self.send_port = free_port(), free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oscnet", "serve", "--headless", "--config", str(config),
             "--host", "127.0.0.1", "--port", str(self.port), "--send-host", "127.0.0.1",
             "--send-port", str(self.send_port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(60):
            self.stop()
            pytest.fail("oscnet serve did not start listening:\n" + "".join(self.lines))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if "listening on UDP" in line:
                self.ready.set()

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return "".join(self.lines)


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    s.stop()


def outputs_printed(text: str) -> list[tuple[float, float, float]]:
    """(x1, y1, y2) from lines `OUTPUTS x y1 y2` (ChucK and node print this)."""
    found = []
    for line in text.splitlines():
        parts = line.replace('"', " ").split()
        if parts and parts[0] == "OUTPUTS":
            found.append(tuple(float(p) for p in parts[1:4]))
    return found


def assert_learnt_the_sweep(found: list[tuple[float, float, float]], server: Server, peer_output: str) -> None:
    assert len(found) == 5, f"peer printed:\n{peer_output}\nserver said:\n{''.join(server.lines)}"
    for x, y1, y2 in found:
        assert y1 == pytest.approx(x, abs=0.1) and y2 == pytest.approx(1 - x, abs=0.1)


def require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed (.ci/run installs it)")
    return path


def test_a_chuck_program_with_strict_type_tags(server):
    chuck = require("chuck")
    run = subprocess.run([chuck, "--silent", f"{PEERS / 'wekinator_session.ck'}:{server.port}:{server.send_port}"],
                         capture_output=True, text=True, timeout=90)
    output = run.stdout + run.stderr  # ChucK prints <<< >>> to stderr
    assert "TRAINED" in output
    assert_learnt_the_sweep(outputs_printed(output), server, output)


def test_a_node_program_using_node_osc(server):
    node = require("node")
    if not (PEERS / "node_modules" / "node-osc").exists():
        pytest.skip("node-osc is not installed: run `npm install` in tests/peers (.ci/run does)")
    run = subprocess.run([node, str(PEERS / "wekinator_session.mjs"), str(server.port), str(server.send_port)],
                         capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, run.stderr
    assert_learnt_the_sweep(outputs_printed(run.stdout), server, run.stdout + run.stderr)


def test_a_pure_data_patch_with_oscformat_and_oscparse(server, tmp_path):
    pd = require("pd")
    part_a = ["0 addr wekinator control deleteAllExamples;", "0 args bang;",
              "0 addr wekinator control startRecording;", "0 args bang;"]
    for i in range(21):
        x = i / 20
        part_a += ["2 addr wekinator control outputs;", f"0 args {x} {1 - x};"]
        part_a += [line for _ in range(5) for line in ("1 addr wek inputs;", f"0 args {x} 0.5;")]
    part_a += ["2 addr wekinator control stopRecording;", "0 args bang;",
               "0 addr wekinator control train;", "0 args bang;"]
    part_b = ["0 addr wekinator control startRunning;", "0 args bang;"]
    for x in (0.1, 0.3, 0.5, 0.7, 0.9):
        part_b += ["50 addr wek inputs;", f"0 args {x} 0.5;"]
    part_b += ["100 pd quit;"]
    (tmp_path / "a.txt").write_text("\n".join(part_a) + "\n")
    (tmp_path / "b.txt").write_text("\n".join(part_b) + "\n")
    messages = (f"port {server.port}; outport {server.send_port}; "
                f"script_b {tmp_path / 'b.txt'}; script_a {tmp_path / 'a.txt'}")
    run = subprocess.run([pd, "-nogui", "-nosound", "-stderr", "-noprefs", "-send", messages,
                          "-open", str(PEERS / "wekinator_session.pd")], capture_output=True, text=True, timeout=90)
    output = run.stdout + run.stderr
    assert "DONE: bang" in output, output  # /wekinator/status/done-training reached the patch
    # /wek/outputs also echoes each `outputs` control message while recording: the last five answer the probes
    received = [line.split()[4:] for line in output.splitlines() if line.startswith("RECEIVED: list wek outputs")][-5:]
    probes = (0.1, 0.3, 0.5, 0.7, 0.9)
    assert_learnt_the_sweep([(x, float(y1), float(y2)) for x, (y1, y2) in zip(probes, received)], server, output)
