"""The web view's server: the page, its WebSocket, frames fanned out to every browser, commands in.

aiohttp serves it: one well-kept library that does HTTP and WebSockets on asyncio, with
heartbeats, message size limits and back-pressure (a send waits while that browser's socket is
full), so oscnet writes no protocol code. It runs its own event loop in one daemon thread; the
OSC receive thread never waits for it.

Each browser has a `Client`: one slot for the newest frame (a new frame replaces one not yet
sent: a slow browser drops frames) and a short queue for messages that must arrive (the
project, log lines, replies, maps); its own task sends them, so a slow browser holds up only
itself, and one whose socket stays full for `send_timeout` seconds is cut off. (The OSC
endpoint sets Python's switch interval to 0.5 ms, so the receive thread, woken by a datagram,
waits at most that long for the interpreter while the web thread works.) Frames are
built once per tick (`frames.py`) and the same text goes to every browser. Commands run on a
command thread, maps on a map thread (`commands.py`, `modelmap.py`), never on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import socket
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from oscnet.errors import OscnetError
from oscnet.osc.problems import Problems
from oscnet.web import commands, modelmap
from oscnet.web.access import DEFAULT_HOST, PORT_TRIES, Access, parse_address
from oscnet.web.frames import FrameBuilder, LogTail
from oscnet.web.modelmap import MapRequest, compute

if TYPE_CHECKING:
    from oscnet.live.session import Session

log = logging.getLogger("oscnet.web")

FPS = 30.0
MESSAGES = 256  # must-arrive messages queued for one browser; more and it is too slow: cut off
SEND_BUFFER = 32 * 1024  # per browser: frames wait in oscnet's slot, not for seconds in the kernel
SECURITY = {  # the page loads only its own files and talks only to its own server
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC = {"app.js": "text/javascript", "style.css": "text/css"}


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


class Client:
    """One browser: the newest frame, the messages it must get, and the task that sends them."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport | None, send_timeout: float) -> None:
        self.ws, self.transport, self.send_timeout = ws, transport, send_timeout
        self.latest: str | None = None
        self.queue: deque[str] = deque()
        self.wake = asyncio.Event()
        self.sent = self.dropped = 0
        self.cut_off = ""

    def frame(self, text: str) -> None:
        if self.latest is not None:
            self.dropped += 1
        self.latest = text
        self.wake.set()

    def message(self, text: str) -> None:
        if len(self.queue) >= MESSAGES:
            self.abort("it read nothing for too long")
            return
        self.queue.append(text)
        self.wake.set()

    def abort(self, why: str) -> None:
        """Cut a browser off at once (its socket is not waited for)."""
        if not self.cut_off:
            self.cut_off = why
            log.info("web view: a browser was cut off: %s", why)
        if self.transport is not None:
            self.transport.abort()

    async def pump(self) -> None:
        try:
            while not self.ws.closed and not self.cut_off:
                await self.wake.wait()
                self.wake.clear()
                while self.queue:
                    await self._send(self.queue.popleft())
                if self.latest is not None:
                    text, self.latest = self.latest, None
                    await self._send(text)
                    self.sent += 1
        except TimeoutError:
            self.abort(f"its connection stayed full for {self.send_timeout:g} s")
        except (ConnectionError, RuntimeError):
            self.abort("its connection broke")

    async def _send(self, text: str) -> None:
        await asyncio.wait_for(self.ws.send_str(text), self.send_timeout)


class WebView:
    """The web view of one session: `start()` binds and serves, `close()` stops; `url` is the page."""

    def __init__(self, session: Session, host: str = DEFAULT_HOST, port: int = 0, token: str | None = None,
                 fps: float = FPS, port_tries: int = 1, send_timeout: float = 5.0) -> None:
        """`token` None: one is made when `host` is not loopback (Access.for_address); `port_tries` > 1:
        if `port` is taken, the next ones are tried."""
        self.session, self.fps, self.send_timeout = session, fps, send_timeout
        self.access = Access.for_address(host, port, token)
        self._ports = [port] if port == 0 else list(range(port, min(port + port_tries, 65536)))
        self.log_tail = LogTail()
        self.builder = FrameBuilder(session, self.log_tail)
        self.problems = Problems(log)
        self.clients: set[Client] = set()
        self.frames = self.refused = 0
        self._commands = ThreadPoolExecutor(1, thread_name_prefix="oscnet-web-command")
        self._maps = ThreadPoolExecutor(1, thread_name_prefix="oscnet-web-map")
        self._tasks: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="oscnet-web", daemon=True)
        self._index = ""

    @property
    def url(self) -> str:
        return self.access.url()

    def __enter__(self) -> WebView:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> WebView:
        """Bind and serve in the web thread; raises OscnetError if the address cannot be had."""
        self._index = (resources.files("oscnet.web") / "static" / "index.html").read_text(encoding="utf-8")
        logging.getLogger("oscnet").addHandler(self.log_tail)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self.close()
            raise OscnetError(f"cannot serve the web view on {self.access.host}:{self._ports[0]}: {self._error}; "
                              "choose another port with --web HOST:PORT") from None
        return self

    def close(self) -> None:
        logging.getLogger("oscnet").removeHandler(self.log_tail)
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._commands.shutdown(wait=False, cancel_futures=True)
        self._maps.shutdown(wait=False, cancel_futures=True)

    def stats(self) -> dict[str, Any]:
        """Frames built, and per browser frames sent and dropped."""
        return {"frames": self.frames, "refused": self.refused,
                "clients": [{"sent": c.sent, "dropped": c.dropped} for c in list(self.clients)]}

    # --- the web thread ---------------------------------------------------------------------

    def _main(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            runner = loop.run_until_complete(self._serve())
        except (OSError, OscnetError) as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            assert self._stop is not None
            loop.run_until_complete(self._stop.wait())
            for client in list(self.clients):
                client.abort("oscnet stopped")
            loop.run_until_complete(runner.cleanup())
        finally:
            loop.close()

    async def _serve(self) -> web.AppRunner:
        self._stop = asyncio.Event()
        app = web.Application(middlewares=[self._guard], client_max_size=1 << 16)
        app.router.add_get("/", self._page)
        app.router.add_get("/ws", self._websocket)
        for name in STATIC:
            app.router.add_get("/" + name, self._static)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        error: OSError | None = None
        for port in self._ports:
            try:
                site = web.TCPSite(runner, self.access.host, port)
                await site.start()
                break
            except OSError as exc:
                error = exc
        else:
            await runner.cleanup()
            raise error or OSError("no port to try")
        server = site._server
        bound = server.sockets[0].getsockname()[1] if isinstance(server, asyncio.Server) else port
        self.access = Access(self.access.host, bound, self.access.token)
        task = asyncio.get_running_loop().create_task(self._tick())
        self._tasks.add(task)
        return runner

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        reason = self.access.refusal(request.query, request.headers)
        if reason is not None:
            self.refused += 1
            return web.Response(status=403, text=f"oscnet: {reason}\n", headers=SECURITY)
        response: web.StreamResponse = await handler(request)
        return response

    async def _page(self, request: web.Request) -> web.Response:
        text = self._index.replace("{{query}}", html.escape(self.access.query()))
        return web.Response(text=text, content_type="text/html", charset="utf-8", headers=SECURITY)

    async def _static(self, request: web.Request) -> web.Response:
        name = request.path.lstrip("/")
        text = (resources.files("oscnet.web") / "static" / name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=STATIC[name], charset="utf-8", headers=SECURITY)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=5.0, max_msg_size=1 << 16)
        await ws.prepare(request)
        transport = request.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        client = Client(ws, transport, self.send_timeout)
        for message in self.builder.initial():
            client.message(dumps(message))
        self.clients.add(client)
        pump = asyncio.get_running_loop().create_task(client.pump())
        try:
            async for incoming in ws:
                if incoming.type != WSMsgType.TEXT:
                    break
                task = asyncio.get_running_loop().create_task(self._command(client, incoming.data))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            self.clients.discard(client)
            pump.cancel()
        return ws

    async def _command(self, client: Client, text: str) -> None:
        """One command from a page; its reply (or the map) goes back to that page."""
        ident: Any = None
        try:
            message = json.loads(text)
            if not isinstance(message, dict):
                raise OscnetError("a command is a JSON object with a cmd")
            ident = message.get("id")
            loop = asyncio.get_running_loop()
            if message.get("cmd") == "map":
                request = MapRequest(*(_index(message, key) for key in ("output", "x", "y")))
                mirror = self.builder.mirror
                text = await loop.run_in_executor(self._maps, self._map, request, ident, mirror.inputs, mirror.outputs)
                client.message(text)
                return
            await loop.run_in_executor(self._commands, commands.run, self.session, message)
            reply: dict[str, Any] = {"type": "reply", "id": ident, "ok": True}
        except (OscnetError, ValueError) as exc:
            reply = {"type": "reply", "id": ident, "ok": False, "error": str(exc)}
        except Exception as exc:  # a bug must not stop the web view
            log.debug("web command failed", exc_info=True)
            reply = {"type": "reply", "id": ident, "ok": False, "error": f"internal error: {exc!r} (please report it)"}
        client.message(dumps(reply))

    def _map(self, request: MapRequest, ident: Any, inputs: Any, outputs: Any) -> str:
        """On the map thread: the map computed and encoded as the text the page gets."""
        result = compute(self.session.live_state, self.session.last_inputs, inputs, outputs, request)
        return dumps({**modelmap.message(result), "id": ident})

    async def _tick(self) -> None:
        """Build a frame every 1/fps s and hand it to every browser; never bursts to catch up."""
        loop = asyncio.get_running_loop()
        period = 1.0 / self.fps
        due = loop.time()
        while True:
            due += period
            delay = due - loop.time()
            if delay < 0:
                due, delay = loop.time(), 0.0
            await asyncio.sleep(delay)
            try:
                for message in self.builder.changes():
                    text = dumps(message)
                    for client in list(self.clients):
                        client.message(text)
                if self.clients:
                    text = dumps(self.builder.frame())
                    self.frames += 1
                    for client in list(self.clients):
                        client.frame(text)
            except Exception as exc:  # e.g. a project swapped mid-read: the next tick reads it whole
                self.problems.report("web frame", f"web view: a frame failed ({exc!r}); the next one is tried")


def _index(message: dict[str, Any], key: str) -> int:
    value = message.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise OscnetError(f"map takes whole numbers output, x, y (0-based), not {key}={value!r}")
    return value


def start_web(session: Session, spec: str | None, osc_port: int) -> WebView:
    """`oscnet serve --web [HOST:PORT]`: without a port, the OSC port + 1, or the next free one."""
    host, port = parse_address(spec)
    tries = 1
    if port is None:
        port, tries = min(osc_port + 1, 65535 - PORT_TRIES), PORT_TRIES
    return WebView(session, host, port, port_tries=tries).start()
