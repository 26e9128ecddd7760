"""The briefing pack's key messages: written by the secretariat for the pack of a date, reviewed
as status updates are (four eyes, approve_or_return), and printed on the pack's first page,
above the figures, once approved. Rewritten, never edited: a correction takes the place of the
message it names once it is approved itself."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from commitments.models import BriefingMessage, Pillar
from commitments.selectors import data_version
from commitments.services import (
    OwnRecord,
    approve_or_return,
    record_briefing_message,
)
from tests.briefing import MAY, URL, document_text, noon, page_text
from tests.conftest import at

pytestmark = pytest.mark.django_db

SAID = "Training is on track: the second battalion finished in May."
MAY_31 = datetime.date(2026, 5, 31)


@pytest.fixture
def write(analyst):
    """Writes a message of a pillar (by slug) for the pack of 31 May, through the service."""

    def write(slug, text, *, author=analyst, as_of=MAY_31, **fields):
        pillar = Pillar.objects.get(slug=slug)
        return record_briefing_message(
            pillar=pillar, author=author, as_of=as_of, text=text, **fields
        )

    return write


@pytest.fixture
def approved(briefing_history, write, reviewer):
    """Alpha's message for the pack of 31 May, written and approved on 30 May."""
    with at(noon(5, 30)):
        message = write("alpha", SAID)
        approve_or_return(message, reviewer=reviewer, decision="approve")
    return message


def test_an_approved_message_is_printed_on_the_page_above_the_figures(client, approved):
    text = page_text(client.get(URL, MAY))

    assert f"Key messages Alpha {SAID} Overview" in text


@pytest.mark.usefixtures("pango")
def test_the_pdfs_first_page_is_the_key_messages(client, approved):
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(client.get(URL, MAY | {"format": "pdf"}).content))

    first, second = (page.extract_text() for page in pdf.pages[:2])
    assert "Key messages" in first
    assert SAID in first
    assert "Overview" not in first
    assert "Overview" in second


def test_the_docx_opens_with_the_key_messages_and_a_page_break(client, approved):
    from docx import Document

    document = Document(io.BytesIO(client.get(URL, MAY | {"format": "docx"}).content))

    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[2:5] == ["Key messages", "Alpha", SAID]
    assert texts.index(SAID) < texts.index("Overview")
    assert 'w:type="page"' in document.paragraphs[4]._p.xml


def test_a_pending_or_returned_message_is_never_printed(client, briefing_history, write, reviewer):
    write("alpha", "Pending and never printed.")
    returned = write("beta", "Returned and never printed.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Too long.")

    for format in ("html", "docx"):
        text = document_text(client.get(URL, MAY | {"format": format}), format)
        assert "never printed" not in text
        assert "Key messages" not in text


def test_a_message_is_printed_only_in_the_pack_of_its_date(client, approved):
    other_day = page_text(client.get(URL, MAY | {"as_of": "2026-05-30"}))

    assert SAID not in other_day
    assert SAID in page_text(client.get(URL, MAY))


def test_the_staff_are_told_when_a_pack_has_no_key_message_yet(client, briefing_history, viewer):
    client.force_login(viewer)

    html = client.get(URL, MAY).content.decode()

    assert "No key message is approved for the pack of 31 May 2026" in html
    assert f"{reverse('admin:commitments_briefingmessage_add')}?as_of=2026-05-31" in html
    assert "No key message" not in document_text(client.get(URL, MAY | {"format": "docx"}), "docx")


def test_a_rewrite_takes_the_place_of_its_message_once_approved(client, approved, write, reviewer):
    with at(noon(6, 2)):
        rewrite = write("alpha", "Training is done.", corrects=approved)
    pending = page_text(client.get(URL, MAY))
    with at(noon(6, 2)):
        approve_or_return(rewrite, reviewer=reviewer, decision="approve")

    after = page_text(client.get(URL, MAY))
    known_before = page_text(client.get(URL, MAY | {"known_on": "2026-06-01"}))

    assert SAID in pending
    assert "Training is done." not in pending
    assert "Training is done." in after
    assert SAID not in after
    assert SAID in known_before  # as known on 1 June, before the rewrite was approved


@pytest.mark.parametrize(
    ("slug", "as_of", "refused"),
    [
        ("beta", MAY_31, "A correction must correct a message of the same pillar."),
        ("alpha", datetime.date(2026, 5, 30), "A correction rewrites a message of the same pack"),
    ],
)
def test_a_rewrite_is_of_the_same_pillar_and_pack(approved, write, slug, as_of, refused):
    with pytest.raises(ValidationError) as error:
        write(slug, "Elsewhere.", as_of=as_of, corrects=approved)

    assert refused in " ".join(error.value.messages)
    assert BriefingMessage.objects.count() == 1


def test_a_message_has_words(briefing_history, write):
    with pytest.raises(ValidationError, match=r"Write the message\."):
        write("alpha", "   ")


def test_nobody_approves_their_own_message(briefing_history, write, editor):
    message = write("alpha", SAID, author=editor)

    with pytest.raises(OwnRecord):
        approve_or_return(message, reviewer=editor, decision="approve")

    assert message.review_state == "pending"


def test_with_review_off_a_message_is_printed_at_once(client, briefing_history, write, settings):
    settings.REVIEW_REQUIRED = False

    write("beta", "Approved as written.")

    assert "Key messages Beta Approved as written. Overview" in page_text(client.get(URL, MAY))


def test_approving_a_message_moves_the_data_version_and_writing_one_does_not(
    briefing_history, write, reviewer
):
    """The documents kept in the cache are keyed by it: the next one is rendered with it."""
    before = data_version()[0]
    message = write("alpha", SAID)
    written = data_version()[0]
    approve_or_return(message, reviewer=reviewer, decision="approve")

    assert written == before
    assert data_version()[0] != written


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commitments_briefingmessage SET text = 'Rewritten.' WHERE id = %s",
        "DELETE FROM commitments_briefingmessage WHERE id = %s",
        "UPDATE commitments_briefingmessagereview SET decision = 'return' WHERE message_id = %s",
        "DELETE FROM commitments_briefingmessagereview WHERE message_id = %s",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_a_message_or_its_decision(approved, sql):
    with (
        pytest.raises(DatabaseError, match=r"append-only|final"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [approved.pk])

    approved.refresh_from_db()
    assert (approved.text, approved.review_state) == (SAID, "approved")


# In the admin


def change_page(message):
    return reverse("admin:commitments_briefingmessage_change", args=[message.pk])


def decide(client, message, **data):
    """Posts a decision from the message's page: the messages it leaves, shown (consumed) on
    the page it sends back to."""
    url = reverse("admin:commitments_briefingmessage_decide", args=[message.pk])
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == change_page(message)
    said = [str(said) for said in get_messages(response.wsgi_request)]
    client.get(response["Location"])
    return said


def test_an_analyst_writes_a_message_in_the_admin_pending_review(client, briefing_history, analyst):
    client.force_login(analyst)
    alpha = Pillar.objects.get(slug="alpha")

    form = client.get(reverse("admin:commitments_briefingmessage_add") + "?as_of=2026-05-31")
    response = client.post(
        reverse("admin:commitments_briefingmessage_add"),
        {"pillar": alpha.pk, "as_of": "2026-05-31", "text": f"  {SAID}  ", "corrects": ""},
    )

    assert 'value="2026-05-31"' in form.content.decode()
    assert response.status_code == 302
    message = BriefingMessage.objects.get()
    assert (message.pillar, message.as_of, message.text, message.author) == (
        alpha,
        MAY_31,
        SAID,
        analyst,
    )
    assert message.review_state == "pending"


def test_a_reviewer_approves_a_message_from_its_page(client, briefing_history, write, reviewer):
    message = write("alpha", SAID)
    client.force_login(reviewer)

    page = client.get(change_page(message)).content.decode()
    said = decide(client, message, decision="approve", comment="")

    assert 'id="decide-form"' in page
    assert said == [f"Approved message #{message.pk}: it is printed in the pack of 31 May 2026."]
    message.refresh_from_db()
    assert (message.review_state, message.review.reviewer) == ("approved", reviewer)
    assert SAID in page_text(client.get(URL, MAY))


def test_a_return_needs_a_comment_and_the_author_may_rewrite_it(
    client, briefing_history, write, reviewer, analyst
):
    message = write("alpha", SAID)
    client.force_login(reviewer)

    refused = decide(client, message, decision="return", comment="")
    returned = decide(client, message, decision="return", comment="Say what it means for A-1.")
    client.force_login(analyst)
    page = client.get(change_page(message)).content.decode()
    rewrite = client.get(
        reverse("admin:commitments_briefingmessage_add") + f"?rewrite={message.pk}"
    )

    assert refused == [
        f"Message #{message.pk} was not decided: Say why the message is returned, so that its "
        "author can rewrite it."
    ]
    assert returned == [
        f"Returned message #{message.pk} with your comment: it is not printed, and its author "
        "can rewrite it."
    ]
    assert "Say what it means for A-1." in page
    assert "Rewrite this message" in page
    assert rewrite.context["adminform"].form.initial["corrects"] == message.pk
    assert rewrite.context["adminform"].form.initial["text"] == SAID


def test_the_author_is_not_offered_to_decide_and_is_refused(
    client, briefing_history, write, editor
):
    message = write("alpha", SAID, author=editor)
    client.force_login(editor)

    page = client.get(change_page(message)).content.decode()
    said = decide(client, message, decision="approve")

    assert 'id="decide-form"' not in page
    assert said == [
        f"Nothing was decided. You recorded message #{message.pk}: another reviewer must decide "
        "on it (four eyes)."
    ]
    assert message.review_state == "pending"


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_roles_that_do_not_review_may_not_decide(client, request, briefing_history, write, role):
    message = write("alpha", SAID, author=request.getfixturevalue("editor"))
    client.force_login(request.getfixturevalue(role))

    page = client.get(change_page(message)).content.decode()
    url = reverse("admin:commitments_briefingmessage_decide", args=[message.pk])
    response = client.post(url, {"decision": "approve"})

    assert 'id="decide-form"' not in page
    assert response.status_code == 403
    assert not BriefingMessage.objects.approved().exists()
