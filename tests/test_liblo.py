"""A real peer no one here wrote: liblo-tools' oscsend drives a session, oscdump receives the outputs."""

from __future__ import annotations

import queue
import shutil
import socket
import subprocess
import threading

import pytest
from osc_helpers import live_config, wait_until

from oscnet.live.session import Session
from oscnet.osc.endpoint import Endpoint

pytestmark = [
    pytest.mark.peers,
    pytest.mark.skipif(not (shutil.which("oscsend") and shutil.which("oscdump")),
                       reason="liblo-tools is not installed (apt-get install -y liblo-tools): "
                              "no oscsend/oscdump to test against"),
]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_oscsend_drives_a_session_and_oscdump_receives_the_outputs():
    dump_port = free_udp_port()
    dump = subprocess.Popen(["oscdump", "-L", str(dump_port)], stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in dump.stdout], daemon=True).start()
    config = live_config(2, 1, send_host="127.0.0.1", send_port=dump_port)
    try:
        with Session(config, autosave=False) as session, Endpoint(session, "127.0.0.1", 0) as endpoint:
            def oscsend(address: str, types: str = "", *values: float) -> None:
                subprocess.run(["oscsend", "127.0.0.1", str(endpoint.port), address, types,
                                *map(str, values)], check=True, timeout=10)

            sent = 0
            for x in (0.0, 0.25, 0.5, 0.75, 1.0):
                oscsend("/wekinator/control/outputs", "f", 0.1 + 0.8 * x)  # a linear mapping
                oscsend("/wekinator/control/startRecording")
                for jitter in (-0.01, 0.0, 0.01):
                    oscsend("/wek/inputs", "ff", x + jitter, 0.5)
                    sent += 1
                oscsend("/wekinator/control/stopRecording")
            wait_until(lambda: len(session.examples) == sent and not session.recording)
            oscsend("/wekinator/control/train")
            wait_until(lambda: session.models[0] is not None, 60, "the training")
            oscsend("/wekinator/control/startRunning")
            wait_until(lambda: session.running)
            oscsend("/wek/inputs", "ff", 0.5, 0.5)
            received = []  # oscdump prints "<timetag> /wek/outputs f 0.500000"
            while len(received) < 6:  # 5 echoes of the outputs set by hand, then the model's answer
                words = lines.get(timeout=10).split()
                if words[1:2] == ["/wek/outputs"]:
                    received.append(words)
            assert [float(w[3]) for w in received[:5]] == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
            _timetag, _address, types, value = received[5]
            assert types == "f" and float(value) == pytest.approx(0.5, abs=0.05)
            assert not session.problems.counts
    finally:
        dump.terminate()
        dump.wait(timeout=5)


def test_oscdump_sees_done_training():
    dump_port = free_udp_port()
    dump = subprocess.Popen(["oscdump", "-L", str(dump_port)], stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in dump.stdout], daemon=True).start()
    config = live_config(1, 1, send_host="127.0.0.1", send_port=dump_port)
    try:
        with Session(config, autosave=False) as session, Endpoint(session, "127.0.0.1", 0) as endpoint:
            port = str(endpoint.port)
            subprocess.run(["oscsend", "127.0.0.1", port, "/wekinator/control/startRecording"], check=True)
            subprocess.run(["oscsend", "127.0.0.1", port, "/wek/inputs", "i", "3"], check=True)  # an int
            subprocess.run(["oscsend", "127.0.0.1", port, "/wekinator/control/train"], check=True)
            while "/wekinator/status/done-training" not in lines.get(timeout=60):
                pass
            assert session.examples.block().inputs.tolist() == [[3.0]]
    finally:
        dump.terminate()
        dump.wait(timeout=5)
