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
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from commitments import db_router
from commitments.models import (
    FUNDS_KINDS,
    Commitment,
    Contribution,
    ContributionKind,
    DataVersion,
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


def roadmap_summary(commitments=None, today=None) -> RoadmapSummary:
    """Counts by current status, average progress and staleness, per pillar and overall, of
    `commitments`: a queryset of them, filtered or not (all of them by default). Two queries,
    whatever the filters: the pillars, every one of them even when none of its commitments is
    counted, and the commitments grouped by pillar and status."""
    if commitments is None:
        commitments = Commitment.objects.all()
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


def contribution_matrix(contributions=None) -> ContributionMatrix:
    """The matrix of `contributions` (a queryset, filtered or not; all by default), of the
    standing ones only: a correction replaces what it corrects. One query, whatever the amount
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
        contributions.standing()
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
