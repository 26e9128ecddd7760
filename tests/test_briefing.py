"""The briefing pack (/briefing/): the small 2026 history of tests.briefing.briefing_history, read as of
31 May 2026 and compared with 15 February; the answers are written out here by hand. Its key
messages are tests/test_briefing_messages.py's; what is printed on every page, in colour and in
both documents alike, tests/test_briefing_documents.py's."""

import contextlib
import datetime
import io
import subprocess
import sys
import threading

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from commitments import briefing as briefing_documents
from commitments.models import Commitment, Indicator
from commitments.services import (
    approve_or_return,
    record_indicator_value,
    record_status_update,
)
from tests.briefing import MAY, PACK_QUERIES, URL, document_text, noon, page_text, words
from tests.conftest import at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def pack(response):
    """pillar slug -> {code: (status, progress, stale)} of the page's briefing."""
    assert response.status_code == 200
    return {
        group.pillar.slug: {
            row["code"]: (row["current_status"], row["current_progress"], row["stale_then"])
            for row in group.commitments
        }
        for group in response.context["briefing"].pillars
    }


def test_each_pillar_shows_its_commitments_as_they_stood_on_the_date(client, briefing_history):
    response = client.get(URL, MAY)

    assert pack(response) == {
        "alpha": {
            # The back-dated off track of 1 Feb is older than the at risk of 1 Mar; 30-day
            # cadence: due on 31 Mar.
            "A-1": ("at_risk", 30, True),
            # The correction of the completed, due on 11 May.
            "A-2": ("on_track", 80, True),
            # The completed of 28 May is pending: it never counts.
            "A-3": ("on_track", 70, False),
        },
        "beta": {"B-1": ("discontinued", None, False), "B-2": ("not_assessed", None, True)},
    }
    html = response.content.decode()
    assert '<section class="pillar" id="pillar-alpha">' in html
    assert "<h2>Beta</h2>" in html


def test_what_changed_since_the_other_date_is_listed_per_pillar(client, briefing_history):
    response = client.get(URL, MAY)

    changes = {
        group.pillar.slug: {
            change.commitment["code"]: (change.change, change.before and change.before.status)
            for change in group.changes
        }
        for group in response.context["briefing"].pillars
    }
    assert changes == {
        "alpha": {
            "A-1": ("improved", "off_track"),
            "A-2": ("became_stale", "on_track"),
            "A-3": ("newly_assessed", "not_assessed"),
        },
        "beta": {"B-1": ("newly_assessed", None)},  # created on 1 Apr
    }
    # In plain words, each status on its colour.
    text = page_text(response)
    said = {
        "A-1": "improved: off track (25%) → at risk (30%).",
        "A-2": "became stale: on track (80%), last assessed 10 Feb 2026.",
        "A-3": "newly assessed: on track (70%).",
        "B-1": "newly assessed: discontinued (added since 15 February 2026).",
    }
    for code, wording in said.items():
        assert f"{code} {Commitment.objects.get(code=code).title}: {wording}" in text
    html = words(response)
    assert '<span class="status-badge status-off_track">off track</span> (25%) → ' in html


def test_stale_commitments_are_listed_most_overdue_first_and_the_never_assessed_apart(
    client, briefing_history
):
    response = client.get(URL, MAY)

    briefing = response.context["briefing"]
    stale = {
        group.pillar.slug: [(row["code"], row["days_overdue"]) for row in group.stale]
        for group in briefing.pillars
    }
    never = {
        group.pillar.slug: [row["code"] for row in group.never_assessed]
        for group in briefing.never_assessed
    }
    assert stale == {"alpha": [("A-1", 61), ("A-2", 20)], "beta": []}
    assert never == {"beta": ["B-2"]}
    html = words(response)
    assert "last assessed 1 Mar 2026, 61 days overdue" in html
    assert "Never assessed: 1 commitment, listed at the end." in html


def test_the_latest_approved_assessment_is_quoted_with_its_graded_evidence(
    client, briefing_history
):
    html = words(client.get(URL, MAY))

    assert "Training of the second battalion finished." in html
    assert (
        '<p class="evidence">Evidence: <abbr class="grade" title="B: usually reliable; 2: '
        'probably true">B2</abbr> <a href="https://example.org/reports/a3-may" '
        'rel="noopener noreferrer">Coalition training report, May 2026</a>, 24 May 2026'
    ) in html
    assert "at_risk as of 2026-03-01" in html  # A-1's summary
    assert "Pending and never shown." not in html
    assert "Completed" not in html.split("<h2>Alpha</h2>")[1].split("<h2>Beta</h2>")[0]


def test_known_on_reads_the_history_as_it_was_known_then(client, briefing_history):
    response = client.get(
        URL, {"as_of": "2026-02-15", "since": "2026-01-01", "known_on": "2026-03-31"}
    )

    # Neither the back-dated off track nor the correction was recorded by 31 Mar.
    assert pack(response)["alpha"] == {
        "A-1": ("on_track", 20, True),
        "A-2": ("completed", 100, False),
        "A-3": ("not_assessed", None, True),
    }
    assert "as known on" in response.content.decode()


@pytest.fixture
def correction_as_of():
    """The date B-2's correction states (`corrected`): by default, the same as the update's."""
    return datetime.date(2026, 5, 1)


@pytest.fixture
def corrected(briefing_history, analyst, reviewer, correction_as_of):
    """`briefing_history`, and B-2 (never assessed there) said off track 20 as of 1 May, approved on
    2 May, then corrected to at risk 40 as of correction_as_of, recorded and approved on 20
    May."""
    b2 = Commitment.objects.get(code="B-2")

    def update(recorded, approved, **fields):
        with at(recorded):
            made = record_status_update(commitment=b2, author=analyst, **fields)
        with at(approved):
            approve_or_return(made, reviewer=reviewer, decision="approve")
        return made

    wrong = update(
        noon(5, 1),
        noon(5, 2),
        status="off_track",
        progress=20,
        as_of=datetime.date(2026, 5, 1),
        summary="Overcounted.",
    )
    update(
        noon(5, 20),
        noon(5, 20),
        status="at_risk",
        progress=40,
        as_of=correction_as_of,
        summary="Counted again from the field reports.",
        corrects=wrong,
    )


@pytest.mark.parametrize("format", ["html", "docx", "pdf"], indirect=True)
def test_changes_since_list_what_stands_with_a_correction_marked(client, corrected, format):
    response = client.get(URL, MAY | {"format": format})

    text = " ".join(document_text(response, format).split())
    assert "1 May 2026: At risk 40% (correction). Counted again from the field reports." in text
    assert "Off track 20%" not in text
    assert "Overcounted." not in text


def test_the_change_of_a_corrected_commitment_is_told_from_what_stands(client, corrected):
    text = page_text(client.get(URL, MAY))

    title = Commitment.objects.get(code="B-2").title
    assert f"B-2 {title}: newly assessed: at risk (40%)." in text
    assert "off track (20%)" not in text


@pytest.mark.parametrize("correction_as_of", [datetime.date(2026, 2, 1)])
@pytest.mark.parametrize("format", ["html", "docx"])
def test_an_update_replaced_by_a_correction_dated_before_the_window_is_not_listed(
    client, corrected, format
):
    """The correction stands from 1 February, before the window: B-2 was at risk 40 on both
    dates, and only became stale; the update it replaced, dated in the window, is not said."""
    text = " ".join(
        strip_tags(document_text(client.get(URL, MAY | {"format": format}), format)).split()
    )

    title = Commitment.objects.get(code="B-2").title
    assert f"B-2 {title}: became stale: at risk (40%), last assessed 1 Feb 2026." in text
    assert "Off track 20%" not in text
    assert "Overcounted." not in text
    assert "1 Feb 2026: At risk 40%" not in text  # dated before the window
    assert "(correction)" not in text


def test_changes_since_show_a_correction_from_the_day_it_was_known(client, corrected):
    response = client.get(
        URL, {"as_of": "2026-05-10", "since": "2026-02-15", "known_on": "2026-05-10"}
    )

    text = words(response)
    assert "1 May 2026: Off track 20%. Overcounted." in text
    assert "(correction)" not in text


def test_the_dates_default_to_today_and_90_days_before(client, roadmap):
    response = client.get(URL)

    briefing = response.context["briefing"]
    today = timezone.localdate()
    assert (briefing.as_of, briefing.since, briefing.known_on) == (
        today,
        today - datetime.timedelta(days=90),
        None,
    )
    assert "?as_of=" in response.context["pdf_url"]


@pytest.mark.parametrize(
    ("query", "told"),
    [
        ({"as_of": "31/05/2026"}, "as_of: Enter a date as YYYY-MM-DD."),
        ({"since": "yesterday"}, "since: Enter a date as YYYY-MM-DD."),
        ({"as_of": "2026-03-01", "since": "2026-04-01"}, "since: since cannot be after as_of"),
        ({"as_of": "2099-01-01"}, "as_of: as_of cannot be in the future"),
        ({"since": "2099-01-01"}, "since: since cannot be in the future"),
        ({"as_of": "2026-05-31", "known_on": "2026-05-01"}, "known_on: known_on cannot be before"),
        ({"format": "xlsx"}, "format: Select a valid choice."),
    ],
)
@pytest.mark.parametrize("format", ["html", "pdf", "docx"])
def test_bad_dates_are_a_400_page_that_says_what_to_fix(client, db, query, told, format):
    response = client.get(URL, {"format": format, **query})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert told in response.content.decode()


def test_anyone_may_read_the_pack_when_reads_are_public(client, roadmap, settings):
    settings.ROADMAP_PUBLIC_READ = True

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"


def test_with_private_reads_only_staff_may_read_the_pack(client, roadmap, settings, viewer):
    settings.ROADMAP_PUBLIC_READ = False

    anonymous = client.get(URL, MAY | {"format": "pdf"})
    client.force_login(UserFactory(username="outsider", is_staff=False))
    outsider = client.get(URL)
    client.force_login(viewer)
    staff = client.get(URL)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/?next=/briefing/%3Fas_of%3D2026-05-31")
    assert outsider.status_code == 403
    assert staff.status_code == 200
    assert staff["Cache-Control"] == "private, no-store"


@pytest.fixture
def roadmap_assessed(roadmap, record):
    """The shipped Roadmap, three of its commitments assessed today."""
    for commitment in Commitment.objects.order_by("code")[:3]:
        record(commitment, status="on_track", progress=10, as_of=timezone.localdate())


@pytest.mark.parametrize(
    ("data", "query"),
    [("roadmap_assessed", {}), ("briefing_history", MAY)],
    ids=["roadmap", "history"],
)
def test_the_pack_takes_nine_queries_whatever_the_data(
    client, request, data, query, django_assert_num_queries
):
    """PACK_QUERIES: the pillars, the commitments as of the date with their assessments, the
    evidence the assessments cite, changes_between's three (the states at both dates, the
    changed commitments, their updates), the headline figures (the indicators with their
    latest value of the date subqueried), the key messages and the contributions."""
    request.getfixturevalue(data)

    with django_assert_num_queries(PACK_QUERIES):
        response = client.get(URL, query)

    assert response.status_code == 200
    assert response.context["briefing"].changes  # each has changes, so their updates are read


APRIL = {"as_of": "2026-04-30", "since": "2026-02-01"}


@pytest.fixture
def figures(roadmap, analyst):
    """The shipped indicators; HUM-1's (approximately US$20 billion, given a target of 30
    billion) observed at 25 billion as of 1 March 2026, then at 28 billion as of 20 May."""
    indicator = Indicator.objects.get(slug="humanitarian-and-stabilization-assistance-raised")
    Indicator.objects.filter(pk=indicator.pk).update(target_value=30 * 10**9)
    for billions, month, day in [(25, 3, 1), (28, 5, 20)]:
        with at(noon(month, day)):
            record_indicator_value(
                indicator=indicator,
                author=analyst,
                value=billions * 10**9,
                as_of=datetime.date(2026, month, day),
            )


def test_the_headline_figures_are_the_indicators_as_of_the_date(client, figures):
    figures = {
        figure.label: (figure.value, figure.note)
        for figure in client.get(URL, APRIL).context["briefing"].headline_figures
    }

    assert figures["People freed from Daesh/ISIS control"] == (
        "more than 7.7 million people",
        "Baseline of 2019.",
    )
    assert figures["HUM-1: Humanitarian and stabilization assistance raised"] == (
        "approximately US$20 billion",
        "Baseline of 2019. Latest: US$25 billion, as of 1 March 2026. Progress: 50.0%.",
    )
    assert len(figures) == 10  # the 7 context indicators, and the 3 of commitments


@pytest.mark.parametrize("format", ["html", "docx", "pdf"], indirect=True)
def test_the_headline_figures_are_in_the_page_the_pdf_and_the_docx(client, figures, format):
    response = client.get(URL, APRIL | {"format": format})

    assert response.status_code == 200
    text = " ".join(document_text(response, format).split())
    assert "Headline figures" in text
    assert "more than 7.7 million people" in text
    assert "Latest: US$25 billion, as of 1 March 2026. Progress: 50.0%." in text
    assert "US$28 billion" not in text  # dated after the pack's date


@pytest.mark.usefixtures("pango")
def test_the_pdf_is_a4_with_the_title_pillars_and_commitments(client, briefing_history):
    from pypdf import PdfReader

    response = client.get(URL, MAY | {"format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="paris-roadmap-briefing-2026-05-31-since-2026-02-15.pdf"'
    )
    pdf = PdfReader(io.BytesIO(response.content))
    assert pdf.metadata.title == "Paris Roadmap briefing pack, 31 May 2026"
    sizes = {(round(page.mediabox.width), round(page.mediabox.height)) for page in pdf.pages}
    assert sizes == {(595, 842)}
    text = "\n".join(page.extract_text() for page in pdf.pages)
    for expected in ["Paris Roadmap briefing pack", "Overview", "Alpha", "Beta", "A-1", "B-2"]:
        assert expected in text
    # Each pillar starts a page: the overview, then Alpha, then Beta.
    assert len(pdf.pages) == 3
    assert "Alpha" in pdf.pages[1].extract_text()
    assert "Changes since 15 February 2026" in pdf.pages[2].extract_text()
    assert "Download PDF" not in text


def test_the_docx_has_a_heading_per_pillar(client, briefing_history):
    from docx import Document

    response = client.get(URL, MAY | {"format": "docx"})

    assert response["Content-Disposition"] == (
        'attachment; filename="paris-roadmap-briefing-2026-05-31-since-2026-02-15.docx"'
    )
    document = Document(io.BytesIO(response.content))
    headings = [
        paragraph.text
        for paragraph in document.paragraphs
        if paragraph.style.name in ("Title", "Heading 1")
    ]
    assert headings == [
        "Paris Roadmap briefing pack",
        "Overview",
        "Alpha",
        "Beta",
        "Never assessed by 31 May 2026",
    ]
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "A-1 " in text
    assert "As of 31 May 2026; changes since 15 February 2026." in text
    assert "Training of the second battalion finished." in text
    assert "Pending and never shown." not in text


def test_the_admin_home_page_offers_the_pack_with_its_two_dates(client, viewer):
    client.force_login(viewer)

    html = client.get("/admin/").content.decode()

    today = timezone.localdate()
    since = today - datetime.timedelta(days=90)
    assert '<form method="get" action="/briefing/">' in html
    assert f'name="as_of" value="{today:%Y-%m-%d}"' in html
    assert f'name="since" value="{since:%Y-%m-%d}"' in html


# A4's width less the page's margins (static/briefing/briefing.css): 180 mm at 96 px an inch.
A4_TEXT_WIDTH_PX = round(180 / 25.4 * 96)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_loads_cleanly_and_printed_fits_the_width_of_a4(page, briefing_history):
    page.goto(f"{URL}?as_of=2026-05-31&since=2026-02-15")
    assert page.locator("form.screen-only").is_visible()

    page.set_viewport_size({"width": A4_TEXT_WIDTH_PX, "height": 1123})
    page.emulate_media(media="print")

    assert not page.locator("form.screen-only").is_visible()
    assert page.locator("h2").all_inner_texts() == [
        "Overview",
        "Alpha",
        "Beta",
        "Never assessed by 31 May 2026",
    ]
    widest = page.evaluate(
        "Math.max(document.documentElement.scrollWidth,"
        " ...[...document.querySelectorAll('body *')].map("
        "   (element) => element.getBoundingClientRect().right))"
    )
    assert widest <= A4_TEXT_WIDTH_PX


# The documents' costs (issue 22): four PDFs at once made /healthz take 13.8 s, and each new
# `since` was a new render.


def test_a_client_asking_for_more_documents_than_the_rate_gets_a_429(
    client, briefing_history, settings, shared_cache
):
    settings.BRIEFING_THROTTLE = "2/minute"
    asked = [
        client.get(URL, MAY | {"since": since, "format": "docx"})
        for since in ("2026-02-13", "2026-02-14")
    ]

    # The PDF and the .docx count together; refused, nothing is rendered.
    refused = client.get(URL, MAY | {"since": "2026-02-15", "format": "pdf"})

    assert [response.status_code for response in asked] == [200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"].startswith("text/html")
    assert "You have asked for 2 briefing documents in a short time" in refused.content.decode()
    # The page costs no render, and another client has a rate of its own.
    assert client.get(URL, MAY).status_code == 200
    other = client.get(URL, MAY | {"format": "docx"}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_a_signed_in_user_is_counted_as_themselves_not_by_address(
    client, briefing_history, settings
):
    settings.BRIEFING_THROTTLE = "1/minute"
    assert client.get(URL, MAY | {"format": "docx"}).status_code == 200

    client.force_login(UserFactory(username="staffer", is_staff=True))

    assert client.get(URL, MAY | {"format": "docx"}).status_code == 200
    assert client.get(URL, MAY | {"format": "docx"}).status_code == 429


@pytest.mark.parametrize("format", ["pdf", "docx"], indirect=True)
def test_the_same_document_again_is_served_from_the_cache_without_rendering(
    client, request, briefing_history, format, shared_cache, django_assert_num_queries
):
    if format == "pdf":
        request.getfixturevalue("pango")
    # Rendering reads the pack after the data version.
    with django_assert_num_queries(1 + PACK_QUERIES):
        first = client.get(URL, MAY | {"format": format})

    # A hit: the data version only.
    with django_assert_num_queries(1):
        again = client.get(URL, MAY | {"format": format})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert again["Cache-Control"] == "public, max-age=300"


def test_a_write_makes_the_next_request_render_the_document_again(
    client, briefing_history, analyst, reviewer, django_assert_num_queries
):
    before = client.get(URL, MAY | {"format": "docx"})
    update = record_status_update(
        commitment=Commitment.objects.get(code="B-2"),
        author=analyst,
        status="at_risk",
        progress=10,
        as_of=datetime.date(2026, 5, 30),
        summary="Assessed at last.",
    )
    approve_or_return(update, reviewer=reviewer, decision="approve")

    with django_assert_num_queries(1 + PACK_QUERIES):
        after = client.get(URL, MAY | {"format": "docx"})

    assert "Assessed at last." not in document_text(before, "docx")
    assert "Assessed at last." in document_text(after, "docx")


def test_a_document_larger_than_the_limit_is_not_kept(
    client, briefing_history, settings, django_assert_num_queries
):
    settings.BRIEFING_CACHE_MAX_BYTES = 1000  # a .docx is some 36 KB
    client.get(URL, MAY | {"format": "docx"})

    with django_assert_num_queries(1 + PACK_QUERIES):
        assert client.get(URL, MAY | {"format": "docx"}).status_code == 200


@contextlib.contextmanager
def slot_held_by_a_thread(settings):
    """The machine's only render slot, held by another thread of this process (a gunicorn
    thread rendering) until the block ends; a request waits a fifth of a second for it."""
    settings.BRIEFING_RENDERS = 1
    settings.BRIEFING_RENDER_WAIT_SECONDS = 0.2
    held, release = threading.Event(), threading.Event()

    def render_for_ever():
        with briefing_documents.render_slot():
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=render_for_ever)
    holder.start()
    try:
        assert held.wait(timeout=5)
        yield
    finally:
        release.set()
        holder.join(timeout=5)


def test_while_every_render_slot_is_taken_a_document_is_a_503_to_retry(
    client, briefing_history, settings
):
    with slot_held_by_a_thread(settings):
        response = client.get(URL, MAY | {"format": "docx"})

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Busy for a moment</h1>" in response.content.decode()
    assert "Other briefing documents are being rendered" in response.content.decode()


def test_while_every_render_slot_is_taken_the_page_and_kept_documents_are_served(
    client, briefing_history, settings
):
    kept = client.get(URL, MAY | {"format": "docx"})

    with slot_held_by_a_thread(settings):
        assert client.get(URL, MAY | {"format": "docx"}).content == kept.content
        assert client.get(URL, MAY).status_code == 200
        assert client.get(URL, MAY | {"since": "2026-01-01", "format": "docx"}).status_code == 503

    assert client.get(URL, MAY | {"since": "2026-01-01", "format": "docx"}).status_code == 200


def test_a_render_slot_held_by_another_process_is_waited_for(client, briefing_history, settings):
    """What bounds gunicorn's sync workers, each a process: the slot is the kernel's lock."""
    settings.BRIEFING_RENDERS = 1
    settings.BRIEFING_RENDER_WAIT_SECONDS = 0.2
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_LOCK, briefing_documents._slot_path(0)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        assert client.get(URL, MAY | {"format": "docx"}).status_code == 503
    finally:
        holder.communicate(timeout=5)  # closing its input ends it, and frees the slot

    assert client.get(URL, MAY | {"format": "docx"}).status_code == 200


HOLD_A_LOCK = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""
