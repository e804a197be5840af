"""How big a request may be, and why: every input ends up in a Temporal payload.

Temporal refuses a payload over 2 MB (the blob limit) and warns from 512 KB; a workflow task
that carries one fails and is retried forever, so the API would answer "retry later" to a
request that can never succeed. An action's payload lands in the update's arguments and again
in the case's state, which carries its timeline (every accepted action's payload) until the
next continue-as-new. So the limits sit far below Temporal's: many actions must fit in one
state, and the API refuses anything larger at once (413), before it reaches a workflow.
Documents never travel in a request to a workflow: they go to the document store, and only
their SHA-256 enters the case.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * MIB
TEMPORAL_PAYLOAD_WARN_BYTES = 512 * KIB

MAX_ACTION_BYTES = 64 * KIB
"""An action request's body (POST /v1/cases/{id}/actions); its payload must fit in an update."""

MAX_FILING_BYTES = 256 * KIB
"""A filing's body (POST /v1/cases): up to 40 parties, an agreement and a dispute, as text."""

MAX_JSON_BODY_BYTES = MAX_FILING_BYTES
"""Any other JSON body; no route needs more than a filing."""

MAX_TEXT_CHARS = 50_000
"""The longest text field (a legal opinion); the others are shorter, each with its own
`maxLength` in the OpenAPI schema. The body's limit applies too, in UTF-8 bytes, so a long text
in another script meets that first. Longer texts belong in attached documents."""

MAX_JSON_DEPTH = 32
"""Nesting of arrays and objects in a JSON body; the deepest real payload needs about 5."""

MAX_HEADER_BYTES = 16 * KIB
"""The request line and all headers together (the common default of HTTP servers)."""

MAX_HEADER_COUNT = 100
"""Headers in one request (as Apache and Go's servers default to)."""

# Far below Temporal's warning threshold, so neither a payload nor its copy in the state nears it.
assert MAX_FILING_BYTES * 2 <= TEMPORAL_PAYLOAD_WARN_BYTES
assert MAX_ACTION_BYTES * 8 <= TEMPORAL_PAYLOAD_WARN_BYTES

MAX_CASE_STATE_BYTES = 1 * MIB
"""A case's state as its workflow carries it (and continues as new with): an action that would
take it past this is refused; long texts belong in attached documents."""
