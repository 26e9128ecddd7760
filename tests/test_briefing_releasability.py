"""The briefing pack per clearance: built from the records its requester may read only, and
marked on every page, at the top and at the bottom, with the highest releasability of what it
holds (public at least), after the settings' handling marking. A coalition pack is never
served to a public requester, from the cache or a shared one. The PDF's text is read as a
reader's tools read it (pdftotext, page by page)."""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from commitments.models import Commitment
from commitments.roles import COALITION
from commitments.services import approve_or_return, record_evidence, record_status_update
from tests.briefing import MAY, URL, noon, page_text
from tests.conftest import at
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

# What only Coalition members may read: an assessment of B-2 and a pledge in EUR.
SECRET_SUMMARY = "The northern crossing is closed to convoys."
SECRET_AMOUNT = "777,000"


# Who asks, what every page of their pack is marked, and whether it shows the coalition's records.
READERS = pytest.mark.parametrize(
    ("reader", "marking", "shown"),
    [("public", "OFFICIAL · PUBLIC", False), ("member", "OFFICIAL · COALITION", True)],
)


@pytest.fixture
def coalition_records(briefing_history, cleared_analyst, reviewer, contribute, settings):
    """briefing_history (all public), and for Coalition members only: B-2, never assessed
    otherwise, at risk as of 30 May (approved that day), and a pledge of EUR 777,000 to A-1."""
    analyst = cleared_analyst  # who may mark them
    settings.BRIEFING_MARKING = "OFFICIAL"
    with at(noon(5, 30)):
        update = record_status_update(
            commitment=Commitment.objects.get(code="B-2"),
            author=analyst,
            status="at_risk",
            progress=10,
            as_of=datetime.date(2026, 5, 30),
            summary=SECRET_SUMMARY,
            releasability="coalition",
        )
        approve_or_return(update, reviewer=reviewer, decision="approve")
    contribute(
        PartnerFactory(slug="ruritania", name="Ruritania"),
        Commitment.objects.get(code="A-1"),
        date=datetime.date(2026, 5, 29),
        currency="EUR",
        amount=Decimal("777000.00"),
        releasability="coalition",
    )


@pytest.fixture
def member(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=COALITION))
    return user


@pytest.fixture
def reading(client, request, reader):
    """The client, signed in as a Coalition member when the reader (READERS) is one."""
    if reader == "member":
        client.force_login(request.getfixturevalue("member"))
    return client


def pdf_pages(response):
    """The text of each page of the PDF, as pdftotext reads it."""
    assert response.status_code == 200, response.content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=response.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]


def docx_parts(response):
    """(the header's text, the footer's text, the body's text) of the .docx."""
    from docx import Document

    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    return (
        "\n".join(paragraph.text for paragraph in section.header.paragraphs),
        "\n".join(paragraph.text for paragraph in section.footer.paragraphs),
        "\n".join(paragraph.text for paragraph in document.paragraphs),
    )


@pytest.mark.usefixtures("pango")
@READERS
def test_every_page_of_the_pdf_is_marked_top_and_bottom_and_holds_only_what_its_reader_may_read(
    reading, coalition_records, marking, shown
):
    pages = pdf_pages(reading.get(URL, MAY | {"format": "pdf"}))

    assert len(pages) >= 2
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        assert marking in lines[0]  # at the top
        assert marking in lines[-1]  # at the bottom
        assert page.count(marking) == 2
    text = "\n".join(pages)
    assert (SECRET_SUMMARY in " ".join(text.split())) is shown
    assert (SECRET_AMOUNT in text) is shown
    assert ("COALITION" in text) is shown


@READERS
def test_every_page_of_the_docx_is_marked_and_holds_only_what_its_reader_may_read(
    reading, coalition_records, marking, shown
):
    header, footer, body = docx_parts(reading.get(URL, MAY | {"format": "docx"}))

    assert header.endswith(f"\t{marking}")
    assert f"\t{marking}\t" in footer
    assert (SECRET_SUMMARY in body) is shown
    assert (SECRET_AMOUNT in body) is shown


def test_a_coalition_pack_in_the_cache_is_never_served_to_a_public_requester(
    client, member, coalition_records
):
    client.force_login(member)
    _, _, members_body = docx_parts(client.get(URL, MAY | {"format": "docx"}))
    client.logout()

    header, _, public_body = docx_parts(client.get(URL, MAY | {"format": "docx"}))

    assert SECRET_AMOUNT in members_body
    assert SECRET_AMOUNT not in public_body
    assert header.endswith("\tOFFICIAL · PUBLIC")


def test_the_page_shows_a_member_what_the_public_is_not_shown_and_no_shared_cache_keeps_it(
    client, member, coalition_records
):
    public_page = client.get(URL, MAY)
    client.force_login(member)
    members_page = client.get(URL, MAY)

    assert SECRET_SUMMARY not in page_text(public_page)
    assert SECRET_SUMMARY in page_text(members_page)
    assert '<div class="marking page-head">OFFICIAL · COALITION</div>' in members_page.text
    assert "public" in public_page["Cache-Control"]
    assert "private" in members_page["Cache-Control"]


def test_a_members_pack_that_holds_nothing_beyond_the_public_is_marked_public(
    client, member, coalition_records
):
    """The pack of 30 April: before the coalition assessment and pledge."""
    client.force_login(member)

    header, _, body = docx_parts(
        client.get(URL, {"as_of": "2026-04-30", "since": "2026-02-15", "format": "docx"})
    )

    assert header.endswith("\tOFFICIAL · PUBLIC")
    assert SECRET_SUMMARY not in body


@pytest.fixture
def coalition_evidence(briefing_history, cleared_analyst, reviewer, settings):
    """briefing_history, and a public assessment of A-3 as of 29 May, approved, that cites a
    public bulletin graded C3 and a note graded A2 that only Coalition members may read."""
    settings.BRIEFING_MARKING = "OFFICIAL"
    with at(noon(5, 29)):
        bulletin, note = (
            record_evidence(
                author=cleared_analyst,
                date=datetime.date(2026, 5, 28),
                releasability=releasability,
                **fields,
            )
            for releasability, fields in [
                (
                    "public",
                    {
                        "source": "Ministry bulletin",
                        "url": "https://example.org/bulletin",
                        "reliability": "C",
                        "credibility": "3",
                    },
                ),
                (
                    "coalition",
                    {
                        "source": "Liaison officer's note",
                        "reference": "Note 12",
                        "reliability": "A",
                        "credibility": "2",
                    },
                ),
            ]
        )
        update = record_status_update(
            commitment=Commitment.objects.get(code="A-3"),
            author=cleared_analyst,
            status="on_track",
            progress=80,
            as_of=datetime.date(2026, 5, 29),
            summary="The third battalion started training.",
            evidence=[bulletin, note],
            releasability="public",
        )
        approve_or_return(update, reviewer=reviewer, decision="approve")


@READERS
def test_the_pack_lists_the_graded_evidence_its_reader_may_read_and_is_marked_for_it(
    reading, coalition_evidence, marking, shown
):
    header, _, body = docx_parts(reading.get(URL, MAY | {"format": "docx"}))

    assert "Evidence: C3 Ministry bulletin, 28 May 2026: https://example.org/bulletin" in body
    assert ("Evidence: A2 Liaison officer's note, 28 May 2026: Note 12" in body) is shown
    assert header.endswith(f"\t{marking}")
