"""`/docs` (Swagger UI) and `/redoc` (ReDoc) from the package's own files, never from a CDN.

An agency's integrator often reads the docs on a network without internet; FastAPI's own pages
load their scripts from a CDN and stay blank there. The files are pinned from the npm registry
(versions, hashes and licence texts in static/docs/, re-fetched by deploy/tools/npm_assets.py),
and each page forbids every other origin in its Content-Security-Policy, so a page that still
reached out would break visibly in the browser test rather than work only when online.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static" / "docs"
ASSETS_URL = "/static/docs"
SWAGGER_URL = "/docs"
REDOC_URL = "/redoc"
TITLE = "Dokumentasi API / API documentation"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

# What both pages allow: their own origin only. The OpenAPI document, Swagger's "Try it out"
# requests and the bundles all come from here; the stylesheets draw their icons as data: URLs.
_SAME_ORIGIN_ONLY = (
    "default-src 'none'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs and ReDoc at /redoc; build the app with both URLs None."""
    app.mount(ASSETS_URL, StaticFiles(directory=STATIC_DIR), name="docs-assets")

    @app.get(SWAGGER_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        page = get_swagger_ui_html(
            openapi_url=root + _openapi_url(app),
            title=f"{app.title} · {TITLE}",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/swagger-ui/favicon-32x32.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        # The page's one inline script (Swagger's configuration) is allowed by its hash.
        scripts = " ".join(_script_hashes(bytes(page.body).decode()))
        return _with_policy(page, f"script-src 'self' {scripts}", "style-src 'self'")

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        page = get_redoc_html(
            openapi_url=root + _openapi_url(app),
            title=f"{app.title} · {TITLE}",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
        # ReDoc styles itself by writing <style> elements as it renders (styled-components)
        # and runs its search index in a worker made from a blob: URL.
        return _with_policy(
            page, "script-src 'self'", "style-src 'self' 'unsafe-inline'", "worker-src blob:"
        )


def _openapi_url(app: FastAPI) -> str:
    if app.openapi_url is None:
        raise RuntimeError("the API docs need the OpenAPI document (openapi_url is None)")
    return app.openapi_url


def _root_path(request: Request) -> str:
    """The prefix a proxy serves the app under, as FastAPI's own docs pages honour it."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _script_hashes(html: str) -> list[str]:
    """CSP sources for the page's inline scripts: `'sha256-<base64 of the script's hash>'`."""
    digests = (hashlib.sha256(body.encode()).digest() for body in _INLINE_SCRIPT.findall(html))
    return [f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests]


def _with_policy(page: HTMLResponse, *directives: str) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = "; ".join((*_SAME_ORIGIN_ONLY, *directives))
    return page
