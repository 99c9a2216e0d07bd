"""`oscnet bench flood`: the input probe's round trip while a sender floods control messages.

A hostile or buggy patch may send `train` or `saveModelToFile` thousands of times a second. The
server must keep answering inputs: file and train commands run off the receive thread and
are rate-limited. This bench runs a real `oscnet serve` (a trained, running project), a probe
sending inputs at a steady rate and timing each /wek/outputs answer, and the flood from a
separate process (so that it never takes the probe's CPU time in this process). The reference
is the same probe without the flood, measured in the same run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from oscnet.bench.live import BENCH_CONFIG, Client, Phase, prepare_oscnet, start_server

FLOODER = """
import socket, sys, time
from oscnet.osc.wire import message
port, rate, seconds, command = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
args = ("flood-model.json",) if command == "saveModelToFile" else ()
data = message("/wekinator/control/" + command, *args)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.perf_counter()
sent = 0
while (now := time.perf_counter()) < start + seconds:
    due = int((now - start) * rate) + 1
    while sent < due:
        sock.sendto(data, ("127.0.0.1", port))
        sent += 1
    time.sleep(0.001)
print(sent, flush=True)
"""

P95_TARGET_MS = 20.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `oscnet bench flood`."""
    p = subparsers.add_parser("flood", help="input round trip while a sender floods train or saveModelToFile, "
                                            "next to the same probe without the flood")
    p.add_argument("--commands", default="train,saveModelToFile",
                   help="control messages to flood with, one run each (default train,saveModelToFile)")
    p.add_argument("--rate", type=float, default=2000, help="control messages per second (default 2000)")
    p.add_argument("--seconds", type=float, default=10, help="length of the flood (default 10)")
    p.add_argument("--probe-rate", type=float, default=200, help="probe inputs per second (default 200)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Measure the probe without and with each flood; print the table and the target."""
    client = Client()
    rows: list[tuple[str, Phase, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "bench.yaml").write_text(BENCH_CONFIG)
        command = [sys.executable, "-m", "oscnet", "serve", "--config", str(tmp_path / "bench.yaml"),
                   "--project", str(tmp_path / "project"), "--send-port", str(client.port), "--headless"]
        proc, port = start_server(command, tmp_path / "server.log")
        target = ("127.0.0.1", port)
        try:
            prepare_oscnet(client, target)  # the project folder exists from here: saves are allowed
            client.control(target, "startRunning")
            client.measure(target, args.probe_rate, 0.5)  # warm-up, not reported
            rows.append(("no flood (reference)", client.measure(target, args.probe_rate, args.seconds), 0))
            for name in args.commands.split(","):
                flooder = subprocess.Popen([sys.executable, "-c", FLOODER, str(port), str(args.rate),
                                            str(args.seconds), name], stdout=subprocess.PIPE, text=True)
                phase = client.measure(target, args.probe_rate, args.seconds)
                out, _ = flooder.communicate(timeout=args.seconds + 30)
                rows.append((f"{name} flood", phase, int(out.strip() or 0)))
                client.control(target, "cancelTrain")
                client.control(target, "startRunning")  # a train stops running: run again for the next probe
                client.measure(target, args.probe_rate, 0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log = (tmp_path / "server.log").read_text()
    print(f"oscnet bench flood: probe {args.probe_rate:g} inputs/s for {args.seconds:g} s; flood "
          f"{args.rate:g} messages/s from another process")
    print(f"{'phase':<24} {'flood sent':>10} {'probe sent':>10} {'lost':>5} {'median ms':>10} {'p95 ms':>8} "
          f"{'p99 ms':>8}")
    for name, phase, flooded in rows:
        print(f"{name:<24} {flooded:10d} {phase.sent:10d} {phase.lost:5d} {phase.ms(50):10.3f} {phase.ms(95):8.3f} "
              f"{phase.ms(99):8.3f}")
    reference = rows[0][1].ms(95)
    flooded_rows = rows[1:]
    print("p95 flood / no flood: " + ", ".join(f"{n} {p.ms(95) / reference:.2f}x" for n, p, _ in flooded_rows))
    ok = all(p.ms(95) <= P95_TARGET_MS and p.lost == 0 for _, p, _ in flooded_rows)
    print(f"target: probe p95 ≤ {P95_TARGET_MS:g} ms and nothing lost under every flood [{'ok' if ok else 'MISSED'}]")
    print(f"the server's log: {log.count('file or training commands in a second')} rate-limit lines, "
          f"{len(log.encode()):,} bytes in all (each kind of problem is reported at most once a second)")
    return 0 if ok else 1
