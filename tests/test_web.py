"""The web view without a browser: who may connect, frames, commands, the model map, slow browsers,
and `oscnet serve --web` (the browser tests are in test_web_browser.py)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from osc_helpers import live_config

from oscnet.errors import OscnetError
from oscnet.live.session import Session
from oscnet.project.outputs import OutputSpec
from oscnet.web.access import Access, is_loopback, parse_address
from oscnet.web.frames import FrameBuilder, LogTail
from oscnet.web.modelmap import MapRequest, compute, grid_rows, message
from oscnet.web.server import WebView

REPO = Path(__file__).resolve().parents[1]
TOKEN = "a-token-for-the-tests-0123"


def ws_url(web: WebView, token: str | None = None) -> str:
    query = f"?token={token}" if token else ""
    return f"ws://127.0.0.1:{web.access.port}/ws{query}"


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def first_messages(url: str, n: int, **kwargs) -> list[dict]:
    async with aiohttp.ClientSession() as client, client.ws_connect(url, **kwargs) as ws:
        return [json.loads((await ws.receive(timeout=10)).data) for _ in range(n)]


def session_for(n_inputs: int = 2, n_outputs: int = 1) -> Session:
    return Session(live_config(n_inputs, n_outputs), autosave=False)


# --- who may connect ----------------------------------------------------------------------

def test_addresses_and_tokens():
    assert parse_address(None) == ("127.0.0.1", None)
    assert parse_address("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_address(":7000") == ("127.0.0.1", 7000)
    assert parse_address("[::1]:7000") == ("::1", 7000)
    assert parse_address("localhost") == ("localhost", None)
    with pytest.raises(OscnetError, match="0..65535"):
        parse_address("127.0.0.1:99999")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    # any address but this machine's gets a token, printed in the URL; loopback needs none
    open_to_all = Access.for_address("0.0.0.0", 6449)
    assert open_to_all.token and open_to_all.url() == f"http://127.0.0.1:6449/?token={open_to_all.token}"
    assert Access.for_address("127.0.0.1", 6449).token is None
    with pytest.raises(OscnetError, match="16 characters"):
        Access.for_address("0.0.0.0", 6449, token="short")


def test_every_request_checks_the_token_host_and_origin():
    access = Access.for_address("127.0.0.1", 6449, TOKEN)
    host = {"Host": "127.0.0.1:6449"}
    assert "needs its token" in access.refusal({}, host)
    assert "wrong token" in access.refusal({"token": TOKEN[:-1] + "x"}, host)
    assert access.refusal({"token": TOKEN}, host) is None
    assert access.refusal({"token": TOKEN}, {**host, "Origin": "http://127.0.0.1:6449"}) is None
    assert "another site" in access.refusal({"token": TOKEN}, {**host, "Origin": "http://evil.example"})
    # a site whose name points at 127.0.0.1 (DNS rebinding) is refused on a loopback view
    assert "Host" in Access.for_address("127.0.0.1", 6449).refusal({}, {"Host": "evil.example:6449"})
    assert Access.for_address("127.0.0.1", 6449).refusal({}, {"Host": "localhost:6449"}) is None


def test_a_wrong_or_missing_token_is_refused_over_http_and_websocket():
    with session_for() as session, WebView(session, token=TOKEN) as web:
        page = f"http://127.0.0.1:{web.access.port}/"
        for url in (page, page + "app.js", page + "style.css", page + "?token=wrong-wrong-wrong-wrong"):
            status, text = get(url)
            assert status == 403 and "token" in text
        status, text = get(web.url)
        assert status == 200 and f"app.js?token={TOKEN}" in text and "<button" in text
        assert get(page + f"app.js?token={TOKEN}")[0] == 200
        assert get(page + f"nothing?token={TOKEN}")[0] == 404  # the routes are fixed: no file can be named
        for url, headers in ((ws_url(web), {}), (ws_url(web, "wrong-wrong-wrong-wrong"), {}),
                             (ws_url(web, TOKEN), {"Origin": "http://evil.example"})):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                asyncio.run(first_messages(url, 1, headers=headers))
            assert refused.value.status == 403
        origin = {"Origin": f"http://127.0.0.1:{web.access.port}"}
        project, *_ = asyncio.run(first_messages(ws_url(web, TOKEN), 1, headers=origin))
        assert project["type"] == "project" and project["inputs"] == ["inputs-1", "inputs-2"]
        assert web.refused == 7


# --- frames and commands ------------------------------------------------------------------

def test_frames_show_inputs_rate_counts_and_bad_input():
    config = live_config(2, 2)
    config.outputs[1] = OutputSpec("gesture", type="classifier", classes=3)
    with Session(config, autosave=False) as session:
        builder = FrameBuilder(session, LogTail())
        first = builder.frame()
        assert first["sample"] is None and first["outputs"] == [[0, False, 0, True, True, True]] * 2
        session.set_recording_enabled([2], False)
        session.start_recording()
        for x in np.linspace(0, 1, 30):
            session.receive_inputs(np.array([x, np.inf]))
        session.problems.report("malformed datagram", "a test")
        frame = builder.frame()
        assert frame["sample"] == [1.0, None]  # JSON carries no infinity
        assert frame["outputs"][0][0] == 30 and frame["outputs"][1][0] == 0 and frame["outputs"][1][3] is False
        assert frame["state"] == "recording" and frame["received"] == 30
        assert frame["problems"] == {"malformed datagram": 1}
        assert builder.frame()["sample"] is None  # no new input: the traces stand still
        session.delete_last()
        assert builder.frame()["outputs"][0][0] == 0  # a deletion is seen (the mirror copies again)
        json.dumps(frame, allow_nan=False)


def test_commands_call_the_session_and_errors_come_back_as_words():
    config = live_config(2, 2)
    config.outputs[1] = OutputSpec("gesture", type="classifier", classes=3)

    async def talk(url: str) -> list[dict]:
        async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
            sent = [{"cmd": "set_output", "output": 0, "value": 0.25}, {"cmd": "set_output", "output": 1, "value": 2.5},
                    {"cmd": "record"}, {"cmd": "stop"}, {"cmd": "switch", "output": 1, "what": "run", "on": False},
                    {"cmd": "save", "path": "/etc/x"}, {"cmd": "run"}, "not a command"]
            for ident, message in enumerate(sent):
                await ws.send_str(json.dumps({**message, "id": ident} if isinstance(message, dict) else message))
                while True:
                    got = json.loads((await ws.receive(timeout=10)).data)
                    if got["type"] == "reply":
                        break
                replies.append(got)
            return replies

    replies: list[dict] = []
    with Session(config, autosave=False) as session, WebView(session) as web:
        asyncio.run(talk(ws_url(web)))
        assert [r["ok"] for r in replies] == [True, False, True, True, True, False, False, False]
        assert "classifier with 3 classes" in replies[1]["error"]
        assert "unknown command 'save'" in replies[5]["error"]
        assert "no output has a trained model" in replies[6]["error"]
        assert session.values[0] == 0.25 and session.round == 1 and not session.run_on[1]


# --- the model map ------------------------------------------------------------------------

def test_the_model_map_is_the_runners_own_predictions():
    config = live_config(3, 3)
    config.outputs[0].limits = "hard"  # the map clips as the receive path does
    config.outputs[1] = OutputSpec("gesture", type="classifier", classes=2)  # kNN
    config.outputs[2] = OutputSpec("sure", type="classifier", classes=2, learner="weka", confidence=0.9)
    with Session(config, autosave=False) as session:
        rng = np.random.default_rng(0)
        session.start_recording()
        for x in rng.uniform(0, 1, (60, 3)):
            klass = 1.0 + (x[0] > x[2])
            session.set_outputs([0.2 + 0.6 * x[0] * x[1], klass, klass])
            session.receive_inputs(x)
        session.train()
        session.wait_training()
        block = session.examples.block()
        held = np.array([0.3, 0.6, 0.7])
        state = session.live_state
        for k in (0, 1, 2):  # the network, kNN, a network classifier with a confidence threshold
            answer = compute(state, held, block.inputs, block.outputs, MapRequest(k, 0, 2), size=16)
            rows = grid_rows(held, 0, 2, tuple(answer["xrange"]), tuple(answer["yrange"]), 16)
            expected = [state.runners[k](row)[0] for row in rows]
            np.testing.assert_allclose(answer["values"], expected, rtol=1e-12, atol=1e-12)
            assert np.all(rows[:, 1] == 0.6)  # the other input held
            assert len(answer["dots"]) == 60 and answer["trained"]
            sent = json.loads(json.dumps(message(answer)))  # as the page gets it: float32
            np.testing.assert_allclose(np.frombuffer(base64.b64decode(sent["values"]), "<f4"), expected, rtol=1e-6)
            if k:
                assert set(answer["values"]) >= {1.0, 2.0}  # the classifier's map shows both classes
        assert 0.0 in answer["values"]  # and where the network is not sure, `unknown`
        with pytest.raises(OscnetError, match="two different inputs"):
            compute(state, held, block.inputs, block.outputs, MapRequest(0, 1, 1))


# --- slow and dead browsers ---------------------------------------------------------------

def stalled_client(port: int) -> socket.socket:
    """A browser that connects and then reads nothing (a tiny receive buffer fills at once)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert b"101" in sock.recv(12)
    return sock


def test_a_slow_browser_drops_frames_and_is_cut_off_while_others_keep_theirs():
    config = live_config(400, 1)  # big frames fill the stalled browser's connection quickly
    with Session(config, autosave=False) as session, WebView(session, send_timeout=2.0) as web:
        stop = threading.Event()

        def feed() -> None:
            while not stop.is_set():
                session.receive_inputs(np.random.default_rng().uniform(0, 1, 400))
                time.sleep(0.002)

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        stalled = stalled_client(web.access.port)

        dropped = [0]

        async def watch() -> tuple[int, list[dict]]:
            frames, replies = 0, []
            async with aiohttp.ClientSession() as client, client.ws_connect(ws_url(web)) as ws:
                deadline = time.monotonic() + 20
                while (time.monotonic() < deadline and len(web.clients) > 1) or frames < 30:
                    message = json.loads((await ws.receive(timeout=10)).data)
                    frames += message["type"] == "frame"
                    dropped[0] = max([dropped[0], *(c.dropped for c in list(web.clients))])
                    if frames == 10 and message["type"] == "frame":
                        await ws.send_str(json.dumps({"cmd": "record", "id": 1}))
                    if message["type"] == "reply":
                        replies.append(message)
            return frames, replies

        try:
            frames, replies = asyncio.run(watch())
        finally:
            stop.set()
            feeder.join()
            stalled.close()
        assert len(web.clients) <= 1, "the stalled browser was cut off"
        assert dropped[0] > 10, "while stalled, its frames were dropped (replaced by newer ones)"
        assert frames >= 30 and replies == [{"type": "reply", "id": 1, "ok": True}]
        assert session.recording and session.received > 500


# --- oscnet serve --web -------------------------------------------------------------------

def test_serve_web_prints_the_url_beside_the_osc_port(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    config = tmp_path / "c.yaml"
    config.write_text("inputs: 2\noutputs: 1\nrecordings: null\n")
    proc = subprocess.Popen([sys.executable, "-m", "oscnet", "serve", "--config", str(config), "--port", "0",
                             "--headless", "--web"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        osc_port = int(re.search(r"UDP 127\.0\.0\.1:(\d+)", lines[0]).group(1))
        while not (found := re.search(r"web view at (http://127\.0\.0\.1:(\d+)/)$", lines[-1].strip())):
            assert len(lines) < 8 and lines[-1], lines  # among the start-up lines
            lines.append(proc.stdout.readline())
        assert osc_port < int(found.group(2)) <= osc_port + 20  # the OSC port + 1, or the next free one
        status, text = get(found.group(1))
        assert status == 200 and "Delete last" in text
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_port_in_use_is_an_error_that_says_what_to_do():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with session_for() as session, pytest.raises(OscnetError, match="choose another port"):
            WebView(session, "127.0.0.1", taken.getsockname()[1]).start()
