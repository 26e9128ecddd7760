"""The dashboard pages (they render a shell; the page itself is drawn by
static/dashboard/dashboard.js from the public API, as any other dashboard would), health checks,
and the page that says why an action is refused."""

from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

from commitments.roles import roles_with


def dashboard(request, code=None):
    return _shell(request, page="overview", commitment_code=code or "")


def contributions(request):
    """Partners by commitments and the money funnel, drawn by its own page module."""
    return _shell(
        request, page="contributions", title="Contributions", module="dashboard/contributions.js"
    )


def _shell(request, **page):
    """The dashboard's shell. A page with a `module` (a static path) is drawn by that script,
    which dashboard.js imports and hands its helpers; the others by dashboard.js itself."""
    context = {"api_root": reverse("api:api-root"), "docs_url": reverse("api:docs"), **page}
    return render(request, "dashboard.html", context)


def favicon(request):
    """Browsers ask for /favicon.ico on every page, the admin's included. (Resolved per request:
    the hashed static name exists only once collectstatic has run.)"""
    return HttpResponsePermanentRedirect(static("dashboard/favicon.svg"))


def healthz(request):
    """The process is up and serving. Touches nothing else, so a database outage does not make
    an orchestrator restart healthy workers."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return JsonResponse(
            {"status": "unavailable", "database": f"unreachable ({type(error).__name__})"},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


# What each admin page does, by the end of its URL name: importing status updates adds them.
ACTIONS = {
    "add": "add",
    "change": "change",
    "delete": "delete",
    "history": "view",
    "import": "add",
}
# The admin's pages of our own, by URL name: the permission each needs, as (action, model).
OWN_PAGES = {"commitments_statusupdate_review": ("add", "review")}  # deciding adds a Review


def permission_denied(request, exception=None):
    """A refusal said in words. In the admin, inside its layout, with the role the action needs
    (from commitments.roles, which defines the roles); elsewhere, a plain page."""
    if not request.path.startswith("/admin/") or not request.user.is_staff:
        return render(request, "403.html", status=403)
    match = request.resolver_match
    action, model = _admin_action(match.url_name if match else "")
    roles = roles_with(f"{action}_{model}")
    context = {
        **admin.site.each_context(request),
        "title": "Not allowed",
        "needed": " or ".join(roles) if roles else "a superuser",
        "yours": ", ".join(request.user.groups.values_list("name", flat=True)) or "no role",
    }
    return render(request, "admin/403.html", context, status=403)


def _admin_action(url_name):
    """("add", "statusupdate") for "commitments_statusupdate_add", and so on."""
    if url_name in OWN_PAGES:
        return OWN_PAGES[url_name]
    parts = (url_name or "").split("_")
    if len(parts) >= 3 and parts[0] == "commitments" and parts[-1] in ACTIONS:
        return ACTIONS[parts[-1]], parts[1]
    return "", ""
