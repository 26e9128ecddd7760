"""Releases (issue 28): a record released to a wider audience is a reviewed action with a reason,
recorded in the history; and the one change the database lets through on a record."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from commitments.models import (
    Commitment,
    Contribution,
    DataVersion,
    Indicator,
    IndicatorValue,
    Release,
    ReleaseReview,
    ReviewState,
    StatusUpdate,
)
from commitments.roles import ANALYST, COALITION, REVIEWER, SECRETARIAT
from commitments.services import (
    NotCleared,
    OwnRecord,
    approve_or_return,
    propose_release,
    record_indicator_value,
    record_status_update,
    save_indicator,
    withdraw,
)
from tests.conftest import at
from tests.factories import CommitmentFactory, PartnerFactory
from tests.helpers import current, execute_refused
from tests.releases import REASON, member_of

pytestmark = pytest.mark.django_db


def value_of(commitment, author, releasability):
    """A value, pending review, of a new indicator of `commitment`, marked `releasability`."""
    indicator = save_indicator(
        Indicator(
            slug=f"indicator-of-{commitment.code.lower()}",
            commitment=commitment,
            name="Instructors trained",
            unit="count",
            direction="increase",
        )
    )
    return record_indicator_value(
        indicator=indicator,
        author=author,
        value=12,
        as_of=datetime.date(2024, 1, 15),
        releasability=releasability,
    )


def propose(record, author, to="public", reason=REASON):
    return propose_release(record=record, author=author, released_to=to, reason=reason)


def test_a_release_approved_by_a_second_person_widens_its_record(
    coalition_update, secretary, coalition_reviewer
):
    release = propose(coalition_update, secretary)

    assert (release.review_state, release.released_from, release.released_to) == (
        ReviewState.PENDING,
        "coalition",
        "public",
    )
    coalition_update.refresh_from_db()
    assert coalition_update.releasability == "coalition"

    approve_or_return(release, reviewer=coalition_reviewer, decision="approve")

    coalition_update.refresh_from_db()
    assert coalition_update.releasability == "public"
    assert list(Release.objects.of(coalition_update).approved()) == [release]


def test_a_released_update_gives_its_commitment_the_status_the_public_now_reads(
    coalition_update, secretary, coalition_reviewer, record_approved
):
    commitment = coalition_update.commitment
    record_approved(commitment, status="on_track", as_of=datetime.date(2024, 1, 1))

    release = propose(coalition_update, secretary)
    approve_or_return(release, reviewer=coalition_reviewer, decision="approve")

    assert current(commitment) == ("at_risk", None, datetime.date(2024, 3, 1))


def test_a_day_read_as_known_then_shows_a_released_record_only_from_its_release(
    secretary, coalition_reviewer, reviewer, review_required, api
):
    # Recorded for members on 2 Nov, released to the public on 20 Nov: the public read the
    # commitment as never assessed until then, and a read of 10 Nov as known that day says so.
    with at(datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC)):
        update = record_status_update(
            commitment=CommitmentFactory(code="MIL-9"),
            author=secretary,
            status="at_risk",
            as_of=datetime.date(2026, 11, 1),
            summary="Members were told first.",
            releasability="coalition",
        )
        approve_or_return(update, reviewer=reviewer, decision="approve")
    with at(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)):
        release = propose(update, secretary)
        approve_or_return(release, reviewer=coalition_reviewer, decision="approve")

    def status(known_on, clearance):
        as_of = known_on or datetime.date(2026, 11, 30)
        read = Commitment.objects.as_of(as_of, known_on, clearance=clearance)
        return read.get(code="MIL-9").status_then

    assert status(datetime.date(2026, 11, 10), "public") == "not_assessed"
    assert status(datetime.date(2026, 11, 19), "public") == "not_assessed"
    assert status(datetime.date(2026, 11, 20), "public") == "at_risk"
    assert status(None, "public") == "at_risk"
    assert status(datetime.date(2026, 11, 10), "coalition") == "at_risk"
    read_then = {"as_of": "2026-11-10", "known_on": "2026-11-10"}
    assert api.get("/api/v1/commitments/MIL-9/", read_then).json()["status"] == ("not_assessed")


def test_a_coalition_correction_released_later_replaces_nothing_for_the_public_before(
    secretary, coalition_reviewer, reviewer, review_required, record_approved
):
    commitment = CommitmentFactory(code="MIL-9")
    with at(datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC)):
        public = record_approved(commitment, status="on_track", as_of=datetime.date(2026, 11, 1))
        correction = record_status_update(
            commitment=commitment,
            author=secretary,
            status="off_track",
            as_of=datetime.date(2026, 11, 1),
            summary="What members knew: it was never on track.",
            releasability="coalition",
            corrects=public,
        )
        approve_or_return(correction, reviewer=reviewer, decision="approve")
    with at(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)):
        approve_or_return(
            propose(correction, secretary), reviewer=coalition_reviewer, decision="approve"
        )

    def public_history(known_on):
        return list(
            StatusUpdate.objects.readable_by("public")
            .filter(commitment=commitment)
            .counting(known_on)
            .values_list("status", flat=True)
        )

    assert public_history(datetime.date(2026, 11, 10)) == ["on_track"]
    assert public_history(datetime.date(2026, 11, 20)) == ["off_track"]
    assert public_history(None) == ["off_track"]


def test_approving_a_release_moves_the_data_version_proposing_one_does_not(
    coalition_update, secretary, coalition_reviewer
):
    # A value's table moves no data version on an UPDATE on SQLite (migration 0021): the
    # approval's decision does, for every kind of record.
    value = value_of(coalition_update.commitment, secretary, "coalition")
    approve_or_return(value, reviewer=coalition_reviewer, decision="approve")
    for record in (coalition_update, value, coalition_contribution(secretary)):
        before = DataVersion.objects.get(pk=1).number
        release = propose(record, secretary)
        assert DataVersion.objects.get(pk=1).number == before

        approve_or_return(release, reviewer=coalition_reviewer, decision="approve")

        assert DataVersion.objects.get(pk=1).number > before


def test_a_secretariat_value_is_released_to_the_coalition_then_to_the_public(
    review_required, secretary, coalition_reviewer
):
    commitment = CommitmentFactory()
    value = value_of(commitment, secretary, "secretariat")
    secretariat_reviewer = member_of(REVIEWER, SECRETARIAT)
    approve_or_return(value, reviewer=secretariat_reviewer, decision="approve")

    first = propose(value, secretary, to="coalition", reason="Cleared by the donor.")
    approve_or_return(first, reviewer=secretariat_reviewer, decision="approve")
    then = propose(value, secretary, to="public", reason="Published in the annual report.")
    approve_or_return(then, reviewer=coalition_reviewer, decision="approve")

    value.refresh_from_db()
    assert value.releasability == "public"
    assert [(r.released_from, r.released_to) for r in Release.objects.of(value).for_history()] == [
        ("secretariat", "coalition"),
        ("coalition", "public"),
    ]
    assert {r.commitment_id for r in Release.objects.of(value)} == {commitment.pk}


def coalition_contribution(author):
    # Written as the database holds one: marking a contribution on its write path is not this
    # feature's (record_contribution names no releasability yet).
    return Contribution.objects.create(
        partner=PartnerFactory(),
        commitment=CommitmentFactory(),
        author=author,
        kind=Contribution.Kind.FUNDS_PLEDGED,
        amount=1000,
        currency="USD",
        date=datetime.date(2024, 1, 15),
        releasability="coalition",
    )


def test_a_contribution_is_released_as_an_update_is(secretary, coalition_reviewer, settings):
    settings.REVIEW_REQUIRED = True
    contribution = coalition_contribution(secretary)

    release = propose(contribution, secretary)
    approve_or_return(release, reviewer=coalition_reviewer, decision="approve")

    contribution.refresh_from_db()
    assert contribution.releasability == "public"
    assert release.commitment_id == contribution.commitment_id


def test_without_review_required_a_release_is_approved_and_applied_on_submission(
    secretary, settings
):
    settings.REVIEW_REQUIRED = False
    contribution = coalition_contribution(secretary)

    release = propose(contribution, secretary)

    contribution.refresh_from_db()
    assert (release.review_state, contribution.releasability) == (ReviewState.APPROVED, "public")


@pytest.mark.parametrize(
    ("to", "field", "message"),
    [
        (
            "secretariat",
            "released_to",
            "A release widens who may read it: from coalition, to public. Once read, a record "
            "cannot be unread.",
        ),
        ("coalition", "released_to", "It is coalition already: release it to public."),
        ("everyone", "released_to", "Value 'everyone' is not a valid choice."),
    ],
)
def test_a_release_never_narrows_nor_keeps_a_marking(
    coalition_update, secretary, to, field, message
):
    with pytest.raises(ValidationError) as refused:
        propose(coalition_update, secretary, to=to)

    assert refused.value.message_dict[field] == [message]
    assert not Release.objects.exists()


def test_a_release_says_why(coalition_update, secretary):
    with pytest.raises(ValidationError) as refused:
        propose(coalition_update, secretary, reason="   ")

    assert refused.value.message_dict == {"reason": ["Say why it may be released."]}
    assert not Release.objects.exists()


def test_nobody_approves_their_own_release(coalition_update, secretary):
    release = propose(coalition_update, secretary)

    with pytest.raises(OwnRecord):
        approve_or_return(release, reviewer=secretary, decision="approve")

    coalition_update.refresh_from_db()
    assert coalition_update.releasability == "coalition"


@pytest.mark.parametrize(
    "groups",
    [
        pytest.param([ANALYST], id="an analyst who may not read coalition records"),
        pytest.param([REVIEWER, COALITION], id="a member who may not record updates"),
    ],
)
def test_only_who_reads_the_record_and_records_its_kind_proposes_its_release(
    coalition_update, groups
):
    with pytest.raises(PermissionDenied):
        propose(coalition_update, member_of(*groups))

    assert not Release.objects.exists()


def test_only_a_reviewer_who_reads_the_record_approves_its_release(
    coalition_update, secretary, reviewer
):
    release = propose(coalition_update, secretary)

    with pytest.raises(NotCleared):
        approve_or_return(release, reviewer=reviewer, decision="approve")

    coalition_update.refresh_from_db()
    assert coalition_update.releasability == "coalition"
    assert Release.objects.get(pk=release.pk).review_state == ReviewState.PENDING


def test_a_returned_release_changes_nothing_and_is_answered_by_another(
    coalition_update, secretary, coalition_reviewer
):
    release = propose(coalition_update, secretary)
    approve_or_return(
        release, reviewer=coalition_reviewer, decision="return", comment="Not before June."
    )
    coalition_update.refresh_from_db()
    assert coalition_update.releasability == "coalition"

    again = propose_release(
        record=coalition_update,
        author=secretary,
        released_to="public",
        reason="June has come.",
        corrects=release,
    )

    assert again.corrects == release
    assert list(Release.objects.of(coalition_update).unanswered()) == []


def test_one_release_of_a_record_is_pending_at_a_time(coalition_update, secretary):
    first = propose(coalition_update, secretary)

    with pytest.raises(ValidationError, match=f"Release #{first.pk} of this update is pending"):
        propose(coalition_update, secretary)

    withdraw(first, author=secretary)
    assert propose(coalition_update, secretary).review_state == ReviewState.PENDING


# The database: the one UPDATE it lets through on a record.


def records_of_each_kind(secretary, reviewer):
    """A coalition status update, indicator value and contribution, each with an approved
    release to the public that has widened it."""
    update = StatusUpdate.objects.get(releasability="coalition")
    commitment = update.commitment
    value = value_of(commitment, secretary, "coalition")
    approve_or_return(value, reviewer=reviewer, decision="approve")
    return [update, value, coalition_contribution(secretary)]


def table_and_column(record):
    return type(record)._meta.db_table


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE {table} SET releasability = 'public' WHERE id = %s",
        "UPDATE {table} SET releasability = 'secretariat' WHERE id = %s",
        "UPDATE {table} SET created_at = created_at, releasability = 'public' WHERE id = %s",
    ],
    ids=["widening without a release", "narrowing", "widening and rewriting"],
)
def test_the_database_refuses_a_marking_no_approved_release_gives(
    coalition_update, secretary, coalition_reviewer, sql
):
    # A release pending review, and one returned, give nothing.
    returned = propose(coalition_update, secretary)
    approve_or_return(returned, reviewer=coalition_reviewer, decision="return", comment="No.")
    propose(coalition_update, secretary)
    for record in records_of_each_kind(secretary, coalition_reviewer):
        table = table_and_column(record)
        execute_refused(sql.format(table=table), [record.pk], match="append-only")
        record.refresh_from_db()
        assert record.releasability == "coalition"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE {table} SET releasability = 'coalition' WHERE id = %s",
        "UPDATE {table} SET releasability = 'secretariat' WHERE id = %s",
        "UPDATE {table} SET evidence_cited = 9 WHERE id = %s",
        "UPDATE {table} SET evidence_cited = 9, releasability = 'public' WHERE id = %s",
        "UPDATE {table} SET corrects_id = id WHERE id = %s",
        "DELETE FROM {table} WHERE id = %s",
    ],
    ids=[
        "narrowing back",
        "narrowing further",
        "rewriting",
        "rewriting while widening again",
        "rewriting a reference",
        "deleting",
    ],
)
def test_once_released_a_record_is_append_only_as_before(
    coalition_update, secretary, coalition_reviewer, sql
):
    for record in records_of_each_kind(secretary, coalition_reviewer):
        approve_or_return(
            propose(record, secretary), reviewer=coalition_reviewer, decision="approve"
        )
        execute_refused(
            sql.format(table=table_and_column(record)), [record.pk], match="append-only"
        )
        record.refresh_from_db()
        assert (record.releasability, record.evidence_cited) == ("public", 0)


def test_the_database_lets_through_the_widening_an_approved_release_says(
    coalition_update, secretary, coalition_reviewer
):
    # The decision written past the service, so that the record is not widened yet: the
    # UPDATE services.releases.widen sends, sent by hand.
    release = propose(coalition_update, secretary)
    ReleaseReview.objects.create(release=release, decision="approve", reviewer=coalition_reviewer)
    table = StatusUpdate._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET releasability = 'public' WHERE id = %s", [coalition_update.pk]
        )

    coalition_update.refresh_from_db()
    assert coalition_update.releasability == "public"


@pytest.mark.parametrize("model", [StatusUpdate, IndicatorValue, Contribution])
def test_sqlites_guard_compares_every_column_of_the_record_but_its_marking(model):
    # PostgreSQL's compares whole rows; SQLite's names each column, as migration 0044 listed
    # them: a column added since must be added to its trigger.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's trigger names its columns")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [f"{table}_no_update"],
        )
        (sql,) = cursor.fetchone()
    compared = {
        field.column for field in model._meta.concrete_fields if field.name != "releasability"
    }
    assert {column for column in compared if f"NEW.{column} IS OLD.{column}" in sql} == compared
