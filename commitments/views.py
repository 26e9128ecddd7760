"""The dashboard pages (they render a shell; the page itself is drawn by
static/dashboard/dashboard.js from the public API, as any other dashboard would), health checks,
and the page that says why an action is refused."""

import math

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views import i18n
from django.views.decorators.http import require_POST

from coalition import logs
from commitments import briefing as documents
from commitments import dependencies, metrics
from commitments.api.problems import SERVER_ERROR, problem_response
from commitments.api.throttling import BriefingThrottle
from commitments.briefing_docx import docx
from commitments.clearance import clearance_of
from commitments.models import Releasability
from commitments.models.evidence import Credibility, Reliability
from commitments.prose import number
from commitments.roles import roles_with
from commitments.selectors import briefing, data_version
from commitments.services.preferences import choose_language


def dashboard(request, code=None):
    return _shell(request, page="overview", commitment_code=code or "")


def contributions(request):
    """Partners by commitments and the money funnel, drawn by its own page module."""
    return _shell(
        request,
        page="contributions",
        title=gettext("Contributions"),
        module="dashboard/contributions.js",
    )


def dependency_graph(request):
    """Which commitments depend on which, as a graph coloured by status, drawn by its own page
    module."""
    return _shell(
        request,
        page="dependencies",
        title=gettext("Dependencies"),
        module="dashboard/dependencies.js",
    )


def _shell(request, **page):
    """The dashboard's shell. A page with a `module` (a static path) is drawn by that script,
    which dashboard.js imports and hands its helpers; the others by dashboard.js itself."""
    context = {
        "api_root": reverse("api:api-root"),
        "docs_url": reverse("api:docs"),
        "grade_words": GRADE_WORDS,
        **page,
    }
    return render(request, "dashboard.html", context)


# What each letter and digit of an evidence grade means (STANAG 2511), in the models' words
# ("B: usually reliable" is "usually reliable"), for the dashboard's grade badges.
GRADE_WORDS = {
    scale: {value: label.split(": ", 1)[1] for value, label in choices.choices}
    for scale, choices in [("reliability", Reliability), ("credibility", Credibility)]
}


DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def briefing_pack(request):
    """The briefing pack for a meeting, as a printable page, a PDF or a .docx (?format=): to
    everyone when reads are public (ROADMAP_PUBLIC_READ), else to staff only. Written in the
    language ?lang= names (one of LANGUAGES) whatever the browser says, else in the request's
    (LocaleMiddleware's), which Content-Language says. Bad dates or an unknown language are a
    400 page that says what to fix, whichever the format."""
    if not (settings.ROADMAP_PUBLIC_READ or request.user.is_staff):
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    language = documents.pack_language(request.GET)
    if language is None:
        problems = [documents.unsupported_language(request.GET)]
        context = {"problems": problems, "language_problem": True}
        return render(request, "briefing_400.html", context, status=400)
    with translation.override(language):
        form = documents.BriefingForm(request.GET)
        if not form.is_valid():
            problems = {"problems": form.problems()}
            response = render(request, "briefing_400.html", problems, status=400)
        elif form.cleaned_data["format"] == "html":
            dates = {**form.cleaned_data, "language": language}
            response = render(request, "briefing.html", _briefing_context(request, dates))
        else:
            response = _briefing_document(request, {**form.cleaned_data, "language": language})
    response["Content-Language"] = language
    if response.status_code != 200:
        return response
    # A pack read with a clearance beyond the public's is its requester's alone: no shared
    # cache may keep it for the next reader.
    if settings.ROADMAP_PUBLIC_READ and clearance_of(request.user) == Releasability.PUBLIC:
        patch_cache_control(response, public=True, max_age=300)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


def briefing_statuses(request):
    """The briefing page's status colours, as CSS: the vocabulary's (models.STATUS_COLOURS),
    said once there (the PDF is given them as it renders). Public: they are no secret."""
    response = HttpResponse(documents.status_stylesheet(browser=True), content_type="text/css")
    patch_cache_control(response, public=True, max_age=3600)
    return response


def _briefing_context(request, dates):
    pack = briefing(
        dates["as_of"],
        dates["since"],
        known_on=dates["known_on"],
        clearance=clearance_of(request.user),
    )
    chosen = {"as_of": pack.as_of, "since": pack.since, "known_on": pack.known_on or ""}
    # A language asked for by name stays asked for: the downloads are in the page's.
    if chosen_language := request.GET.get("lang"):
        chosen["lang"] = chosen_language
    letterhead = documents.letterhead()
    if not letterhead["logo"]:
        logo_src = ""
    elif dates["format"] == "pdf":
        logo_src = documents.logo_data_uri()  # WeasyPrint fetches nothing
    else:
        logo_src = static(letterhead["logo"])
    return {
        "briefing": pack,
        "format": dates["format"],
        "chosen_language": chosen_language,
        "letterhead": letterhead,
        "marking": documents.marking(pack),
        "logo_src": logo_src,
        "pdf_url": f"?{urlencode({**chosen, 'format': 'pdf'})}",
        "docx_url": f"?{urlencode({**chosen, 'format': 'docx'})}",
    }


def _briefing_document(request, dates):
    """The PDF or the .docx: counted against the client's rate (a cached one too), from the
    cache when this version of the data was rendered already, else rendered in one of the
    machine's render slots (commitments/briefing.py says why)."""
    throttle = BriefingThrottle()
    if not throttle.allow_request(request, None):
        metrics.THROTTLED.labels("briefing").inc()
        wait = math.ceil(throttle.wait())
        message = ngettext(
            "You have asked for %(count)s briefing documents in a short time, which is the most "
            "a reader may. Please try again in %(wait)s second.",
            "You have asked for %(count)s briefing documents in a short time, which is the most "
            "a reader may. Please try again in %(wait)s seconds.",
            wait,
        ) % {"count": number(throttle.num_requests), "wait": number(wait)}
        return _plain_page("429.html", message, status=429, retry_after=wait)
    key = documents.cache_key(data_version()[0], dates, clearance_of(request.user))
    body = documents.cached_document(key)
    if body is None:
        try:
            with documents.render_slot():
                # Rendered while this request waited for its slot?
                body = documents.cached_document(key)
                if body is None:
                    body = _render(request, dates)
                    documents.keep(key, body)
        except documents.RendersBusy:
            metrics.UNAVAILABLE.labels("briefing_busy").inc()
            wait = math.ceil(settings.BRIEFING_RENDER_WAIT_SECONDS)
            message = gettext(
                "Other briefing documents are being rendered. Please try again in a few seconds."
            )
            heading = gettext("Busy for a moment")
            return _plain_page("503.html", message, status=503, retry_after=wait, heading=heading)
    response = HttpResponse(body, content_type=DOCUMENT_TYPES[dates["format"]])
    name = documents.filename(dates, dates["format"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _render(request, dates):
    context = _briefing_context(request, dates)
    if dates["format"] == "pdf":
        return documents.pdf(render_to_string("briefing.html", context, request))
    return docx(context["briefing"])


def _plain_page(template, message, *, status, retry_after, heading=""):
    context = {"message": message, "heading": heading}
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Retry-After"] = str(retry_after)
    return response


def favicon(request):
    """Browsers ask for /favicon.ico on every page, the admin's included. (Resolved per request:
    the hashed static name exists only once collectstatic has run.)"""
    return HttpResponsePermanentRedirect(static("dashboard/favicon.svg"))


def healthz(request):
    """The process is up and serving. Touches nothing else, so a database outage does not make
    an orchestrator restart healthy workers."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve (commitments.dependencies.readiness): 200, else 503."""
    body = dependencies.readiness()
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)


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


def server_error(request):
    """A server error: JSON for the API, whose clients parse JSON (a failure outside DRF's views,
    in a middleware, would otherwise be Django's HTML page); a plain page elsewhere. Neither
    shows what failed: that is in the log, under the request's id, which both show."""
    if request.path.startswith("/api/"):
        return problem_response(500, "server_error", SERVER_ERROR)
    page = render_to_string("500.html", {"request_id": logs.request_id.get()})
    return HttpResponse(page, status=500)


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


@require_POST
def set_language(request):
    """The language switchers' form: Django's set_language (the language cookie, and a redirect
    to `next` when it is a safe address of this site, else to the referring page or home),
    and for a signed-in user, the choice kept in their Preferences, which decide the language
    wherever they sign in (commitments.languages)."""
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER)
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        choose_language(user=request.user, language=language)
    return response
