"""`oscnet bench train --project DIR`: a whole project's training in a live server, next to Weka.

DIR is an oscnet project or a Wekinator project folder (imported first); a copy in a temporary
folder is served, so DIR is never touched. `oscnet serve` runs as a separate process, as on
stage; once it is idle (its training workers warm), the client sends /wekinator/control/train
and times until /wekinator/status/done-training, N times over: the first training and the
median of the others. The same again with one training worker ($OSCNET_TRAIN_WORKERS=1:
outputs one after another) is the reference for the parallel speed-up; Weka 3.6 building the
same models one after another in one JVM (as Wekinator does; weka_timing.py) is the other.
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from oscnet.bench.weka_timing import time_weka, weka_available, weka_classifier
from oscnet.errors import OscnetError

if TYPE_CHECKING:
    from oscnet.live.trainer import TrainJob

DONE = b"/wekinator/status/done-training\0"
FAILED = b"/oscnet/status/training-failed\0"


def served_copy(source: Path, target: Path) -> Path:
    """An oscnet project in `target`: a copy of `source`, or `source` imported from Wekinator."""
    from oscnet.project.folder import is_project, save_project
    from oscnet.project.wekinator import read_wekinator

    if is_project(source):
        shutil.copytree(source, target)
    elif source.is_dir() and any(source.glob("*.wekproj")):
        imported = read_wekinator(source)
        save_project(target, imported.config, imported.examples, [None] * len(imported.config.outputs))
    else:
        raise OscnetError(f"{source} is neither an oscnet project nor a Wekinator project folder (no .wekproj)")
    return target


def project_jobs(folder: Path) -> list[TrainJob]:
    """What a train sends the workers: one job per trainable output (built as the session builds them)."""
    from oscnet.live.session import Session

    with Session(project_dir=folder, autosave=False) as session:
        return session._jobs(range(len(session.config.outputs)), warn=False)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (the training workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_idle(pid: int, timeout: float = 120) -> float:
    """Wait until the server and its workers stop using the CPU (warm-up done); returns the wait."""
    start = time.monotonic()
    last, quiet = cpu_seconds(pid), 0
    while quiet < 4 and time.monotonic() - start < timeout:
        time.sleep(0.25)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - last < 0.02 else 0
        last = now
    return time.monotonic() - start


def train_once(client: socket.socket, target: tuple[str, int], outputs: int, timeout: float = 900) -> float:
    """Send train; seconds until done-training (or every output failed)."""
    from oscnet.osc.wire import message

    while select.select([client], [], [], 0)[0]:
        client.recv(65536)
    failed = 0
    started = time.perf_counter()
    client.sendto(message("/wekinator/control/train"), target)
    while time.perf_counter() - started < timeout:
        if select.select([client], [], [], 1.0)[0]:
            data = client.recv(65536)
            if data.startswith(DONE):
                return time.perf_counter() - started
            failed += data.startswith(FAILED)
            if failed >= outputs:
                raise OscnetError("every output failed to train; see the server's log")
    raise OscnetError(f"no done-training within {timeout:.0f} s")


def time_server(folder: Path, workers: int | None, trainings: int, port: int) -> tuple[list[float], float, int]:
    """(each training's seconds, the warm-up wait, the number of training workers) of one server."""
    from oscnet.bench.live import start_server
    from oscnet.live.trainer import default_workers

    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind(("127.0.0.1", port))
    env = dict(os.environ)
    if workers is not None:
        env["OSCNET_TRAIN_WORKERS"] = str(workers)
    command = [sys.executable, "-m", "oscnet", "serve", "--project", str(folder), "--headless", "--host", "127.0.0.1",
               "--port", str(port + 1 if port else 0), "--send-host", "127.0.0.1", "--send-port",
               str(client.getsockname()[1])]
    proc, server_port = start_server(command, folder.parent / "server.log", env)
    try:
        waited = wait_idle(proc.pid)
        outputs = len(project_jobs(folder))
        times = [train_once(client, ("127.0.0.1", server_port), outputs) for _ in range(trainings)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        client.close()
    return times, waited, workers or int(env.get("OSCNET_TRAIN_WORKERS") or default_workers())


def summary(times: list[float]) -> str:
    rest = times[1:] or times
    return (f"first {times[0]:.3f} s, then median {statistics.median(rest):.3f} s "
            f"(first/median {times[0] / statistics.median(rest):.2f})")


def run_project(args: argparse.Namespace) -> int:
    """Print the project, oscnet's parallel and serial trainings, and Weka's builds."""
    source = Path(args.project)
    with tempfile.TemporaryDirectory(prefix="oscnet-bench-") as tmp:
        folder = served_copy(source, Path(tmp) / "project")
        jobs = project_jobs(folder)
        if not jobs:
            raise OscnetError(f"{source}: no output has examples to train on")
        print(f"oscnet bench train --project {source}: {len(jobs)} outputs to train; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f}")
        for job in jobs:
            kind = f"{len(job.class_labels)} classes" if job.class_labels else "numeric"
            print(f"  output {job.output + 1} {job.class_name}: {job.recipe} {job.options or ''}, "
                  f"{len(job.target)} examples x {job.inputs.shape[1]} inputs, {kind}")
        parallel, waited, n = time_server(folder, None, args.trainings, args.port)
        print(f"oscnet serve, {n} training workers (warm after {waited:.1f} s): {summary(parallel)}")
        serial, _, _ = time_server(folder, 1, args.trainings, args.port + 2 if args.port else 0)
        print(f"oscnet serve, 1 training worker (outputs one after another): {summary(serial)}")
        speedup = statistics.median(serial[1:] or serial) / statistics.median(parallel[1:] or parallel)
        print(f"parallel speed-up (medians): {speedup:.2f}x with {min(n, len(jobs))} of {len(jobs)} outputs at once")
        missing = weka_available()
        if missing:
            print(f"Weka 3.6: not measured ({missing})")
            return 0
        weka = time_weka(jobs, passes=2)
        cold, warm = sum(weka.wall[0]) / 1e3, sum(weka.wall[1]) / 1e3
        print(f"Weka 3.6, the same {len(jobs)} models one after another in one JVM (build times summed): "
              f"cold JVM {cold:.3f} s, JIT-warm {warm:.3f} s")
        for job, command in zip(jobs, weka.commands):
            note = weka_classifier(job.recipe, job.options)[2]
            print(f"  {command}{f'  ({note})' if note else ''}")
        ours = statistics.median(parallel[1:] or parallel)
        print(f"ratio oscnet (train → done-training, median) / Weka (builds only): {ours / warm:.3f} vs warm, "
              f"{ours / cold:.3f} vs cold; oscnet's first training / Weka's cold JVM: {parallel[0] / cold:.3f}")
    return 0
