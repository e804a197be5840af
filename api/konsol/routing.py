"""`KonsolRoute`: a console route answers in pages, never in problem JSON.

A service's problem (a case this key may not see, a refusal no page caught) becomes the error
page in Bahasa Indonesia with the problem's status; a request with no session goes to the
sign-in form (htmx is told to navigate there with `HX-Redirect`, rather than swap the form in).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from api.konsol.render import is_htmx, page
from api.konsol.session import SignInRequired, sign_in_location
from api.messages.catalogue import title
from api.problems import ApiProblem


class KonsolRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as required:
                location = sign_in_location(required.next)
                if is_htmx(request):
                    return Response(status_code=204, headers={"HX-Redirect": location})
                return RedirectResponse(location, status_code=303)
            except ApiProblem as problem:
                return problem_page(request, problem)

        return answer


def problem_page(request: Request, problem: ApiProblem) -> Response:
    """The error page for a problem: its title and detail, in Bahasa Indonesia."""
    context = {
        "problem_title": title(problem.code, problem.status, "id"),
        "problem": problem,
    }
    # An htmx swap shows the problem where the answer was to go; a page shows it whole.
    block = "problem" if is_htmx(request) else None
    return page(request, "galat.html", context, status_code=problem.status, block=block)


def konsol_router() -> APIRouter:
    """A router for one console screen: under /konsol, out of the OpenAPI document."""
    return APIRouter(prefix="/konsol", route_class=KonsolRoute, include_in_schema=False)
