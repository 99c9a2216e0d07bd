"""The console: the same commands as OSC, scripted end to end, through the real `oscnet` command."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading

import numpy as np
import pytest
from osc_helpers import live_config, serve

from oscnet.live.console import Console
from oscnet.live.demo import Listener
from oscnet.osc.sender import Sender


def run_console(session, script: str) -> tuple[int, str]:
    out = io.StringIO()
    console = Console(session, stdin=io.StringIO(script), stdout=out, script=True)
    return console.run(), out.getvalue()


def feed_inputs(port: int, stop: threading.Event, address: str = "/wek/inputs") -> threading.Thread:
    """A patch sending x, 1−x about 500 times a second until stopped."""
    def loop() -> None:
        sender = Sender("127.0.0.1", port)
        rng = np.random.default_rng(0)
        while not stop.wait(0.002):
            x = float(rng.uniform(0, 1))
            sender.send_floats(address, [x, 1 - x])
        sender.close()
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def test_a_scripted_console_session_records_trains_runs_and_saves(tmp_path):
    script = f"""
# a whole session, paced by the inputs arriving
outputs 0.25
record
wait inputs 40
stop
outputs 0.75
record
wait inputs 40
stop
train
wait training
run
wait inputs 5
inputs
status
dump 1
delete last
readd last
save {tmp_path / 'saved'}
quit
"""
    with serve(live_config(2, 1)) as server:
        stop = threading.Event()
        feeder = feed_inputs(server.endpoint.port, stop)
        try:
            code, out = run_console(server.session, script)
        finally:
            stop.set()
            feeder.join()
        assert code == 0, out
        assert "> wait training" in out and "error" not in out
        assert "outputs-1 (v1)" in out and "Linear Node 0" in out  # status and dump
        assert re.search(r"received \d+ input messages, \d+/s", out)
        assert server.session.running
        assert (tmp_path / "saved" / "models" / "output-1.json").exists()


def test_a_script_stops_at_the_first_error_and_says_where():
    with serve() as server:
        code, out = run_console(server.session, "status\ntrain\nstatus\n")
        assert code == 2
        assert "error: cannot train" in out and out.count("> status") == 1


def test_console_commands_change_the_same_state_as_osc_messages():
    with serve(live_config(2, 2)) as server:
        _, out = run_console(server.session, "outputs 0.5 0.25\ndisable record 2\nnames outputs a b\n"
                                                "select b 2\nrandomize\noutputs\nbogus\n")
        session = server.session
        assert not session.record_on[1]
        assert [o.name for o in session.config.outputs] == ["a", "b"]
        assert session.config.outputs[1].inputs == [1]
        assert server.listener.get("/wek/outputs") == pytest.approx([0.5, 0.25])
        assert "unknown command 'bogus'" in out


def test_oscnet_serve_runs_piped_commands_against_a_real_patch(tmp_path):
    listener = Listener()
    config = tmp_path / "two-in.yaml"
    config.write_text("inputs: [x, y]\noutputs: [pitch]\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "oscnet", "serve", "--config", str(config), "--host", "127.0.0.1",
         "--port", "0", "--send-port", str(listener.port), "--project", str(tmp_path / "p")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    stop = threading.Event()
    try:
        first = proc.stdout.readline()
        port = int(re.search(r"UDP 127.0.0.1:(\d+)", first).group(1))
        feeder = feed_inputs(port, stop)
        proc.stdin.write("outputs 0.3\nrecord\nwait inputs 30 20\nstop\n")
        proc.stdin.write("train\nwait training 60\nrun\nwait inputs 3 20\nstatus\nquit\n")
        proc.stdin.close()
        out = proc.stdout.read()
        assert proc.wait(timeout=60) == 0, out
    finally:
        stop.set()
        proc.kill()
        listener.close()
    feeder.join()
    assert "Training completed." in out and "Running..." in out
    assert "Traceback" not in out
    assert (tmp_path / "p" / "models" / "output-1.json").exists()  # the project folder kept up


def test_oscnet_serve_commands_file_error_exits_2_with_the_line(tmp_path):
    commands = tmp_path / "session.txt"
    commands.write_text("status\nrun\n")
    done = subprocess.run([sys.executable, "-m", "oscnet", "serve", "--host", "127.0.0.1", "--port", "0",
                           "--commands", str(commands)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{commands}, line 2: cannot run" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_oscnet_demo_shows_the_whole_loop():
    done = subprocess.run([sys.executable, "-m", "oscnet", "demo"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "/wekinator/status/done-training" in done.stdout
    assert "received 7 /wek/outputs" in done.stdout
    assert "=== pitch (v1) ===" in done.stdout and "Linear Node 0" in done.stdout
    assert "=== zone (v1) ===\nIB1 instance-based classifier" in done.stdout  # Wekinator's default classifier


def test_gestures_are_recorded_shown_and_deleted_at_the_console():
    """A DTW project at the console: `gesture N` records while inputs arrive, `stop` keeps it."""
    from test_dtw_live import dtw_config

    with serve(dtw_config()) as server:
        session = server.session
        code, out = run_console(session, "gesture flick\n")
        assert code == 0
        for k in range(12):
            server.patch.inputs(k / 12, 0.5)
        server.patch.sync()
        code, out = run_console(session, "stop\ngesture show\ngesture delete 2\ngesture show\n")
        assert code == 0, out
        assert "2. flick → /flick: 1 examples, lengths 13" in out  # 12 inputs and the sync fence
        assert "2. flick → /flick: 0 examples" in out
