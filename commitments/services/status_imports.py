"""Importing status updates from a CSV table, all or nothing (COPY on PostgreSQL, INSERT
elsewhere), with the evidence its rows cite, approved on submission when review is off, each
file once, and the admin's once-only confirmation. Reading and checking the file is
commitments.imports'; one update at a time is assessments'.
"""

import datetime
import re
import secrets
from itertools import islice, repeat
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commitments import db_deadlines
from commitments.imports import GivenEvidence, NewUpdates, Table, check_rows, refuse_if_imported
from commitments.models import (
    Commitment,
    EventType,
    Evidence,
    ImportReceipt,
    Releasability,
    Review,
    Status,
    StatusUpdate,
    StatusUpdateEvidence,
)
from commitments.services.commitments import _searched_by, public_standing
from commitments.services.dependencies import record_slips, troubled_pairs, watch_for_slips
from commitments.services.events import record_changes


class ImportResult(NamedTuple):
    updates: int
    commitments: int
    # When the first and the last row were recorded: the import's rows are the author's
    # recorded in between.
    first_recorded_at: datetime.datetime
    last_recorded_at: datetime.datetime


def import_status_updates(table: Table, *, author, token=None, progress=None) -> ImportResult:
    """Appends every row of a CSV table (commitments.imports.read_csv) to the status history,
    all or nothing, pending review like any update. With REVIEW_REQUIRED off the rows are
    approved on submission, and each commitment it touches is left with the current status
    that record_status_update, called row by row in file order, would have given it.

    Every row is recorded by `author` at the time of the import, one microsecond apart in file
    order, as if recorded one after another: between rows of a commitment with the same as-of
    date the later in the file wins, and the feed, whose cursor pages by recording time, keeps
    a distinct place for each row.

    The file is imported once: its receipt (ImportReceipt), with its SHA-256 and `token` (the
    admin's dry run's, or a new one), is written with the rows.

    Each row is marked as its `releasability` cell says (RELEASABILITY_DEFAULT_STATUSUPDATE when
    empty), no narrower than `author`'s clearance, as record_status_update marks an update.
    It cites the evidence its `evidence` cell names, and a new piece of evidence for its
    evidence_url and evidence_source, if it gives them (commitments.imports.GivenEvidence): a
    few statements for the whole file (_cite), none when no row cites any.

    Raises commitments.imports.ImportRefused, with nothing written, when any row is invalid or
    the file was imported already, were it by another import at the same moment; and
    AlreadyImported when a receipt has `token` already.
    `progress(step, done, total)`, when given, is called as the rows are checked and written.
    """
    updates = check_rows(table, importer=author, progress=progress)
    commitment_ids = sorted(set(updates.commitment_id))
    try:
        return _import_checked(
            table, updates, commitment_ids, author=author, token=token, progress=progress
        )
    except IntegrityError:
        # The receipt's unique SHA-256 or token: another import of the file committed first.
        _refuse_if_token_used(token)
        refuse_if_imported(table)
        raise


def _import_checked(table, updates, commitment_ids, *, author, token, progress):
    with transaction.atomic():
        # First: a second import of the same file waits here, on the receipt's unique index,
        # until this one ends, and then fails.
        ImportReceipt.objects.create(
            token=token or secrets.token_urlsafe(16),
            sha256=table.sha256,
            user=author,
            updates=len(updates),
        )
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
        _cite(table, updates, commitment_ids, author=author, recorded_at=recorded_at)
        before = {}
        if not settings.REVIEW_REQUIRED:
            imported = StatusUpdate.objects.filter(
                commitment_id__in=commitment_ids, author=author, created_at__gte=started
            )
            # Approved as they are imported, they may make commitments slip: what those read
            # before (services.dependencies), for the commitments that others depend on.
            before = watch_for_slips(troubled_pairs(imported))
            _approve_on_submission(commitment_ids, author=author, since=started)
            # The stored current status is the public's: rows marked narrower leave it as it is.
            publicly_assessed = {
                pk
                for pk, marking in zip(updates.commitment_id, updates.releasability, strict=True)
                if marking == Releasability.PUBLIC
            }
            if publicly_assessed:
                _derive_current_status(sorted(publicly_assessed))
        _record_events(commitment_ids, author=author, since=started)
        if before:
            watched = imported.filter(commitment_id__in={pk for pk, _ in before})
            record_slips(before, set(watched.values_list("pk", flat=True)))
    return ImportResult(len(updates), len(commitment_ids), recorded_at[0], recorded_at[-1])


# Pieces of evidence and citations written at a time.
EVIDENCE_CHUNK = 2000


def _cite(table, updates, commitment_ids, *, author, recorded_at):
    """Writes the citations of the rows just written (NewUpdates.cited), in order, and first
    the pieces of evidence rows give as a URL and a source: one piece for each distinct one
    (the same URL, source, date and marking), recorded when the import started. The rows are
    found again by when each was recorded (one microsecond apart, in file order). Nothing, and
    no query, when no row cites any evidence."""
    if not any(updates.evidence_cited):
        return
    given = {}
    for line, cited in zip(table.lines, updates.cited, strict=True):
        for entry in cited:
            if isinstance(entry, GivenEvidence) and entry not in given:
                given[entry] = entry.piece(
                    author=author,
                    recorded_at=recorded_at[0],
                    summary=f"Given as evidence_url and evidence_source in {table.name}, "
                    f"line {line}; not graded.",
                )
    Evidence.objects.bulk_create(given.values(), batch_size=EVIDENCE_CHUNK)
    row_of = {moment: row for row, moment in enumerate(recorded_at)}
    written = StatusUpdate.objects.filter(
        commitment_id__in=commitment_ids,
        author=author,
        created_at__gte=recorded_at[0],
        evidence_cited__gt=0,
    ).values_list("created_at", "pk")
    citations = (
        StatusUpdateEvidence(
            update_id=pk,
            evidence_id=given[entry].pk if isinstance(entry, GivenEvidence) else entry,
            position=position,
        )
        for moment, pk in list(written)
        for position, entry in enumerate(updates.cited[row_of[moment]])
    )
    # A citation is checked against its update's evidence_cited by a trigger: each row's are
    # inserted after the row itself.
    StatusUpdateEvidence.objects.bulk_create(citations, batch_size=EVIDENCE_CHUNK)


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


# Imported updates told in the events stream at a time: one query reads and represents them.
EVENTS_CHUNK = 2000


def _record_events(commitment_ids, *, author, since):
    """One event per imported update, in file order, as record_status_update tells one:
    submitted, or approved when review is off. Represented and inserted a chunk at a time, so
    that an import of any size holds one chunk's events in memory. The import's rows are
    selected as _approve_on_submission selects them."""
    event_type = (
        EventType.UPDATE_SUBMITTED if settings.REVIEW_REQUIRED else EventType.UPDATE_APPROVED
    )
    imported = StatusUpdate.objects.filter(
        commitment_id__in=commitment_ids, author=author, created_at__gte=since
    ).order_by("pk")
    after = 0
    while True:
        chunk = dict(
            imported.filter(pk__gt=after).values_list("pk", "commitment_id")[:EVENTS_CHUNK]
        )
        if chunk:
            record_changes(event_type, StatusUpdate, chunk)
        if len(chunk) < EVENTS_CHUNK:
            return
        after = max(chunk)


class AlreadyImported(Exception):
    """The confirmation of an admin import was used already: its file is in."""


def import_confirmed(table: Table, *, author, token: str) -> ImportResult:
    """import_status_updates for the admin's confirmation of a dry run, once per `token`: a
    second confirmation with the same token (a double click, two tabs, at the same moment or
    later) raises AlreadyImported with nothing written, rather than the refusal of a file
    imported already."""
    _refuse_if_token_used(token)
    return import_status_updates(table, author=author, token=token)


def _refuse_if_token_used(token):
    if token is not None and ImportReceipt.objects.filter(token=token).exists():
        raise AlreadyImported


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
        _texts(updates.evidence_cited),
        updates.confidence,
        updates.releasability,
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


def _derive_current_status(commitment_ids):
    """Sets each commitment's current status from its standing public history (what no public
    correction replaced: services.commitments.public_standing): the update with the latest as-of date, ties going to the latest recorded (and
    then the highest id), which is the state record_status_update keeps one update at a time,
    with when that update was recorded and approved.

    One statement on every database. Its subqueries are a few reads of statusupdate_history_idx
    per commitment, however long its history, where a DISTINCT ON over the history would read all
    of it at every import."""
    latest = public_standing(OuterRef("pk"))
    Commitment.objects.filter(pk__in=commitment_ids).update(
        # (Not assessed where the public reads no standing update: never NULL.)
        current_status=Coalesce(Subquery(latest.values("status")[:1]), Value(Status.NOT_ASSESSED)),
        current_progress=Subquery(latest.values("progress")[:1]),
        current_as_of=Subquery(latest.values("as_of")[:1]),
        last_recorded_at=Subquery(latest.values("created_at")[:1]),
        last_approved_at=Subquery(latest.values("review__decided_at")[:1]),
        **_searched_by(Subquery(latest.values("summary")[:1])),
    )
