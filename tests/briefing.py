"""What the briefing pack's tests share: its address and dates, a small history to read
(briefing_history), and the text of the page, the PDF and the .docx. Its fixtures are
conftest's, which imports them."""

import datetime
import html
import io
import os

import pytest
from django.utils.html import strip_tags

from commitments.models import Commitment
from commitments.services import approve_or_return, record_evidence, record_status_update
from tests.conftest import at

URL = "/briefing/"
MAY = {"as_of": "2026-05-31", "since": "2026-02-15"}
# What a pack reads, whatever the data (selectors.briefing): the pillars, the commitments as of
# the date with their assessments, the evidence those cite (none read when nothing is
# assessed), changes_between's three (the states at both dates, the changed commitments, their
# updates), the headline figures (the indicators with their latest value of the date
# subqueried), the key messages and the contributions (none here: with some, two more, their
# partners' and commitments' names).
PACK_QUERIES = 9


def noon(month, day):
    return datetime.datetime(2026, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def briefing_history(time_history, analyst, reviewer):
    """time_history, and for A-3: on track 70 as of 25 May citing a training report graded B2,
    approved; then completed as of 28 May, still pending review."""
    a3 = Commitment.objects.get(code="A-3")
    with at(noon(5, 25)):
        report = record_evidence(
            author=analyst,
            source="Coalition training report, May 2026",
            url="https://example.org/reports/a3-may",
            date=datetime.date(2026, 5, 24),
            reliability="B",
            credibility="2",
        )
        cited = record_status_update(
            commitment=a3,
            author=analyst,
            status="on_track",
            progress=70,
            as_of=datetime.date(2026, 5, 25),
            summary="Training of the second battalion finished.",
            evidence=[report],
        )
        approve_or_return(cited, reviewer=reviewer, decision="approve")
    with at(noon(5, 28)):
        record_status_update(
            commitment=a3,
            author=analyst,
            status="completed",
            progress=100,
            as_of=datetime.date(2026, 5, 28),
            summary="Pending and never shown.",
        )


def words(response):
    """The page's HTML with each run of white space as one space."""
    return " ".join(response.content.decode().split())


def page_text(response):
    """The page's text as a reader sees it: without its tags, its entities read (&#x27; is '),
    each run of white space as one space."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def document_text(response, format):
    """The text of the page (its HTML), the PDF or the .docx (its paragraphs)."""
    if format == "pdf":
        from pypdf import PdfReader

        return "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
    if format == "docx":
        from docx import Document

        document = Document(io.BytesIO(response.content))
        return "\n".join(paragraph.text for paragraph in document.paragraphs)
    return response.content.decode()


@pytest.fixture
def pango():
    """WeasyPrint, whose Pango is a Debian package: missing, the PDF's tests are skipped
    locally (make install installs it) and fail in CI, as the browser tests do."""
    try:
        import weasyprint  # noqa: F401  (loads Pango)
    except OSError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must render the PDF: {error}")
        pytest.skip(f"Pango is not installed ({error}): make install installs it.")


@pytest.fixture
def format(request):
    """The format a test renders, given by its parametrize(..., indirect=True): the PDF needs
    Pango."""
    if request.param == "pdf":
        request.getfixturevalue("pango")
    return request.param
