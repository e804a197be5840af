"""One attempt at a webhook delivery: a signed POST, judged by the receiver's answer alone.

The sender never raises for what a receiver or the network does: every attempt ends in an
`AttemptOutcome` the dispatcher records and schedules the next attempt by. Only a 2xx answer
acknowledges a delivery; a redirect is a failure (following it could lead anywhere, past the
address check), and the whole attempt, connection and answer included, has one deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

import httpx

from api.services.delivery.cloudevents import CONTENT_TYPE
from api.services.delivery.signing import signature_headers
from api.services.delivery.ssrf import UrlPolicy, UrlRefused, guarded_transport

USER_AGENT = "Mufakat-Webhooks/1"
# The delivery log keeps this much of an answer and of an error (the columns' size).
EXCERPT_CHARS = 500
ERROR_CHARS = 500
# Enough bytes for 500 characters of UTF-8; a receiver's huge answer is never read further.
_EXCERPT_BYTES = 4 * EXCERPT_CHARS


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt came to: acknowledged or not, and what the receiver answered."""

    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None
    response_excerpt: str | None


class WebhookSender:
    """Sends deliveries over one connection pool whose every connection is address-checked."""

    def __init__(self, policy: UrlPolicy, *, timeout: float) -> None:
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            transport=guarded_transport(policy, timeout=timeout),
            timeout=timeout,
            follow_redirects=False,
            # Proxies from the environment would connect on our behalf, past the address check.
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    async def send(
        self, url: str, secrets: Sequence[str], delivery_id: str, body: bytes, at: datetime
    ) -> AttemptOutcome:
        """POST `body` to `url`, signed with `secrets` (current first) as of `at`."""
        headers = {
            **signature_headers(secrets, delivery_id, at, body),
            "Content-Type": CONTENT_TYPE,
            # A compressed answer could inflate without bound; the excerpt wants plain bytes.
            "Accept-Encoding": "identity",
        }
        status_code: int | None = None
        excerpt: str | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._client.stream("POST", url, content=body, headers=headers) as response,
            ):
                status_code = response.status_code
                error = _status_error(response)
                excerpt = await _excerpt(response)
        except (TimeoutError, httpx.TimeoutException):
            # Once the status has arrived the receiver has answered; only its body was slow.
            if status_code is None:
                error = f"timeout after {self._timeout:g}s"
        except UrlRefused as exc:
            error = f"refused: {exc}"
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return AttemptOutcome(
            ok=status_code is not None and error is None,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error[:ERROR_CHARS] if error else None,
            response_excerpt=excerpt,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _status_error(response: httpx.Response) -> str | None:
    if response.is_success:
        return None
    if response.is_redirect:
        location = response.headers.get("location", "")
        return f"redirect {response.status_code} to {location!r} not followed"
    return f"HTTP {response.status_code}"


async def _excerpt(response: httpx.Response) -> str:
    """The start of the answer's body, reading no more of it than the excerpt needs."""
    received = bytearray()
    async for chunk in response.aiter_raw():
        received += chunk
        if len(received) >= _EXCERPT_BYTES:
            break
    # Read as UTF-8 whatever the answer declares: an excerpt for people, not a parsed body.
    return bytes(received[:_EXCERPT_BYTES]).decode("utf-8", "replace")[:EXCERPT_CHARS]
