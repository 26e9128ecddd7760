"""The dashboard pages. They render a shell; the page itself is drawn by
static/dashboard/dashboard.js from the public API, as any other dashboard would."""

from django.shortcuts import render
from django.urls import reverse


def dashboard(request, code=None):
    context = {
        "api_root": reverse("api:api-root"),
        "docs_url": reverse("api:docs"),
        "commitment_code": code or "",
    }
    return render(request, "dashboard.html", context)
