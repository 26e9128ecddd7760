"""The briefing pack as a minister's office receives it: every page under the letterhead and the
marking (the settings' handling and the pack's releasability), statuses on the vocabulary's
colours with their names, the contributions of each pillar, the commitments never assessed as one compact list, a file name
with both dates, and a .docx with the same sections as the PDF (the page, rendered)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone
from django.utils.html import strip_tags

from commitments import briefing as documents
from commitments.models import STATUS_COLOURS, Commitment, Contribution, Status
from commitments.services import approve_or_return, record_briefing_message, record_contribution
from tests.briefing import MAY, URL, document_text, page_text
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

LETTERHEAD = {
    "BRIEFING_MARKING": "OFFICIAL-SENSITIVE",
    "BRIEFING_ORGANISATION": "Ministry of Example Affairs",
}


@pytest.fixture
def letterhead(settings):
    for name, value in LETTERHEAD.items():
        setattr(settings, name, value)


def docx_of(response):
    from docx import Document

    return Document(io.BytesIO(response.content))


# The letterhead and the marking


@pytest.mark.usefixtures("pango", "letterhead")
def test_every_page_of_the_pdf_carries_the_letterhead_the_marking_and_its_number(
    client, briefing_history
):
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(client.get(URL, MAY | {"format": "pdf"}).content))

    assert len(pdf.pages) == 3
    for number, page in enumerate(pdf.pages, start=1):
        text = page.extract_text()
        assert "Ministry of Example Affairs" in text
        # At the top and at the foot.
        assert text.count("OFFICIAL-SENSITIVE") == 2
        assert f"Page {number} of 3" in text
        assert "Paris Roadmap briefing pack, 31 May 2026" in text
        assert len(page.images) == 1  # the logo


@pytest.mark.usefixtures("letterhead")
def test_every_page_of_the_docx_carries_the_letterhead_the_marking_and_its_number(
    client, briefing_history
):
    section = docx_of(client.get(URL, MAY | {"format": "docx"})).sections[0]

    header, footer = section.header, section.footer
    assert [paragraph.text for paragraph in header.paragraphs] == [
        " Ministry of Example Affairs\tOFFICIAL-SENSITIVE · PUBLIC"
    ]
    assert header._element.xml.count("<pic:pic") == 1  # the logo
    assert [paragraph.text for paragraph in footer.paragraphs] == [
        "Paris Roadmap briefing pack, 31 May 2026\tOFFICIAL-SENSITIVE · PUBLIC\tPage  of "
    ]
    fields = re.findall(r'w:instr="(\w+)"', footer._element.xml)
    assert fields == ["PAGE", "NUMPAGES"]


@pytest.mark.usefixtures("letterhead")
def test_the_page_shows_the_letterhead_and_the_marking(client, briefing_history):
    html = client.get(URL, MAY).content.decode()

    assert '<img class="logo" src="/static/briefing/logo.png" alt="">' in html
    assert "Ministry of Example Affairs" in html
    assert '<div class="marking page-head">OFFICIAL-SENSITIVE · PUBLIC</div>' in html


def test_without_a_logo_or_a_handling_marking_the_pack_is_marked_by_its_releasability_alone(
    client, briefing_history, settings
):
    settings.BRIEFING_LOGO = ""
    settings.BRIEFING_MARKING = ""

    html = client.get(URL, MAY).content.decode()
    header = docx_of(client.get(URL, MAY | {"format": "docx"})).sections[0].header

    assert 'class="logo"' not in html
    assert '<div class="marking page-head">PUBLIC</div>' in html
    assert [paragraph.text for paragraph in header.paragraphs] == ["Roadmap Tracker\tPUBLIC"]
    assert "<pic:pic" not in header._element.xml


@pytest.mark.parametrize(
    ("logo", "refused"),
    [
        ("briefing/missing.png", "BRIEFING_LOGO (briefing/missing.png) is not among the static"),
        ("dashboard/favicon.svg", "BRIEFING_LOGO (dashboard/favicon.svg) is not a PNG or JPEG"),
    ],
)
def test_a_logo_that_the_documents_cannot_embed_fails_the_checks(settings, logo, refused):
    settings.BRIEFING_LOGO = logo

    with pytest.raises(SystemCheckError, match=re.escape(refused)):
        call_command("check")


def test_the_default_logo_passes_the_checks():
    assert documents.check_logo() == []


# Statuses in colour, named


def test_the_statuses_colours_are_the_vocabularys(client):
    response = client.get("/briefing/statuses.css")

    css = response.content.decode()
    assert response["Content-Type"] == "text/css"
    for status, colour in STATUS_COLOURS.items():
        assert f".status-badge.status-{status} {{ background-color: {colour}; }}" in css
    assert "print-color-adjust: exact" in css  # or a browser prints white on white


def test_the_page_names_each_status_on_its_colour(client, briefing_history):
    html = " ".join(client.get(URL, MAY).content.decode().split())

    assert '<link rel="stylesheet" href="/briefing/statuses.css">' in html
    # The overview, and A-1's row.
    assert (
        '<th scope="row"><span class="status-badge status-off_track">Off track</span></th>' in html
    )
    assert (
        '<td class="status"><span class="status-badge status-at_risk">At risk</span><br>'
        '<span class="note">as of 1 Mar 2026</span>'
    ) in html


def test_the_docx_names_each_status_on_its_colour(client, briefing_history):
    document = docx_of(client.get(URL, MAY | {"format": "docx"}))

    overview, alpha = document.tables[:2]
    shown = {}
    for cell in [row.cells[0] for row in overview.rows[1:8]] + [alpha.rows[1].cells[2]]:
        run = cell.paragraphs[0].runs[0]
        shading = run._r.rPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd"
        )
        fill = shading.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill")
        shown[run.text.strip("\N{NO-BREAK SPACE}")] = (f"#{fill.lower()}", str(run.font.color.rgb))
    assert shown == {
        status.label: (colour, "FFFFFF") for status, colour in STATUS_COLOURS.items()
    }  # A-1's "At risk" among them


# Contributions per pillar


@pytest.fixture
def contributions(briefing_history, analyst):
    """To A-1, by Norway: USD 2.5 million pledged and 40 instructors trained as of 1 March, a
    pledge of EUR 99 as of 1 June (after the pack's date), and a pledge of USD 1 million as of
    1 April that a correction replaced with USD 1.5 million."""
    a1, norway = Commitment.objects.get(code="A-1"), PartnerFactory(name="Norway")

    def contribute(**fields):
        fields.setdefault("kind", Contribution.Kind.FUNDS_PLEDGED)
        return record_contribution(partner=norway, commitment=a1, author=analyst, **fields)

    day = datetime.date
    contribute(amount=Decimal(2_500_000), currency="USD", date=day(2026, 3, 1))
    contribute(kind=Contribution.Kind.TRAINING, count=40, unit="instructors", date=day(2026, 3, 1))
    contribute(amount=Decimal(99), currency="EUR", date=day(2026, 6, 1))
    wrong = contribute(amount=Decimal(1_000_000), currency="USD", date=day(2026, 4, 1))
    contribute(amount=Decimal(1_500_000), currency="USD", date=day(2026, 4, 1), corrects=wrong)


@pytest.mark.parametrize("format", ["html", "docx"])
def test_each_pillar_adds_up_its_standing_contributions_as_of_the_packs_date(
    client, contributions, format
):
    text = " ".join(
        strip_tags(document_text(client.get(URL, MAY | {"format": format}), format)).split()
    )

    alpha = text.split("Contributions by 31 May 2026")[1].split("Status and progress")[0]
    beta = text.split("Contributions by 31 May 2026")[2].split("Status and progress")[0]
    assert alpha.strip() == (
        "USD: 4,000,000 pledged, 0 committed, 0 disbursed 40 instructors (training)"
    )
    assert beta.strip() == "None recorded."


def test_the_contributions_are_read_as_known_on_a_day(client, contributions):
    """Recorded today: none of them was known on 31 May."""
    text = page_text(client.get(URL, MAY | {"known_on": "2026-05-31"}))

    assert "USD" not in text
    assert text.count("None recorded.") == 2


# The commitments never assessed


@pytest.mark.parametrize("format", ["html", "docx"])
def test_the_commitments_never_assessed_are_one_compact_list(client, roadmap, record, format):
    """The shipped Roadmap, two of its commitments assessed: the other 27 are neither rows of
    the pillars' tables nor stale lines, but one paragraph per pillar at the end."""
    assessed = list(Commitment.objects.order_by("code")[:2])
    for commitment in assessed:
        record(commitment, status="on_track", progress=10, as_of=datetime.date(2026, 5, 1))
    query = {"as_of": "2026-05-31", "since": "2026-02-15", "format": format}

    response = client.get(URL, query)

    never = response.context["briefing"].never_assessed if format == "html" else None
    text = document_text(response, format)
    listed = text.split("Never assessed by 31 May 2026")[-1]
    unassessed = Commitment.objects.exclude(pk__in=[c.pk for c in assessed])
    for commitment in unassessed:
        assert commitment.code in listed
    assert "never assessed" not in text  # no stale line of one
    if format == "html":
        assert sum(len(group.never_assessed) for group in never) == unassessed.count() == 27
        assert text.count('class="status-badge status-not_assessed"') == 1  # the overview's
        assert listed.count("<p>") == len(never)
    else:
        pillars = {commitment.pillar.name for commitment in unassessed}
        paragraphs = [line for line in listed.splitlines() if line]
        assert len(paragraphs) == len(pillars)


# The file's name


@pytest.mark.parametrize(
    ("query", "name"),
    [
        (MAY, "paris-roadmap-briefing-2026-05-31-since-2026-02-15"),
        (
            MAY | {"known_on": "2026-06-01"},
            "paris-roadmap-briefing-2026-05-31-since-2026-02-15-known-on-2026-06-01",
        ),
    ],
)
def test_the_files_name_carries_both_dates(client, briefing_history, query, name):
    response = client.get(URL, query | {"format": "docx"})

    assert response["Content-Disposition"] == f'attachment; filename="{name}.docx"'


# The .docx and the PDF


@pytest.fixture
def full_pack(contributions, analyst, reviewer):
    """A key message of each pillar, approved, beside the contributions."""
    for slug in ("alpha", "beta"):
        message = record_briefing_message(
            pillar=Commitment.objects.filter(pillar__slug=slug).first().pillar,
            author=analyst,
            as_of=datetime.date(2026, 5, 31),
            text=f"What {slug} comes to.",
        )
        approve_or_return(message, reviewer=reviewer, decision="approve")


def test_the_docx_has_the_sections_of_the_pdf_in_its_order(client, full_pack):
    """The PDF is the page rendered: its headings are the page's h1, h2 and h3."""
    html = client.get(URL, MAY).content.decode()
    document = docx_of(client.get(URL, MAY | {"format": "docx"}))

    page = [
        (int(level) - 1, " ".join(strip_tags(text).split()))
        for level, text in re.findall(r"<h([123])[^>]*>(.*?)</h\1>", html, re.DOTALL)
    ]
    levels = {"Title": 0, "Heading 1": 1, "Heading 2": 2}
    docx = [
        (levels[paragraph.style.name], paragraph.text)
        for paragraph in document.paragraphs
        if paragraph.style.name in levels
    ]
    assert docx == page
    assert [text for level, text in page if level == 1] == [
        "Key messages",
        "Overview",
        "Alpha",
        "Beta",
        "Never assessed by 31 May 2026",
    ]


def test_the_docx_overview_counts_both_dates_as_the_page_does(client, briefing_history):
    briefing = client.get(URL, MAY).context["briefing"]
    overview = docx_of(client.get(URL, MAY | {"format": "docx"})).tables[0]

    rows = [[cell.text.strip("\N{NO-BREAK SPACE}") for cell in row.cells] for row in overview.rows]
    assert rows[0] == ["Commitments", "15 Feb 2026", "31 May 2026"]
    assert rows[1:8] == [
        [Status(status).label, str(before), str(after)]
        for status, before, after in briefing.by_status
    ]
    assert rows[8:] == [
        ["Stale", "2", "3"],
        ["Average progress", "52.5%", "60%"],
        ["All", "4", "5"],
    ]


# The README's picture (make screenshot): illustrative data, invented for demonstration.

ILLUSTRATIVE_MESSAGES = {
    "military": [
        "Training of the Iraqi Security Forces is on track: a fourth cohort of instructors was "
        "certified (MIL-3).",
        "Force reductions announced by two members put MIL-2 at risk: the gaps need pledges "
        "before the next meeting.",
    ],
    "humanitarian": [
        "The humanitarian appeal was 48% funded by mid-year (HUM-1 at risk); pledges from the "
        "Paris meeting are only partly disbursed."
    ],
    "stabilization": [
        "STB-1 is completed: the programme was handed over to the Government of Iraq.",
        "Access constraints in northeast Syria delayed assistance (STB-2 at risk).",
    ],
    "political": [
        "POL-4 is off track: no progress in the Constitutional Committee during the period."
    ],
}


@pytest.mark.screenshot
@pytest.mark.usefixtures("pango")
def test_save_a_picture_of_the_pdfs_first_page(client, roadmap, analyst, settings):
    """docs/briefing-first-page.png: the first page of the pack of tests/scenario.py's
    illustrative history, with invented key messages, rendered by pdftoppm (Debian's
    poppler-utils, needed here only)."""
    import shutil
    import subprocess
    from pathlib import Path

    from commitments.models import Pillar
    from tests.scenario import record_illustrative_history

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed: apt-get install poppler-utils")
    settings.BRIEFING_ORGANISATION = "Roadmap Tracker"
    settings.BRIEFING_MARKING = "OFFICIAL"
    record_illustrative_history(analyst)
    for slug, texts in ILLUSTRATIVE_MESSAGES.items():
        for text in texts:
            record_briefing_message(
                pillar=Pillar.objects.get(slug=slug),
                author=analyst,
                as_of=timezone.localdate(),
                text=text,
            )
    pdf = client.get(URL, {"format": "pdf"}).content
    path = Path(__file__).resolve().parents[1] / "docs" / "briefing-first-page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-", str(path)],
        input=pdf,
        check=True,
    )
