"""Sending OSC messages over UDP: float32 outputs encoded directly, anything else by python-osc."""

from __future__ import annotations

import socket
import struct
from typing import Sequence

from pythonosc.osc_message_builder import OscMessageBuilder

from oscnet.errors import OscnetError


def _padded(text: str) -> bytes:
    """An OSC string: UTF-8, NUL-terminated, padded to a multiple of 4 bytes."""
    data = text.encode("utf-8") + b"\0"
    return data + b"\0" * (-len(data) % 4)


def float_message(address: str, values: Sequence[float]) -> bytes:
    """An OSC message of float32 arguments (what /wek/outputs carries)."""
    return _padded(address) + _padded("," + "f" * len(values)) + struct.pack(f">{len(values)}f", *values)


class Sender:
    """Sends to one host and port; the address is resolved once, not per message."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        try:
            family, _, _, _, self.target = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        except socket.gaierror as exc:
            raise OscnetError(f"cannot send to {host}:{port}: {exc.strerror}; check send.host") from None
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sent = self.errors = 0

    def __repr__(self) -> str:
        return f"Sender({self.host}:{self.port})"

    def send_floats(self, address: str, values: Sequence[float]) -> None:
        """Send float32 values; a network error (no listener, full buffer) is counted, not raised."""
        self._send(float_message(address, values))

    def send(self, address: str, *args: object) -> None:
        """Send any arguments python-osc can encode (a message with none is allowed)."""
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        self._send(builder.build().dgram)

    def _send(self, dgram: bytes) -> None:
        try:
            self.sock.sendto(dgram, self.target)
            self.sent += 1
        except OSError:
            self.errors += 1  # e.g. ECONNREFUSED after an ICMP port unreachable: nobody listens yet

    def close(self) -> None:
        self.sock.close()
