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


class Server:
    """One `oscnet serve` of a project copy, and the client socket that gets its answers."""

    def __init__(self, folder: Path, workers: int | None, port: int, policy: str | None) -> None:
        from oscnet.bench.live import start_server
        from oscnet.live.trainer import default_workers

        self.client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client.bind(("127.0.0.1", port))
        env = {"OSCNET_TRAIN_WORKERS": str(workers)} if workers is not None else {}
        if policy:
            env["OSCNET_TRAIN_POLICY"] = policy
        self.workers = workers or int(os.environ.get("OSCNET_TRAIN_WORKERS") or default_workers())
        command = [sys.executable, "-m", "oscnet", "serve", "--project", str(folder), "--headless",
                   "--host", "127.0.0.1", "--port", str(port + 1 if port else 0),
                   "--send-host", "127.0.0.1", "--send-port", str(self.client.getsockname()[1])]
        self.proc, server_port = start_server(command, folder.parent / f"{folder.name}.log", env)
        self.target = ("127.0.0.1", server_port)
        self.times: list[float] = []
        self.cpu: list[float] = []

    def train(self, outputs: int) -> None:
        """One timed training, and the CPU time the server and its workers spent on it."""
        before = cpu_seconds(self.proc.pid)
        self.times.append(train_once(self.client, self.target, outputs))
        self.cpu.append(cpu_seconds(self.proc.pid) - before)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.client.close()


def busy_loops(n: int, policy: str | None) -> float:
    """The machine's parallelism now, for processes of the workers' priority: n fixed busy loops one
    after another, over the same n at once (n = a perfectly parallel machine; 1 = none)."""
    import subprocess

    from oscnet.bench.startup import child_env

    code = f"from oscnet.live.worker import lower_priority; lower_priority({policy or 'batch'!r}); sum(range(10**7))"
    command, env = [sys.executable, "-c", code], child_env()
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(command, env=env, check=True)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    for proc in [subprocess.Popen(command, env=env) for _ in range(n)]:
        proc.wait()
    return serial / (time.perf_counter() - start)


def time_servers(folder: Path, trainings: int, port: int, policy: str | None) -> tuple[Server, Server, float, list[float]]:
    """A pool-sized server and a one-worker server, both warm, trained alternately (so background
    load hits both alike), with the machine's parallelism measured between rounds; returns them,
    how long the warm-up took and the parallelism figures."""
    serial_folder = folder.parent / "serial"
    shutil.copytree(folder, serial_folder)
    outputs = len(project_jobs(folder))
    servers = []
    try:
        servers.append(Server(folder, None, port, policy))
        servers.append(Server(serial_folder, 1, port + 2 if port else 0, policy))
        waited = max(wait_idle(s.proc.pid) for s in servers)
        parallelism = []
        for _ in range(trainings):
            for server in servers:
                server.train(outputs)
            parallelism.append(busy_loops(min(servers[0].workers, outputs), policy))
    finally:
        for server in servers:
            server.close()
    return servers[0], servers[1], waited, parallelism


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
        pool, one, waited, parallelism = time_servers(folder, args.trainings, args.port, args.train_policy)
        parallel, serial, n = pool.times, one.times, pool.workers
        print(f"two servers, both warm after {waited:.1f} s, trained alternately {args.trainings} times each "
              f"(training workers: {args.train_policy or 'batch'} policy):")
        print(f"  oscnet serve, {n} training workers: {summary(parallel)}; "
              f"CPU per training {statistics.median(pool.cpu):.3f} s")
        print(f"  oscnet serve, 1 training worker (outputs one after another): {summary(serial)}; "
              f"CPU per training {statistics.median(one.cpu):.3f} s")
        speedup = statistics.median(serial[1:] or serial) / statistics.median(parallel[1:] or parallel)
        at_once = min(n, len(jobs))
        print(f"parallel speed-up (medians): {speedup:.2f}x with {at_once} of {len(jobs)} outputs at once; the "
              f"machine meanwhile ran {at_once} busy loops of the workers' priority {statistics.median(parallelism):.2f}x "
              f"faster at once than one after another (the most any training could gain; {at_once}x on idle cores)")
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
