"""The console as a person sees it, in a real terminal (tmux): what the start loaded and where
things are saved, messages from other threads never landing inside the half-typed line, the
warning when recording follows running, and where autosave goes after `save DIR`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oscnet.osc.sender import Sender

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


def screen(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def wait_for(name: str, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = screen(name)
        if text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never showed; the screen:\n{screen(name)}")


def test_the_console_says_what_happened_and_keeps_the_prompt_whole(tmp_path: Path) -> None:
    name = f"oscnet-test-{tmp_path.name}"[-40:]
    config = tmp_path / "c.yaml"
    config.write_text("inputs: 2\noutputs: 1\nreceive: {host: 127.0.0.1, port: 0}\nsend: {port: 9}\n"
                      "recordings: null\n")
    command = f"cd {tmp_path} && {sys.executable} -m oscnet serve --config {config}"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "200", "-y", "50", command], check=True)
    try:
        shown = wait_for(name, "oscnet>")
        assert "oscnet: a new project (oscnet): 2 inputs, 1 outputs, 0 examples, 0 trained models; " \
               "not saved automatically (recordings: null; `save DIR` saves it)" in shown.replace("\n", "")
        assert f"folders typed here resolve from {tmp_path}" in shown
        port = int(shown.split("listening on UDP 127.0.0.1:")[1].split()[0])
        subprocess.run(["tmux", "send-keys", "-t", name, "stat"], check=True)  # typed, not entered
        time.sleep(0.3)
        Sender("127.0.0.1", port).send("/wek/nowhere", 1.0)  # a warning from the receive thread
        wait_for(name, "unknown address")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the terminal may still be drawing
            lines = [line for line in screen(name).splitlines() if line.strip()]
            if lines[-1] == "oscnet> stat":
                break
            time.sleep(0.1)
        assert lines[-1] == "oscnet> stat"  # the half-typed command is whole, below the message
        assert any(line.startswith("ignored a message to unknown address") for line in lines)
        subprocess.run(["tmux", "send-keys", "-t", name, "us", "Enter"], check=True)
        wait_for(name, "state: idle")
        patch = Sender("127.0.0.1", port)
        for keys in ("outputs 0.5", "record"):
            subprocess.run(["tmux", "send-keys", "-t", name, keys, "Enter"], check=True)
        wait_for(name, "Recording round #1")
        for k in range(20):
            patch.send_floats("/wek/inputs", [k / 20, 1 - k / 20])
        for keys in ("wait inputs 0", "stop", "train", "wait training", "run", "record", "stop"):
            subprocess.run(["tmux", "send-keys", "-t", name, keys, "Enter"], check=True)
            time.sleep(0.3)
        shown = wait_for(name, "recording right after running")
        assert "oscnet> oscnet>" not in shown  # a command's own messages do not repeat the prompt
        subprocess.run(["tmux", "send-keys", "-t", name, f"save {tmp_path / 'mine'}", "Enter"], check=True)
        shown = wait_for(name, "autosave now goes to")
        assert f"autosave now goes to {tmp_path / 'mine'}" in shown.replace("\n", "")
        subprocess.run(["tmux", "send-keys", "-t", name, "quit", "Enter"], check=True)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
