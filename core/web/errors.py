"""Error answers in the site's layout, never with a stack trace.

A 500 shows a correlation id (the request id) that is logged with the traceback, so support can
find the error without the person seeing internals.
"""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import IntegrityError

from urllib.parse import urlencode

from core.access.guard import AccountSetupRequired, CsrfRefused, SchoolChoiceRequired, SignInRequired
from core.i18n import N_, gettext
from core.web.pages import redirect
from core.web.middleware import prepare_request_context

log = logging.getLogger("zhurnal.web")

TITLES = {
    401: N_("Sign in to continue"),
    400: N_("The request could not be understood"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("This action is not available here"),
    409: N_("The change was not saved"),
    413: N_("The files are too large"),
    422: N_("Please correct the form"),
    500: N_("Something went wrong on our side"),
}
EXPLANATIONS = {
    403: N_("You do not have permission to open this page."),
    404: N_("The page does not exist or has been removed. Check the address or start from the main page."),
    409: N_("Such a record already exists, or it refers to data that was removed. Nothing was changed."),
    413: N_("What was sent is larger than this form accepts. Nothing was saved: go back, attach fewer or smaller files and send again."),
    500: N_("The error has been recorded. If it happens again, tell the journal administrator this code:"),
}


def error_response(request: Request, status_code: int, detail: str | None = None) -> Response[str]:
    prepare_request_context(request.scope)
    title = gettext(TITLES.get(status_code, TITLES[500] if status_code >= 500 else TITLES[400]))
    explanation = detail or gettext(EXPLANATIONS.get(status_code, EXPLANATIONS[500] if status_code >= 500 else ""))
    request_id = request.state.get("request_id", "")
    accept = request.headers.get("accept", "*/*")
    if request.headers.get("hx-request") == "true" or not ("text/html" in accept or "*/*" in accept):
        text = f"{title}. {explanation}" + (f" {request_id}" if status_code >= 500 else "")
        return Response(text, status_code=status_code, media_type=MediaType.TEXT)
    platform = request.app.state.platform
    html = platform.jinja.get_template("core/error.html").render(
        request=request, platform=platform, status_code=status_code, title=title, explanation=explanation,
        request_id=request_id if status_code >= 500 else None, nav=[], flashes=[],
    )
    return Response(html, status_code=status_code, media_type=MediaType.HTML)


STOP_POLLING = 286  # htmx stops an element's polling on this answer


def sign_in_required(request: Request, exc: Exception) -> Response[str]:
    """To the login page and back: htmx gets HX-Redirect, a plain GET a 303, anything else 401.
    A background poll (an unread badge) after the session ended just stops: the page the person
    is typing in stays as it is."""
    handler = request.scope.get("route_handler")
    if handler is not None and handler.opt.get("background") and request.headers.get("hx-request") == "true":
        return Response("", status_code=STOP_POLLING, media_type=MediaType.HTML)
    if request.method == "GET" or request.headers.get("hx-request") == "true":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, "/login?" + urlencode({"next": target}))
    return error_response(request, 401)


def school_choice_required(request: Request, exc: Exception) -> Response[str]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, "/school?" + urlencode({"next": target}))


def account_setup_required(request: Request, exc: AccountSetupRequired) -> Response[str]:
    handler = request.scope.get("route_handler")
    if handler is not None and handler.opt.get("background") and request.headers.get("hx-request") == "true":
        return Response("", status_code=STOP_POLLING, media_type=MediaType.HTML)
    return redirect(request, exc.target)


def csrf_refused(request: Request, exc: Exception) -> Response[str]:
    log.info("CSRF check refused %s %s", request.method, request.url.path)
    return error_response(request, 403, gettext("The page was out of date or came from another site. Reload it and try again."))


def integrity_error(request: Request, exc: IntegrityError) -> Response[str]:
    """A unique or reference rule refused the write: nothing was saved, say so."""
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
    return error_response(request, HTTP_409_CONFLICT)


def http_error(request: Request, exc: HTTPException) -> Response[str]:
    detail = exc.detail if isinstance(exc, ValidationException) or exc.status_code in (400, 409, 422) else None
    if detail and (detail == "Bad Request" or detail.startswith("Validation failed")):
        # Litestar's own parsing messages are English and technical; ours are Russian already.
        detail = gettext("Some of the data sent is not valid. Check the form and try again.")
    response = error_response(request, exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def internal_error(request: Request, exc: Exception) -> Response[str]:
    log.error(
        "unhandled error %s on %s %s", request.state.get("request_id", "?"), request.method, request.url.path, exc_info=exc
    )
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS = {
    SignInRequired: sign_in_required,
    SchoolChoiceRequired: school_choice_required,
    AccountSetupRequired: account_setup_required,
    CsrfRefused: csrf_refused,
    IntegrityError: integrity_error,
    HTTPException: http_error,
    Exception: internal_error,
}
