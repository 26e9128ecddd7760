"""Reads that span several tables, shared by the API, the dashboard and the admin.

Each function runs a fixed number of queries, whatever the amount of data.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from commitments import db_router
from commitments.models import (
    FUNDS_KINDS,
    STATUS_COLOURS,
    Commitment,
    Contribution,
    ContributionKind,
    DataVersion,
    Indicator,
    IndicatorValue,
    IndicatorValueReview,
    Partner,
    PartnerRole,
    Pillar,
    Place,
    ReminderSent,
    Review,
    SourceDocument,
    Status,
    StatusUpdate,
    Theme,
    change_between,
    days_overdue,
    end_of_day,
    stale_q,
)


def _related_sql(count):
    """Themes, places, partners (each by name) and children (by code) of `count` commitments,
    as (kind, commitment id, slug or code, name or title, role) rows; the role is a partner's,
    null for the others."""
    ids = ", ".join(["%s"] * count)
    table = Commitment._meta.db_table
    parts = [
        f"SELECT '{kind}', link.commitment_id, tag.slug, tag.name, {role}"
        f" FROM {through._meta.db_table} link"
        f" JOIN {model._meta.db_table} tag ON tag.id = link.{model._meta.model_name}_id"
        f" WHERE link.commitment_id IN ({ids})"
        for kind, model, through, role in [
            ("themes", Theme, Commitment.themes.through, "NULL"),
            ("places", Place, Commitment.places.through, "NULL"),
            ("partners", Partner, Commitment.partners.through, "link.role"),
        ]
    ]
    parts.append(
        f"SELECT 'children', parent_id, code, title, NULL FROM {table} WHERE parent_id IN ({ids})"
    )
    return " UNION ALL ".join(parts), len(parts)


def attach_related(rows):
    """Adds to each of a page of commitment rows (dicts of `.values()`, with their "id") the
    lists of rows related to it, shaped as `.values()` would give them: "themes" and "places"
    ({slug, name}), "partners" ({slug, name}) and "partner_links" ({partner__slug,
    partner__name, role}), "children" ({code, title}). One query, a UNION over the three link
    tables and the children, where one query per relation would take four; the SQL is written
    out, as the ORM's UNION took longer than the query."""
    rows = list(rows)
    if not rows:
        return rows
    by_id = {}
    for row in rows:
        row.update(themes=[], places=[], partners=[], partner_links=[], children=[])
        by_id[row["id"]] = row
    sql, repeat = _related_sql(len(by_id))
    # Where the ORM reads commitments: a replica, for an anonymous read when there are any.
    with connections[router.db_for_read(Commitment)].cursor() as cursor:
        cursor.execute(sql, list(by_id) * repeat)
        found = cursor.fetchall()
    # In each list's order: tags by name (their Meta.ordering), children by code.
    for kind, commitment_id, slug, name, role in sorted(found, key=_related_order):
        row = by_id[commitment_id]
        if kind == "children":
            row["children"].append({"code": slug, "title": name})
        elif kind == "partners":
            row["partners"].append({"slug": slug, "name": name})
            row["partner_links"].append(
                {"partner__slug": slug, "partner__name": name, "role": role}
            )
        else:
            row[kind].append({"slug": slug, "name": name})
    return rows


def _related_order(found):
    kind, _, slug, name, _ = found
    return slug if kind == "children" else name


@dataclass
class StatusCounts:
    """Commitments of a group (a pillar, or the whole Roadmap) by current status."""

    total: int = 0
    by_status: dict = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    stale: int = 0
    progress_sum: int = 0
    progress_reported: int = 0

    @property
    def average_progress(self):
        if not self.progress_reported:
            return None
        # Half up, as a dashboard in JavaScript (Math.round) would round it too.
        mean = Decimal(self.progress_sum) / Decimal(self.progress_reported)
        return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def add(self, row):
        self.total += row["total"]
        self.by_status[row["status"]] += row["total"]
        self.stale += row["stale"]
        self.progress_sum += row["progress_sum"] or 0
        self.progress_reported += row["progress_reported"]


@dataclass
class RoadmapSummary:
    overall: StatusCounts
    pillars: list  # of Pillar, in display order, each with its `status_counts`
    latest_update_at: object


def roadmap_summary(commitments=None, today=None, *, when=None) -> RoadmapSummary:
    """Counts by current status, average progress and staleness, per pillar and overall, of
    `commitments`: a queryset of them, filtered or not (all of them by default). Two queries,
    whatever the filters: the pillars, every one of them even when none of its commitments is
    counted, and the commitments grouped by pillar and status.

    `when`, a PointInTime: the same counts on its date, as known on its day (status_counts_on;
    `commitments` then only choose which are counted, and may be an as_of() queryset)."""
    if commitments is None:
        commitments = Commitment.objects.all()
    if when is not None:
        rows = status_counts_on(commitments, [when.as_of], known_on=when.known_on)
    else:
        rows = (
            commitments.order_by()
            .values("pillar_id", status=F("current_status"))
            .annotate(
                total=Count("pk"),
                stale=Count("pk", filter=stale_q(today)),
                progress_sum=Sum("current_progress"),
                progress_reported=Count("current_progress"),
                latest=Max("last_update_at"),
            )
        )
    pillars = {
        pillar.pk: pillar
        for pillar in Pillar.objects.order_by("display_order", "name").only(
            "slug", "name", "description", "display_order"
        )
    }
    for pillar in pillars.values():
        pillar.status_counts = StatusCounts()
    overall = StatusCounts()
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


def _states_sql(commitments, days, known_on, using):
    """SQL and parameters of rows (day, commitment_id, pillar_id, cadence, status, progress,
    as_of, recorded_at): each of `commitments` that existed by the end of each of `days`, with
    its update in effect that day (CommitmentQuerySet.as_of's rule; status and the rest null
    when not assessed). The days are a UNION of literal rows, made here (a bounded list). The
    update in effect is the same queryset as_of() reads, correlated with each commitment and
    day: an index read of statusupdate_history_idx, however long the history. PostgreSQL reads
    it as a LATERAL join; SQLite, which has none, as a subquery of its id joined back by
    primary key (PostgreSQL would rather hash-join a million updates than look up a hundred
    thousand ids)."""
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
        StatusUpdate.objects.counting(known_on)
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


def status_counts_on(commitments, days, *, known_on=None):
    """`commitments` (a queryset: which ones) counted on each of `days` as they stood then
    (CommitmentQuerySet.as_of's rule), by pillar and status: rows of day, pillar_id, status,
    total, stale, progress_sum, progress_reported and latest (the newest recording of an
    update in effect), as roadmap_summary adds them up. One query, whatever the number of
    days and the length of the history."""
    using = router.db_for_read(Commitment)
    states, params = _states_sql(commitments, days, known_on, using)
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


def _date(value):
    """A date read by raw SQL: SQLite gives text."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def states_on(commitments, days, *, known_on=None):
    """{(day, commitment id): CommitmentState} of `commitments` on each of `days`
    (CommitmentQuerySet.as_of's rule). One query."""
    using = router.db_for_read(Commitment)
    states, params = _states_sql(commitments, days, known_on, using)
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


def changes_between(commitments, start, end, *, known_on=None, update_columns=()):
    """Every one of `commitments` (a queryset) whose status or progress differs between the
    ends of `start` and `end`, or that became stale, as known on `known_on` (now without it):
    how it moved (models.change_between), with its approved updates dated after `start` and
    up to `end` (`update_columns` of them, newest first), which made the difference; and the
    counts at both dates. Four queries, whatever the number of commitments and of changes:
    the states at both dates, the changed commitments, their updates, and the counts."""
    states = states_on(commitments, [start, end], known_on=known_on)
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
        updates = (
            StatusUpdate.objects.filter(commitment_id__in=list(changes), as_of__gt=start)
            .approved_as_of(end, known_on)
            .for_display(known_on)
            .values(*update_columns, "commitment_id")
        )
        for update in updates:
            changes[update["commitment_id"]].updates.append(update)
    counts = {start: StatusCounts(), end: StatusCounts()}
    for row in status_counts_on(commitments, sorted(counts), known_on=known_on):
        counts[row["day"]].add(row)
    return Changes(
        start=start,
        end=end,
        known_on=known_on,
        changes=list(changes.values()),
        before=counts[start],
        after=counts[end],
    )


INTERVAL_MONTHS = {"month": 1, "quarter": 3}


def interval_start(day, interval, back=0):
    """The first day of the month or quarter (`interval`) that holds `day`, or of the one
    `back` intervals before it."""
    months = INTERVAL_MONTHS[interval]
    index = day.year * 12 + (day.month - 1) // months * months - back * months
    return datetime.date(index // 12, index % 12 + 1, 1)


def interval_count(start, end, interval):
    """How many months or quarters (`interval`) hold some day from `start` to `end`."""
    months = INTERVAL_MONTHS[interval]
    first, last = interval_start(start, interval), interval_start(end, interval)
    return ((last.year - first.year) * 12 + last.month - first.month) // months + 1


def interval_ends(start, end, interval):
    """The last day of each month or quarter (`interval`) from the one holding `start` to the
    one holding `end`; the last is `end` itself."""
    ends = []
    for back in range(interval_count(start, end, interval) - 1, 0, -1):
        next_start = interval_start(end, interval, back=back - 1)
        ends.append(next_start - datetime.timedelta(days=1))
    return [*ends, end]


@dataclass
class TimelinePoint:
    day: datetime.date
    counts: StatusCounts


def roadmap_timeline(commitments, start, end, interval, *, known_on=None):
    """`commitments` (a queryset) counted by status at the end of each month or quarter from
    `start` to `end` (interval_ends), with average progress and staleness, as known on
    `known_on` (now without it). One query (status_counts_on), whatever the number of
    intervals and the length of the history."""
    ends = interval_ends(start, end, interval)
    points = {day: TimelinePoint(day, StatusCounts()) for day in ends}
    for row in status_counts_on(commitments, ends, known_on=known_on):
        points[row["day"]].counts.add(row)
    return list(points.values())


# What the briefing pack shows of each commitment, and of the assessment in effect on its date.
BRIEFING_COLUMNS = [
    "id",
    "code",
    "title",
    "pillar_id",
    "target_date",
    "update_cadence_days",
    "current_status",
    "current_progress",
    "current_as_of",
    "stale_then",
]
BRIEFING_ASSESSMENT_COLUMNS = ["summary", "evidence_url", "evidence_source", "confidence"]
# Of the updates under "Changes since": `corrected_by_id` leaves out those a correction replaced,
# `corrects_approved` marks a correction (of an update that was public: the answer to a returned
# one is no correction to a reader, as the API's `corrects` says, StatusUpdateSerializer).
BRIEFING_UPDATE_COLUMNS = [
    "status",
    "progress",
    "as_of",
    "summary",
    "corrected_by_id",
    "corrects_approved",
]


@dataclass
class BriefingPillar:
    pillar: Pillar
    commitments: list = field(default_factory=list)  # rows, in the Roadmap's order
    changes: list = field(default_factory=list)  # of CommitmentChange
    stale: list = field(default_factory=list)  # rows, never assessed first, then most overdue
    assessed: list = field(default_factory=list)  # rows with an assessment in effect
    counts: StatusCounts = field(default_factory=StatusCounts)


@dataclass
class Briefing:
    """The briefing pack: the Roadmap on `as_of`, what changed since `since`, both as known
    on `known_on` (now without it)."""

    as_of: datetime.date
    since: datetime.date
    known_on: datetime.date | None
    pillars: list  # of BriefingPillar, in display order
    overall: StatusCounts  # on as_of
    before: StatusCounts  # on since
    changes: list  # of CommitmentChange, every pillar's
    # Of HeadlineFigure, from headline_figures() (the template, the PDF and the .docx show
    # the section only when it holds something).
    headline_figures: list = field(default_factory=list)

    @property
    def by_status(self):
        """(status, count on since, count on as_of) of every status, in display order."""
        return [
            (status, self.before.by_status[status], self.overall.by_status[status])
            for status in STATUS_COLOURS  # the vocabulary's display order
        ]


def briefing(as_of, since, *, known_on=None) -> Briefing:
    """Everything the briefing pack shows, per pillar: each commitment's status, progress and
    staleness on `as_of` with the summary and evidence of the assessment in effect then
    (CommitmentQuerySet.as_of), what changed since `since` (changes_between, with the
    standing updates dated in between, corrections marked) and the stale
    commitments, and the headline figures of the indicators (headline_figures). Only approved
    updates and values count, as known on `known_on`. Seven queries, whatever the amount of
    data (five when nothing changed): the pillars, the commitments on `as_of`,
    changes_between's four and headline_figures' one."""
    in_effect = StatusUpdate.objects.in_effect_on(as_of, known_on).filter(commitment=OuterRef("pk"))
    commitments = Commitment.objects.as_of(as_of, known_on).annotate(
        **{
            f"assessment_{column}": Subquery(in_effect.values(column)[:1])
            for column in BRIEFING_ASSESSMENT_COLUMNS
        }
    )
    rows = list(
        commitments.rows(
            *BRIEFING_COLUMNS, *(f"assessment_{c}" for c in BRIEFING_ASSESSMENT_COLUMNS)
        )
    )
    pillars = {
        pillar.pk: BriefingPillar(pillar)
        for pillar in Pillar.objects.order_by("display_order", "name").only(
            "slug", "name", "description", "display_order"
        )
    }
    overall = StatusCounts()
    for row in rows:
        row["days_overdue"] = days_overdue(
            row["current_as_of"], row["update_cadence_days"], today=as_of
        )
        counted = {
            "total": 1,
            "status": row["current_status"],
            "stale": int(row["stale_then"]),
            "progress_sum": row["current_progress"],
            "progress_reported": int(row["current_progress"] is not None),
        }
        overall.add(counted)
        # A pillar added between the two queries is left out, as in roadmap_summary.
        if (group := pillars.get(row["pillar_id"])) is not None:
            group.commitments.append(row)
            group.counts.add(counted)
            if row["stale_then"]:
                group.stale.append(row)
            if row["assessment_summary"]:
                group.assessed.append(row)
    for group in pillars.values():
        group.stale.sort(
            key=lambda row: (row["days_overdue"] is not None, -(row["days_overdue"] or 0))
        )
    changes = changes_between(
        Commitment.objects.all(),
        since,
        as_of,
        known_on=known_on,
        update_columns=BRIEFING_UPDATE_COLUMNS,
    )
    slugs = {group.pillar.slug: group for group in pillars.values()}
    for change in changes.changes:
        # What stands, as on the dashboard: an assessment that an approved correction replaced
        # (by `known_on`) is not listed as if it had been said; its correction is, marked.
        change.updates = [update for update in change.updates if update["corrected_by_id"] is None]
        if (group := slugs.get(change.commitment["pillar__slug"])) is not None:
            group.changes.append(change)
    return Briefing(
        as_of=as_of,
        since=since,
        known_on=known_on,
        pillars=list(pillars.values()),
        overall=overall,
        before=changes.before,
        changes=changes.changes,
        headline_figures=headline_figures([row["id"] for row in rows], as_of, known_on=known_on),
    )


class HeadlineFigure(NamedTuple):
    label: str
    value: str
    note: str = ""


def headline_figures(commitment_ids, as_of, *, known_on=None):
    """The briefing pack's headline figures: the Roadmap's context indicators, then those of
    the commitments `commitment_ids`, each with its baseline in words and, where one counts on
    `as_of` as known on `known_on`, its latest approved value in words and the progress made
    (IndicatorQuerySet.with_latest's rule). An indicator defined after `as_of` is still shown,
    as the API lists it: it is a definition. One query."""
    indicators = (
        Indicator.objects.filter(Q(commitment__isnull=True) | Q(commitment__in=commitment_ids))
        .select_related("commitment")
        .only(
            "name",
            "unit",
            "unit_other",
            "direction",
            "baseline_value",
            "baseline_qualifier",
            "baseline_date",
            "target_value",
            "commitment__code",
        )
        .with_latest(as_of, known_on)
    )
    figures = []
    for indicator in indicators:
        label = indicator.name
        if indicator.commitment_id is not None:
            label = f"{indicator.commitment.code}: {label}"
        notes = []
        if indicator.baseline_date is not None:
            notes.append(f"Baseline of {indicator.baseline_date:%Y}.")
        if indicator.latest_value is not None:
            latest = indicator.phrase(indicator.latest_value, indicator.latest_qualifier)
            on = indicator.latest_on
            notes.append(f"Latest: {latest}, as of {on.day} {on:%B %Y}.")
            if (moved := indicator.progress(indicator.latest_value)) is not None:
                notes.append(f"Progress: {moved:g}%.")
        figures.append(
            HeadlineFigure(label, indicator.baseline_phrase or "No baseline", " ".join(notes))
        )
    return figures


def cached(name, data_fingerprint, compute):
    """compute() through the shared cache (Redis in production), under a key that holds the
    data's fingerprint (data_version), today's date and the staleness setting: any write, from
    any process, makes a new key, so a cached value is never older than the data the request
    saw. Old keys are left to expire."""
    key = f"{name}:{data_fingerprint}:{timezone.localdate()}:{settings.STALE_AFTER_DAYS}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.SUMMARY_CACHE_SECONDS)
    return value


def data_version(known=None):
    """A fingerprint of everything the API shows, and the time of the latest change: the data
    version row that database triggers move on with every write (models.DataVersion), read
    by primary key. Every API read runs it, for its ETag and its cache keys.

    It is read on the primary, always: a replica that lags must not make an old body look
    current. When this request reads a replica, the replica's own version is read too, and
    unless the replica has replayed exactly this version the rest of the request reads the
    primary; so whatever is built and cached under this version (the response cache, the
    summary) is built from data at least as new. One more query, on the replica.

    `known`: the primary's version as this request read it already (the response cache's
    middleware does, before the view)."""
    version = known or _data_version(DEFAULT_DB_ALIAS)
    replica = db_router.replica_of_this_request()
    if replica is not None and _data_version(replica)[0] != version[0]:
        db_router.read_primary()
    return version


def _data_version(alias):
    number, changed_at = DataVersion.objects.using(alias).filter(pk=1).values_list(
        "number", "changed_at"
    ).first() or (0, None)
    return f"{number}-{changed_at.timestamp() if changed_at else 0}", changed_at


def review_queue_version():
    """What staff see beyond the data version: the newest status update and indicator value
    submitted and the newest decision on each, which do not move it until one is approved
    (migrations 0011, 0021). The tables are append-only, so their highest ids change exactly
    when a row is added. Returns the version and the time of the newest (None when there is
    none). One query, eight reads of primary-key indexes."""
    newest = {
        "updates": (StatusUpdate._meta.db_table, "created_at"),
        "reviews": (Review._meta.db_table, "decided_at"),
        # Indicator values are reviewed the same way, and staff may list pending ones too.
        "values": (IndicatorValue._meta.db_table, "created_at"),
        "value reviews": (IndicatorValueReview._meta.db_table, "decided_at"),
    }
    columns = ", ".join(
        f"(SELECT {column} FROM {table} ORDER BY id DESC LIMIT 1)"
        for table, time in newest.values()
        for column in ("id", time)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        found = cursor.fetchone()
    ids, times = found[0::2], found[1::2]
    times = [_aware(value) for value in times if value is not None]
    return ".".join(str(pk or 0) for pk in ids), max(times, default=None)


def _aware(value):
    """A time read by raw SQL: SQLite gives text or a naive datetime, in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value


HISTORY_CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
RELATED_BY_NAME = {
    "pillar": (Pillar, "slug"),
    "source_document": (SourceDocument, "slug"),
    "parent": (Commitment, "code"),
    "themes": (Theme, "slug"),
    "places": (Place, "slug"),
    "partners": (Partner, "slug"),
}
# People are named by the serializer, which knows who reads (the API's person_name rule).
PEOPLE = {"owner"}


@dataclass
class HistoricalChange:
    record: object
    changes: list  # of (field, before, after)


def changes_of(records, history):
    """What each historical record of a commitment changed since the one before it, with
    related rows named by slug or code. `records` is a newest-first slice of `history`."""
    records = list(records)
    if not records:
        return []
    last = records[-1]
    older = history.filter(
        Q(history_date__lt=last.history_date)
        | Q(history_date=last.history_date, history_id__lt=last.history_id)
    ).first()
    chain = [*records, older]
    deltas = [
        record.diff_against(previous, excluded_fields=["updated_at", "version"]).changes
        if previous is not None and record.history_type != "+"
        else []
        for record, previous in pairwise(chain)
    ]
    names = _names_of(change for delta in deltas for change in delta)
    return [
        HistoricalChange(
            record=record,
            changes=[named for change in delta for named in _named_changes(change, names)],
        )
        for record, delta in zip(records, deltas, strict=True)
    ]


def _named_changes(change, names):
    """(field, before, after) of a change, related rows named. A change of partners is told as
    the partners that changed and, apart, the lead partners that changed (a change of role
    alone leaves the list of partners as it was)."""
    if change.field != "partners":
        return [(change.field, names(change.field, change.old), names(change.field, change.new))]
    told = []
    for name, rows in [("partners", list), ("lead_partners", _leads)]:
        before, after = names("partners", rows(change.old)), names("partners", rows(change.new))
        if before != after:
            told.append((name, before, after))
    return told


def _leads(rows):
    # Links recorded before roles existed have none: they supported.
    return [row for row in rows or [] if row.get("role") == PartnerRole.LEAD]


def _names_of(changes):
    """A function naming the related rows in these changes, looked up in one query per model."""
    changes = list(changes)
    wanted = {}
    for change in changes:
        if change.field in RELATED_BY_NAME:
            for value in (change.old, change.new):
                wanted.setdefault(change.field, set()).update(_related_ids(change.field, value))
    known = {
        field: dict(
            RELATED_BY_NAME[field][0]
            .objects.filter(pk__in=ids)
            .values_list("pk", RELATED_BY_NAME[field][1])
        )
        for field, ids in wanted.items()
    }
    people = {
        change.new if side else change.old
        for change in changes
        if change.field in PEOPLE
        for side in (0, 1)
    } - {None}
    if people:
        users = get_user_model().objects.only("username", "first_name", "last_name")
        known.update(dict.fromkeys(PEOPLE, users.in_bulk(people)))

    def name(field, value):
        if field in PEOPLE:
            return None if value is None else known[field].get(value)
        if field not in RELATED_BY_NAME:
            return value
        if isinstance(value, list):
            return sorted(known[field].get(pk, f"#{pk}") for pk in _related_ids(field, value))
        return None if value is None else known[field].get(value, f"#{value}")

    return name


def _related_ids(field, value):
    if value is None:
        return []
    if isinstance(value, list):  # many-to-many: rows of the link table
        column = RELATED_BY_NAME[field][0]._meta.model_name
        return [row[column] for row in value]
    return [value]


class CurrentStatus(NamedTuple):
    status: str
    progress: int | None
    as_of: object  # a date, or None when never assessed


def current_status_after(commitment, *, status, progress, as_of, corrects=None) -> CurrentStatus:
    """The current status `commitment` would show once an update with these values, not yet
    recorded, counts (approved on submission with review off; else once approved): the newest
    standing update, the new one winning ties as the latest recorded, and `corrects` no longer
    counting. Pending and returned updates count for nothing."""
    standing = StatusUpdate.objects.filter(commitment=commitment).standing()
    if corrects is not None:
        standing = standing.exclude(pk=corrects.pk)
    newest = standing.first()
    if newest is None or as_of >= newest.as_of:
        return CurrentStatus(status, progress, as_of)
    return CurrentStatus(newest.status, newest.progress, newest.as_of)


# Owners are reminded of a commitment from this many days before it falls due.
REMINDER_HORIZON_DAYS = 14


class DueCommitment(NamedTuple):
    commitment: Commitment
    days_overdue: int | None  # None: never assessed; 0 or fewer: due in that many days

    @property
    def why(self):
        if self.days_overdue is None:
            return "never assessed"
        if self.days_overdue > 0:
            return f"{self.days_overdue} day{'' if self.days_overdue == 1 else 's'} overdue"
        if self.days_overdue == 0:
            return "due today"
        days = -self.days_overdue
        return f"due in {days} day{'' if days == 1 else 's'}"


@dataclass
class Reminder:
    """What one person is reminded of: the commitments they own that are stale or due within
    REMINDER_HORIZON_DAYS, and, for a reviewer, the pending updates they may decide."""

    user: object
    due: list = field(default_factory=list)  # of DueCommitment, most pressing first
    pending: list = field(default_factory=list)  # of StatusUpdate, longest waiting first
    sent_today: bool = False


def reminders_due(today=None) -> list[Reminder]:
    """Everyone who has something to be reminded of today, one Reminder per person, in
    username order. Users without an email address are included (the caller says so and skips
    them), and so are those already reminded today (`sent_today`).

    Owners are active staff owning a commitment that is stale or falls due within
    REMINDER_HORIZON_DAYS. Reviewers are active staff who hold commitments.add_review through a
    group or in their own right (Reviewers and Editors); superusers are not, unless they hold
    it that way too: a superuser may approve, but is not a reviewer on duty. Each reviewer is
    given the pending queue as StatusUpdate.objects.reviewable_by() defines it (everyone's
    updates but their own), read once for all of them.

    At most four queries, whatever the numbers of people and commitments."""
    today = today or timezone.localdate()
    people = {}

    def reminder_of(user):
        return people.setdefault(user.pk, Reminder(user=user))

    due = (
        Commitment.objects.due_within(REMINDER_HORIZON_DAYS, today)
        .filter(owner__is_active=True, owner__is_staff=True)
        .select_related("owner")
        .only("code", "title", "current_as_of", "update_cadence_days", "owner")
    )
    for commitment in due:
        reminder_of(commitment.owner).due.append(
            DueCommitment(commitment, commitment.days_overdue(today))
        )

    reviewers = list(
        get_user_model()
        .objects.with_perm(
            "commitments.add_review",
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",  # where groups grant it
        )
        .filter(is_staff=True)
    )
    if reviewers:
        pending = list(
            StatusUpdate.objects.pending()
            .select_related("commitment", "author")
            .only(
                "status", "as_of", "created_at", "commitment__code", "author__username",
                "author__first_name", "author__last_name",
            )
            .order_by("created_at", "id")
        )  # fmt: skip
        for reviewer in reviewers:
            # StatusUpdate.objects.reviewable_by(reviewer), in memory: not their own.
            theirs = [update for update in pending if update.author_id != reviewer.pk]
            if theirs:
                reminder_of(reviewer).pending = theirs

    reminded = set(
        ReminderSent.objects.filter(sent_on=today, user__in=list(people)).values_list(
            "user_id", flat=True
        )
    )
    reminders = sorted(people.values(), key=lambda reminder: reminder.user.get_username())
    for reminder in reminders:
        reminder.sent_today = reminder.user.pk in reminded
        # Never assessed first, then the most overdue, then the soonest due.
        reminder.due.sort(
            key=lambda row: (
                row.days_overdue is not None,
                -(row.days_overdue or 0),
                row.commitment.code,
            )
        )
    return reminders


def review_queue(updates, *, limit=None):
    """The oldest `limit` pending `updates`, oldest first, each with what approving it would make its commitment
    show: `on_approval`, a CurrentStatus, by approve_or_return's rule (the newest standing
    update, this one counting as approved and the one it corrects no longer counting), and
    `changes_status`, whether that differs from what the commitment shows now.

    Two queries, however many updates: the updates with their commitment, author and corrected
    update, each with its rival (StatusUpdateQuerySet.with_newest_rival); then the rivals."""
    updates = list(
        updates.pending()
        .select_related("commitment", "author", "corrects")
        .with_newest_rival()
        # Oldest first: statusupdate_feed_idx, read backwards.
        .order_by("created_at", "id")[:limit]
    )
    rival_ids = {update.rival_id for update in updates if update.rival_id is not None}
    rivals = StatusUpdate.objects.only("status", "progress", "as_of", "created_at").in_bulk(
        rival_ids
    )

    def newness(update):  # Meta.ordering, newest first, read backwards
        return update.as_of, update.created_at, update.pk

    for update in updates:
        rival = rivals.get(update.rival_id)
        newest = update if rival is None or newness(update) > newness(rival) else rival
        update.on_approval = CurrentStatus(newest.status, newest.progress, newest.as_of)
        commitment = update.commitment
        now = (commitment.current_status, commitment.current_progress, commitment.current_as_of)
        update.changes_status = tuple(update.on_approval) != now
    return updates


# The funnel's stages, in the order money moves, by the kind that records each.
FUNNEL_STAGES = {kind.value: kind.value.removeprefix("funds_") for kind in FUNDS_KINDS}
KIND_ORDER = {kind: position for position, kind in enumerate(ContributionKind.values)}


@dataclass
class ContributionTotals:
    """Standing contributions of a group (a partner, a commitment, a pillar, a cell of the
    matrix, or all of them): how many, money per currency through the funnel (pledged,
    committed, disbursed: never converted, never added across stages, which may be the same
    money three times), and counts per kind and unit."""

    contributions: int = 0
    money: dict = field(default_factory=dict)  # currency -> {stage: Decimal}
    counted: dict = field(default_factory=dict)  # (kind, unit) -> int

    def add(self, row):
        self.contributions += row["contributions"]
        if row["kind"] in FUNNEL_STAGES:
            stages = self.money.setdefault(
                row["currency"], dict.fromkeys(FUNNEL_STAGES.values(), Decimal(0))
            )
            stages[FUNNEL_STAGES[row["kind"]]] += row["total_amount"]
        else:
            key = (row["kind"], row["unit"])
            self.counted[key] = self.counted.get(key, 0) + row["total_count"]

    @property
    def funds(self):
        """The funnel per currency, by currency code: [{currency, pledged, committed,
        disbursed}]."""
        return [{"currency": code, **self.money[code]} for code in sorted(self.money)]

    @property
    def counts(self):
        """[{kind, unit, count}], in the kinds' order, then by unit."""
        return [
            {"kind": kind, "unit": unit, "count": count}
            for (kind, unit), count in sorted(
                self.counted.items(), key=lambda item: (KIND_ORDER[item[0][0]], item[0][1])
            )
        ]


@dataclass
class ContributionMatrix:
    """Partners by commitments: `cells` (one per partner and commitment that has a standing
    contribution), with totals per partner (`partners`), per commitment (`commitments`), per
    pillar (`pillars`) and `overall`; `rows` are the grouped rows they were added up from, one
    per partner, commitment, kind, currency and unit (the CSV)."""

    rows: list
    partners: list
    commitments: list
    pillars: list
    cells: list
    overall: ContributionTotals


MATRIX_COLUMNS = {
    "partner": "partner__slug",
    "partner_name": "partner__name",
    "partner_kind": "partner__kind",
    "commitment": "commitment__code",
    "commitment_title": "commitment__title",
    "pillar": "commitment__pillar__slug",
    "pillar_name": "commitment__pillar__name",
}


def contribution_matrix(contributions=None, *, known_on=None) -> ContributionMatrix:
    """The matrix of `contributions` (a queryset, filtered or not; all by default), of the
    standing ones only: a correction replaces what it corrects (once recorded, by the end of
    `known_on` when given). One query, whatever the amount
    of data: the contributions grouped by partner, commitment, kind, currency and unit (the
    database adds up); the partners', commitments' and pillars' totals are added up from those
    grouped rows, exactly, in decimals."""
    if contributions is None:
        contributions = Contribution.objects.all()
    order = [
        "commitment__pillar__display_order",
        "commitment__source_document_id",
        "commitment__paragraph",
    ]
    rows = list(
        contributions.standing(known_on)
        .order_by()
        .values(*MATRIX_COLUMNS.values(), *order, "kind", "currency", "unit")
        .annotate(total_amount=Sum("amount"), total_count=Sum("count"), contributions=Count("pk"))
    )
    for row in rows:
        for name, column in MATRIX_COLUMNS.items():
            row[name] = row.pop(column)
    partners, commitments, pillars, cells = {}, {}, {}, {}
    overall = ContributionTotals()

    def group(groups, key, **shown):
        if key not in groups:
            groups[key] = {**shown, "totals": ContributionTotals()}
        return groups[key]["totals"]

    for row in rows:
        place = tuple(row[column] for column in order)
        group(
            partners,
            (row["partner_name"], row["partner"]),
            slug=row["partner"],
            name=row["partner_name"],
            kind=row["partner_kind"],
        ).add(row)
        group(
            commitments,
            (*place[1:], row["commitment"]),
            code=row["commitment"],
            title=row["commitment_title"],
            pillar=row["pillar"],
        ).add(row)
        group(
            pillars,
            (place[0], row["pillar_name"], row["pillar"]),
            slug=row["pillar"],
            name=row["pillar_name"],
        ).add(row)
        group(
            cells,
            (row["partner_name"], *place[1:], row["commitment"]),
            partner=row["partner"],
            commitment=row["commitment"],
        ).add(row)
        overall.add(row)
    rows.sort(
        key=lambda row: (
            row["partner_name"],
            *(row[column] for column in order[1:]),
            row["commitment"],
            KIND_ORDER[row["kind"]],
            row["currency"],
            row["unit"],
        )
    )
    return ContributionMatrix(
        rows=rows,
        partners=[partners[key] for key in sorted(partners)],
        commitments=[commitments[key] for key in sorted(commitments)],
        pillars=[pillars[key] for key in sorted(pillars)],
        cells=[cells[key] for key in sorted(cells)],
        overall=overall,
    )
