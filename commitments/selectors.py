"""Reads that span several tables, shared by the API, the dashboard and the admin.

Each function runs a fixed number of queries, whatever the amount of data.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.db.models import CharField, Count, F, Max, Q, Sum, Value

from commitments.models import (
    Commitment,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    Status,
    StatusUpdate,
    Theme,
    stale_q,
)


def attach_related(commitments):
    """Fills the themes, places, partners and children of a page of commitments in one query
    (a UNION over the three link tables and the children), where prefetch_related would take
    four. Afterwards `commitment.themes.all()` and the others read from memory."""
    commitments = list(commitments)
    by_id = {commitment.pk: commitment for commitment in commitments}
    if not by_id:
        return commitments
    ids = list(by_id)

    def rows(queryset, kind, owner, related_id, slug, name):
        return queryset.order_by().values_list(
            Value(kind, output_field=CharField()), F(owner), F(related_id), F(slug), F(name)
        )

    union = rows(
        Commitment.themes.through.objects.filter(commitment_id__in=ids),
        "themes", "commitment_id", "theme_id", "theme__slug", "theme__name",
    ).union(
        rows(
            Commitment.places.through.objects.filter(commitment_id__in=ids),
            "places", "commitment_id", "place_id", "place__slug", "place__name",
        ),
        rows(
            Commitment.partners.through.objects.filter(commitment_id__in=ids),
            "partners", "commitment_id", "partner_id", "partner__slug", "partner__name",
        ),
        rows(Commitment.objects.filter(parent_id__in=ids), "children", "parent_id", "id", "code", "title"),
        all=True,
    )  # fmt: skip
    related = {
        kind: {pk: [] for pk in ids} for kind in ("themes", "places", "partners", "children")
    }
    models = {"themes": Theme, "places": Place, "partners": Partner}
    for kind, owner_id, related_id, slug, name in union:
        if kind == "children":
            item = Commitment(pk=related_id, code=slug, title=name, parent_id=owner_id)
        else:
            item = models[kind](pk=related_id, slug=slug, name=name)
        related[kind][owner_id].append(item)
    for kind, lists in related.items():
        sort_key = (lambda item: item.code) if kind == "children" else (lambda item: item.name)
        for owner_id, items in lists.items():
            cache = by_id[owner_id].__dict__.setdefault("_prefetched_objects_cache", {})
            cache[kind] = sorted(items, key=sort_key)
    return commitments


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


def roadmap_summary(today=None) -> RoadmapSummary:
    """Counts by current status, average progress and staleness, per pillar and overall, in one
    query (grouped by pillar and status, pillars without commitments included)."""
    rows = (
        Pillar.objects.order_by("display_order", "name")
        .values("id", "slug", "name", "description", "display_order", status=F("commitments__current_status"))
        .annotate(
            total=Count("commitments"),
            stale=Count("commitments", filter=stale_q(today, prefix="commitments__")),
            progress_sum=Sum("commitments__current_progress"),
            progress_reported=Count("commitments__current_progress"),
            latest=Max("commitments__last_update_at"),
        )
    )  # fmt: skip
    overall = StatusCounts()
    pillars = {}
    latest = None
    for row in rows:
        if row["id"] not in pillars:
            pillar = Pillar(
                id=row["id"],
                slug=row["slug"],
                name=row["name"],
                description=row["description"],
                display_order=row["display_order"],
            )
            pillar.status_counts = StatusCounts()
            pillars[row["id"]] = pillar
        if row["status"] is None:  # a pillar without commitments
            continue
        pillars[row["id"]].status_counts.add(row)
        overall.add(row)
        if row["latest"] and (latest is None or row["latest"] > latest):
            latest = row["latest"]
    return RoadmapSummary(overall=overall, pillars=list(pillars.values()), latest_update_at=latest)


def data_version():
    """A fingerprint of everything the API shows, and the time of the latest change, in one
    query. Any write moves a timestamp or a count; status updates are insert-only, so their
    highest id tells their number too."""

    def one_row(queryset, changed, counted):
        # Grouping by a constant makes one row per table, which a UNION can combine.
        return (
            queryset.order_by()
            .annotate(table=Value(1))
            .values("table")
            .annotate(changed=Max(changed), counted=counted)
            .values_list("changed", "counted")
        )

    def latest(queryset):
        return one_row(queryset, "updated_at", Count("pk"))

    def highest(queryset, changed, counted):
        return one_row(queryset, changed, Max(counted))

    rows = list(
        latest(Commitment.objects).union(
            highest(Commitment.objects, "last_update_at", "version"),
            highest(StatusUpdate.objects, "created_at", "id"),
            latest(Pillar.objects),
            latest(Theme.objects),
            latest(Place.objects),
            latest(Partner.objects),
            latest(SourceDocument.objects),
            all=True,
        )
    )
    fingerprint = hashlib.sha256(repr(rows).encode()).hexdigest()[:32]
    changed = [timestamp for timestamp, _ in rows if timestamp is not None]
    return fingerprint, max(changed, default=None)


HISTORY_CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
RELATED_BY_NAME = {
    "pillar": (Pillar, "slug"),
    "source_document": (SourceDocument, "slug"),
    "parent": (Commitment, "code"),
    "themes": (Theme, "slug"),
    "places": (Place, "slug"),
    "partners": (Partner, "slug"),
}


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
            changes=[
                (change.field, names(change.field, change.old), names(change.field, change.new))
                for change in delta
            ],
        )
        for record, delta in zip(records, deltas, strict=True)
    ]


def _names_of(changes):
    """A function naming the related rows in these changes, looked up in one query per model."""
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

    def name(field, value):
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
