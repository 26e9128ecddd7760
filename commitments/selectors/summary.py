"""The Roadmap counted by current status: the summary per pillar and overall, the same counts
and states on past days as known on a day (one as-of SQL query), what changed between two
dates, and the timeline by month or quarter. Not the briefing pack, which builds on these.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connections, router
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.expressions import RawSQL

from commitments.models import (
    Commitment,
    Evidence,
    Pillar,
    Releasability,
    Status,
    StatusUpdate,
    StatusUpdateEvidence,
    change_between,
    end_of_day,
    stale_q,
)
from commitments.selectors.raw_sql import _aware, _date


@dataclass
class StatusCounts:
    """Commitments of a group (a pillar, or the whole Roadmap) by current status."""

    total: int = 0
    by_status: dict = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    stale: int = 0
    progress_sum: int = 0
    progress_reported: int = 0
    # Commitments whose current assessment cites evidence graded at least B2: counted by
    # roadmap_summary's current read only (None: not counted).
    on_b2_evidence: int | None = None

    @property
    def average_progress(self):
        if not self.progress_reported:
            return None
        # Half up, as a dashboard in JavaScript (Math.round) would round it too.
        mean = Decimal(self.progress_sum) / Decimal(self.progress_reported)
        return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def count(self, state):
        """Adds one commitment as it stood (a CommitmentState)."""
        self.total += 1
        self.by_status[state.status] += 1
        self.stale += int(state.stale)
        if state.progress is not None:
            self.progress_sum += state.progress
            self.progress_reported += 1

    def add(self, row):
        self.total += row["total"]
        self.by_status[row["status"]] += row["total"]
        self.stale += row["stale"]
        self.progress_sum += row["progress_sum"] or 0
        self.progress_reported += row["progress_reported"]
        if "on_b2_evidence" in row and self.on_b2_evidence is not None:
            self.on_b2_evidence += row["on_b2_evidence"]


@dataclass
class RoadmapSummary:
    overall: StatusCounts
    pillars: list  # of Pillar, in display order, each with its `status_counts`
    latest_update_at: object


# The grade the summary counts current assessments resting on (assessed_on_b2_evidence).
SUMMARY_GRADE = "B2"


def rests_on_evidence(grade, clearance, when=None):
    """Whether the outer commitment's current assessment (its newest standing update; on
    `when`, a PointInTime, the update in effect then as known then) cites a piece of evidence
    graded at least `grade` that `clearance` may read: for Exists()."""
    readable = StatusUpdate.objects.readable_by(clearance)
    if when is None:
        current = readable.newest_standing(OuterRef(OuterRef("pk")))
    else:
        current = readable.in_effect_on(when.as_of, when.known_on).filter(
            commitment=OuterRef(OuterRef("pk"))
        )
    current = current.values("pk")[:1]
    return Exists(
        StatusUpdateEvidence.objects.filter(
            update=Subquery(current),
            evidence__in=Evidence.objects.at_least(grade).readable_by(clearance),
        )
    )


def roadmap_summary(
    commitments=None, today=None, *, when=None, clearance=Releasability.PUBLIC
) -> RoadmapSummary:
    """Counts by current status, average progress and staleness, per pillar and overall, of
    `commitments`: a queryset of them, filtered or not (all of them by default). Two queries
    (three on a past day: rests_on_evidence),
    whatever the filters: the pillars, every one of them even when none of its commitments is
    counted, and the commitments grouped by pillar and status.

    `when`, a PointInTime: the same counts on its date, as known on its day (status_counts_on;
    `commitments` then only choose which are counted, and may be an as_of() queryset; what
    rests on B2 evidence is counted overall only then), from the status updates a reader of
    `clearance` may read, and the evidence they may read. Without `when`, the stored current
    status, which is the public's: a cleared reader's counts of today are those on today's
    date (the API's views give them `when`)."""
    if commitments is None:
        commitments = Commitment.objects.all()
    if when is not None:
        rows = status_counts_on(
            commitments, [when.as_of], known_on=when.known_on, clearance=clearance
        )
        # Which of them rest on B2 evidence then: a query of its own, the counts being SQL
        # the timeline shares.
        on_b2_evidence = (
            commitments.filter(created_at__lt=end_of_day(when.as_of))
            .filter(rests_on_evidence(SUMMARY_GRADE, clearance, when))
            .count()
        )
    else:
        on_b2_evidence = None
        rows = (
            commitments.order_by()
            .values("pillar_id", status=F("current_status"))
            .annotate(
                total=Count("pk"),
                stale=Count("pk", filter=stale_q(today)),
                progress_sum=Sum("current_progress"),
                progress_reported=Count("current_progress"),
                latest=Max("last_recorded_at"),
                on_b2_evidence=Count("pk", filter=Q(rests_on_evidence(SUMMARY_GRADE, clearance))),
            )
        )
    pillars = {
        pillar.pk: pillar
        for pillar in Pillar.objects.order_by("display_order", "name").only(
            "slug", "name", "description", "display_order"
        )
    }
    # By pillar too on a current read, with the rest of the row; overall only on a past day's.
    for pillar in pillars.values():
        pillar.status_counts = StatusCounts(on_b2_evidence=0 if when is None else None)
    overall = StatusCounts(on_b2_evidence=0 if when is None else on_b2_evidence)
    latest = None
    for row in rows:
        # A pillar added between the two queries is left out of this summary, not a KeyError.
        if (pillar := pillars.get(row["pillar_id"])) is not None:
            pillar.status_counts.add(row)
        overall.add(row)
        if row["latest"] and (latest is None or row["latest"] > latest):
            latest = row["latest"]
    return RoadmapSummary(overall=overall, pillars=list(pillars.values()), latest_update_at=latest)


def _on_this_database(sql_postgresql, sql_sqlite, using):
    return sql_postgresql if connections[using].vendor == "postgresql" else sql_sqlite


def _states_sql(commitments, days, known_on, using, clearance=Releasability.PUBLIC):
    """SQL and parameters of rows (day, commitment_id, pillar_id, cadence, status, progress,
    as_of, recorded_at): each of `commitments` that existed by the end of each of `days`, with
    its update in effect that day (CommitmentQuerySet.as_of's rule; status and the rest null
    when not assessed). The days are a UNION of literal rows, made here (a bounded list). The
    update in effect is the same queryset as_of() reads, correlated with each commitment and
    day: an index read of statusupdate_history_idx, however long the history. PostgreSQL reads
    it as a LATERAL join; SQLite, which has none, as a subquery of its id joined back by
    primary key (PostgreSQL would rather hash-join a million updates than look up a hundred
    thousand ids). Of the updates a reader of `clearance` may read (RecordQuerySet.readable_by)."""
    ops = connections[using].ops
    postgresql = connections[using].vendor == "postgresql"
    cast_day, cast_end = (
        ("CAST(%s AS date)", "CAST(%s AS timestamp with time zone)") if postgresql else ("%s", "%s")
    )
    dates = " UNION ALL ".join([f"SELECT {cast_day} AS day, {cast_end} AS day_end"] * len(days))
    dates_params = [
        value
        for day in days
        for value in (
            ops.adapt_datefield_value(day),
            ops.adapt_datetimefield_value(end_of_day(day)),
        )
    ]
    newest = (
        StatusUpdate.objects.readable_by(clearance)
        .counting(known_on)
        .filter(commitment_id=RawSQL("tl_c.id", ()), as_of__lte=RawSQL("tl_d.day", ()))
        .order_by(*StatusUpdate._meta.ordering)
    )
    table, updates = Commitment._meta.db_table, StatusUpdate._meta.db_table
    chosen, chosen_params = "", []
    if commitments.query.has_filters():
        chosen_sql, chosen_params = commitments.order_by().values("pk").query.sql_with_params()
        chosen = f" WHERE tl_c.id IN ({chosen_sql})"
    commitment = (
        "tl_d.day AS day, tl_c.id AS commitment_id, tl_c.pillar_id AS pillar_id,"
        " tl_c.update_cadence_days AS cadence"
    )
    update = (
        "tl_u.status AS status, tl_u.progress AS progress, tl_u.as_of AS as_of,"
        " tl_u.created_at AS recorded_at"
    )
    joined = f"({dates}) tl_d JOIN {table} tl_c ON tl_c.created_at < tl_d.day_end"
    if postgresql:
        lateral_sql, lateral_params = newest.values(
            "pk", "status", "progress", "as_of", "created_at"
        )[:1].query.sql_with_params()
        sql = (
            f"SELECT {commitment}, {update} FROM {joined}"
            f" LEFT JOIN LATERAL ({lateral_sql}) tl_u ON TRUE{chosen}"
        )
        return sql, [*dates_params, *lateral_params, *chosen_params]
    newest_sql, newest_params = newest.values("pk")[:1].query.sql_with_params()
    inner = f"SELECT {commitment}, ({newest_sql}) AS update_id FROM {joined}{chosen}"
    sql = (
        f"SELECT tl_s.day AS day, tl_s.commitment_id AS commitment_id, tl_s.pillar_id AS pillar_id,"
        f" tl_s.cadence AS cadence, {update}"
        f" FROM ({inner}) tl_s LEFT JOIN {updates} tl_u ON tl_u.id = tl_s.update_id"
    )
    return sql, [*newest_params, *dates_params, *chosen_params]


def _stale_sql(using):
    """Whether a row of _states_sql (tl) was stale on its day: models.stale_q, in SQL."""
    return _on_this_database(
        "tl.as_of IS NULL OR tl.as_of + COALESCE(tl.cadence, %s) < tl.day",
        "tl.as_of IS NULL OR DATE(tl.as_of, '+' || COALESCE(tl.cadence, %s) || ' days') < tl.day",
        using,
    )


def status_counts_on(commitments, days, *, known_on=None, clearance=Releasability.PUBLIC):
    """`commitments` (a queryset: which ones) counted on each of `days` as they stood then
    (CommitmentQuerySet.as_of's rule), by pillar and status: rows of day, pillar_id, status,
    total, stale, progress_sum, progress_reported and latest (the newest recording of an
    update in effect), as roadmap_summary adds them up. One query, whatever the number of
    days and the length of the history."""
    using = router.db_for_read(Commitment)
    states, params = _states_sql(commitments, days, known_on, using, clearance)
    sql = (
        f"SELECT tl.day, tl.pillar_id, COALESCE(tl.status, %s), COUNT(*),"
        f" SUM(CASE WHEN {_stale_sql(using)} THEN 1 ELSE 0 END), SUM(tl.progress),"
        f" COUNT(tl.progress), MAX(tl.recorded_at)"
        f" FROM ({states}) tl"
        # By position: PostgreSQL does not match a parameter of the GROUP BY to the SELECT's.
        f" GROUP BY 1, 2, 3"
    )
    stale_days = settings.STALE_AFTER_DAYS
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [Status.NOT_ASSESSED, stale_days, *params])
        found = cursor.fetchall()
    names = ["day", "pillar_id", "status", "total", "stale", "progress_sum", "progress_reported"]
    rows = []
    for row in found:
        rows.append(dict(zip(names, row[:7], strict=True)))
        rows[-1]["day"] = _date(rows[-1]["day"])
        rows[-1]["latest"] = _aware(row[7]) if row[7] is not None else None
    return rows


def states_on(commitments, days, *, known_on=None, clearance=Releasability.PUBLIC):
    """{(day, commitment id): CommitmentState} of `commitments` on each of `days`
    (CommitmentQuerySet.as_of's rule). One query."""
    using = router.db_for_read(Commitment)
    states, params = _states_sql(commitments, days, known_on, using, clearance)
    sql = (
        f"SELECT tl.day, tl.commitment_id, COALESCE(tl.status, %s), tl.progress, tl.as_of,"
        f" CASE WHEN {_stale_sql(using)} THEN 1 ELSE 0 END FROM ({states}) tl"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [Status.NOT_ASSESSED, settings.STALE_AFTER_DAYS, *params])
        found = cursor.fetchall()
    return {
        (_date(day), commitment_id): CommitmentState(
            status, progress, _date(as_of) if as_of else None, bool(stale)
        )
        for day, commitment_id, status, progress, as_of, stale in found
    }


class CommitmentState(NamedTuple):
    status: str
    progress: int | None
    as_of: object  # a date, or None when not assessed
    stale: bool


@dataclass
class CommitmentChange:
    commitment: dict  # {id, code, title, pillar__slug, pillar__name}
    before: CommitmentState | None  # None: it did not exist yet
    after: CommitmentState
    change: str  # a models.Change
    updates: list = field(default_factory=list)  # rows of the updates dated in between

    @property
    def before_or_unassessed(self):
        return self.before or CommitmentState(Status.NOT_ASSESSED, None, None, True)


@dataclass
class Changes:
    start: datetime.date
    end: datetime.date
    known_on: object
    changes: list  # of CommitmentChange, in the Roadmap's order
    before: StatusCounts
    after: StatusCounts


def changes_between(
    commitments,
    start,
    end,
    *,
    known_on=None,
    update_columns=(),
    standing=False,
    clearance=Releasability.PUBLIC,
):
    """Every one of `commitments` (a queryset) whose status or progress differs between the
    ends of `start` and `end`, or that became stale, as known on `known_on` (now without it):
    how it moved (models.change_between), with its approved updates dated after `start` and
    up to `end` (`update_columns` of them, newest first), which made the difference (with
    `standing`, only those no approved correction had replaced by then: what stands, as the
    states are read); and the counts at both dates. Three queries, whatever the number of
    commitments and of changes: the states at both dates (the counts are added up from them),
    the changed commitments, their updates. Of the updates a reader of `clearance` may read."""
    states = states_on(commitments, [start, end], known_on=known_on, clearance=clearance)
    moved = {}
    for (day, commitment_id), after in states.items():
        if day != end:
            continue
        before = states.get((start, commitment_id))
        change = change_between(
            before and (before.status, before.progress),
            (after.status, after.progress),
            stale_before=before is None or before.stale,
            stale_after=after.stale,
        )
        if change is not None:
            moved[commitment_id] = (before, after, change)
    found = Commitment.objects.filter(pk__in=list(moved)).values(
        "id", "code", "title", "pillar__slug", "pillar__name"
    )
    changes = {}
    for row in found:
        before, after, change = moved[row["id"]]
        changes[row["id"]] = CommitmentChange(row, before, after, change)
    if changes and update_columns:
        readable = StatusUpdate.objects.readable_by(clearance)
        if standing:
            updates = readable.counting(known_on).observed_by(end)
        else:
            updates = readable.approved().observed_by(end, known_on)
        updates = (
            updates.filter(commitment_id__in=list(changes), as_of__gt=start)
            .for_display(known_on)
            .values(*update_columns, "commitment_id")
        )
        for update in updates:
            changes[update["commitment_id"]].updates.append(update)
    # Counted from the states read above, as status_counts_on would count them: a second
    # read of the update in effect of every commitment on both days cost as much again.
    counts = {start: StatusCounts(), end: StatusCounts()}
    for (day, _), state in states.items():
        counts[day].count(state)
    return Changes(
        start=start,
        end=end,
        known_on=known_on,
        changes=list(changes.values()),
        before=counts[start],
        after=counts[end],
    )


# Intervals of whole months; a week is its own (Monday to Sunday, as ISO 8601 counts them).
INTERVAL_MONTHS = {"month": 1, "quarter": 3, "year": 12}
INTERVALS = ["week", *INTERVAL_MONTHS]


def interval_start(day, interval, back=0):
    """The first day of the week, month, quarter or year (`interval`) that holds `day`, or of
    the one `back` intervals before it."""
    if interval == "week":
        return day - datetime.timedelta(days=day.weekday(), weeks=back)
    months = INTERVAL_MONTHS[interval]
    index = day.year * 12 + (day.month - 1) // months * months - back * months
    return datetime.date(index // 12, index % 12 + 1, 1)


def interval_count(start, end, interval):
    """How many weeks, months, quarters or years (`interval`) hold some day from `start` to
    `end`."""
    first, last = interval_start(start, interval), interval_start(end, interval)
    if interval == "week":
        return (last - first).days // 7 + 1
    months = INTERVAL_MONTHS[interval]
    return ((last.year - first.year) * 12 + last.month - first.month) // months + 1


def interval_ends(start, end, interval):
    """The last day of each week, month, quarter or year (`interval`) from the one holding
    `start` to the one holding `end`; the last is `end` itself."""
    ends = []
    for back in range(interval_count(start, end, interval) - 1, 0, -1):
        next_start = interval_start(end, interval, back=back - 1)
        ends.append(next_start - datetime.timedelta(days=1))
    return [*ends, end]


@dataclass
class TimelinePoint:
    day: datetime.date
    counts: StatusCounts


def roadmap_timeline(
    commitments, start, end, interval, *, known_on=None, clearance=Releasability.PUBLIC
):
    """`commitments` (a queryset) counted by status at the end of each interval from
    `start` to `end` (interval_ends), with average progress and staleness, as known on
    `known_on` (now without it). One query (status_counts_on), whatever the number of
    intervals and the length of the history."""
    ends = interval_ends(start, end, interval)
    points = {day: TimelinePoint(day, StatusCounts()) for day in ends}
    for row in status_counts_on(commitments, ends, known_on=known_on, clearance=clearance):
        points[row["day"]].counts.add(row)
    return list(points.values())
