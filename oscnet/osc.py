"""The OSC endpoint: one UDP port for inputs and `/wekinator/control/*`, mapped to session methods.

A plain socket thread instead of python-osc's server, because python-osc drops malformed
datagrams silently and they must be counted. python-osc still parses each message. `CONTROL`
is the table of control addresses: an argument parser and the session method it feeds.
Nothing escapes the receive loop: bad input is counted and logged once (rate-limited).
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from typing import Any, Callable

import numpy as np
from pythonosc.osc_message import OscMessage

from .errors import OscnetError
from .session import Session

log = logging.getLogger("oscnet.osc")

CONTROL_PREFIX = "/wekinator/control/"
BUFFER = 65507  # Wekinator's receive buffer: the largest UDP payload
KNOWN_TAGS = set("ifdhsbrmtTFN[]")
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


def messages(data: bytes, depth: int = 0) -> list[OscMessage]:
    """The messages in a datagram, bundles unpacked (timetags ignored), or Malformed."""
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
            found += messages(data[index:index + size], depth + 1)
            index += size
        return found
    if not data.startswith(b"/") or len(data) % 4:
        raise Malformed("not an OSC message (must start with '/' and have a length that is a multiple of 4)")
    tags_at = _osc_string_end(data, 0)
    if tags_at < len(data):
        if data[tags_at:tags_at + 1] != b",":
            raise Malformed("no type tag string")
        tags = data[tags_at + 1:data.find(b"\0", tags_at)].decode("ascii", "replace")
        unknown = set(tags) - KNOWN_TAGS
        if unknown:
            raise Malformed(f"unknown OSC type tag {sorted(unknown)[0]!r}")
    try:
        return [OscMessage(data)]
    except Exception as exc:  # python-osc's ParseError and struct/index errors on short data
        raise Malformed(str(exc)) from None


# --- the endpoint -------------------------------------------------------------------------

class Endpoint:
    """Listens on one UDP port and drives a session; `close()` stops it."""

    def __init__(self, session: Session, host: str | None = None, port: int | None = None) -> None:
        self.session = session
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
                              "another oscnet running? Choose another port (--port, or receive.port)") from None
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
                data = self.sock.recv(BUFFER)
            except socket.timeout:
                continue
            except OSError:
                if self._closed.is_set():
                    return
                continue  # e.g. ECONNREFUSED reported for an earlier send on some systems
            try:
                self.handle_datagram(data)
            except Exception as exc:  # a bug must not stop the performance
                self.session.problems.report("internal error", f"internal error while handling a message: "
                                             f"{exc!r} (please report it; run with -v for details)",
                                             logging.ERROR)
                log.debug("internal error", exc_info=True)

    def handle_datagram(self, data: bytes) -> None:
        """Parse one datagram and handle each message in it."""
        try:
            found = messages(data)
        except Malformed as exc:
            self.session.problems.report("malformed datagram", f"ignored a malformed datagram "
                                         f"({len(data)} bytes): {exc}")
            return
        for message in found:
            self.handle_message(message.address, message.params)

    def handle_message(self, address: str, args: Args) -> None:
        """One OSC message: inputs, a control message, or an unknown address."""
        session = self.session
        if address == session.config.input_address:
            self.handle_inputs(args)
            return
        entry = CONTROL.get(address[len(CONTROL_PREFIX):]) if address.startswith(CONTROL_PREFIX) else None
        if entry is None:
            session.problems.report("unknown address", f"ignored a message to unknown address {address!r} "
                                    f"(inputs go to {session.config.input_address}, control to "
                                    f"{CONTROL_PREFIX}…)")
            return
        parse, method = entry
        try:
            call_args = parse(args)
        except BadArguments as exc:
            session.problems.report("bad control message", f"ignored {address}: {exc}")
            return
        try:
            method(session, *call_args)
        except OscnetError as exc:
            kind = "unsupported" if str(exc).startswith("not supported") else "refused command"
            session.problems.report(kind, f"{address}: {exc}")

    def handle_inputs(self, args: Args) -> None:
        """Numbers of any OSC numeric type become float64; strings, NaN and inf are refused."""
        session = self.session
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
