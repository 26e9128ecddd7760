"""`manage.py send_reminders`: each owner is emailed the commitments of theirs that are stale or
fall due within 14 days, each Reviewer and Editor the pending updates they may decide; one
email a person, at most once a day."""

import datetime
import smtplib
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from commitments.models import ReminderSent
from commitments.roles import REVIEWER
from commitments.selectors import reminders_due
from commitments.services import approve_or_return, send_reminders
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://roadmap.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def today():
    return timezone.localdate()


def days_ago(days):
    return today() - datetime.timedelta(days=days)


def named(user, first_name, email):
    user.first_name, user.last_name, user.email = first_name, "Example", email
    user.save()
    return user


@pytest.fixture
def owner(analyst):
    return named(analyst, "Olivia", "olivia@example.org")


def due_in(record, owner, days, *, code, cadence=30):
    """A commitment of `owner` assessed so that it falls due in `days` days (negative:
    overdue)."""
    commitment = CommitmentFactory(code=code, owner=owner, update_cadence_days=cadence)
    record(commitment, as_of=today() + datetime.timedelta(days=days - cadence))
    return commitment


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def admin_url(commitment):
    return SITE + reverse("admin:commitments_commitment_change", args=[commitment.pk])


def review_url(update):
    return f"{SITE}{reverse('admin:commitments_statusupdate_review')}#update-{update.pk}"


# Owners


def test_an_owner_is_emailed_what_is_stale_or_due_most_pressing_first(mailoutbox, record, owner):
    fresh = due_in(record, owner, 40, code="OWN-1", cadence=90)
    soon = due_in(record, owner, 5, code="OWN-2")
    overdue = due_in(record, owner, -12, code="OWN-3")
    never = CommitmentFactory(code="OWN-4", title="Never looked at", owner=owner)
    due_in(record, None, -12, code="NOBODY-1")  # nobody owns it

    out, _ = run()

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["olivia@example.org"]
    assert email.from_email == "Roadmap Tracker <roadmap@localhost>"
    assert email.subject == "Roadmap Tracker: 3 commitments to assess"
    assert email.body == (
        "Hello Olivia Example,\n"
        "\n"
        "Commitments of yours to assess (3):\n"
        "\n"
        "- OWN-4 Never looked at\n"
        "  Never assessed\n"
        f"  {admin_url(never)}\n"
        "\n"
        f"- OWN-3 {overdue.title}\n"
        "  12 days overdue\n"
        f"  {admin_url(overdue)}\n"
        "\n"
        f"- OWN-2 {soon.title}\n"
        "  Due in 5 days\n"
        f"  {admin_url(soon)}\n"
        "\n"
        "--\n"
        f"Roadmap Tracker, {SITE}\n"
        "You get this email on a day when a commitment of yours is due or an update waits for your\n"
        "review, once a day at most.\n"
    )
    assert fresh.code not in email.body
    assert "analyst <olivia@example.org>: sent" in out
    assert "Reminded 1 person." in out


@pytest.mark.parametrize(("days", "reminded"), [(13, True), (14, True), (15, False)])
def test_an_owner_is_reminded_from_14_days_before_a_commitment_falls_due(
    mailoutbox, record, owner, days, reminded
):
    due_in(record, owner, days, code="EDGE-1")

    run()

    assert [email.subject for email in mailoutbox] == (
        ["Roadmap Tracker: 1 commitment to assess"] if reminded else []
    )
    if reminded:
        assert f"  Due in {days} days\n" in mailoutbox[0].body


def test_a_commitment_due_today_or_overdue_by_a_day_says_so(mailoutbox, record, owner):
    due_in(record, owner, 0, code="DAY-1")
    due_in(record, owner, -1, code="DAY-2")

    run()

    assert "  1 day overdue\n" in mailoutbox[0].body
    assert "  Due today\n" in mailoutbox[0].body


def test_inactive_owners_are_not_reminded(mailoutbox, owner):
    CommitmentFactory(owner=owner)
    owner.is_active = False
    owner.save()

    run()

    assert mailoutbox == []


# Reviewers


@pytest.fixture
def reviewers(reviewer, editor):
    return (
        named(reviewer, "Rita", "rita@example.org"),
        named(editor, "Ed", "ed@example.org"),
    )


@pytest.mark.usefixtures("review_required")
def test_each_reviewer_is_emailed_the_pending_updates_they_may_decide(
    mailoutbox, record, reviewers
):
    _, ed = reviewers
    commitment = CommitmentFactory(code="REV-1", update_cadence_days=365)
    by_analyst = record(commitment, status="at_risk", as_of=datetime.date(2024, 3, 1))
    by_ed = record(commitment, as_of=datetime.date(2024, 4, 1), author=ed)
    later = today() + datetime.timedelta(days=3)

    send_reminders(reminders_due(later), today=later)

    emails = {email.to[0]: email for email in mailoutbox}
    assert sorted(emails) == ["ed@example.org", "rita@example.org"]
    # Four eyes: Ed may not decide his own update, so he is not asked to.
    assert emails["ed@example.org"].subject == "Roadmap Tracker: 1 update to review"
    assert review_url(by_ed) not in emails["ed@example.org"].body
    assert emails["rita@example.org"].subject == "Roadmap Tracker: 2 updates to review"
    assert emails["rita@example.org"].body == (
        "Hello Rita Example,\n"
        "\n"
        "Status updates waiting for your review (2):\n"
        "\n"
        "- REV-1: At risk, as of 1 Mar 2024, by analyst, waiting 3 days\n"
        f"  {review_url(by_analyst)}\n"
        "\n"
        "- REV-1: On track, as of 1 Apr 2024, by Ed Example, waiting 3 days\n"
        f"  {review_url(by_ed)}\n"
        "\n"
        "--\n"
        f"Roadmap Tracker, {SITE}\n"
        "You get this email on a day when a commitment of yours is due or an update waits for your\n"
        "review, once a day at most.\n"
    )


@pytest.mark.usefixtures("review_required")
def test_decided_updates_are_no_longer_in_the_queue(mailoutbox, record, reviewers):
    rita, _ = reviewers
    commitment = CommitmentFactory(update_cadence_days=365)
    approve_or_return(record(commitment), reviewer=rita, decision="approve")
    approve_or_return(record(commitment), reviewer=rita, decision="return", comment="Source?")

    run()

    assert mailoutbox == []


@pytest.mark.usefixtures("review_required")
def test_an_owner_who_reviews_gets_one_email_with_both_parts(mailoutbox, record, reviewers):
    rita, _ = reviewers
    CommitmentFactory(code="MINE-1", owner=rita)
    record(CommitmentFactory(code="THEIRS-1", update_cadence_days=365))

    run()

    rita_emails = [email for email in mailoutbox if email.to == ["rita@example.org"]]
    assert len(rita_emails) == 1
    email = rita_emails[0]
    assert email.subject == "Roadmap Tracker: 1 commitment to assess and 1 update to review"
    assert "Commitments of yours to assess (1):\n\n- MINE-1 " in email.body
    assert "Status updates waiting for your review (1):\n\n- THEIRS-1: On track" in email.body


@pytest.mark.usefixtures("review_required")
def test_only_active_staff_who_hold_the_review_permission_are_reviewers(mailoutbox, record):
    # A superuser may approve, but is not a reviewer on duty; nor is anyone inactive.
    UserFactory(username="root", is_superuser=True, email="root@example.org")
    inactive = UserFactory(username="gone", email="gone@example.org", is_active=False)
    inactive.groups.add(Group.objects.get(name=REVIEWER))
    record(CommitmentFactory(update_cadence_days=365))

    run()

    assert mailoutbox == []


# Once a day, dry runs, people without an address


def test_a_second_run_on_the_same_day_sends_nothing(mailoutbox, record, owner):
    CommitmentFactory(owner=owner)
    run()

    out, _ = run()

    assert len(mailoutbox) == 1
    assert "analyst: already reminded today" in out
    assert "Reminded 0 people." in out
    sent = ReminderSent.objects.get()
    assert (sent.user, sent.sent_on, sent.commitments, sent.pending_updates) == (
        owner,
        today(),
        1,
        0,
    )


def test_a_dry_run_says_who_would_get_what_and_sends_and_records_nothing(mailoutbox, record, owner):
    CommitmentFactory(code="DRY-1", owner=owner)
    CommitmentFactory(code="DRY-2", owner=owner)

    out, _ = run("--dry-run")

    assert mailoutbox == []
    assert not ReminderSent.objects.exists()
    summary, *email, last = out.splitlines()
    assert summary == (
        '  analyst <olivia@example.org>: would be sent "Roadmap Tracker: 2 commitments to '
        'assess" (DRY-1, DRY-2)'
    )
    assert last == "Dry run: 1 person would be emailed; nothing sent."
    # Each email's full text, as it would be sent.
    assert all(line.startswith("    | ") for line in email)
    text = "\n".join(line.removeprefix("    | ") for line in email)
    assert text.startswith("Hello ")
    assert "- DRY-1 " in text
    assert "- DRY-2 " in text
    assert "/admin/commitments/commitment/" in text


def test_people_without_an_email_address_are_reported_and_skipped(mailoutbox, record, owner):
    nameless = UserFactory(username="noaddress", email="")
    CommitmentFactory(code="ADDR-1", owner=nameless)
    CommitmentFactory(code="ADDR-2", owner=owner)

    out, err = run()

    assert [email.to for email in mailoutbox] == [["olivia@example.org"]]
    assert 'noaddress: skipped, no email address ("Roadmap Tracker: 1 commitment' in err
    assert "ADDR-1" in err
    assert not ReminderSent.objects.filter(user=nameless).exists()
    assert "Reminded 1 person." in out


def test_nobody_is_emailed_when_nothing_is_due_or_waiting(mailoutbox, record, owner):
    due_in(record, owner, 30, code="CALM-1", cadence=60)

    out, _ = run()

    assert mailoutbox == []
    assert out == "Reminded 0 people.\n"


class RefusesRita(EmailBackend):
    """The locmem backend, with a mail server that fails on Rita's address."""

    def send_messages(self, messages):
        if any("rita@example.org" in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({"rita@example.org": (550, b"No such user")})
        return super().send_messages(messages)


def test_a_mail_server_failure_records_only_what_was_sent_and_a_rerun_sends_the_rest(
    settings, mailoutbox, owner, reviewer
):
    rita = named(reviewer, "Rita", "rita@example.org")
    CommitmentFactory(owner=owner)  # analyst: sent first, in username order
    CommitmentFactory(owner=rita)
    settings.EMAIL_BACKEND = "tests.test_reminders.RefusesRita"

    with pytest.raises(CommandError, match=r"rita@example.org.*Not sent: 1 person"):
        run()

    assert [email.to for email in mailoutbox] == [["olivia@example.org"]]
    assert list(ReminderSent.objects.values_list("user__username", flat=True)) == ["analyst"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run()

    assert [email.to for email in mailoutbox] == [["olivia@example.org"], ["rita@example.org"]]
    assert ReminderSent.objects.count() == 2


@pytest.mark.usefixtures("review_required")
def test_finding_who_to_remind_takes_4_queries_however_many_people(
    django_assert_num_queries, record, owner, reviewers
):
    for number in range(5):
        CommitmentFactory(owner=owner if number % 2 else reviewers[0])
        record(CommitmentFactory(update_cadence_days=365))

    with django_assert_num_queries(4):
        reminders = reminders_due()

    assert [(r.user.username, len(r.due), len(r.pending)) for r in reminders] == [
        ("analyst", 2, 0),
        ("editor", 0, 5),
        ("reviewer", 3, 5),
    ]
