"""`oscnet bench startup`: how long commands take to start, next to `python -c "import numpy"`.

Each command runs as a fresh process, as a user starts it; the reference (`import numpy`, the
least any numeric command needs) is measured in the same run, alternating with the commands so
a busy machine slows all alike. Reported: the median wall time and the median CPU time (the
child's user + system, from the kernel's accounting) of N runs, and their ratios to the
reference; then where each command's import time goes (`python -X importtime`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# tests/fixtures/weka/data/tiny.arff: 3 inputs, 10 rows, a numeric class.
TINY_ARFF = """@relation tiny
@attribute x1 numeric
@attribute x2 numeric
@attribute k numeric
@attribute y numeric
@data
0.0,1.0,1.0,0.5
0.1,0.8,1.0,0.9
0.2,0.6,1.0,1.1
0.3,0.9,1.0,1.6
0.4,0.2,1.0,1.0
0.5,0.5,1.0,1.8
0.6,0.1,1.0,1.5
0.7,0.7,1.0,2.4
0.8,0.3,1.0,2.1
0.9,0.4,1.0,2.6
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `oscnet bench startup`."""
    p = subparsers.add_parser("startup", help="start-up of `oscnet --help` and `oscnet train` vs `import numpy`")
    p.add_argument("--runs", type=int, default=9, help="runs of each command; medians are reported (default 9)")
    p.add_argument("--data", metavar="ARFF", help="the data for `oscnet train` (default: a 10-row, 3-input table, "
                   "tests/fixtures/weka/data/tiny.arff)")
    p.add_argument("--port", type=int, default=0, metavar="PORT", help="UDP port for `oscnet serve` (and PORT+1 "
                   "for its outputs); default any free port")
    p.set_defaults(func=run)


def child_env() -> dict[str, str]:
    """The environment for the commands: this oscnet first on the path (not another install)."""
    here = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run once; (wall seconds, child CPU seconds). Fails loudly if the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timed_serve(folder: Path, port: int, env: dict[str, str]) -> float:
    """Wall seconds from starting `oscnet serve` to its "listening" line (then it is stopped)."""
    command = [sys.executable, "-m", "oscnet", "serve", "--project", str(folder), "--headless", "--host",
               "127.0.0.1", "--port", str(port), "--send-host", "127.0.0.1", "--send-port", str(port + 1 if port else 9)]
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    wall = time.perf_counter() - start
    proc.terminate()
    proc.wait(timeout=30)
    proc.stdout.close()
    if "listening" not in line:
        raise SystemExit(f"oscnet serve did not start: {line.strip()!r}")
    return wall


def heaviest_imports(command: list[str], env: dict[str, str], n: int = 4) -> str:
    """The top-level imports that cost the most, from `python -X importtime`."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env, capture_output=True, text=True)
    found = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # top level: one space of indent
            found.append((int(cumulative), name.strip()))
    total = sum(us for us, _ in found)
    top = sorted(found, reverse=True)[:n]
    return f"imports {total / 1e3:.0f} ms: " + ", ".join(f"{name} {us / 1e3:.0f}" for us, name in top)


def run(args: argparse.Namespace) -> int:
    """Print the medians and the ratios to `import numpy`."""
    env = child_env()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = str(Path(tmp) / "tiny.arff")
            Path(data).write_text(TINY_ARFF)
        commands = {
            'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
            "oscnet --help": [sys.executable, "-m", "oscnet", "--help"],
            "oscnet train tiny.arff": [sys.executable, "-m", "oscnet", "train", data],
        }
        for command in commands.values():
            timed_run(command, env)  # warm the disk caches; not counted
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        serve: list[float] = []
        for _ in range(args.runs):  # interleaved, so a burst of load hits every command alike
            for name, command in commands.items():
                times[name].append(timed_run(command, env))
            serve.append(timed_serve(Path(tmp) / "project", args.port, env))
        notes = {name: heaviest_imports(command, env) for name, command in commands.items()}
    reference = next(iter(times))
    ref_wall = statistics.median(w for w, _ in times[reference])
    ref_cpu = statistics.median(c for _, c in times[reference])
    print(f"oscnet bench startup: medians of {args.runs} runs each, interleaved; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'command':<28} {'wall ms':>8} {'cpu ms':>8} {'wall ratio':>10} {'cpu ratio':>9}")
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:<28} {wall * 1e3:8.0f} {cpu * 1e3:8.0f} {wall / ref_wall:10.2f} {cpu / ref_cpu:9.2f}")
    wall = statistics.median(serve)
    print(f"{'oscnet serve → listening':<28} {wall * 1e3:8.0f} {'':>8} {wall / ref_wall:10.2f}  (its training "
          "workers then warm up in the background)")
    for name, note in notes.items():
        print(f"  {name}: {note}")
    return 0
