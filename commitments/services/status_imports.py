"""Every write of the domain, one function per business action.

The admin, the API, the importers and the tests all call these, so validation and the
derived current status cannot differ between them.
"""

import datetime
import re
import smtplib
from itertools import islice, repeat
from typing import NamedTuple

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.signals import post_save
from django.utils import timezone

from commitments import db_deadlines
from commitments.emails import reminder_message
from commitments.imports import NewUpdates, Table, check_rows
from commitments.integrity import unique_violations_refused
from commitments.models import (
    Commitment,
    CommitmentPartner,
    Contribution,
    ImportReceipt,
    Indicator,
    IndicatorValue,
    IndicatorValueReview,
    Partner,
    PartnerRole,
    ReminderSent,
    Review,
    ReviewState,
    Status,
    StatusUpdate,
    search_vector,
)

# What a commitment is quotes its source: set when it is created, never edited after (only the
# Roadmap's data file, loaded with --sync, may correct them).
COMMITMENT_SOURCE_FIELDS = ["text", "source_document", "paragraph", "pillar"]
# What Editors maintain. The current-status fields are derived from the status history and are
# never written here.
COMMITMENT_EDITABLE_FIELDS = ["title", "parent", "owner", "target_date", "update_cadence_days"]


class StaleVersion(Exception):
    """The commitment was changed by someone else since the editor read it."""

    def __init__(self, current_version):
        super().__init__(f"The commitment is at version {current_version} now.")
        self.current_version = current_version


class ReviewRefused(Exception):
    """A decision that may not be taken: the base of the reasons below."""


class OwnUpdate(ReviewRefused):
    """Four eyes: nobody decides on an update they wrote, superusers included."""

    def __init__(self, update):
        super().__init__(
            f"You wrote update #{update.pk}: another reviewer must decide on it (four eyes)."
        )


class AlreadyDecided(ReviewRefused):
    """An update has at most one decision."""

    def __init__(self, update, review=None):
        review = review or Review.objects.get(update=update)
        super().__init__(
            f"Update #{update.pk} was already {review.get_decision_display().lower()} on "
            f"{review.decided_at:%d %b %Y %H:%M}: a decision is final. Answer a returned update "
            "with a new update that corrects it."
        )
        self.review = review


@transaction.atomic
def record_status_update(
    *,
    commitment: Commitment,
    author,
    status: str,
    as_of,
    summary: str,
    progress: int | None = None,
    evidence_url: str = "",
    evidence_source: str = "",
    confidence: str = "",
    corrects: StatusUpdate | None = None,
) -> StatusUpdate:
    """Appends a status update to a commitment's history, pending review; with
    REVIEW_REQUIRED off it is approved on submission, as if reviewed at once (see
    approve_or_return for what approval does to the commitment's current status).

    Raises django.core.exceptions.ValidationError, with nothing written, when the update is invalid.
    """
    # Lock the commitment (only it: not the document joined for validation) so that
    # concurrent updates and decisions of it are applied one after another and the current
    # status always ends up derived from the whole approved history.
    locked = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("source_document")
        .get(pk=commitment.pk)
    )
    update = StatusUpdate(
        commitment=locked,
        author=author,
        status=status,
        as_of=as_of,
        summary=(summary or "").strip(),
        progress=progress,
        evidence_url=evidence_url,
        evidence_source=evidence_source,
        confidence=confidence,
        corrects=_what_a_correction_replaces(corrects),
        created_at=timezone.now(),
    )
    update.full_clean()
    update.save()
    if not settings.REVIEW_REQUIRED:
        update.review = Review.objects.create(
            update=update, decision=Review.Decision.APPROVE, decided_at=update.created_at
        )
        _refresh_current_status(locked, commitment, approved_at=update.created_at)
    return update


@unique_violations_refused()
@transaction.atomic
def record_contribution(
    *,
    partner: Partner,
    commitment: Commitment,
    author,
    kind: str,
    date,
    amount=None,
    currency: str = "",
    count: int | None = None,
    unit: str = "",
    evidence_url: str = "",
    evidence_source: str = "",
    note: str = "",
    corrects: Contribution | None = None,
) -> Contribution:
    """Appends a contribution: public at once, with no review. A correction (`corrects`)
    replaces the contribution it names in every total, wherever it says it was made (another
    partner, commitment or kind included); a contribution is corrected once, and a correction
    may be corrected in turn.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid:
    also when another correction of the same contribution is recorded at the same moment (the
    database's unique constraint decides, integrity.UniqueViolation)."""
    contribution = Contribution(
        partner=partner,
        commitment=commitment,
        author=author,
        kind=kind,
        date=date,
        amount=amount,
        # Codes are upper case; "usd" is USD.
        currency=(currency or "").strip().upper(),
        count=count,
        unit=(unit or "").strip(),
        evidence_url=evidence_url,
        evidence_source=evidence_source,
        note=(note or "").strip(),
        corrects=corrects,
        created_at=timezone.now(),
    )
    contribution.full_clean()
    contribution.save(force_insert=True)
    return contribution


@unique_violations_refused()
@transaction.atomic
def save_indicator(indicator: Indicator) -> Indicator:
    """Creates an indicator, or saves the changes an editor made to one. Its values and its
    progress are not its own fields: they are recorded and computed elsewhere.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid
    (also for a slug someone else took between the check and the write)."""
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def record_indicator_value(
    *,
    indicator: Indicator,
    author,
    value,
    qualifier: str = IndicatorValue.Qualifier.EXACTLY,
    as_of=None,
    period_start=None,
    period_end=None,
    evidence_url: str = "",
    evidence_source: str = "",
    confidence: str = "",
    corrects: IndicatorValue | None = None,
) -> IndicatorValue:
    """Appends an observation of an indicator, pending review as a status update is; with
    REVIEW_REQUIRED off it is approved on submission, and counts at once. A correction
    (`corrects`, an approved value of the same indicator) replaces it once approved. As for a
    status update, a value has one live correction at most (pending or approved): once that
    one is returned, the value may be corrected again.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid:
    also when another correction of the same value was recorded a moment earlier."""
    # The indicator's lock makes values and decisions of it take turns, as a commitment's
    # lock does for its status updates: of two corrections of one value recorded at the same
    # moment, the second sees the first in clean() and is refused.
    Indicator.objects.select_for_update().filter(pk=indicator.pk).values_list("pk").get()
    observation = IndicatorValue(
        indicator=indicator,
        author=author,
        value=value,
        qualifier=qualifier or IndicatorValue.Qualifier.EXACTLY,
        as_of=as_of,
        period_start=period_start,
        period_end=period_end,
        evidence_url=evidence_url,
        evidence_source=(evidence_source or "").strip(),
        confidence=confidence,
        corrects=corrects,
        created_at=timezone.now(),
    )
    observation.full_clean()
    observation.save(force_insert=True)
    if not settings.REVIEW_REQUIRED:
        observation.review = IndicatorValueReview.objects.create(
            value=observation,
            decision=IndicatorValueReview.Decision.APPROVE,
            decided_at=observation.created_at,
        )
    return observation


class OwnValue(ReviewRefused):
    """Four eyes: nobody decides on a value they recorded, superusers included."""

    def __init__(self, observation):
        super().__init__(
            f"You recorded value #{observation.pk}: another reviewer must decide on it (four eyes)."
        )


class ValueAlreadyDecided(ReviewRefused):
    """A value has at most one decision."""

    def __init__(self, observation, review=None):
        review = review or IndicatorValueReview.objects.get(value=observation)
        super().__init__(
            f"Value #{observation.pk} was already {review.get_decision_display().lower()} on "
            f"{review.decided_at:%d %b %Y %H:%M}: a decision is final. Answer a returned value "
            "with a new value."
        )
        self.review = review


@transaction.atomic
def approve_or_return_indicator_value(
    observation: IndicatorValue, *, reviewer, decision: str, comment: str = ""
) -> IndicatorValueReview:
    """Records a reviewer's decision on a pending indicator value, as approve_or_return does
    on a status update: approval makes it count (the indicator's latest value and progress
    follow its standing values), a return needs a comment and changes nothing readers see.

    Raises OwnValue for its author, ValueAlreadyDecided when it has a decision (also when
    another reviewer decides at the same moment: exactly one wins), and ValidationError for a
    decision without what it needs; nothing is written then."""
    if reviewer is not None and observation.author_id == reviewer.pk:
        raise OwnValue(observation)
    if decision not in IndicatorValueReview.Decision.values:
        raise ValidationError({"decision": "Decide to approve or to return the value."})
    comment = (comment or "").strip()
    if decision == IndicatorValueReview.Decision.RETURN and not comment:
        raise ValidationError(
            {
                "comment": "Say why the value is returned, so that its author can record a better one."
            }
        )
    Indicator.objects.select_for_update().filter(pk=observation.indicator_id).values_list(
        "pk"
    ).get()
    if existing := IndicatorValueReview.objects.filter(value=observation).first():
        raise ValueAlreadyDecided(observation, existing)
    review = IndicatorValueReview(
        value=observation,
        decision=decision,
        reviewer=reviewer,
        comment=comment,
        decided_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as error:  # decided by another process between the check and here
        raise ValueAlreadyDecided(observation) from error
    observation.review = review
    return review


def _what_a_correction_replaces(corrects):
    """The update a correction stands in for. Answering a returned correction is correcting
    what that correction tried to correct: the returned one never counted, so the new one
    must replace the update it was meant to replace (StatusUpdateQuerySet.unanswered counts it
    as the answer all the same)."""
    while (
        corrects is not None
        and corrects.corrects_id is not None
        and corrects.review_state == ReviewState.RETURNED
    ):
        corrects = corrects.corrects
    return corrects


@transaction.atomic
def approve_or_return(
    update: StatusUpdate, *, reviewer, decision: str, comment: str = ""
) -> Review:
    """Records a reviewer's decision on a pending update. Approval makes the update count: the
    commitment's current status becomes that of its newest standing update (latest as-of date,
    ties going to the latest recorded), so approving an older assessment never overtakes a
    newer approved one, and an approved correction replaces the update it corrects. A return
    needs a comment, and changes nothing that readers see.

    Raises OwnUpdate for the update's author (whoever they are), AlreadyDecided when it has a
    decision (also when another reviewer decides at the same moment: exactly one wins), and
    ValidationError for a decision without what it needs; nothing is written then.
    """
    if reviewer is not None and update.author_id == reviewer.pk:
        raise OwnUpdate(update)
    if decision not in Review.Decision.values:
        raise ValidationError({"decision": "Decide to approve or to return the update."})
    comment = (comment or "").strip()
    if decision == Review.Decision.RETURN and not comment:
        raise ValidationError(
            {"comment": "Say why the update is returned, so that its author can revise it."}
        )
    # The commitment's lock makes two decisions on its updates take turns: the second sees the
    # first one's review and is refused, and the current status is derived once per decision.
    locked = Commitment.objects.select_for_update().get(pk=update.commitment_id)
    if existing := Review.objects.filter(update=update).first():
        raise AlreadyDecided(update, existing)
    review = Review(
        update=update,
        decision=decision,
        reviewer=reviewer,
        comment=comment,
        decided_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as error:  # decided by another process between the check and here
        raise AlreadyDecided(update) from error
    update.review = review
    if decision == Review.Decision.APPROVE:
        _refresh_current_status(locked, update.commitment, approved_at=review.decided_at)
    return review


def _refresh_current_status(locked, commitment, *, approved_at):
    """Sets a commitment's current status from its newest standing update (none: not
    assessed). `last_update_at` is when its approved history last changed: approval is when
    an update becomes public."""
    newest = StatusUpdate.objects.newest_standing(locked).first()
    current = {
        "current_status": newest.status if newest else Status.NOT_ASSESSED,
        "current_progress": newest.progress if newest else None,
        "current_as_of": newest.as_of if newest else None,
        "last_update_at": approved_at,
    }
    summary = Value(newest.summary if newest else "")
    Commitment.objects.filter(pk=locked.pk).update(**current, **_searched_by(summary))
    for field, value in current.items():
        setattr(commitment, field, value)


def _searched_by(summary, **values):
    """The search vector to write with the commitment's other columns, in the same statement
    (PostgreSQL's data-version trigger fires per statement: a statement of its own would move
    the version without anything readers see changing). Nothing on other databases, whose
    search reads the columns (CommitmentQuerySet.search)."""
    if connection.vendor != "postgresql":
        return {}
    return {"search_vector": search_vector(summary, **values)}


def _current_summary():
    """The summary of the update that gives the commitment of the outer query its current
    status."""
    return Subquery(StatusUpdate.objects.newest_standing(OuterRef("pk")).values("summary")[:1])


class ImportResult(NamedTuple):
    updates: int
    commitments: int
    # When the first and the last row were recorded: the import's rows are the author's
    # recorded in between.
    first_recorded_at: datetime.datetime
    last_recorded_at: datetime.datetime


def import_status_updates(table: Table, *, author, progress=None) -> ImportResult:
    """Appends every row of a CSV table (commitments.imports.read_csv) to the status history,
    all or nothing, pending review like any update. With REVIEW_REQUIRED off the rows are
    approved on submission, and each commitment it touches is left with the current status
    that record_status_update, called row by row in file order, would have given it.

    Every row is recorded by `author` at the time of the import, one microsecond apart in file
    order, as if recorded one after another: between rows of a commitment with the same as-of
    date the later in the file wins, and the feed, whose cursor pages by recording time, keeps
    a distinct place for each row.

    Raises commitments.imports.ImportRefused, with nothing written, when any row is invalid.
    `progress(step, done, total)`, when given, is called as the rows are checked and written.
    """
    updates = check_rows(table, progress=progress)
    commitment_ids = sorted(set(updates.commitment_id))
    with transaction.atomic():
        # Locked as record_status_update locks one, and in id order so that two imports that
        # share commitments take turns instead of deadlocking.
        locked = Commitment.objects.select_for_update().filter(pk__in=commitment_ids)
        list(locked.order_by("pk").values_list("pk", flat=True))
        started = timezone.now()
        recorded_at = [
            started + datetime.timedelta(microseconds=row) for row in range(len(updates))
        ]
        # psycopg2 refuses COPY while a wait callback is registered: serving processes, with
        # their client-side deadlines (commitments.db_deadlines), INSERT the admin's imports,
        # which are small (ADMIN_IMPORT_MAX_BYTES); `manage.py import_updates` has no deadline.
        copy = connection.vendor == "postgresql" and not db_deadlines.installed()
        write = _copy if copy else _insert
        write(updates, author=author, recorded_at=recorded_at, progress=progress)
        if not settings.REVIEW_REQUIRED:
            _approve_on_submission(commitment_ids, author=author, since=started)
            _derive_current_status(commitment_ids, last_update_at=recorded_at[-1])
    return ImportResult(len(updates), len(commitment_ids), recorded_at[0], recorded_at[-1])


def _approve_on_submission(commitment_ids, *, author, since):
    """With review off, the rows just imported are approved as they were recorded, in one
    statement: the import's rows are `author`'s, of these commitments, recorded from `since`
    on and not yet reviewed (the commitments are locked, so no other import adds to them)."""
    review_table = connection.ops.quote_name(Review._meta.db_table)
    rows = (
        StatusUpdate.objects.filter(
            commitment_id__in=commitment_ids, author=author, created_at__gte=since
        )
        .pending()
        .values_list("pk", Value(Review.Decision.APPROVE), Value(""), "created_at")
    )
    select, params = rows.query.sql_with_params()
    columns = ", ".join(
        connection.ops.quote_name(Review._meta.get_field(name).column)
        for name in ["update", "decision", "comment", "decided_at"]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {review_table} ({columns}) {select}", params)


class AlreadyImported(Exception):
    """The confirmation of an admin import was used already: its file is in."""


def import_confirmed(table: Table, *, author, token: str) -> ImportResult:
    """import_status_updates for the admin's confirmation of a dry run, once per `token`:
    the receipt and the rows are written in one transaction, and a second confirmation with the
    same token (a double click, two tabs, at the same moment or later) raises AlreadyImported
    with nothing written."""
    try:
        with transaction.atomic():
            receipt = ImportReceipt.objects.create(token=token, user=author, updates=0)
            result = import_status_updates(table, author=author)
            ImportReceipt.objects.filter(pk=receipt.pk).update(updates=result.updates)
    except IntegrityError as error:
        if ImportReceipt.objects.filter(token=token).exists():
            raise AlreadyImported from error
        raise
    return result


# Rows written at a time, and between two calls of a progress callback.
WRITE_CHUNK = 10_000
_IMPORT_FIELDS = [*NewUpdates.field_names(), "author_id", "created_at"]


def _columns(names):
    meta = StatusUpdate._meta
    return ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in names)


def _texts(values, convert=str):
    """The values converted, each distinct one once."""
    converted = {value: convert(value) for value in set(values)}
    return map(converted.__getitem__, values)


def _copy(updates, *, author, recorded_at, progress):
    """PostgreSQL: the rows through COPY, the fastest way in, sent a chunk at a time."""
    table = connection.ops.quote_name(StatusUpdate._meta.db_table)
    sql = f"COPY {table} ({_columns(_IMPORT_FIELDS)}) FROM STDIN"
    columns = [
        _texts(updates.commitment_id),
        updates.status,
        _texts(updates.progress, lambda percent: r"\N" if percent is None else str(percent)),
        _texts(updates.as_of, datetime.date.isoformat),
        _copy_escaped(updates.summary),
        _copy_escaped(updates.evidence_url),
        _copy_escaped(updates.evidence_source),
        updates.confidence,
        repeat(str(author.pk)),
        map(datetime.datetime.isoformat, recorded_at),
    ]
    lines = map("\t".join, zip(*columns, strict=False))  # the author repeats without end
    # copy_expert is psycopg2's own; its errors are made Django's as a query's would be.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(sql, _CopyChunks(lines, len(updates), progress))


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": r"\\", "\t": r"\t", "\n": r"\n", "\r": r"\r"})


def _copy_escaped(texts):
    """Texts escaped for COPY's text format, where a tab ends a value and a newline a row."""
    return map(_copy_escape, texts)


def _copy_escape(text):
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


class _CopyChunks:
    """A file for COPY to read: the rows, a chunk of lines at each read."""

    def __init__(self, lines, total, progress):
        self.lines, self.total, self.progress = lines, total, progress
        self.done = 0

    def read(self, size=-1):
        chunk = list(islice(self.lines, WRITE_CHUNK))
        if not chunk:
            return ""
        self.done += len(chunk)
        if self.progress:
            self.progress("writing", self.done, self.total)
        chunk.append("")
        return "\n".join(chunk)


def _insert(updates, *, author, recorded_at, progress):
    """SQLite, and PostgreSQL without COPY: one INSERT statement, executed for every row."""
    table = connection.ops.quote_name(StatusUpdate._meta.db_table)
    placeholders = ", ".join(["%s"] * len(_IMPORT_FIELDS))
    sql = f"INSERT INTO {table} ({_columns(_IMPORT_FIELDS)}) VALUES ({placeholders})"
    columns = updates.columns()
    columns[NewUpdates.field_names().index("as_of")] = _texts(
        updates.as_of, connection.ops.adapt_datefield_value
    )
    created_at = map(connection.ops.adapt_datetimefield_value, recorded_at)
    rows = zip(*columns, repeat(author.pk), created_at, strict=False)
    with connection.cursor() as cursor:
        cursor.executemany(sql, _reporting(rows, len(updates), progress))


def _reporting(rows, total, progress):
    """The rows, telling `progress` every WRITE_CHUNK rows as they are consumed."""
    if not progress:
        yield from rows
        return
    for done, row in enumerate(rows, start=1):
        yield row
        if not done % WRITE_CHUNK or done == total:
            progress("writing", done, total)


def _derive_current_status(commitment_ids, *, last_update_at):
    """Sets each commitment's current status from its standing history (what no correction
    replaced): the update with the latest as-of date, ties going to the latest recorded (and
    then the highest id), which is the state record_status_update keeps one update at a time.
    Its last-update time is the end of the import, when its last row was recorded give or take
    the import's fraction of a second: finding each one's own last row would read the history
    of every commitment again.

    One statement on every database. Its subqueries are a few reads of statusupdate_history_idx
    per commitment, however long its history, where a DISTINCT ON over the history would read all
    of it at every import."""
    latest = StatusUpdate.objects.newest_standing(OuterRef("pk"))
    Commitment.objects.filter(pk__in=commitment_ids).update(
        current_status=Subquery(latest.values("status")[:1]),
        current_progress=Subquery(latest.values("progress")[:1]),
        current_as_of=Subquery(latest.values("as_of")[:1]),
        last_update_at=last_update_at,
        **_searched_by(Subquery(latest.values("summary")[:1])),
    )


@unique_violations_refused()
@transaction.atomic
def save_commitment(
    commitment: Commitment,
    *,
    expected_version: int | None = None,
    fields=COMMITMENT_EDITABLE_FIELDS,
    themes=None,
    places=None,
    partners=None,
    lead_partners=None,
    validated=False,
    created_at=None,
) -> Commitment:
    """Creates a commitment, or saves the edits made to one and moves its version on by one.
    A new one is created now, or at `created_at`: when it came to stand (load_roadmap gives
    the day its document adopted it).

    With `expected_version`, the edit is refused with StaleVersion when someone else saved the
    commitment since the editor read that version: no edit silently overwrites another.
    Only `fields` are written (by default the editable ones; an API edit names just those it
    changes), so an edit never overwrites the current status that a status update recorded in
    the meantime, nor a field someone else changed. Themes, places and partners are replaced when
    given; a partner that stays keeps its role. `lead_partners`, when given, are the partners
    that lead (each must be among the partners, given or current), and every other one
    supports. The save is one entry in the commitment's history, whatever it changed.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid;
    `validated=True` skips the check for a caller that has just run it. A code that someone else
    took between the check and the write is refused the same way (integrity.UniqueViolation).
    """
    if not validated:
        # An owner is chosen among active staff; one who has left since stays the owner of
        # record until an editor chooses another, and does not block edits of other fields.
        keeps_owner = not commitment._state.adding and "owner" not in fields
        commitment.full_clean(
            exclude=["themes", "places", "partners", *(["owner"] if keeps_owner else [])]
        )
    roles = None
    if partners is not None or lead_partners is not None:
        roles = _partner_roles(commitment, partners, lead_partners)
    adding = commitment._state.adding
    # One entry in the commitment's history for the whole save, its tags included: left to
    # itself, simple_history writes one for the row and one more for each tag field set.
    commitment.skip_history_when_saving = True
    try:
        _save_commitment_rows(
            commitment, expected_version, fields, themes, places, roles, created_at
        )
    finally:
        del commitment.skip_history_when_saving
    post_save.send(
        sender=Commitment, instance=commitment, created=adding, using=commitment._state.db
    )
    return commitment


def _pk(row):
    return row if isinstance(row, int) else row.pk


def _partner_roles(commitment, partners, lead_partners):
    """The commitment's partners after the save, {partner id: role}, with `_current` (what
    they are now) kept on the side. Raises ValidationError when a lead is not a partner."""
    current = {}
    if not commitment._state.adding:
        current = dict(
            CommitmentPartner.objects.filter(commitment=commitment).values_list(
                "partner_id", "role"
            )
        )
    ids = set(current) if partners is None else {_pk(partner) for partner in partners}
    if lead_partners is None:
        leads = {pk for pk, role in current.items() if role == PartnerRole.LEAD} & ids
    else:
        leads = {_pk(partner) for partner in lead_partners}
    if strays := leads - ids:
        slugs = sorted(Partner.objects.filter(pk__in=strays).values_list("slug", flat=True))
        raise ValidationError(
            {
                "lead_partners": f"A lead partner must be one of the commitment's partners: "
                f"{', '.join(slugs)} is not."
            }
        )
    roles = {pk: PartnerRole.LEAD if pk in leads else PartnerRole.SUPPORT for pk in ids}
    return roles, current


def _set_partners(commitment, roles, current):
    """Writes only what changes: links removed, roles changed, links added."""
    links = CommitmentPartner.objects.filter(commitment=commitment)
    if gone := set(current) - set(roles):
        links.filter(partner_id__in=gone).delete()
    changed = {pk: role for pk, role in roles.items() if pk in current and current[pk] != role}
    for role in set(changed.values()):
        links.filter(partner_id__in=[pk for pk in changed if changed[pk] == role]).update(role=role)
    CommitmentPartner.objects.bulk_create(
        CommitmentPartner(commitment=commitment, partner_id=pk, role=role)
        for pk, role in roles.items()
        if pk not in current
    )


# What a commitment's search vector is made of, besides the current summary.
_SEARCHED_FIELDS = {"code", "title", "text"}


def _save_commitment_rows(
    commitment, expected_version, fields, themes, places, roles, created_at=None
):
    now = timezone.now()
    if commitment._state.adding:
        commitment.created_at, commitment.updated_at = created_at or now, now
        # A new commitment has no status update, so no summary yet.
        searched = _searched_by(
            Value(""), **{name: Value(getattr(commitment, name)) for name in _SEARCHED_FIELDS}
        )
        _save_with(commitment, searched, force_insert=True)
    else:
        # The row lock makes concurrent edits of one commitment take turns, so exactly one of
        # two editors holding the same version wins.
        current = Commitment.objects.select_for_update().values_list("version", flat=True)
        current_version = current.get(pk=commitment.pk)
        if expected_version is not None and expected_version != current_version:
            raise StaleVersion(current_version)
        commitment.version = current_version + 1
        commitment.updated_at = now
        searched = {}
        if changed := _SEARCHED_FIELDS & set(fields):
            # An UPDATE's expressions read the row as it was: what it changes goes in as values.
            new = {name: Value(getattr(commitment, name)) for name in changed}
            searched = _searched_by(_current_summary(), **new)
        _save_with(
            commitment, searched, update_fields=[*fields, "updated_at", "version", *searched]
        )
    for name, values in [("themes", themes), ("places", places)]:
        if values is not None:
            getattr(commitment, name).set(values)
    if roles is not None:
        _set_partners(commitment, *roles)


def _save_with(commitment, expressions, **save):
    """Saves the commitment with these fields set to expressions that the database computes.
    Their values are the database's afterwards: the fields are left deferred, read again if
    ever asked for, rather than holding an expression that a later save would run again."""
    for name, expression in expressions.items():
        setattr(commitment, name, expression)
    commitment.save(**save)
    for name in expressions:
        delattr(commitment, name)


class RemindersInterrupted(Exception):
    """The mail server refused or failed a reminder: those before it were sent (and recorded),
    this one and those after it were not."""

    def __init__(self, sent, failed, error):
        super().__init__(f"Could not send the reminder to {failed.user.email}: {error}")
        self.sent, self.failed, self.error = sent, failed, error


def send_reminders(reminders, *, today) -> list:
    """Emails each of `reminders` (selectors.reminders_due) and records it as sent on `today`,
    one person at a time over one connection to the mail server. A person's record is written
    just before their email goes out, and taken back if the server refuses it; a reminder
    recorded by another run in the meantime is not sent again (the database's unique constraint
    decides between two runs). Returns the reminders sent.

    Raises RemindersInterrupted, naming those already sent, when the mail server fails; the
    others can be sent by running again on the same day. Reminders already sent today, or to a
    person without an email address, are the caller's to leave out."""
    sent = []
    if not reminders:
        return sent
    reminder = reminders[0]
    try:
        with mail.get_connection() as connection:
            for reminder in reminders:
                # Reserved first, in a transaction of its own: no write lock is held while the
                # mail server takes its time (EMAIL_TIMEOUT), which on SQLite would keep every
                # other writer waiting. A reservation whose email fails is taken back.
                try:
                    with transaction.atomic():
                        record = ReminderSent.objects.create(
                            user=reminder.user,
                            sent_on=today,
                            sent_at=timezone.now(),
                            commitments=len(reminder.due),
                            pending_updates=len(reminder.pending),
                        )
                except IntegrityError:
                    continue  # another run reminded this person today
                try:
                    reminder_message(reminder, today=today, connection=connection).send()
                except BaseException:
                    record.delete()
                    raise
                sent.append(reminder)
    except (smtplib.SMTPException, OSError) as error:
        raise RemindersInterrupted(sent, reminder, error) from error
    return sent
