"""The briefing pack (issue 16): the dates it is asked for, its words, and its documents. The
page is templates/briefing.html, read by selectors.briefing; the PDF is that same page rendered
by WeasyPrint in print media (static/briefing/briefing.css holds the A4 rules, and
status_stylesheet() the status vocabulary's colours); the .docx is written from the same
Briefing by python-docx (briefing_docx), with the same sections and the same words: the
sentences below say each of them once for both.

Every page carries the letterhead of the settings (BRIEFING_ORGANISATION and its
BRIEFING_LOGO, a static file read from disk) and the marking, at its top and bottom: the
handling the settings name (BRIEFING_MARKING) and the pack's highest releasability (marking()).
A pack holds only what its requester's clearance may read (selectors.briefing), so a pack of
one clearance is never another's: the cache keeps each under its own key.

A pack is written in one language (views.briefing_pack: ?lang=, else the request's), in which
every sentence below is said, with its dates and numbers (commitments.prose); the cache keeps
each language's documents under their own keys too. Arabic runs right to left: the page says
dir="rtl", briefing.css is written in logical properties, page_stylesheet mirrors the PDF's
margins, and briefing_docx marks its paragraphs and tables right to left.

A document takes seconds of a worker's CPU to render (the page, milliseconds), so the view
spends them sparingly (issue 22): it counts each client's documents (BRIEFING_THROTTLE), keeps
what it rendered in the shared cache under the data version (cache_key), and renders at most
BRIEFING_RENDERS documents at once on a machine (render_slot), so that renders cannot take
every worker's CPU from the other requests."""

import base64
import datetime
import fcntl
import hashlib
import mimetypes
import os
import re
import time
from contextlib import contextmanager
from decimal import Decimal
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

from commitments import languages
from commitments.api.filters import DATE_FORMAT_MESSAGE, PointInTimeForm
from commitments.models import (
    STATUS_COLOURS,
    Change,
    ContributionKind,
    Releasability,
    Status,
    StatusUpdate,
)
from commitments.prose import counter_style, day, number, percent

# `since` defaults to this many days before `as_of`: a quarter, the Coalition's usual
# interval between meetings.
DEFAULT_SINCE_DAYS = 90
STYLESHEET = "briefing/briefing.css"


class BriefingForm(PointInTimeForm):
    """?as_of= (default today), ?since= (default DEFAULT_SINCE_DAYS before as_of, not after
    it, not in the future) and ?known_on= (PointInTimeForm's rules: not in the future, not
    before as_of)."""

    since = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_FORMAT_MESSAGE}
    )
    format = forms.ChoiceField(
        required=False, choices=[("html", "html"), ("pdf", "pdf"), ("docx", "docx")]
    )

    def clean(self):
        super().clean()
        if self.errors:
            return self.cleaned_data
        data = self.cleaned_data
        today = timezone.localdate()
        data["as_of"] = data.get("as_of") or data.get("known_on") or today
        if data.get("since") is None:
            data["since"] = data["as_of"] - datetime.timedelta(days=DEFAULT_SINCE_DAYS)
        elif data["since"] > today:
            self.add_error(
                "since",
                gettext("since cannot be in the future (today is %(today)s).")
                % {"today": f"{today:%Y-%m-%d}"},
            )
        elif data["since"] > data["as_of"]:
            self.add_error(
                "since",
                gettext(
                    "since cannot be after as_of (%(as_of)s): it is the earlier of the two "
                    "dates compared."
                )
                % {"as_of": f"{data['as_of']:%Y-%m-%d}"},
            )
        data["format"] = data.get("format") or "html"
        return data

    def problems(self):
        """Each bad parameter with what to do about it, as sentences."""
        return [f"{name}: {message}" for name, errors in self.errors.items() for message in errors]


def pack_language(query):
    """The language the pack asked for by `query` (request.GET) is written in: ?lang= (a code of
    LANGUAGES, as on the API), whatever the browser says; else the request's. None when ?lang=
    names a language the tracker does not speak."""
    if languages.QUERY_PARAMETER not in query:
        return translation.get_language()
    return languages.requested_language(query)


def unsupported_language(query):
    """What the 400 page says of a ?lang= that pack_language refused, as the form's problems."""
    asked = query[languages.QUERY_PARAMETER]
    return f"{languages.QUERY_PARAMETER}: {languages.unsupported_language_message(asked)}"


# Entries are a document's bytes: a change of what a document holds, or of how it is drawn,
# needs a new prefix, so that a deployment never serves the documents of the one before it.
KEY_PREFIX = "briefing:4"


def cache_key(data_fingerprint, dates, clearance):
    """Where a document is kept: the data version (selectors.data_version; any write moves
    it, so a document is never older than the data the request saw), today's date and the
    staleness setting (which move stale flags without a write), the letterhead and marking
    (settings, which a restart may change), the pack's dates, format and language, and the requester's
    clearance (what the pack holds is what that clearance may read: a coalition pack is never
    served to a public requester). Nothing else of the reader: the pack is the same for
    everyone of one clearance (approved records only)."""
    variant = "|".join(
        [
            data_fingerprint,
            Releasability(clearance).value,
            str(timezone.localdate()),
            str(settings.STALE_AFTER_DAYS),
            *(letterhead().values()),
            *(
                str(dates[name] or "")
                for name in ("as_of", "since", "known_on", "format", "language")
            ),
        ]
    )
    return f"{KEY_PREFIX}:{hashlib.sha256(variant.encode()).hexdigest()}"


def cached_document(key):
    return cache.get(key)


def keep(key, document):
    """Keeps a rendered document, unless it is larger than BRIEFING_CACHE_MAX_BYTES. Old keys
    are left to expire (SUMMARY_CACHE_SECONDS)."""
    if len(document) <= settings.BRIEFING_CACHE_MAX_BYTES:
        cache.set(key, document, timeout=settings.SUMMARY_CACHE_SECONDS)


class RendersBusy(Exception):
    """Every render slot stayed taken for BRIEFING_RENDER_WAIT_SECONDS."""


# How often a request waiting for a render slot tries again.
SLOT_POLL_SECONDS = 0.05


@contextmanager
def render_slot():
    """Holds one of the BRIEFING_RENDERS render slots of this machine while a document is
    rendered, waiting up to BRIEFING_RENDER_WAIT_SECONDS for one (RendersBusy after that).

    A slot is an exclusive flock(2) on a file of BRIEFING_LOCK_DIR. A lock of the operating system, not of Python, because gunicorn's sync
    workers are processes of one request each: a semaphore of each process would never make
    one of them wait. The kernel bounds them all, threads included (each open file is locked
    on its own), and frees a slot when its process dies, even killed mid-render."""
    deadline = time.monotonic() + settings.BRIEFING_RENDER_WAIT_SECONDS
    while True:
        for slot in range(settings.BRIEFING_RENDERS):
            descriptor = os.open(_slot_path(slot), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            try:
                yield
            finally:
                os.close(descriptor)  # which releases the lock
            return
        if time.monotonic() >= deadline:
            raise RendersBusy
        time.sleep(SLOT_POLL_SECONDS)


def _slot_path(number):
    folder = settings.BRIEFING_LOCK_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return os.path.join(folder, f"briefing-render-{number}.lock")


def filename(dates, extension):
    """paris-roadmap-briefing-2026-05-31-since-2026-02-15.pdf: both dates of the pack, the day
    it was read as known on, when it was, and its language when it is not the default (LANGUAGE_CODE,
    whose packs keep the names they had before there were others): ...-since-2026-02-15-ar.pdf."""
    name = f"paris-roadmap-briefing-{dates['as_of']:%Y-%m-%d}-since-{dates['since']:%Y-%m-%d}"
    if dates["known_on"]:
        name += f"-known-on-{dates['known_on']:%Y-%m-%d}"
    if dates["language"] != settings.LANGUAGE_CODE:
        name += f"-{dates['language']}"
    return f"{name}.{extension}"


# The letterhead and the marking, printed on every page.


def marking(briefing):
    """What every page of `briefing` prints at its top and bottom: the handling the settings
    name (BRIEFING_MARKING, if any) and the pack's releasability (the highest of the records it
    holds), e.g. "OFFICIAL · COALITION"."""
    level = Releasability(briefing.marking).label.upper()
    return " · ".join(part for part in (settings.BRIEFING_MARKING, level) if part)


def letterhead():
    """The settings every page prints: the handling marking, the organisation, the logo's
    static path."""
    return {
        "marking": settings.BRIEFING_MARKING,
        "organisation": settings.BRIEFING_ORGANISATION,
        "logo": settings.BRIEFING_LOGO,
    }


def logo_path():
    """The logo's file among the static files, or None without one."""
    return finders.find(settings.BRIEFING_LOGO) if settings.BRIEFING_LOGO else None


def logo_data_uri():
    """The logo as a data: URI, which the PDF embeds without fetching anything; or ""."""
    if (path := logo_path()) is None:
        return ""
    kind = mimetypes.guess_type(path)[0]
    with open(path, "rb") as logo:
        return f"data:{kind};base64,{base64.b64encode(logo.read()).decode()}"


def check_logo(app_configs=None, **kwargs):
    """A system check: BRIEFING_LOGO names a PNG or JPEG that the static files hold (both
    documents embed it; Word takes no SVG)."""
    logo = settings.BRIEFING_LOGO
    if not logo:
        return []
    if mimetypes.guess_type(logo)[0] not in ("image/png", "image/jpeg"):
        return [
            checks.Error(
                f"BRIEFING_LOGO ({logo}) is not a PNG or JPEG file.",
                hint="The PDF and the .docx embed it: give a .png or .jpg, or leave it empty.",
                id="commitments.E001",
            )
        ]
    if logo_path() is None:
        return [
            checks.Error(
                f"BRIEFING_LOGO ({logo}) is not among the static files.",
                hint="Give its path under a folder of STATICFILES_DIRS, e.g. briefing/logo.png.",
                id="commitments.E002",
            )
        ]
    return []


# The pack's words: each sentence is said here once, for the page (templatetags.briefing) and
# for the .docx (briefing_docx) alike, in the active language (the view's: ?lang= or the
# request's). Sentences with a status in them are translated whole, placeholders and all, then
# cut into parts at the placeholders, so that a translation may put the statuses where its
# grammar wants them.

# Between the items of a line ("3 commitments; on track 2; stale 1"): Arabic has its own.
SEPARATOR = pgettext_lazy("between the items of a line", "; ")


class StatusWord(NamedTuple):
    """A status named in a sentence: its words, drawn beside (on) its colour."""

    status: str
    text: str


def sentence(text, **values):
    """A translated `text` as parts: each %(name)s placeholder replaced by `values[name]` (a
    text, or a list of parts), where the translation put it."""
    parts = []
    for position, piece in enumerate(re.split(r"%\((\w+)\)s", text)):
        if position % 2:
            value = values[piece]
            parts.extend(value if isinstance(value, list) else [value])
        elif piece:
            parts.append(piece)
    return parts


def status_word(status, progress=None):
    """A status in a sentence, lower case, with its progress when known: parts."""
    parts = [StatusWord(status, Status(status).label.lower())]
    return parts if progress is None else [*parts, f" ({percent(progress)})"]


def change_parts(change, since):
    """How a commitment moved, in plain words: "newly assessed: on track (70%)", "worsened: on
    track → at risk", as parts (text, and a StatusWord for each status named)."""
    before, after = change.before_or_unassessed, change.after
    kind = Change(change.change)
    if kind == Change.NEWLY_ASSESSED:
        parts = sentence(
            gettext("newly assessed: %(status)s"),
            status=status_word(after.status, after.progress),
        )
    elif kind == Change.PROGRESS_MOVED:
        parts = sentence(
            gettext("progress moved: %(status)s, %(before)s → %(after)s"),
            status=status_word(after.status),
            before=percent(before.progress),
            after=percent(after.progress),
        )
    elif kind == Change.BECAME_STALE:
        parts = sentence(
            gettext("became stale: %(status)s, last assessed %(day)s"),
            status=status_word(after.status, after.progress),
            day=day(after.as_of, short=True),
        )
    else:  # a change of status: improved, worsened, or to or from one outside their order
        parts = sentence(
            gettext("%(change)s: %(before)s → %(after)s"),
            change=kind.label.lower(),
            before=status_word(before.status, before.progress),
            after=status_word(after.status, after.progress),
        )
    if change.before is None:
        parts = sentence(gettext("%(change)s (added since %(day)s)"), change=parts, day=day(since))
    return [*parts, "."]


def dates_line(briefing):
    """The pack's dates, under its title (the page says it with <time> elements in it)."""
    dates = {name: day(getattr(briefing, name)) for name in ("as_of", "since")}
    if briefing.known_on:
        return gettext(
            "As of %(as_of)s; changes since %(since)s; as known on %(known_on)s. "
            "Approved assessments only."
        ) % {**dates, "known_on": day(briefing.known_on)}
    return gettext("As of %(as_of)s; changes since %(since)s. Approved assessments only.") % dates


def pack_name(briefing):
    """The pack's name at the foot of every page (and the page's title)."""
    return gettext("Paris Roadmap briefing pack, %(day)s") % {"day": day(briefing.as_of)}


def assessment_heading(row):
    """An assessment under "Latest assessments": "A-1, at risk as of 1 Mar 2026 (medium
    confidence)"."""
    heading = gettext("%(code)s, %(status)s as of %(day)s") % {
        "code": row["code"],
        "status": Status(row["current_status"]).label.lower(),
        "day": day(row["current_as_of"], short=True),
    }
    if not row["assessment_confidence"]:
        return heading
    confidence = StatusUpdate.Confidence(row["assessment_confidence"]).label.lower()
    return gettext("%(assessment)s (%(confidence)s confidence)") % {
        "assessment": heading,
        "confidence": confidence,
    }


def update_line(update):
    """A standing update under "Changes since", a correction marked as the dashboard marks
    it."""
    correction = ""
    if update["corrects_approved"]:
        correction = f" ({pgettext('an update that corrects an earlier one', 'correction')})"
    return (
        f"{day(update['as_of'], short=True)}: {Status(update['status']).label} "
        f"{percent(update['progress'])}{correction}. {Truncator(update['summary']).words(40)}"
    )


def evidence_line(piece):
    """A piece of evidence an assessment cites, graded: "B2 Ministry of Defence, 12 May 2026"
    and where to find it, its URL or its reference."""
    where = piece.url or piece.reference
    return f"{piece.grade} {piece.source}, {day(piece.date, short=True)}" + (
        f": {where}" if where else ""
    )


def counts_line(counts):
    """A pillar's commitments counted: "3 commitments; on track 2; at risk 1; stale 1; average
    progress 50%."."""
    by_status = [
        f"{Status(status).label.lower()} {number(count)}"
        for status, count in counts.by_status.items()
        if count
    ]
    commitments = ngettext("%(count)s commitment", "%(count)s commitments", counts.total) % {
        "count": number(counts.total)
    }
    stale = gettext("stale %(count)s") % {"count": number(counts.stale)}
    average = gettext("average progress %(percent)s.") % {
        "percent": percent(counts.average_progress)
    }
    return str(SEPARATOR).join([commitments, *by_status, stale, average])


def changed_line(briefing):
    """How many commitments changed, under the overview."""
    changed = len(briefing.changes)
    return ngettext(
        "%(count)s commitment changed since %(day)s.",
        "%(count)s commitments changed since %(day)s.",
        changed,
    ) % {"count": number(changed), "day": day(briefing.since)}


def overdue(row):
    days = row["days_overdue"]
    return ngettext(
        "last assessed %(day)s, %(count)s day overdue",
        "last assessed %(day)s, %(count)s days overdue",
        days,
    ) % {"day": day(row["current_as_of"], short=True), "count": number(days)}


def contribution_lines(totals):
    """A group's standing contributions (selectors.ContributionTotals) in words: money per
    currency through the funnel, never converted nor added across stages, then counts per kind
    and unit."""
    lines = [
        gettext(
            "%(currency)s: %(pledged)s pledged, %(committed)s committed, %(disbursed)s disbursed"
        )
        % {
            "currency": money["currency"],
            **{stage: amount(money[stage]) for stage in ("pledged", "committed", "disbursed")},
        }
        for money in totals.funds
    ]
    return lines + [
        f"{number(counted['count'])} {counted['unit']} "
        f"({ContributionKind(counted['kind']).label.lower()})"
        for counted in totals.counts
    ]


def amount(value: Decimal):
    return number(value, decimals=0 if value == value.to_integral_value() else 2)


def never_assessed_note(group):
    count = len(group.never_assessed)
    return ngettext(
        "Never assessed: %(count)s commitment, listed at the end.",
        "Never assessed: %(count)s commitments, listed at the end.",
        count,
    ) % {"count": number(count)}


def short_title(row):
    """A commitment's title, cut short, for the compact list of those never assessed."""
    return Truncator(row["title"]).words(10)


def status_stylesheet(*, browser=False):
    """The status vocabulary's colours (models.STATUS_COLOURS) as the rules of its badges, for
    the PDF and, with `browser`, the page (views.briefing_statuses), which a browser prints
    with its colours too (it would leave white text on white; WeasyPrint, which always prints
    them, knows no such rule and would log it). White text on each passes WCAG AA."""
    rules = [
        f".status-badge.status-{status} {{ background-color: {colour}; }}\n"
        for status, colour in STATUS_COLOURS.items()
    ]
    if browser:
        rules.append(".status-badge { print-color-adjust: exact; }\n")
    return "".join(rules)


class PageCounter(NamedTuple):
    """The number of the page (`page`) or of the pages (`pages`) in page_numbers' parts."""

    name: str


def page_numbers():
    """The number at the foot of every page, in the active language: "Page 2 of 3", "Page 2
    sur 3", as parts (text, and a PageCounter where each number goes)."""
    return sentence(
        gettext("Page %(page)s of %(pages)s"), page=PageCounter("page"), pages=PageCounter("pages")
    )


def page_stylesheet():
    """The PDF's page margins in the active language: page_numbers, in its digits (CSS
    counters), and for a language written right to left the margin boxes mirrored (briefing.css
    places them for left to right): the letterhead and the pack's name on the right, the
    marking and the page's number on the left."""
    content = " ".join(
        f"counter({part.name}, {counter_style()})"
        if isinstance(part, PageCounter)
        else '"{}"'.format(part.replace("\\", "\\\\").replace('"', '\\"'))
        for part in page_numbers()
    )
    if not translation.get_language_bidi():
        return f"@page {{ @bottom-right {{ content: {content}; }} }}\n"
    return (
        "@page {\n"
        "  @top-right { content: element(letterhead); width: 60%; text-align: right; }\n"
        "  @top-left { content: element(marking-head); width: 40%; text-align: left; }\n"
        "  @bottom-right { content: element(pack-name); width: 35%; text-align: right; }\n"
        f"  @bottom-left {{ content: {content}; width: 30%; font-size: 8pt; color: #4b5563; }}\n"
        "}\n"
    )


def pdf(html):
    """The briefing page (rendered for print, without its <link>s) as an A4 PDF. Nothing is
    fetched: the stylesheets are read from the project's static files and the vocabulary, the
    logo is in the page (a data: URI), and links stay links."""
    # Imported here: WeasyPrint loads Pango when imported, which only this document needs.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):  # the logo, in the page
                return super().fetch(url, headers)
            raise ValueError(f"The briefing pack fetches nothing ({url}).")

    stylesheets = [
        CSS(filename=finders.find(STYLESHEET)),
        CSS(string=status_stylesheet()),
        CSS(string=page_stylesheet()),
    ]
    return HTML(string=html, url_fetcher=NoFetching()).write_pdf(stylesheets=stylesheets)
