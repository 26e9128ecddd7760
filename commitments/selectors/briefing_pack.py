"""The briefing pack's read: each pillar's commitments on a date with the assessment in effect
then, what changed since an earlier date, the stale ones, and the indicators' headline figures.
Rendering it (HTML, PDF, .docx) is commitments.briefing's.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import OuterRef, Q, Subquery

from commitments.models import (
    STATUS_COLOURS,
    Commitment,
    Indicator,
    Pillar,
    StatusUpdate,
    days_overdue,
)
from commitments.selectors.summary import StatusCounts, changes_between

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
