"""Konsol: the operators' and secretariats' screen, server-rendered, in Bahasa Indonesia.

A second front end over the same rules as the JSON API: every page calls `api.services`, never
the JSON routes, so what a key may see and do is decided in one place. Layout:

- `mount.py` puts the console on the app: its pages under `/konsol`, its own files under
  `/konsol/static` (htmx, Pico CSS, Chart.js vendored from npm with their licences), and the
  security headers every console answer carries (a Content-Security-Policy with no inline script
  or style, no framing, no caching).
- `session.py` signs a key in (a signed, HttpOnly, SameSite cookie with an expiry) and checks the
  CSRF token of every form; `KonsolRoute` turns a service's problem into a page.
- `render.py` renders templates (Jinja2 with jinja2-fragments, so an htmx request gets only the
  block it swaps) with the console's filters: dates as "14 April 2026", times in WIB.
- `texts.py` marks the Python side's words for the one message catalogue (gettext, Bahasa
  Indonesia as the source language; `deploy/tools/konsol_catalogue.py` extracts it).
- `pages/` holds one module per screen; `templates/` one template per screen plus `base.html`
  and shared macros.
"""
