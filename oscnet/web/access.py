"""Who may use the web view: the address it binds, its token, and the checks every request passes.

Safe by default:
- It binds 127.0.0.1. Any other address needs a token (made here, printed in the URL); without
  one the web view refuses to start, so an open page on a network cannot happen by mistake.
- Every request, the WebSocket too, carries the token (`?token=…`) when there is one; it is
  compared in constant time.
- On a loopback address the Host header must name a loopback host, so a web site that points
  its own name at 127.0.0.1 (DNS rebinding) is refused.
- A request that carries an Origin must come from the page's own origin (`http://` + Host): a
  page of another site open in the same browser cannot drive the WebSocket. A request without
  an Origin is not from a browser's page, and a program could forge any Origin anyway; the
  token is what stops those on a network.
- The page names no files: the routes are fixed, and no command takes a path.

This module imports nothing of the server library, so its rules are tested on their own.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from oscnet.errors import OscnetError

DEFAULT_HOST = "127.0.0.1"
PORT_TRIES = 20  # `--web` alone: the OSC port + 1, else the next free one up to + PORT_TRIES
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


def is_loopback(host: str) -> bool:
    """Whether an address (or `localhost`) is this machine only."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_address(text: str | None) -> tuple[str, int | None]:
    """`--web`'s value: HOST:PORT, HOST, :PORT, [v6]:PORT or nothing; None port = beside the OSC port."""
    if not text:
        return DEFAULT_HOST, None
    if text.isdigit():
        host, port = "", text
    elif text.startswith("[") and "]" in text:
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            raise OscnetError(f"--web {text!r}: write HOST:PORT, e.g. 127.0.0.1:6449 or [::1]:6449")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if port and (not port.isdigit() or not 0 <= int(port) <= 65535):
        raise OscnetError(f"--web {text!r}: the port must be 0..65535, e.g. 127.0.0.1:6449")
    return host or DEFAULT_HOST, int(port) if port else None


def new_token() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Access:
    """The rules for one web view: where it is bound and its token (None: loopback only, no token)."""

    host: str
    port: int
    token: str | None

    @classmethod
    def for_address(cls, host: str, port: int, token: str | None = None) -> Access:
        """A token is made when the address is not loopback and none is given."""
        if token is None and not is_loopback(host):
            token = new_token()
        if token is not None and len(token) < 16:
            raise OscnetError("a web view token must be at least 16 characters")
        return cls(host, port, token)

    def url(self, path: str = "/") -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        if host in ("0.0.0.0", "[::]"):  # every interface: this machine's own name reaches it
            host = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}{path}{query}"

    def query(self) -> str:
        """What the page appends to its own requests."""
        return f"?token={self.token}" if self.token else ""

    def refusal(self, query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
        """Why a request is refused (a sentence for the 403 page), or None to let it in."""
        if self.token is not None:
            given = query.get("token", "")
            if not given:
                return "this web view needs its token: open the URL oscnet printed (it ends with ?token=…)"
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return "wrong token: open the URL oscnet printed at start"
        host = headers.get("Host", "")
        if is_loopback(self.host) and _hostname(host) not in LOOPBACK_NAMES and not is_loopback(_hostname(host)):
            return f"refused Host {host!r}: this web view answers only to this machine's names (127.0.0.1, localhost)"
        origin = headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            return f"refused a request from another site ({origin}): open the web view's own page"
        return None


def _hostname(host_header: str) -> str:
    """The host part of a Host header (`127.0.0.1:8080`, `[::1]:8080`, `localhost`)."""
    if host_header.startswith("["):
        return host_header[: host_header.find("]") + 1]
    return host_header.rpartition(":")[0] if ":" in host_header else host_header
