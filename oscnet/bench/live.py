"""`oscnet bench live`: input → /wek/outputs round trip over UDP, next to a bare python-osc echo.

Both servers run as separate processes on 127.0.0.1, as a patch would see them. The client
is one thread that paces the inputs and reads the answers with select(), so it never
competes with itself for the GIL. Answers are matched to inputs in order (UDP on loopback
keeps order); the loss is inputs sent minus answers received.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from oscnet.errors import OscnetError
from oscnet.osc.priority import raise_this_thread

if TYPE_CHECKING:  # imported where used: `oscnet --help` imports no numpy
    import numpy as np

N_INPUTS, N_OUTPUTS, N_EXAMPLES = 10, 5, 2000

ECHO_SERVER = """
import sys
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

client = SimpleUDPClient("127.0.0.1", int(sys.argv[1]))
dispatcher = Dispatcher()
dispatcher.map("/wek/inputs", lambda address, *args: client.send_message("/wek/outputs", list(args)))
server = BlockingOSCUDPServer(("127.0.0.1", int(sys.argv[2])), dispatcher)
print("listening on UDP 127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
"""

BENCH_CONFIG = f"""\
inputs: {N_INPUTS}
outputs: {N_OUTPUTS}
receive: {{host: 127.0.0.1, port: 0}}
training: {{recipe: weka, options: {{hidden: i}}}}
recordings: null
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `oscnet bench live`."""
    parser = subparsers.add_parser(
        "live", help="input → output round trip of `oscnet serve` vs a bare python-osc echo, and during training")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each measured phase (default 2)")
    parser.add_argument("--rates", default="100,1000,5000", help="input messages per second (default 100,1000,5000)")
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="run N busy processes (a python loop each) beside the servers, as other programs on stage")
    parser.add_argument("--training-timeout", type=float, default=120.0, metavar="S",
                        help="give up waiting for a training after S seconds (default 120)")
    parser.add_argument("--train-policy", choices=["idle", "batch", "normal"],
                        help="how the training workers yield the CPU: SCHED_BATCH (the default), SCHED_IDLE, or "
                             "normal priority (the first two with nice +10)")
    parser.add_argument("--receive-priority", choices=["raise", "normal"], help="oscnet's receive thread: ask "
                        "for a real-time or higher priority (the default), or leave it as it is, for comparison")
    parser.add_argument("--port", type=int, default=0, metavar="BASE", help="UDP ports BASE (the client), BASE+1 "
                        "(the echo), BASE+2 (oscnet); default: any free ports")
    parser.set_defaults(func=bench_live)


@dataclass
class Phase:
    """One measured run: round-trip times (s) of the answered inputs, and how many went unanswered."""

    sent: int
    rtts: np.ndarray
    seconds: float
    finished: bool = True  # until_done_training: done-training arrived

    @property
    def lost(self) -> int:
        return self.sent - len(self.rtts)

    def joined(self, other: Phase) -> Phase:
        """Two phases as one: their round trips and losses together."""
        import numpy as np

        return Phase(self.sent + other.sent, np.concatenate([self.rtts, other.rtts]),
                     self.seconds + other.seconds, self.finished and other.finished)

    def ms(self, q: float) -> float:
        import numpy as np

        return float(np.percentile(self.rtts, q) * 1e3) if len(self.rtts) else float("nan")


class Client:
    """The patch side: one socket sends inputs, another receives answers."""

    def __init__(self, port: int = 0) -> None:
        import numpy as np

        from oscnet.osc.wire import float_message

        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.rx.bind(("127.0.0.1", port))
        self.rx.setblocking(False)
        self.port = self.rx.getsockname()[1]
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rng = np.random.default_rng(0)
        self.inputs = [float_message("/wek/inputs", row) for row in rng.uniform(0, 1, (64, N_INPUTS))]

    def control(self, target: tuple[str, int], name: str, *values: float) -> None:
        from oscnet.osc.wire import float_message

        self.tx.sendto(float_message("/wekinator/control/" + name, values), target)

    def drain(self) -> list[bytes]:
        got = []
        while True:
            try:
                got.append(self.rx.recv(65536))
            except BlockingIOError:
                return got

    def measure(self, target: tuple[str, int], rate: float, seconds: float,
                until_done_training: bool = False, timeout: float = 60.0) -> Phase:
        """Send inputs at `rate` for `seconds` (or until done-training arrives) and time the answers."""
        import numpy as np

        self.drain()
        interval = 1.0 / rate
        sent: list[float] = []
        answered: list[float] = []
        start = time.perf_counter()
        end = start + (timeout if until_done_training else seconds)
        finished = not until_done_training
        next_send, stop_sending = start, None
        while True:
            now = time.perf_counter()
            if stop_sending is None and now >= end:
                stop_sending = now
            if stop_sending is not None and (len(answered) >= len(sent) or now > stop_sending + 0.5):
                break
            wait = 0.5 if stop_sending is not None else max(0.0, next_send - now)
            if select.select([self.rx], [], [], wait)[0]:
                for data in self.drain():
                    arrived = time.perf_counter()
                    if data.startswith(b"/wek/outputs\0"):
                        answered.append(arrived)
                    elif data.startswith(b"/wekinator/status/done-training") and until_done_training:
                        end, finished = min(end, arrived), True
            now = time.perf_counter()
            if stop_sending is None and now >= next_send:
                sent.append(time.perf_counter())  # before sendto: a fast server may answer before it returns
                self.tx.sendto(self.inputs[len(sent) % len(self.inputs)], target)
                next_send += interval
                if next_send < now - 0.05:  # fell behind (slow machine): do not burst to catch up
                    next_send = now
        n = len(answered)
        return Phase(len(sent), np.array(answered) - np.array(sent[:n]), (stop_sending or end) - start, finished)


def start_server(command: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """Start a server process (this oscnet first on its path) and read the port it listens on from its first line."""
    from oscnet.bench.startup import child_env

    environment = child_env()
    environment.update(env or {})
    with open(log, "w") as errors:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=errors, text=True, env=environment)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"UDP 127\.0\.0\.1:(\d+)", line)
    if not found:
        proc.kill()
        raise OscnetError(f"the server did not start: {line.strip() or log.read_text()[-500:]}")
    return proc, int(found.group(1))


def said(proc: subprocess.Popen, prefix: str, lines: int = 4) -> str:
    """The rest of the server's start-up line that begins with `prefix` ("" if not among the first few)."""
    assert proc.stdout is not None
    for _ in range(lines):  # `oscnet serve` prints its start-up lines at once (no select: they are buffered)
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return ""


def prepare_oscnet(client: Client, target: tuple[str, int], timeout: float = 120.0) -> float:
    """Record N_EXAMPLES examples over UDP, train, start running; returns the training time."""
    import numpy as np

    from oscnet.osc.wire import float_message

    rng = np.random.default_rng(1)
    weights = rng.uniform(-1, 1, (N_INPUTS, N_OUTPUTS))
    client.control(target, "startRecording")
    for k, x in enumerate(rng.uniform(0, 1, (N_EXAMPLES, N_INPUTS))):
        client.control(target, "outputs", *(1 / (1 + np.exp(-(x - 0.5) @ weights))))
        client.tx.sendto(float_message("/wek/inputs", x), target)
        if k % 20 == 19:
            time.sleep(0.004)  # ~10,000 messages/s: within the server's socket buffer
    client.control(target, "stopRecording")
    return train(client, target, timeout)


def train(client: Client, target: tuple[str, int], timeout: float = 120.0) -> float:
    client.drain()
    started = time.perf_counter()
    client.control(target, "train")
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if select.select([client.rx], [], [], 0.5)[0] and any(
                d.startswith(b"/wekinator/status/done-training") for d in client.drain()):
            return time.perf_counter() - started
    raise OscnetError(f"the server did not finish training within {timeout:g} s (--training-timeout)")


@dataclass
class TrainingPhases:
    """The 1 kHz phases of oscnet under the same load: without a training (before and after it,
    each as long as a training takes) and during one; and the first training's time."""

    idle: Phase
    during: Phase
    first_train: float
    receive_thread: str = ""


def idle_seconds(seconds: float, floor: float) -> float:
    """An idle phase as long as a training (so both have as many round trips), within reason."""
    return min(max(seconds, floor), 30.0)


def run_servers(client: Client, servers: dict[str, list[str]], rates: list[float], seconds: float, tmp: Path,
                env: dict[str, str], training_timeout: float) -> tuple[dict[tuple[str, float], Phase], TrainingPhases]:
    """Each server in turn: the rates; for oscnet, recording and a first training, then at 1 kHz: no
    training, a training, no training again (the two idle phases bracket the training in time)."""
    results: dict[tuple[str, float], Phase] = {}
    training: TrainingPhases | None = None
    for name, command in servers.items():
        proc, port = start_server(command, tmp / "server.log", env)
        target = ("127.0.0.1", port)
        try:
            if name == "oscnet serve":
                receive_thread = said(proc, "oscnet: receive thread: ")
                first_train = prepare_oscnet(client, target, training_timeout)
                client.control(target, "startRunning")
                client.measure(target, 1000, 0.3)  # warm-up, not reported
            for rate in rates:
                results[name, rate] = client.measure(target, rate, seconds)
            if name == "oscnet serve":
                before = client.measure(target, 1000, idle_seconds(seconds, first_train))
                client.control(target, "train")
                during = client.measure(target, 1000, 0, until_done_training=True, timeout=training_timeout)
                after = client.measure(target, 1000, idle_seconds(seconds, during.seconds))
                training = TrainingPhases(before.joined(after), during, first_train, receive_thread)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert training is not None
    return results, training


def bench_live(args: argparse.Namespace) -> int:
    """Measure and print the round trip table, the training phase, and the targets."""
    rates = [float(r) for r in args.rates.split(",")]
    client = Client(args.port)
    env = {"OSCNET_TRAIN_POLICY": args.train_policy} if args.train_policy else {}
    if args.receive_priority:
        env["OSCNET_RECEIVE_PRIORITY"] = args.receive_priority
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
            for _ in range(args.load)]
    # The client stands for the patch (Max and PD run their schedulers at a raised priority): raised as
    # oscnet's receive thread is, so its own waits for a core do not count as the server's.
    client_priority = raise_this_thread()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            (tmp_path / "bench.yaml").write_text(BENCH_CONFIG)
            servers = {
                "python-osc echo": [sys.executable, "-c", ECHO_SERVER, str(client.port), str(args.port and args.port + 1)],
                "oscnet serve": [sys.executable, "-m", "oscnet", "serve", "--config", str(tmp_path / "bench.yaml"),
                                 "--send-port", str(client.port), "--headless", "--port", str(args.port and args.port + 2)],
            }
            results, training = run_servers(client, servers, rates, args.seconds, tmp_path, env,
                                            args.training_timeout)
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    print(f"oscnet bench live: /wek/inputs → /wek/outputs round trip over UDP on 127.0.0.1, "
          f"{N_INPUTS} inputs, {N_OUTPUTS} outputs (weka, hidden i), {args.seconds:g} s per rate; "
          f"{args.load} busy processes beside, {os.cpu_count()} cores; training workers: "
          f"{args.train_policy or 'batch'} policy; oscnet's receive thread: {training.receive_thread or '?'}; "
          f"the client: {client_priority}")
    print(f"{'rate/s':>7}  {'server':<16} {'sent':>6} {'lost':>5} {'median ms':>10} {'p99 ms':>8}")
    for (name, rate), phase in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"{rate:7.0f}  {name:<16} {phase.sent:6d} {phase.lost:5d} {phase.ms(50):10.3f} {phase.ms(99):8.3f}")
    ratios = {rate: results["oscnet serve", rate].ms(50) / results["python-osc echo", rate].ms(50) for rate in rates}
    print("median oscnet / echo: " + ", ".join(f"{r:g}/s {v:.2f}x" for r, v in ratios.items()))
    idle, during = training.idle, training.during
    took = f"{during.seconds:.2f} s" if during.finished else f"not done after {during.seconds:.0f} s"
    print(f"oscnet at 1000/s under the same load, without a training (before and after it, {idle.seconds:.1f} s) "
          f"and during one ({N_EXAMPLES} examples × {N_INPUTS} inputs × {N_OUTPUTS} outputs, {took}; the "
          f"first training, right after recording, took {training.first_train:.2f} s):")
    for what, phase in (("without training", idle), ("during training", during)):
        print(f"  {what:<17} sent {phase.sent:6d}, lost {phase.lost:4d}, median {phase.ms(50):7.3f} ms, "
              f"p99 {phase.ms(99):8.3f} ms")
    allowed = 1.5 * idle.ms(99) + 1.0
    print(f"  p99 during / without: {during.ms(99) / idle.ms(99):.2f}x; allowed during: 1.5 × {idle.ms(99):.3f} "
          f"+ 1 = {allowed:.3f} ms")
    checks = [("median ≤ 2× the bare echo at every rate", all(v <= 2 for v in ratios.values())),
              ("0 lost at 1 kHz without and during training", idle.lost == 0 and during.lost == 0),
              ("p99 during training ≤ 1.5× p99 without + 1 ms", during.ms(99) <= allowed)]
    if args.load == 0:
        checks.append(("quiet machine: p99 ≤ 1 ms at 1 kHz, without and during training",
                       idle.ms(99) <= 1 and during.ms(99) <= 1))
    print("targets: " + "; ".join(f"{what} [{'ok' if ok else 'MISSED'}]" for what, ok in checks))
    return 0
