"""`oscnet bench live --web`: the OSC round trip with and without a browser on the web view, in one run.

One `oscnet serve --web` process is prepared as `bench live` prepares it (2,000 examples
recorded over UDP, trained, running). Then at each rate the round trip is measured twice: with
no page open, and with the web view open in a headless chromium (the map shown, as a performer
would leave it), three times over, alternating. The browser stays started in both phases (an empty page in the first), so the
difference is what the web view costs: the frames, the map, the browser drawing them. Without
chromium or selenium, a WebSocket client that reads every frame and asks for the map as the page
does stands in for the browser (the report says which).

It adds `--web` to `bench live`'s own options (registered after it), so `bench live` itself
knows nothing of the web view.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from oscnet.errors import OscnetError

ROUNDS = 3  # per rate: without, with, three times over; each phase lasts --seconds in all
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,900")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `--web` to `oscnet bench live` (registered by bench/live.py just before)."""
    parser = subparsers.choices.get("live")
    if parser is None:
        return
    parser.add_argument("--web", nargs="?", const="browser", choices=["browser", "socket"],
                        help="instead: oscnet with and without the web view open in a headless browser (`socket`: "
                             "a WebSocket client reading the frames), as ratios")
    parser.set_defaults(func=bench_live_or_web)


def bench_live_or_web(args: argparse.Namespace) -> int:
    if not args.web:
        from oscnet.bench.live import bench_live

        return bench_live(args)
    return bench_live_web(args)


class BrowserViewer:
    """Headless chromium (Debian's, with its chromedriver) showing the web view or an empty page."""

    name = "headless chromium"

    def __init__(self, url: str, chromium: str, driver: str) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.url = url
        self.profile = tempfile.mkdtemp(prefix="oscnet-bench-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={self.profile}"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(driver), options=options)

    def show(self) -> None:
        self.driver.get(self.url)
        deadline = time.monotonic() + 30
        while not self.driver.execute_script("return !!(window.oscnetView && window.oscnetView.map)"):
            if time.monotonic() > deadline:
                raise OscnetError("the web view did not show its map within 30 s in the browser")
            time.sleep(0.1)

    def hide(self) -> float:
        """Leave the page; returns the frames per second it was getting."""
        fps = float(self.driver.execute_script(
            "const v = window.oscnetView; return v && v.frames > 1 ? (v.frames - 1) * 1000 / (performance.now() - v.firstFrameAt) : 0") or 0.0)
        self.driver.get("about:blank")
        return fps

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


class SocketViewer:
    """A WebSocket client that reads every frame and asks for the map every 250 ms, as the page does;
    in a process of its own, so it never competes with the measuring client for the interpreter."""

    name = "WebSocket client"

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://").replace("/?", "/ws?")
        if self.url.endswith("/"):
            self.url += "ws"
        self.proc: subprocess.Popen | None = None

    def show(self) -> None:
        from oscnet.bench.startup import child_env

        self.proc = subprocess.Popen([sys.executable, "-m", "oscnet.bench.live_web", self.url], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=child_env())
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "connected":
            raise OscnetError("the WebSocket client could not connect to the web view")

    def hide(self) -> float:
        """Disconnect; returns the frames per second it was getting."""
        if self.proc is None:
            return 0.0
        out, _ = self.proc.communicate("", timeout=30)  # end of input: it prints its frame rate and stops
        self.proc = None
        return float(out.split()[-1])

    def close(self) -> None:
        self.hide()


async def read_frames(url: str) -> float:
    """The socket viewer's process: read frames until stdin ends; returns the frames per second."""
    import asyncio

    import aiohttp

    loop = asyncio.get_running_loop()
    done = loop.run_in_executor(None, sys.stdin.read)
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        print("connected", flush=True)
        frames, started, next_map = 0, time.monotonic(), 0.0
        while not done.done():
            if time.monotonic() >= next_map:
                await ws.send_str(json.dumps({"cmd": "map", "id": 0, "output": 0, "x": 0, "y": 1}))
                next_map = time.monotonic() + 0.25
            try:
                message = await ws.receive(timeout=0.1)
            except TimeoutError:
                continue
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frames += json.loads(message.data).get("type") == "frame"
        return frames / (time.monotonic() - started)


def viewer_for(url: str, kind: str) -> BrowserViewer | SocketViewer:
    """The browser if asked for and there is one (chromium, chromedriver, selenium), else the socket client."""
    if kind == "socket":
        return SocketViewer(url)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        chromium = None
    return BrowserViewer(url, chromium, driver) if chromium and driver else SocketViewer(url)


def read_url(proc: Any) -> str:
    """The web view's URL from the server's start lines."""
    for _ in range(10):
        line = proc.stdout.readline()
        if "web view at " in line:
            return str(line.split("web view at ", 1)[1].strip())
    raise OscnetError("the server printed no web view URL")


def bench_live_web(args: Any) -> int:
    """Measure the round trip at each rate without and with the web view open; print the ratios."""
    import numpy as np

    from oscnet.bench.live import BENCH_CONFIG, N_INPUTS, N_OUTPUTS, Client, Phase, prepare_oscnet, start_server

    rates = [float(r) for r in args.rates.split(",")]
    client = Client(args.port)
    env = {"OSCNET_TRAIN_POLICY": args.train_policy} if args.train_policy else {}
    results: dict[tuple[str, float], Phase] = {}
    fps: dict[float, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.yaml").write_text(BENCH_CONFIG)
        command = [sys.executable, "-m", "oscnet", "serve", "--config", str(Path(tmp) / "bench.yaml"),
                   "--send-port", str(client.port), "--headless", "--port", str(args.port and args.port + 2),
                   "--web", "127.0.0.1:0"]
        proc, port = start_server(command, Path(tmp) / "server.log", env)
        target = ("127.0.0.1", port)
        viewer: BrowserViewer | SocketViewer | None = None
        try:
            url = read_url(proc)
            viewer = viewer_for(url, args.web)
            prepare_oscnet(client, target)
            client.control(target, "startRunning")
            client.measure(target, 1000, 0.3)  # warm-up, not reported
            for rate in rates:
                phases: dict[str, list[Phase]] = {"without": [], "with": []}
                seen = []
                for _ in range(ROUNDS):  # alternated, so a machine that gets busier meanwhile hits both
                    viewer.hide()
                    phases["without"].append(client.measure(target, rate, args.seconds / ROUNDS))
                    viewer.show()
                    phases["with"].append(client.measure(target, rate, args.seconds / ROUNDS))
                    seen.append(viewer.hide())
                for name, parts in phases.items():
                    results[name, rate] = Phase(sum(p.sent for p in parts), np.concatenate([p.rtts for p in parts]),
                                                sum(p.seconds for p in parts))
                fps[rate] = min(seen)
        finally:
            if viewer is not None:
                viewer.close()
            proc.terminate()
            proc.wait(timeout=10)
    assert viewer is not None
    print(f"oscnet bench live --web: /wek/inputs → /wek/outputs round trip over UDP on 127.0.0.1, {N_INPUTS} "
          f"inputs, {N_OUTPUTS} outputs (weka, hidden i), {args.seconds:g} s per phase in {ROUNDS} turns, without and with the web "
          f"view open in a {viewer.name} (map shown); {os.cpu_count()} cores")
    print(f"{'rate/s':>7}  {'web view':<9} {'sent':>6} {'lost':>5} {'median ms':>10} {'p99 ms':>8} {'frames/s':>9}")
    for rate in rates:
        for phase in ("without", "with"):
            got = results[phase, rate]
            shown = f"{fps[rate]:9.1f}" if phase == "with" else f"{'':>9}"
            print(f"{rate:7.0f}  {phase:<9} {got.sent:6d} {got.lost:5d} {got.ms(50):10.3f} {got.ms(99):8.3f} {shown}")
    ratios = {rate: (results["with", rate].ms(50) / results["without", rate].ms(50),
                     results["with", rate].ms(99) / results["without", rate].ms(99)) for rate in rates}
    print("with / without the web view: " + ", ".join(f"{r:g}/s median {m:.2f}x p99 {p:.2f}x"
                                                       for r, (m, p) in ratios.items()))
    lost = {rate: (results["without", rate].lost, results["with", rate].lost) for rate in rates}
    print("lost without → with: " + ", ".join(f"{r:g}/s {a} → {b}" for r, (a, b) in lost.items()))
    checks = [("frames ≥ 20/s in the viewer", all(f >= 20 for f in fps.values())),
              ("median ≤ 1.5× without at every rate", all(m <= 1.5 for m, _ in ratios.values())),
              ("no more lost with the web view", all(b <= a for a, b in lost.values()))]
    print("targets: " + "; ".join(f"{what} [{'ok' if ok else 'MISSED'}]" for what, ok in checks))
    return 0


if __name__ == "__main__":
    import asyncio

    print(f"frames/s {asyncio.run(read_frames(sys.argv[1])):.2f}", flush=True)
