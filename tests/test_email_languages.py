"""The emails in their recipient's language: each is written in the `language` it is given (the
caller passes its recipient's saved preference), English (LANGUAGE_CODE) without one; the
words of the records they quote (titles, summaries, comments) stay as written."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from commitments.emails import invitation_message, reminder_message, slip_alert_message
from commitments.models import Commitment
from commitments.roles import REVIEWER
from commitments.selectors import reminders_due
from commitments.services import send_reminders
from commitments.services.preferences import choose_language
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://roadmap.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def olivia(analyst):
    analyst.first_name, analyst.last_name, analyst.email = "Olivia", "Example", "o@example.org"
    analyst.save()
    return analyst


def reminder_of(record, owner):
    """The reminder of `owner`, who owns MIL-9, overdue by 12 days, and NEW-1, never assessed."""
    today = timezone.localdate()
    overdue = CommitmentFactory(code="MIL-9", owner=owner, update_cadence_days=30)
    record(overdue, as_of=today - datetime.timedelta(days=42))
    CommitmentFactory(code="NEW-1", title="Nouvel engagement", owner=owner)
    [reminder] = [each for each in reminders_due(today) if each.user == owner]
    return reminder, today


def test_a_reminder_in_french_has_a_french_subject_and_body(record, olivia):
    reminder, today = reminder_of(record, olivia)

    email = reminder_message(reminder, today=today, language="fr")

    assert email.subject == "Roadmap Tracker\N{NO-BREAK SPACE}: 2 engagements à évaluer"
    assert email.body.startswith(
        "Bonjour Olivia Example,\n\nVos engagements à évaluer (2)\N{NO-BREAK SPACE}:\n\n"
        "- NEW-1 Nouvel engagement\n  Jamais évalué\n"
    )
    assert "  En retard de 12 jours\n" in email.body
    assert "Vous recevez ce courriel les jours où" in email.body


def test_a_reminder_in_arabic_counts_in_arabic_digits_and_plural_forms(record, olivia):
    reminder, today = reminder_of(record, olivia)

    email = reminder_message(reminder, today=today, language="ar")

    # Two is a form of its own in Arabic (the dual), with no digit.
    assert email.subject == "متتبع خارطة الطريق: التزامان للتقييم"
    assert "التزاماتك المطلوب تقييمها (٢):" in email.body
    assert "  متأخر ١٢ يومًا\n" in email.body
    assert "- MIL-9 " in email.body  # codes stay as they are


def test_without_a_language_a_reminder_is_in_english_whatever_is_active(record, olivia):
    reminder, today = reminder_of(record, olivia)

    from django.utils import translation

    with translation.override("fr"):
        email = reminder_message(reminder, today=today)

    assert email.subject == "Roadmap Tracker: 2 commitments to assess"
    assert "  12 days overdue\n" in email.body


def test_an_invitation_in_french_has_a_french_subject_and_body(db, superuser):
    superuser.first_name, superuser.last_name = "Rita", "Example"
    person = UserFactory(first_name="Amira", last_name="Haddad", email="amira@example.org")
    person.groups.add(Group.objects.get_or_create(name=REVIEWER)[0])

    email = invitation_message(person, invited_by=superuser, language="fr")

    assert email.subject == "Roadmap Tracker\N{NO-BREAK SPACE}: votre compte"
    assert email.body.startswith(
        "Bonjour Amira Haddad,\n\nRita Example vous a ouvert un compte sur Roadmap Tracker"
    )
    assert "(le lien ne sert qu’une fois, pendant 3 jours)" in email.body
    assert f"Connectez-vous ensuite sur {SITE}/admin/ avec votre identifiant," in email.body


@pytest.fixture
def slip(db, olivia):
    """MIL-1 moved from on track to at risk; RET-1, Olivia's, depends on it through STB-1."""
    for code in ("MIL-1", "STB-1"):
        CommitmentFactory(code=code)
    CommitmentFactory(code="RET-1", title="Retour des déplacés", owner=olivia)
    return {
        "commitment": "MIL-1",
        "title": "Title of MIL-1",
        "from": "on_track",
        "from_label": "On track",
        "to": "at_risk",
        "to_label": "At risk",
        "update": {"as_of": "2024-01-16", "summary": "Des forces se sont retirées."},
        "dependents": [
            {"code": "STB-1", "title": "Title of STB-1", "depth": 1, "via": []},
            {"code": "RET-1", "title": "Retour des déplacés", "depth": 2, "via": ["STB-1"]},
        ],
    }


def test_a_slip_alert_in_french_has_a_french_subject_and_body(slip, olivia):
    dependents = [Commitment.objects.get(code="RET-1")]

    email = slip_alert_message(olivia, slip, dependents, language="fr")

    assert email.subject.startswith(
        "Roadmap Tracker\N{NO-BREAK SPACE}: MIL-1, dont dépend l’un de vos engagements, est "
        "désormais "
    )
    assert email.body.startswith("Bonjour Olivia Example,\n\nMIL-1 Title of MIL-1 a reculé")
    assert "(au 16 janv. 2024)" in email.body
    assert '  "Des forces se sont retirées."' in email.body  # the update's words, as written
    assert (
        "- RET-1 Retour des déplacés\n  Il en dépend par l’intermédiaire de STB-1.\n" in email.body
    )


def test_a_reminder_is_sent_in_the_language_its_recipient_chose(record, olivia, mailoutbox):
    reminder, today = reminder_of(record, olivia)
    choose_language(user=olivia, language="fr")
    olivia.refresh_from_db()
    [reminder] = [each for each in reminders_due(today) if each.user == olivia]

    send_reminders([reminder], today=today)

    [email] = mailoutbox
    assert email.subject == "Roadmap Tracker\N{NO-BREAK SPACE}: 2 engagements à évaluer"
    assert email.body.startswith("Bonjour Olivia Example,")


def test_a_reminder_to_someone_who_chose_no_language_is_in_english(record, olivia, mailoutbox):
    reminder, today = reminder_of(record, olivia)

    send_reminders([reminder], today=today)

    [email] = mailoutbox
    assert email.subject == "Roadmap Tracker: 2 commitments to assess"
