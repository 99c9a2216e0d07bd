"""The OSC endpoint: one UDP port for inputs and `/wekinator/control/*`, driving a session.

A plain socket thread instead of python-osc's server, because python-osc drops malformed
datagrams silently and they must be counted. `wire` checks and parses each datagram; `control`
maps control addresses to session commands. Nothing escapes the receive loop: bad input is
counted and logged once (rate-limited).
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import socket
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from oscnet.errors import OscnetError, Unsupported
from oscnet.osc.control import (
    CONTROL,
    CONTROL_PREFIX,
    FILE_ARGUMENT,
    OSCNET_CONTROL,
    OSCNET_PREFIX,
    BadArguments,
    describe,
    is_number,
)
from oscnet.osc.priority import raise_this_thread
from oscnet.osc.problems import Problems
from oscnet.osc.wire import NUMBER_TAGS, Malformed, TooManyArguments, messages
from oscnet.project.config import Config
from oscnet.project.paths import confine, osc_model_file

log = logging.getLogger("oscnet.osc.endpoint")

BUFFER = 65507  # Wekinator's receive buffer: the largest UDP payload
GIL_WAIT = 0.0005  # seconds: the longest the receive thread waits for another thread to release the GIL
FILE_COMMANDS_PER_SECOND = 5
NEW_FILES_PER_SESSION = 100  # model files saveModelToFile may create: new names in a loop must not fill the disk
RATE_LIMITED = {*FILE_ARGUMENT, "train", "cancelTrain"}  # costly: a flood of them must not stall the inputs
Args = list[Any]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Target(Protocol):
    """What the endpoint drives: the live session (control commands are looked up by name)."""

    problems: Problems
    listening: str

    @property
    def config(self) -> Config: ...

    def folder(self) -> Path | None: ...

    def receive_inputs(self, inputs: np.ndarray) -> None: ...


def _sender_allowed(sender: str, networks: list[Network]) -> bool:
    """Whether an IP address (an IPv4-mapped IPv6 one too) is in one of the networks."""
    try:
        address = ipaddress.ip_address(sender.split("%")[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


# --- the endpoint -------------------------------------------------------------------------

class Endpoint:
    """Listens on one UDP port and drives a session; `close()` stops it."""

    def __init__(self, session: Target, host: str | None = None, port: int | None = None,
                 allow_any_path: bool = False) -> None:
        self.session = session
        self.allow_any_path = allow_any_path
        self.datagrams = 0  # datagrams handled, good or bad
        self.pending = 0  # file commands queued for the command thread, not yet done
        self._file_commands: deque[float] = deque()
        self.max_new_files = NEW_FILES_PER_SESSION
        self._new_files: set[Path] = set()
        self._commands: queue.Queue[tuple[str, Any, tuple[Any, ...]] | None] = queue.Queue()
        self._command_thread = threading.Thread(target=self._command_loop, name="oscnet-commands", daemon=True)
        self._networks_for: Config | None = None
        self._networks: list | None = None
        host = session.config.receive_host if host is None else host
        port = session.config.receive_port if port is None else port
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        # A bigger buffer rides out bursts while the thread waits for the GIL (capped by the OS).
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        try:
            self.sock.bind((host, port))
        except OSError as exc:
            self.sock.close()
            raise OscnetError(f"cannot listen on UDP {host}:{port}: {exc.strerror}; is Wekinator or "
                              "another oscnet running? Choose another port (--listen HOST:PORT, --port, or receive.port)") from None
        self.sock.settimeout(0.2)  # so close() is noticed; arrivals wake the thread at once
        self.host, self.port = host, self.sock.getsockname()[1]
        session.listening = f"listening on UDP {host}:{self.port}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="oscnet-receive", daemon=True)
        self.priority = ""  # what the receive thread got (priority.py), set before start() returns
        self._running = threading.Event()

    def __repr__(self) -> str:
        return f"Endpoint(UDP {self.host}:{self.port})"

    def _count_new_file(self, path: Path) -> None:
        """Refuse a save that would create yet another file once this session has created
        max_new_files over OSC; overwriting a file that exists is always allowed."""
        if path in self._new_files or path.exists():
            return
        if len(self._new_files) >= self.max_new_files:
            raise OscnetError(f"OSC has created {len(self._new_files)} model files this session, the most it "
                              "may; save over an existing name, or delete old files and restart oscnet")
        self._new_files.add(path)

    def start(self) -> Endpoint:
        """Start the receive thread (once; later calls do nothing)."""
        if self._thread.ident is None:
            # A thread waiting for the GIL asks the holder to let go after the switch interval (5 ms
            # by default): the receive thread must not wait that long behind the training's own
            # threads (packing a job, decoding a model) or the example checks.
            if sys.getswitchinterval() > GIL_WAIT:
                sys.setswitchinterval(GIL_WAIT)
            self._thread.start()
            self._command_thread.start()
            self._running.wait(timeout=5)
        return self

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._command_thread.is_alive():
            self._commands.put(None)
            self._command_thread.join(timeout=60)
        self.sock.close()

    def __enter__(self) -> Endpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _loop(self) -> None:
        self.priority = raise_this_thread()
        self.session.listening += f" (receive thread: {self.priority})"
        self._running.set()
        while not self._closed.is_set():
            try:
                data, sender = self.sock.recvfrom(BUFFER)
            except TimeoutError:
                continue
            except OSError:
                if self._closed.is_set():
                    return
                continue  # e.g. ECONNREFUSED reported for an earlier send on some systems
            try:
                self.handle_datagram(data, sender[0])
            except Exception as exc:  # a bug must not stop the performance
                self.session.problems.report("internal error", f"internal error while handling a message: "
                                             f"{exc!r} (please report it; run with -v for details)",
                                             logging.ERROR)
                log.debug("internal error", exc_info=True)
            self.datagrams += 1  # after handling: a waiter that sees the count sees the effect

    def handle_datagram(self, data: bytes, sender: str | None = None) -> None:
        """Check who sent it and its size, parse it, and handle each message in it."""
        config, problems = self.session.config, self.session.problems
        networks = self._allowed_networks(config)
        if networks is not None and sender is not None and not _sender_allowed(sender, networks):
            problems.report("sender not allowed", f"dropped a datagram from {sender}, which is not in allow_from "
                            f"({', '.join(config.allow_from or [])}); add it there to let it in")
            return
        if len(data) > config.max_datagram:
            problems.report("datagram too large", f"refused a datagram of {len(data)} bytes, more than "
                            f"limits.max_datagram ({config.max_datagram}); raise the limit if you send that much")
            return
        try:
            found = messages(data, max_arguments=config.max_inputs)
        except TooManyArguments as exc:
            problems.report("too many arguments", f"refused a message: {exc}")
            return
        except Malformed as exc:
            problems.report("malformed datagram", f"ignored a malformed datagram ({len(data)} bytes): {exc}")
            return
        for message, tags in found:
            self.handle_message(message.address, message.params, tags)

    def _allowed_networks(self, config: Config) -> list | None:
        """The allow-list as networks, parsed once per config (a project load replaces the config)."""
        if self._networks_for is not config:
            self._networks_for, self._networks = config, config.allowed_networks()
        return self._networks

    def handle_message(self, address: str, args: Args, tags: str | None = None) -> None:
        """One OSC message: inputs, a control message, or an unknown address."""
        session = self.session
        if address == session.config.input_address:
            self.handle_inputs(args, tags)
            return
        entry, name = None, ""
        for prefix, table in ((CONTROL_PREFIX, CONTROL), (OSCNET_PREFIX, OSCNET_CONTROL)):
            if address.startswith(prefix):
                name = address[len(prefix):]
                entry = table.get(name)
        if entry is None:
            session.problems.report("unknown address", f"ignored a message to unknown address {address!r} "
                                    f"(inputs go to {session.config.input_address}, control to "
                                    f"{CONTROL_PREFIX}…)")
            return
        if not session.config.control:
            session.problems.report("control ignored", f"ignored {address}: this session has `control: false` "
                                    "(set it to true in the config to obey control messages)")
            return
        parse, method = entry
        try:
            call_args = parse(args)
            if name in FILE_ARGUMENT and not self.allow_any_path:
                k, folder = FILE_ARGUMENT[name], self.session.folder()
                if name == "runNewProject":
                    if folder is None:
                        raise OscnetError("OSC may name folders only inside a project folder, and this session "
                                          "has none yet: start it with `oscnet serve --project DIR`")
                    checked = confine(call_args[k], folder)
                else:
                    checked = osc_model_file(call_args[k], folder, writing=name == "saveModelToFile")
                call_args = (*call_args[:k], checked, *call_args[k + 1:])
        except BadArguments as exc:
            session.problems.report("bad control message", f"ignored {address}: {exc}")
            return
        except OscnetError as exc:
            session.problems.report("path refused", f"ignored {address}: {exc}")
            return
        if name in RATE_LIMITED and not self._file_command_allowed():
            session.problems.report("rate limited", f"ignored {address}: more than {FILE_COMMANDS_PER_SECOND} "
                                    "file or training commands in a second (a loop in the patch?)")
            return
        if name == "saveModelToFile" and not self.allow_any_path:
            try:
                self._count_new_file(call_args[FILE_ARGUMENT[name]])
            except OscnetError as exc:
                session.problems.report("path refused", f"ignored {address}: {exc}")
                return
        if name in FILE_ARGUMENT:  # reading or writing files: off the receive thread, one at a time
            self.pending += 1
            self._commands.put((address, method, call_args))
            return
        self._run_command(address, method, call_args)

    def _run_command(self, address: str, method: Any, call_args: tuple[Any, ...]) -> None:
        try:
            method(self.session, *call_args)
        except OscnetError as exc:
            kind = "unsupported" if isinstance(exc, Unsupported) else "refused command"
            self.session.problems.report(kind, f"{address}: {exc}")

    def _command_loop(self) -> None:
        """The thread for commands that touch files (a project load can take seconds)."""
        while True:
            item = self._commands.get()
            if item is None:
                return
            try:
                self._run_command(*item)
            except Exception as exc:  # a bug must not stop the performance
                self.session.problems.report("internal error", f"internal error in {item[0]}: {exc!r}", logging.ERROR)
            finally:
                self.pending -= 1

    def _file_command_allowed(self) -> bool:
        """At most FILE_COMMANDS_PER_SECOND commands that touch files: a patch looping on
        saveModelToFile must not fill the disk (or the log)."""
        now = time.monotonic()
        while self._file_commands and now - self._file_commands[0] > 1.0:
            self._file_commands.popleft()
        if len(self._file_commands) >= FILE_COMMANDS_PER_SECOND:
            return False
        self._file_commands.append(now)
        return True

    def handle_inputs(self, args: Args, tags: str | None = None) -> None:
        """Numbers of any OSC numeric type (f, i, d, h) become float64; anything else, NaN and inf are refused."""
        session = self.session
        odd = next((k for k, t in enumerate(tags or "") if t not in NUMBER_TAGS), None)
        if odd is not None and tags is not None:  # an rgba colour or a MIDI message parses as numbers but is not one
            session.problems.report("bad inputs", f"ignored {session.config.input_address}: argument {odd + 1} "
                                    f"has OSC type {tags[odd]!r}; send floats (f), or i, d, h numbers")
            return
        for k, a in enumerate(args):
            if not is_number(a):
                session.problems.report("bad inputs", f"ignored {session.config.input_address}: argument "
                                        f"{k + 1} is {describe(a)}, not a number; send floats (in Max: pak 1. 1.)")
                return
        x = np.array(args, dtype=np.float64)
        if not np.isfinite(x).all():
            k = int(np.argmin(np.isfinite(x)))
            session.problems.report("bad inputs", f"ignored {session.config.input_address}: argument {k + 1} "
                                    f"is {x[k]}; send finite numbers")
            return
        try:
            session.receive_inputs(x)
        except OscnetError as exc:
            session.problems.report("bad inputs", str(exc))
