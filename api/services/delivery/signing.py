"""Signing webhook deliveries per the Standard Webhooks specification.

Receivers verify with any Standard Webhooks library: the signed content is
`{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 under the subscription's secret. While a
secret is being rotated, each delivery carries a signature under the new and the old secret, so
a receiver keeps verifying until it has switched.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from secrets import token_bytes

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form (`whsec_` + 32 random bytes, base64)."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(32)).decode("ascii")


def signature_headers(
    secrets: Sequence[str], msg_id: str, at: datetime, body: bytes
) -> dict[str, str]:
    """The `webhook-*` headers of one attempt, signed with every secret given (current first)."""
    # The library reads the timestamp's wall clock as UTC: give it UTC so the header agrees.
    at_utc = at.astimezone(UTC)
    data = body.decode("utf-8")
    signatures = [Webhook(secret).sign(msg_id, at_utc, data) for secret in secrets]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at_utc.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
