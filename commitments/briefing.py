"""The briefing pack (issue 16): the dates it is asked for, and its documents. The page is
templates/briefing.html, read by selectors.briefing; the PDF is that same page rendered by
WeasyPrint in print media (static/briefing/briefing.css holds the A4 rules); the .docx is
written from the same Briefing by python-docx.

A document takes seconds of a worker's CPU to render (the page, milliseconds), so the view
spends them sparingly (issue 22): it counts each client's documents (BRIEFING_THROTTLE), keeps
what it rendered in the shared cache under the data version (cache_key), and renders at most
BRIEFING_RENDERS documents at once on a machine (render_slot), so that renders cannot take
every worker's CPU from the other requests."""

import datetime
import fcntl
import hashlib
import io
import os
import time
from contextlib import contextmanager

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.utils import timezone
from django.utils.text import Truncator

from commitments.api.filters import DATE_FORMAT_MESSAGE, PointInTimeForm
from commitments.models import Change, Status

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
            self.add_error("since", f"since cannot be in the future (today is {today:%Y-%m-%d}).")
        elif data["since"] > data["as_of"]:
            self.add_error(
                "since",
                f"since cannot be after as_of ({data['as_of']:%Y-%m-%d}): "
                "it is the earlier of the two dates compared.",
            )
        data["format"] = data.get("format") or "html"
        return data

    def problems(self):
        """Each bad parameter with what to do about it, as sentences."""
        return [f"{name}: {message}" for name, errors in self.errors.items() for message in errors]


# Entries are a document's bytes: a change of what a document holds, or of how it is drawn,
# needs a new prefix, so that a deployment never serves the documents of the one before it.
KEY_PREFIX = "briefing:1"


def cache_key(data_fingerprint, dates):
    """Where a document is kept: the data version (selectors.data_version; any write moves
    it, so a document is never older than the data the request saw), today's date and the
    staleness setting (which move stale flags without a write), and the pack's dates and
    format. Not the reader: the pack is the same for everyone who may read it (approved
    updates only; nothing in it depends on who asks)."""
    variant = "|".join(
        [
            data_fingerprint,
            str(timezone.localdate()),
            str(settings.STALE_AFTER_DAYS),
            *(str(dates[name] or "") for name in ("as_of", "since", "known_on", "format")),
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
        for number in range(settings.BRIEFING_RENDERS):
            descriptor = os.open(_slot_path(number), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
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


def filename(as_of, extension):
    return f"paris-roadmap-briefing-{as_of:%Y-%m-%d}.{extension}"


def pdf(html):
    """The briefing page (rendered for print, without its <link>) as an A4 PDF. Nothing is
    fetched: the stylesheet is read from the project's static files, and links stay links."""
    # Imported here: WeasyPrint loads Pango when imported, which only this document needs.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"The briefing pack fetches nothing ({url}).")

    stylesheet = CSS(filename=finders.find(STYLESHEET))
    return HTML(string=html, url_fetcher=NoFetching()).write_pdf(stylesheets=[stylesheet])


def docx(briefing):
    """The briefing as a Word document: the page's sections, as headings, paragraphs and
    tables."""
    from docx import Document
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    document.add_heading("Paris Roadmap briefing pack", level=0)
    document.add_paragraph(_dates_line(briefing))
    overall = briefing.overall
    document.add_paragraph(
        f"{overall.total} commitments; {overall.stale} stale; "
        f"average progress {percent(overall.average_progress)}. "
        + "; ".join(
            f"{Status(status).label}: {count}"
            for status, count in overall.by_status.items()
            if count
        )
    )
    if briefing.headline_figures:
        document.add_heading("Headline figures", level=1)
        for figure in briefing.headline_figures:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{figure.label}: ").bold = True
            paragraph.add_run(f"{figure.value} {figure.note}".rstrip())
    for group in briefing.pillars:
        document.add_heading(group.pillar.name, level=1)
        document.add_heading("Status and progress", level=2)
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ["Code", "Commitment", "Status", "Progress"], strict=True
        ):
            cell.text = text
        for row in group.commitments:
            cells = table.add_row().cells
            cells[0].text = row["code"]
            cells[1].text = row["title"]
            cells[2].text = _status_line(row)
            cells[3].text = percent(row["current_progress"])
        document.add_heading(f"Changes since {_day(briefing.since)}", level=2)
        if not group.changes:
            document.add_paragraph("No change.")
        for change in group.changes:
            before, after = change.before_or_unassessed, change.after
            document.add_paragraph(
                f"{change.commitment['code']} {change.commitment['title']}: "
                f"{Change(change.change).label}. {Status(before.status).label} "
                f"{percent(before.progress)} → {Status(after.status).label} "
                f"{percent(after.progress)}",
                style="List Bullet",
            )
            for update in change.updates:
                document.add_paragraph(_update_line(update), style="List Bullet 2")
        document.add_heading("Stale commitments", level=2)
        if not group.stale:
            document.add_paragraph("None.")
        for row in group.stale:
            document.add_paragraph(f"{row['code']} {row['title']}: {_overdue(row)}", "List Bullet")
        document.add_heading("Latest assessments", level=2)
        if not group.assessed:
            document.add_paragraph("None.")
        for row in group.assessed:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(
                f"{row['code']} ({_day(row['current_as_of'], short=True)}): "
            ).bold = True
            paragraph.add_run(row["assessment_summary"])
            evidence = row["assessment_evidence_url"]
            if evidence or row["assessment_evidence_source"]:
                paragraph.add_run(
                    f" Evidence: {row['assessment_evidence_source'] or ''} {evidence}".rstrip()
                )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _dates_line(briefing):
    line = f"As of {_day(briefing.as_of)}; changes since {_day(briefing.since)}"
    if briefing.known_on:
        line += f"; as known on {_day(briefing.known_on)}"
    return line + ". Approved assessments only."


def _day(day, short=False):
    """1 December 2026 (1 Dec 2026, short), as the page says it."""
    return f"{day.day} {day:%b %Y}" if short else f"{day.day} {day:%B %Y}"


def _update_line(update):
    """An update under "Changes since", as the page says it."""
    correction = " (correction)" if update["corrects_approved"] else ""
    return (
        f"{_day(update['as_of'], short=True)}: {Status(update['status']).label} "
        f"{percent(update['progress'])}{correction}. {Truncator(update['summary']).words(40)}"
    )


def _status_line(row):
    label = Status(row["current_status"]).label
    if row["current_as_of"]:
        label += f" (as of {_day(row['current_as_of'], short=True)})"
    return label + (", stale" if row["stale_then"] else "")


def percent(value):
    """A progress or an average, as the pack shows it: a dash when there is none."""
    return "\N{EN DASH}" if value is None else f"{value:g}%"


def _overdue(row):
    if row["days_overdue"] is None:
        return "never assessed"
    return f"last assessed {_day(row['current_as_of'], short=True)}, {row['days_overdue']} days overdue"
