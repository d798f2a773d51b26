from __future__ import annotations

from mcpod.daemon.upstream.backoff import BREAKER_FAILURES, BREAKER_OPEN_S, MAX_BACKOFF_S, Backoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_back_off_exponentially_up_to_the_cap() -> None:
    clock = Clock()
    backoff = Backoff(clock)
    waits = []
    for _ in range(BREAKER_FAILURES - 1):
        backoff.failed()
        start = clock.now
        while not backoff.may_try():
            clock.now += 0.25
        waits.append(clock.now - start)
    assert waits == [1.0, 2.0, 4.0, 8.0][: BREAKER_FAILURES - 1]
    assert max(waits) <= MAX_BACKOFF_S and not backoff.breaker_open


def test_the_breaker_opens_after_repeated_failures_and_one_success_closes_it() -> None:
    clock = Clock()
    backoff = Backoff(clock)
    for _ in range(BREAKER_FAILURES):
        backoff.failed()
    assert backoff.breaker_open and not backoff.may_try()
    clock.now += BREAKER_OPEN_S - 1
    assert backoff.breaker_open
    clock.now += 1
    assert backoff.may_try() and not backoff.breaker_open  # half open: one try allowed
    backoff.failed()
    assert backoff.breaker_open  # that try failed too
    backoff.succeeded()
    assert backoff.failures == 0 and backoff.may_try() and backoff.retry_at_wall() is None
