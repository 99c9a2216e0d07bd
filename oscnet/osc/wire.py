"""OSC on the wire: datagrams → messages (strictly checked) and messages → datagrams, in one place.

oscnet keeps its own strict decoder in front of python-osc's parser: python-osc reads a
cut-off float as 0.0, an `r` colour as a number, and sleeps on bundle timetags. Each encoder
sits beside the decoder it mirrors; the endpoint, the sender, the fuzzer and the tests use them.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

KNOWN_TAGS = set("ifdhsbrmtTFN[]")
NUMBER_TAGS = set("ifdh")
MAX_BUNDLE_DEPTH = 8
BUNDLE = b"#bundle\0"
NTP_EPOCH = 2208988800  # seconds from 1900 (OSC timetags) to 1970 (Unix time)


# --- encoding -------------------------------------------------------------------------------

def padded(text: str) -> bytes:
    """An OSC string: UTF-8, NUL-terminated, padded to a multiple of 4 bytes."""
    data = text.encode("utf-8") + b"\0"
    return data + b"\0" * (-len(data) % 4)


FLOAT32_MAX = float(np.finfo(np.float32).max)


def float_message(address: str, values: Sequence[float] | np.ndarray) -> bytes:
    """An OSC message of float32 arguments (what /wek/outputs carries): the receive path's encoder.
    A value beyond float32's range is sent as the largest float32 of its sign (never an error)."""
    try:
        data = struct.pack(f">{len(values)}f", *values)
    except OverflowError:  # rare: clip, rather than stop every /wek/outputs message
        data = np.clip(np.asarray(values, dtype=np.float64), -FLOAT32_MAX, FLOAT32_MAX).astype(">f4").tobytes()
    return padded(address) + padded("," + "f" * len(values)) + data


def message(address: str, *args: Any) -> bytes:
    """An OSC message of any arguments python-osc can encode (ints as i, floats as f, str, bytes)."""
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return bytes(builder.build().dgram)


def bundle(timetag_seconds: float, *contents: bytes) -> bytes:
    """A bundle of ready datagrams with a timetag in Unix seconds (like time.time())."""
    ntp = timetag_seconds + NTP_EPOCH
    seconds = int(ntp) & 0xFFFFFFFF
    fraction = int((ntp % 1) * 2**32) & 0xFFFFFFFF
    out = BUNDLE + struct.pack(">II", seconds, fraction)
    for c in contents:
        out += struct.pack(">i", len(c)) + c
    return out


# --- decoding -------------------------------------------------------------------------------

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
    if data.startswith(BUNDLE):
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


