"""Putting the console on the API's app: its screens, its files and its security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from api.konsol.pages import SCREENS
from api.konsol.session import konsol_secret

STATIC = Path(__file__).resolve().parents[1] / "static" / "konsol"
# No inline script or style anywhere: every script is a file of ours or a vendored one, and the
# charts' data travels as JSON data blocks. `img-src data:` is for Pico's inline SVG icons.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def install_konsol(app: FastAPI) -> None:
    """Serve the console at /konsol from this app."""
    app.state.konsol_secret = konsol_secret(app.state.settings)
    for screen in SCREENS:
        app.include_router(screen)
    app.mount("/konsol/static", StaticFiles(directory=STATIC), name="konsol-static")

    @app.middleware("http")
    async def konsol_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path == "/konsol" or request.url.path.startswith("/konsol/"):
            response.headers.update(SECURITY_HEADERS)
            if not request.url.path.startswith("/konsol/static/"):
                # Pages show cases; a shared computer's back button must not show them again.
                response.headers["Cache-Control"] = "no-store"
        return response
