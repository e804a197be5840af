"""The reference look-ups every role may read: guidelines, regions, routing and the calendar."""

from __future__ import annotations

from fastapi import FastAPI

from api.routes import calendar, pedoman, regions, route


def include_reference_routes(app: FastAPI) -> None:
    """Serve the reference look-ups under `/v1`."""
    for module in (pedoman, regions, route, calendar):
        app.include_router(module.router)
