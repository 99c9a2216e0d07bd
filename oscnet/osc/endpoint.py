"""The OSC endpoint: one UDP port for inputs and `/wekinator/control/*`, mapped to session methods.

A plain socket thread instead of python-osc's server, because python-osc drops malformed
datagrams silently and they must be counted. python-osc still parses each message. `CONTROL`
is the table of control addresses: an argument parser and the session method it feeds.
Nothing escapes the receive loop: bad input is counted and logged once (rate-limited).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
import threading
from typing import Any, Callable

import numpy as np
from pythonosc.osc_message import OscMessage

from oscnet.project.config import Config
from oscnet.errors import OscnetError
from oscnet.project.paths import confine
from oscnet.live.session import Session

log = logging.getLogger("oscnet.osc.endpoint")

CONTROL_PREFIX = "/wekinator/control/"
BUFFER = 65507  # Wekinator's receive buffer: the largest UDP payload
KNOWN_TAGS = set("ifdhsbrmtTFN[]")
NUMBER_TAGS = set("ifdh")
MAX_BUNDLE_DEPTH = 8

Args = list[Any]
Parser = Callable[[Args], tuple]


class BadArguments(OscnetError):
    """A control message whose arguments do not fit its address."""


# --- argument parsers: OSC arguments → the session method's arguments -------------------

def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _describe(x: object) -> str:
    if isinstance(x, str):
        return f"the string {x!r}"
    if isinstance(x, (bytes, bytearray)):
        return "a blob"
    return f"{x!r} ({type(x).__name__})"


def no_args(args: Args) -> tuple:
    if args:
        raise BadArguments(f"takes no arguments, received {len(args)}")
    return ()


def numbers(args: Args) -> tuple:
    """All arguments as numbers (a list of output numbers or of values)."""
    bad = [f"argument {k + 1} is {_describe(a)}" for k, a in enumerate(args) if not _is_number(a)]
    if bad:
        raise BadArguments(f"needs numbers: {bad[0]}")
    return (list(args),)


def output_numbers(args: Args) -> tuple:
    if not args:
        raise BadArguments("needs at least one output number")
    return numbers(args)


def one_output(args: Args) -> tuple:
    if len(args) != 1 or not _is_number(args[0]):
        raise BadArguments(f"needs one output number, received {len(args)} argument(s)")
    return (args[0],)


def strings(args: Args) -> tuple:
    if not args or not all(isinstance(a, str) for a in args):
        raise BadArguments("needs one string per name")
    return (list(args),)


def output_then_inputs(args: Args) -> tuple:
    if len(args) < 2 or not all(_is_number(a) for a in args):
        raise BadArguments("needs an output number, then one or more input numbers")
    return (args[0], list(args[1:]))


def model_file(args: Args) -> tuple:
    """int model, string filename, optional WITHDATA/WITHOUTDATA (load only)."""
    if len(args) not in (2, 3) or not _is_number(args[0]) or not all(isinstance(a, str) for a in args[1:]):
        raise BadArguments("needs a model number and a file name")
    return tuple(args)


def save_model_file(args: Args) -> tuple:
    if len(args) != 2:
        raise BadArguments("needs a model number and a file name")
    return model_file(args)


def project_path(args: Args) -> tuple:
    if len(args) not in (1, 2) or not all(isinstance(a, str) for a in args):
        raise BadArguments("needs a project folder path, then optionally CLOSECURRENT, "
                           "STOPCURRENTLISTENING or KEEPCURRENTRUNNING")
    return tuple(args)


def unsupported(feature: str) -> Callable[..., None]:
    def refuse(session: Session, *args: object) -> None:
        raise OscnetError(f"not supported: {feature}")
    return refuse


def anything(args: Args) -> tuple:
    return ()


# Which argument of these control messages is a file name (confined to the project folder).
FILE_ARGUMENT = {"saveModelToFile": 1, "loadModelFromFile": 1, "runNewProject": 0}

CONTROL: dict[str, tuple[Parser, Callable[..., object]]] = {
    "startRecording": (no_args, Session.start_recording),
    "stopRecording": (no_args, Session.stop_recording),
    "train": (no_args, Session.train),
    "cancelTrain": (no_args, Session.cancel_train),
    "startRunning": (no_args, Session.start_running),
    "stopRunning": (no_args, Session.stop_running),
    "deleteAllExamples": (no_args, Session.delete_all),
    "deleteExamplesForOutput": (one_output, Session.delete_examples_for_output),
    "enableModelRecording": (output_numbers, lambda s, ks: s.set_recording_enabled(ks, True)),
    "disableModelRecording": (output_numbers, lambda s, ks: s.set_recording_enabled(ks, False)),
    "enableModelRunning": (output_numbers, lambda s, ks: s.set_running_enabled(ks, True)),
    "disableModelRunning": (output_numbers, lambda s, ks: s.set_running_enabled(ks, False)),
    "setInputNames": (strings, Session.set_input_names),
    "setOutputNames": (strings, Session.set_output_names),
    "selectInputsForOutput": (output_then_inputs, Session.select_inputs),
    "outputs": (numbers, Session.set_outputs),
    "saveModelToFile": (save_model_file, Session.save_model),
    "loadModelFromFile": (model_file, Session.load_model),
    "runNewProject": (project_path, Session.run_new_project),
    "enablePerformanceMode": (anything, unsupported("performance mode is part of Wekinator's GUI; oscnet has none")),
    "disablePerformanceMode": (anything, unsupported("performance mode is part of Wekinator's GUI; oscnet has none")),
    "startDtwRecording": (anything, unsupported("DTW (dynamic time warping) projects; oscnet runs neural networks")),
    "stopDtwRecording": (anything, unsupported("DTW (dynamic time warping) projects; oscnet runs neural networks")),
}


# --- datagrams → messages -----------------------------------------------------------------

class Malformed(Exception):
    """A datagram that is not valid OSC (or uses a type we do not know)."""


def _osc_string_end(data: bytes, start: int) -> int:
    """Index just past a padded OSC string starting at `start`."""
    end = data.find(b"\0", start)
    if end < 0:
        raise Malformed("an OSC string is not terminated")
    return end + 4 - (end % 4)


class TooManyArguments(Malformed):
    """A message with more arguments than the configured limit (refused before parsing them)."""


FIXED_SIZE = {"i": 4, "f": 4, "r": 4, "m": 4, "c": 4, "d": 8, "h": 8, "t": 8}


def _check_length(data: bytes, index: int, tags: str) -> None:
    """The arguments fill the datagram exactly; python-osc would read a cut-off float as 0.0."""
    for tag in tags:
        if tag in FIXED_SIZE:
            index += FIXED_SIZE[tag]
        elif tag == "s":
            index = _osc_string_end(data, index)
        elif tag == "b":
            if index + 4 > len(data):
                raise Malformed("a blob without its size")
            (size,) = struct.unpack_from(">i", data, index)
            if size < 0:
                raise Malformed(f"a blob of impossible size {size}")
            index += 4 + size + (-size % 4)
        if index > len(data):
            raise Malformed(f"the datagram ends before its arguments do ({len(data)} bytes, {len(tags)} type tags)")
    if index != len(data):
        raise Malformed(f"{len(data) - index} bytes after the last argument")


def messages(data: bytes, depth: int = 0, max_arguments: int = 1 << 30) -> list[tuple[OscMessage, str]]:
    """The messages in a datagram with their type tags, bundles unpacked, or Malformed.

    Timetags are ignored: every message is handled at once. Waiting for a bundle's time inside
    the receive thread (python-osc's default) lets one sender with a wrong clock stall all.
    """
    if data.startswith(b"#bundle\0"):
        if depth >= MAX_BUNDLE_DEPTH:
            raise Malformed("bundles nested too deep")
        found, index = [], 16
        if len(data) < 16:
            raise Malformed("a bundle without its timetag")
        while index < len(data):
            if index + 4 > len(data):
                raise Malformed("a bundle element without its size")
            (size,) = struct.unpack_from(">i", data, index)
            index += 4
            if size <= 0 or size % 4 or index + size > len(data):
                raise Malformed(f"a bundle element of impossible size {size}")
            found += messages(data[index:index + size], depth + 1, max_arguments)
            index += size
        return found
    if not data.startswith(b"/") or len(data) % 4:
        raise Malformed("not an OSC message (must start with '/' and have a length that is a multiple of 4)")
    tags_at = _osc_string_end(data, 0)
    tags = ""
    if tags_at < len(data):
        if data[tags_at:tags_at + 1] != b",":
            raise Malformed("no type tag string")
        tags = data[tags_at + 1:data.find(b"\0", tags_at)].decode("ascii", "replace")
        if len(tags) > max_arguments:
            raise TooManyArguments(f"{len(tags)} arguments, more than limits.max_inputs ({max_arguments})")
        unknown = set(tags) - KNOWN_TAGS
        if unknown:
            raise Malformed(f"unknown OSC type tag {sorted(unknown)[0]!r}")
        _check_length(data, _osc_string_end(data, tags_at), tags)
    try:
        return [(OscMessage(data), tags)]
    except Exception as exc:  # python-osc's ParseError and struct/index errors on short data
        raise Malformed(str(exc)) from None


def _sender_allowed(sender: str, networks: list) -> bool:
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

    def __init__(self, session: Session, host: str | None = None, port: int | None = None,
                 allow_any_path: bool = False) -> None:
        self.session = session
        self.allow_any_path = allow_any_path
        self.datagrams = 0  # datagrams handled, good or bad
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

    def __repr__(self) -> str:
        return f"Endpoint(UDP {self.host}:{self.port})"

    def start(self) -> "Endpoint":
        """Start the receive thread (once; later calls do nothing)."""
        if self._thread.ident is None:
            self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.sock.close()

    def __enter__(self) -> "Endpoint":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _loop(self) -> None:
        while not self._closed.is_set():
            try:
                data, sender = self.sock.recvfrom(BUFFER)
            except socket.timeout:
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
        entry = CONTROL.get(address[len(CONTROL_PREFIX):]) if address.startswith(CONTROL_PREFIX) else None
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
        name = address[len(CONTROL_PREFIX):]
        try:
            call_args = parse(args)
            if name in FILE_ARGUMENT and not self.allow_any_path:
                k = FILE_ARGUMENT[name]
                call_args = (*call_args[:k], confine(call_args[k], self.session.folder()), *call_args[k + 1:])
        except BadArguments as exc:
            session.problems.report("bad control message", f"ignored {address}: {exc}")
            return
        except OscnetError as exc:
            session.problems.report("path refused", f"ignored {address}: {exc}")
            return
        try:
            method(session, *call_args)
        except OscnetError as exc:
            kind = "unsupported" if str(exc).startswith("not supported") else "refused command"
            session.problems.report(kind, f"{address}: {exc}")

    def handle_inputs(self, args: Args, tags: str | None = None) -> None:
        """Numbers of any OSC numeric type (f, i, d, h) become float64; anything else, NaN and inf are refused."""
        session = self.session
        odd = next((k for k, t in enumerate(tags or "") if t not in NUMBER_TAGS), None)
        if odd is not None:  # an rgba colour or a MIDI message parses as numbers but is not one
            session.problems.report("bad inputs", f"ignored {session.config.input_address}: argument {odd + 1} "
                                    f"has OSC type {tags[odd]!r}; send floats (f), or i, d, h numbers")
            return
        for k, a in enumerate(args):
            if not _is_number(a):
                session.problems.report("bad inputs", f"ignored {session.config.input_address}: argument "
                                        f"{k + 1} is {_describe(a)}, not a number; send floats (in Max: pak 1. 1.)")
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
