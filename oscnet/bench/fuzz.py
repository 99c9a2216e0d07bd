"""`oscnet bench fuzz`: hostile datagrams per second, next to clean inputs in the same run."""

from __future__ import annotations

import argparse
import socket
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `oscnet bench fuzz`."""
    p = subparsers.add_parser("fuzz", help="datagrams/s handled under hostile traffic, rejected by kind, "
                                           "crashes and examples lost")
    p.add_argument("-n", "--datagrams", type=int, default=100_000, help="hostile datagrams to send (default 100,000)")
    p.add_argument("--seed", type=int, default=1, help="the fuzzer's seed (replays a run exactly)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Record while a seeded fuzzer sends; report speed, rejections, crashes and lost examples."""
    from oscnet.live.session import Session
    from oscnet.osc.endpoint import Endpoint
    from oscnet.project.config import Config
    from oscnet.testing import DatagramFuzzer, blast, stream

    config = Config.default(5, 2)
    config.receive_port, config.send_port, config.recordings = 0, 9, None  # outputs go nowhere
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with Session(config, autosave=False).start() as session, Endpoint(session, "127.0.0.1", 0) as endpoint:
        target = ("127.0.0.1", endpoint.port)
        sent = [0]

        def send(data: bytes) -> None:
            sock.sendto(data, target)
            sent[0] += 1

        def fence(_valid: int) -> None:  # wait until the server has handled all sent so far
            deadline = time.monotonic() + 30
            while endpoint.datagrams < sent[0] and time.monotonic() < deadline:
                time.sleep(0.0005)

        session.start_recording()
        fuzzer = DatagramFuzzer(args.seed, len(config.inputs))
        # The reference: clean inputs only, same sender, same fences, also made before the clock starts.
        clean = blast([("valid inputs", fuzzer.inputs(), 1) for _ in range(args.datagrams // 10)], send, fence)
        clean_rate = clean.datagrams / clean.seconds
        before = len(session.examples)
        datagrams = list(stream(fuzzer, args.datagrams))  # made before the clock starts
        rss_before = _rss_mb()
        result = blast(datagrams, send, fence)
        rss_after = _rss_mb()
        alive = endpoint._thread.is_alive()
        lost = before + result.valid_inputs - len(session.examples)
        rate = result.datagrams / result.seconds
        print(f"clean inputs (reference): {clean.datagrams:,} datagrams, {clean_rate:,.0f}/s")
        print(f"hostile mix:              {result.datagrams:,} datagrams ({result.valid_inputs:,} valid inputs "
              f"among them), {rate:,.0f}/s = {rate / clean_rate:.2f} x the clean rate")
        print("sent by kind:   " + ", ".join(f"{k} {n}" for k, n in sorted(result.sent.items())))
        print(f"rejected by kind: {session.problems.summary()}")
        crashes = session.problems.counts["internal error"] + (0 if alive else 1)
        print(f"crashes: {crashes}; examples lost: {lost}; receive thread alive: {alive}; "
              f"resident memory {rss_before:.0f} -> {rss_after:.0f} MB (this process, sender included)")
    sock.close()
    return 0 if crashes == 0 and lost == 0 else 1


def _rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration):
        return float("nan")
