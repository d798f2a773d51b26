"""When a failing server is tried again: exponential backoff, then a circuit breaker.

After each consecutive failure the next try waits 1, 2, 4, ... up to 30 s; after
`BREAKER_FAILURES` in a row the breaker opens and the server is left alone for
`BREAKER_OPEN_S` (a crash-looping server must not eat the machine). One success closes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_BACKOFF_S = 30.0
BREAKER_FAILURES = 5
BREAKER_OPEN_S = 300.0


class Backoff:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = 0
        self._clock = clock
        self._retry_at = 0.0  # on `clock`

    @property
    def breaker_open(self) -> bool:
        return self.failures >= BREAKER_FAILURES and not self.may_try()

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= BREAKER_FAILURES:
            delay = BREAKER_OPEN_S
        else:
            delay = min(2.0 ** (self.failures - 1), MAX_BACKOFF_S)
        self._retry_at = self._clock() + delay

    def succeeded(self) -> None:
        self.failures = 0
        self._retry_at = 0.0

    def may_try(self) -> bool:
        return self._clock() >= self._retry_at

    def retry_at_wall(self) -> float | None:
        """When the next try is allowed, as a wall-clock time (None: now)."""
        wait = self._retry_at - self._clock()
        return time.time() + wait if wait > 0 else None
