"""Bad input from the network: counted by kind, logged as one clear line, rate-limited per kind."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter


class Problems:
    """Counts every problem; logs the first of a kind, then at most one line per `interval` seconds."""

    def __init__(self, log: logging.Logger, interval: float = 2.0) -> None:
        self.log = log
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self._last_logged: dict[str, float] = {}
        self._suppressed: Counter[str] = Counter()
        self._lock = threading.Lock()

    def report(self, kind: str, message: str, level: int = logging.WARNING) -> None:
        """Count one problem of `kind`; log `message` unless this kind was logged moments ago."""
        now = time.monotonic()
        with self._lock:
            self.counts[kind] += 1
            if now - self._last_logged.get(kind, -1e9) < self.interval:
                self._suppressed[kind] += 1
                return
            self._last_logged[kind] = now
            hidden = self._suppressed.pop(kind, 0)
        more = f" (and {hidden} more like it since the last report)" if hidden else ""
        self.log.log(level, "%s%s", message, more)

    def summary(self) -> str:
        """`none`, or each kind with its count: `malformed datagram 2, unknown address 1`."""
        with self._lock:
            if not self.counts:
                return "none"
            return ", ".join(f"{kind} {n}" for kind, n in sorted(self.counts.items()))
