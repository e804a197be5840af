"""Integrating agencies under a fault: each action sent with its own Idempotency-Key and retried
with the same key on 5xx, connection errors and timeouts until a 2xx or a 4xx answers it.

Every attempt is recorded (when, what came back, `duplicate`, `seq`), so the checks can compare
what clients were told with what the cases' histories hold.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

# Above the API's own bound on an action (it answers 503 `action_pending` after 15 s).
REQUEST_TIMEOUT_SECONDS = 20.0
# A key still unanswered after this is given up on and reported as such.
KEY_BUDGET_SECONDS = 45.0
RETRY_PAUSE_SECONDS = 0.2
MAX_RETRY_AFTER_SECONDS = 2.0
# How long the load goes on after the first acknowledgement that follows a restart.
AFTER_RECOVERY_SECONDS = 2.0
RECOVERY_BUDGET_SECONDS = 45.0


@dataclass(frozen=True)
class Attempt:
    """One HTTP request of an action: its status (or transport error) and answer."""

    started: float
    ended: float
    status: int | None
    error: str | None = None
    duplicate: bool | None = None
    seq: int | None = None
    problem: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def final(self) -> bool:
        return self.status is not None and 200 <= self.status < 500

    def describe(self) -> str:
        if self.acknowledged:
            return f"{self.status} seq {self.seq} duplicate {self.duplicate}"
        return f"{self.status or self.error} {self.problem or ''}".rstrip()


@dataclass
class KeySent:
    """An action under one Idempotency-Key, and every attempt made to get it answered."""

    case_id: str
    idempotency_key: str
    key_id: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def recorded_key(self) -> str:
        """The update id the API records it under (`api.services.applying.action_key`)."""
        return f"{self.key_id}/{self.idempotency_key}"

    @property
    def acknowledgements(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.acknowledged]

    @property
    def answer(self) -> Attempt | None:
        """The final answer (2xx or 4xx), if one came."""
        final = [attempt for attempt in self.attempts if attempt.final]
        return final[0] if final else None

    def describe(self) -> str:
        """Each answer in turn, a run of the same answer once with its count."""
        runs: list[tuple[str, int]] = []
        for answer in (attempt.describe() for attempt in self.attempts):
            if runs and runs[-1][0] == answer:
                runs[-1] = (answer, runs[-1][1] + 1)
            else:
                runs.append((answer, 1))
        return ", ".join(answer if n == 1 else f"{answer} (x{n})" for answer, n in runs)

    @property
    def latency(self) -> float | None:
        """From the first attempt to the final answer."""
        answer = self.answer
        return None if answer is None else answer.ended - self.attempts[0].started


class Agency:
    """An HTTP client acting with one API key."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.token = token
        # The token is mk_<key id>_<secret>; the key id prefixes every recorded update id.
        self.key_id = token.split("_")[1]

    async def attempt(self, sent: KeySent, body: dict[str, Any]) -> Attempt:
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": sent.idempotency_key}
        try:
            response = await self.http.post(
                f"/v1/cases/{sent.case_id}/actions",
                json=body,
                headers=headers,
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except httpx.TransportError as error:  # refused, reset, timed out
            attempt = Attempt(started, time.monotonic(), None, error=type(error).__name__)
        else:
            attempt = _attempt(started, response)
        sent.attempts.append(attempt)
        return attempt

    async def send(self, sent: KeySent, body: dict[str, Any]) -> KeySent:
        """Send until a 2xx or a 4xx answers, or the key's budget runs out."""
        give_up = time.monotonic() + KEY_BUDGET_SECONDS
        while True:
            attempt = await self.attempt(sent, body)
            if attempt.final or time.monotonic() >= give_up:
                return sent
            await asyncio.sleep(RETRY_PAUSE_SECONDS)

    def key(self, case_id: str, idempotency_key: str | None = None) -> KeySent:
        """A new action of this agency's in `case_id`, under a fresh key unless told."""
        return KeySent(case_id, idempotency_key or uuid.uuid4().hex, self.key_id)


def _attempt(started: float, response: httpx.Response) -> Attempt:
    ended = time.monotonic()
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return Attempt(
        started,
        ended,
        response.status_code,
        duplicate=body.get("duplicate"),
        seq=body.get("seq"),
        problem=body.get("type"),
    )


@dataclass
class LoadRun:
    """What the clients sent during one fault, and when things ran again."""

    sent: list[KeySent]
    restarted_at: float
    recovered_at: float | None


def note(text: str) -> dict[str, Any]:
    """An `add_note`: any party may add one in any stage, as often as it likes."""
    return {"action": "add_note", "text": text}


async def under_fault(
    agency: Agency,
    case_ids: list[str],
    fault: Callable[[], Awaitable[float]],
    *,
    clients: int,
    warm_up_seconds: float = 1.5,
) -> LoadRun:
    """`clients` concurrent clients add notes round the cases; after `warm_up_seconds` the
    `fault` runs (it returns the monotonic time it restarted what it killed). The load goes on
    until an action is acknowledged after the restart (or the recovery budget ends), and a
    little longer; then each client finishes the key it holds."""
    sent: list[KeySent] = []
    stop = asyncio.Event()

    async def client(number: int) -> None:
        turn = 0
        while not stop.is_set():
            case_id = case_ids[(number + turn * clients) % len(case_ids)]
            key = agency.key(case_id, f"c{number}-{turn}-{uuid.uuid4().hex[:8]}")
            sent.append(key)
            await agency.send(key, note(f"catatan {key.idempotency_key}"))
            turn += 1

    async with asyncio.TaskGroup() as group:
        for number in range(clients):
            group.create_task(client(number))
        await asyncio.sleep(warm_up_seconds)
        restarted_at = await fault()
        recovered_at = await _first_acknowledgement_after(sent, restarted_at)
        await asyncio.sleep(AFTER_RECOVERY_SECONDS)
        stop.set()
    return LoadRun(sent, restarted_at, recovered_at)


async def _first_acknowledgement_after(sent: list[KeySent], since: float) -> float | None:
    deadline = since + RECOVERY_BUDGET_SECONDS
    while time.monotonic() < deadline:
        ends = [
            attempt.ended
            for key in list(sent)
            for attempt in key.attempts
            if attempt.acknowledged and attempt.ended >= since
        ]
        if ends:
            return min(ends)
        await asyncio.sleep(0.05)
    return None
