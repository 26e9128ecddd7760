"""`manage.py send_reminders`: each owner is emailed the commitments of theirs that are stale or
fall due within 14 days (or that an update awaiting review would assess), each author the
updates and indicator values returned to them and not yet answered, each Reviewer and Editor
the pending updates and values they may decide; one email a person, at most once a day."""

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
from tests.test_admin_review import indicator_of

pytestmark = pytest.mark.django_db

SITE = "https://roadmap.example.org"
FOOTER = (
    "--\n"
    f"Roadmap Tracker, {SITE}\n"
    "You get this email on a day when a commitment of yours is due, a record of yours was returned\n"
    "to you, or a record waits for your review; once a day at most.\n"
)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def today():
    return timezone.localdate()


def days_ago(days):
    return today() - datetime.timedelta(days=days)


def day(date):
    """A date as the emails write it: 3 Dec 2026."""
    return f"{date.day} {date:%b %Y}"


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


def value_review_url(value):
    return f"{SITE}{reverse('admin:commitments_indicatorvalue_review')}#value-{value.pk}"


def correct_url(record):
    add = reverse(f"admin:commitments_{record._meta.model_name}_add")
    return f"{SITE}{add}?correct={record.pk}"


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
        f"{FOOTER}"
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
        f"- REV-1: At risk, as of 1 Mar 2024, by analyst, awaiting review since {day(today())} "
        "(3 days)\n"
        f"  {review_url(by_analyst)}\n"
        "\n"
        f"- REV-1: On track, as of 1 Apr 2024, by Ed Example, awaiting review since {day(today())} "
        "(3 days)\n"
        f"  {review_url(by_ed)}\n"
        "\n"
        f"{FOOTER}"
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


# Records returned to their author


@pytest.fixture
def indicator(db):
    """MIL-1's indicator: people trained."""
    return indicator_of(CommitmentFactory(code="MIL-1", update_cadence_days=365))


@pytest.mark.usefixtures("review_required")
def test_an_author_is_emailed_what_was_returned_to_them_with_the_comment_and_how_to_answer(
    mailoutbox, record, observe, owner, reviewers, indicator
):
    rita, ed = reviewers
    commitment = CommitmentFactory(code="RET-1", update_cadence_days=365)
    update = record(commitment, status="at_risk", as_of=datetime.date(2024, 3, 1))
    approve_or_return(
        update, reviewer=rita, decision="return", comment="Source?\nThe link is dead."
    )
    value = observe(indicator, "2000", as_of=datetime.date(2024, 2, 29))
    approve_or_return(value, reviewer=ed, decision="return", comment="Rounded?")

    run()

    email = next(email for email in mailoutbox if email.to == ["olivia@example.org"])
    assert email.subject == "Roadmap Tracker: 2 records returned to you"
    assert email.body == (
        "Hello Olivia Example,\n"
        "\n"
        "Returned to you for revision (2):\n"
        "\n"
        "- Status update RET-1: At risk, as of 1 Mar 2024\n"
        f'  Returned by Rita Example on {day(today())}: "Source?\n'
        '  The link is dead."\n'
        f"  Answer it with a correction: {correct_url(update)}\n"
        "\n"
        "- Indicator value MIL-1: People trained, 2,000 people, as of 29 Feb 2024\n"
        f'  Returned by Ed Example on {day(today())}: "Rounded?"\n'
        f"  Answer it with a correction: {correct_url(value)}\n"
        "\n"
        f"{FOOTER}"
    )


@pytest.mark.usefixtures("review_required")
def test_the_answer_link_opens_the_add_form_filled_in_as_a_correction(
    client, mailoutbox, observe, owner, reviewers, indicator
):
    value = observe(indicator, "2000")
    approve_or_return(value, reviewer=reviewers[0], decision="return", comment="Rounded?")
    run()
    [link] = [line for line in mailoutbox[0].body.splitlines() if "Answer it" in line]
    client.force_login(owner)

    response = client.get(link.split(": ", 1)[1].removeprefix(SITE))

    assert response.status_code == 200
    assert response.context["adminform"].form.initial["corrects"] == value.pk


@pytest.mark.usefixtures("review_required")
def test_a_returned_record_answered_by_a_correction_is_no_longer_reminded(
    mailoutbox, record, observe, owner, reviewers, indicator
):
    rita, _ = reviewers
    commitment = CommitmentFactory(code="ANS-1", update_cadence_days=365)
    returned = record(commitment)
    approve_or_return(returned, reviewer=rita, decision="return", comment="Source?")
    answer = record(commitment, corrects=returned, confidence="high")
    approve_or_return(answer, reviewer=rita, decision="approve")
    value = observe(indicator, "2000")
    approve_or_return(value, reviewer=rita, decision="return", comment="Rounded?")
    observe(indicator, "2010", corrects=value)  # pending: the reviewers' now

    run()

    assert [email.to for email in mailoutbox] == [["ed@example.org"], ["rita@example.org"]]
    assert "Returned to you" not in mailoutbox[0].body


@pytest.mark.usefixtures("review_required")
def test_an_inactive_author_is_not_reminded_of_what_was_returned(
    mailoutbox, observe, owner, reviewers, indicator
):
    value = observe(indicator, "2000")
    approve_or_return(value, reviewer=reviewers[0], decision="return", comment="Rounded?")
    owner.is_active = False
    owner.save()

    run()

    assert mailoutbox == []


# Indicator values for reviewers


@pytest.mark.usefixtures("review_required")
def test_each_reviewer_is_emailed_the_pending_indicator_values_they_may_decide(
    mailoutbox, record, observe, reviewers, indicator
):
    _, ed = reviewers
    by_analyst = observe(indicator, "1500", as_of=datetime.date(2024, 1, 31))
    by_ed = observe(
        indicator, "1800", period_start=datetime.date(2024, 1, 1), as_of=None,
        period_end=datetime.date(2024, 3, 31), author=ed,
    )  # fmt: skip
    update = record(CommitmentFactory(code="REV-2", update_cadence_days=365))
    later = today() + datetime.timedelta(days=1)

    send_reminders(reminders_due(later), today=later)

    emails = {email.to[0]: email for email in mailoutbox}
    assert emails["ed@example.org"].subject == (
        "Roadmap Tracker: 1 update to review and 1 indicator value to review"
    )
    assert value_review_url(by_ed) not in emails["ed@example.org"].body
    assert emails["rita@example.org"].subject == (
        "Roadmap Tracker: 1 update to review and 2 indicator values to review"
    )
    assert emails["rita@example.org"].body == (
        "Hello Rita Example,\n"
        "\n"
        "Status updates waiting for your review (1):\n"
        "\n"
        f"- REV-2: On track, as of 15 Jan 2024, by analyst, awaiting review since "
        f"{day(today())} (1 day)\n"
        f"  {review_url(update)}\n"
        "\n"
        "Indicator values waiting for your review (2):\n"
        "\n"
        "- MIL-1: People trained, 1,500 people, as of 31 Jan 2024, by analyst, awaiting review "
        f"since {day(today())} (1 day)\n"
        f"  {value_review_url(by_analyst)}\n"
        "\n"
        "- MIL-1: People trained, 1,800 people, 1 Jan 2024 to 31 Mar 2024, by Ed Example, "
        f"awaiting review since {day(today())} (1 day)\n"
        f"  {value_review_url(by_ed)}\n"
        "\n"
        f"{FOOTER}"
    )


# An owner whose update waits for review


@pytest.mark.usefixtures("review_required")
def test_an_owner_whose_update_awaits_review_is_told_so_instead_of_overdue(
    mailoutbox, record, record_approved, owner, reviewers
):
    _, ed = reviewers
    never = CommitmentFactory(code="WAIT-1", title="Never approved", owner=owner)
    record(never, as_of=days_ago(2))
    overdue = CommitmentFactory(code="WAIT-2", title="Overdue", owner=owner, update_cadence_days=30)
    record_approved(overdue, as_of=days_ago(40))
    record(overdue, as_of=days_ago(1), author=ed)
    # A pending update older than the approved one would not assess it anew.
    stale = CommitmentFactory(
        code="WAIT-3", title="Backfilled", owner=owner, update_cadence_days=30
    )
    record_approved(stale, as_of=days_ago(35))
    record(stale, as_of=days_ago(90))

    run()

    email = next(email for email in mailoutbox if email.to == ["olivia@example.org"])
    assert email.subject == (
        "Roadmap Tracker: 1 commitment to assess and 2 commitments of yours awaiting review"
    )
    assert email.body == (
        "Hello Olivia Example,\n"
        "\n"
        "Commitments of yours to assess (3):\n"
        "\n"
        "- WAIT-1 Never approved\n"
        f"  Your update of {day(days_ago(2))} is awaiting review since {day(today())}\n"
        f"  {admin_url(never)}\n"
        "\n"
        "- WAIT-2 Overdue\n"
        f"  An update by Ed Example of {day(days_ago(1))} is awaiting review since "
        f"{day(today())}\n"
        f"  {admin_url(overdue)}\n"
        "\n"
        "- WAIT-3 Backfilled\n"
        "  5 days overdue\n"
        f"  {admin_url(stale)}\n"
        "\n"
        f"{FOOTER}"
    )


# What a run says and records


@pytest.mark.usefixtures("review_required")
def test_a_dry_run_prints_every_part_of_a_digest(
    mailoutbox, record, observe, owner, reviewers, indicator
):
    rita, _ = reviewers
    CommitmentFactory(code="DUE-1", owner=rita)
    update = record(CommitmentFactory(code="RET-1", update_cadence_days=365))
    approve_or_return(update, reviewer=rita, decision="return", comment="Source?")
    value = observe(indicator, "2000")

    out, _ = run("--dry-run")

    assert mailoutbox == []
    assert (
        f'  reviewer <rita@example.org>: would be sent "Roadmap Tracker: 1 commitment to assess '
        f'and 1 indicator value to review" (DUE-1, value #{value.pk} of MIL-1: People trained)\n'
    ) in out
    assert (
        '  analyst <olivia@example.org>: would be sent "Roadmap Tracker: 1 record returned to '
        f'you" (returned update #{update.pk} of RET-1)\n'
    ) in out
    # Each email's full text, as it would be sent.
    assert f'    |   Returned by Rita Example on {day(today())}: "Source?"\n' in out
    assert (
        "    | - MIL-1: People trained, 2,000 people, as of 15 Jan 2024, by Olivia Example" in out
    )
    assert not ReminderSent.objects.exists()


@pytest.mark.usefixtures("review_required")
def test_each_email_sent_is_recorded_with_how_many_things_it_listed(
    mailoutbox, record, observe, owner, reviewers, indicator
):
    rita, _ = reviewers
    CommitmentFactory(owner=rita)
    returned = record(CommitmentFactory(update_cadence_days=365))
    approve_or_return(returned, reviewer=rita, decision="return", comment="Source?")
    record(CommitmentFactory(update_cadence_days=365))
    observe(indicator, "2000")

    run()

    assert sorted(
        ReminderSent.objects.values_list(
            "user__username", "commitments", "pending_updates", "pending_values",
            "returned_records",
        )
    ) == [("analyst", 0, 0, 0, 1), ("editor", 0, 1, 1, 0), ("reviewer", 1, 1, 1, 0)]  # fmt: skip


@pytest.mark.usefixtures("review_required")
def test_finding_who_to_remind_takes_5_queries_however_many_people_and_records(
    django_assert_num_queries, record, observe, owner, reviewers, indicator
):
    rita, ed = reviewers
    for number in range(5):
        CommitmentFactory(owner=owner if number % 2 else rita)
        record(CommitmentFactory(update_cadence_days=365))
        returned = observe(indicator, str(number), author=ed)
        approve_or_return(returned, reviewer=rita, decision="return", comment="Source?")
    observe(indicator, "9")

    # The status updates and indicator values awaiting action, the due commitments, the
    # reviewers, and who was reminded today.
    with django_assert_num_queries(5):
        reminders = reminders_due()

    assert [
        (r.user.username, len(r.due), len(r.returned), len(r.pending), len(r.pending_values))
        for r in reminders
    ] == [
        ("analyst", 2, 0, 0, 0),
        ("editor", 0, 5, 5, 1),
        ("reviewer", 3, 0, 5, 1),
    ]
