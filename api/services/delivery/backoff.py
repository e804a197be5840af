"""When a failed delivery is tried again: exponential backoff with jitter, capped at an hour.

The first retry comes after about 10 s (`webhook_first_retry_seconds`), each later one after
about twice the last, up to one an hour: a receiver down for a minute gets its events within a
minute of coming back, and one down for a day is tried about 30 times (`webhook_retry_hours`
then disables it). The jitter ("equal jitter": half the delay fixed, half random) spreads the
retries of many deliveries that failed together, so a receiver coming back is not met by all of
them at once.
"""

from __future__ import annotations

import random
from datetime import timedelta

FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)
_JITTER = random.Random()


def retry_delay(
    attempts: int, rng: random.Random | None = None, first: timedelta = FIRST_RETRY
) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (from 1)."""
    exponent = min(max(attempts - 1, 0), 20)
    delay = min(first * (1 << exponent), LONGEST_WAIT)
    half = delay / 2
    return half + half * (rng or _JITTER).random()
