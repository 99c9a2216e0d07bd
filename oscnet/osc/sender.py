"""Sending OSC messages over UDP to one host and port (encoded by `wire`)."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.osc.wire import float_message, message


class Sender:
    """Sends to one host and port; the address is resolved once, not per message."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        try:
            family, _, _, _, target = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        except socket.gaierror as exc:
            raise OscnetError(f"cannot send to {host}:{port}: {exc.strerror}; check send.host") from None
        self.target: tuple[Any, ...] = tuple(target)
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sent = self.errors = 0

    def __repr__(self) -> str:
        return f"Sender({self.host}:{self.port})"

    def send_floats(self, address: str, values: Sequence[float] | np.ndarray) -> None:
        """Send float32 values; a network error (no listener, full buffer) is counted, not raised."""
        self._send(float_message(address, values))

    def send(self, address: str, *args: object) -> None:
        """Send any arguments python-osc can encode (a message with none is allowed)."""
        self._send(message(address, *args))

    def _send(self, dgram: bytes) -> None:
        try:
            self.sock.sendto(dgram, self.target)
            self.sent += 1
        except OSError:
            self.errors += 1  # e.g. ECONNREFUSED after an ICMP port unreachable: nobody listens yet

    def close(self) -> None:
        self.sock.close()
