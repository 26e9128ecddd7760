"""The dashboard pages. They render a shell; the page itself is drawn by
static/dashboard/dashboard.js from the public API, as any other dashboard would."""

from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse


def dashboard(request, code=None):
    context = {
        "api_root": reverse("api:api-root"),
        "docs_url": reverse("api:docs"),
        "commitment_code": code or "",
    }
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
