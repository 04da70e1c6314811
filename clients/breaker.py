"""The circuit breaker of one service in one process.

closed     every call goes through; `threshold` consecutive failed calls open the breaker.
open       every call fails fast with CircuitOpen for `reset_after` seconds.
half-open  after that, exactly ONE trial call goes through; every other caller fails fast with CircuitOpen
           until the trial ends. A trial that succeeds closes the breaker; one that fails opens it again for
           another `reset_after` seconds; one that ends without a verdict (cancelled) frees the trial slot.

A "failure" is a call that got no answer after all its attempts (down, timeout, 5xx); a 4xx is an answer.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from clients.errors import CircuitOpen


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    service: str = "service"
    threshold: int = 3
    reset_after: float = 15.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    failures: int = 0
    opened_at: float | None = None
    trial_in_flight: bool = False

    @property
    def state(self) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.CLOSED
        if self.clock() - self.opened_at >= self.reset_after:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def acquire(self) -> bool:
        """Lets a call through or raises CircuitOpen; True when the call is the half-open trial.

        Synchronous, so in one event loop no two callers can both take the trial.
        """
        state = self.state
        if state is BreakerState.CLOSED:
            return False
        if state is BreakerState.HALF_OPEN and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        assert self.opened_at is not None
        raise CircuitOpen(self.service, max(0.0, self.opened_at + self.reset_after - self.clock()))

    def success(self, trial: bool) -> None:
        """The service answered: the breaker closes."""
        self.failures = 0
        self.opened_at = None
        if trial:
            self.trial_in_flight = False

    def failure(self, trial: bool) -> None:
        """No answer: a failed trial reopens at once; otherwise `threshold` failures in a row open it."""
        self.failures += 1
        if trial or self.failures >= self.threshold:
            self.opened_at = self.clock()
        if trial:
            self.trial_in_flight = False

    def release(self, trial: bool) -> None:
        """The call ended without a verdict (e.g. cancelled by the caller's own deadline)."""
        if trial:
            self.trial_in_flight = False
