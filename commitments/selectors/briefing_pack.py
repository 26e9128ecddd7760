"""The briefing pack's read: the secretariat's key messages for its date, each pillar's
commitments on that date with the assessment in effect then, what changed since an earlier
date, the stale and the never assessed ones, the contributions recorded by then, and the
indicators' headline figures. Rendering it (HTML, PDF, .docx) is commitments.briefing's.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext

from commitments.models import (
    STATUS_COLOURS,
    BriefingMessage,
    Commitment,
    Contribution,
    Indicator,
    Pillar,
    Releasability,
    StatusUpdate,
    StatusUpdateEvidence,
    days_overdue,
)
from commitments.prose import day, percent, year
from commitments.selectors.contributions import ContributionTotals, contribution_matrix
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
BRIEFING_ASSESSMENT_COLUMNS = [
    "id",
    "summary",
    "confidence",
    "releasability",
]
# Of the standing updates under "Changes since": `corrects_approved` marks a correction (of an
# update that was public: the answer to a returned one is no correction to a reader, as the
# API's `corrects` says, StatusUpdateSerializer).
BRIEFING_UPDATE_COLUMNS = [
    "status",
    "progress",
    "as_of",
    "summary",
    "corrects_approved",
    "releasability",
]


@dataclass
class BriefingPillar:
    pillar: Pillar
    commitments: list = field(default_factory=list)  # rows, in the Roadmap's order
    changes: list = field(default_factory=list)  # of CommitmentChange
    assessed: list = field(default_factory=list)  # rows with an assessment in effect
    # Assessed rows past their cadence, most overdue first.
    stale: list = field(default_factory=list)
    never_assessed: list = field(default_factory=list)  # rows with no assessment in effect
    counts: StatusCounts = field(default_factory=StatusCounts)
    messages: list = field(default_factory=list)  # texts of its approved key messages
    contributions: ContributionTotals = field(default_factory=ContributionTotals)


@dataclass
class Briefing:
    """The briefing pack: the Roadmap on `as_of`, what changed since `since`, both as known
    on `known_on` (now without it), for a reader of `clearance`; its `marking` is the highest
    releasability of the records it holds (public at least), which every page prints."""

    as_of: datetime.date
    since: datetime.date
    known_on: datetime.date | None
    clearance: Releasability
    marking: Releasability
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

    @property
    def with_messages(self):
        """The pillars that have key messages: the pack's first page, when there are any."""
        return [group for group in self.pillars if group.messages]

    @property
    def never_assessed(self):
        """The pillars that have commitments never assessed by `as_of`: one compact list."""
        return [group for group in self.pillars if group.never_assessed]


def briefing(as_of, since, *, known_on=None, clearance=Releasability.PUBLIC) -> Briefing:
    """Everything the briefing pack shows, per pillar: the approved key messages of the pack
    of `as_of` (BriefingMessageQuerySet.for_pack), each commitment's status, progress and
    staleness on `as_of` with the summary of the assessment in effect then
    (CommitmentQuerySet.as_of) and the graded evidence it cites that the reader may read
    (cited_evidence), what changed since `since` (changes_between, with the
    standing updates dated in between, corrections marked), the stale and the never assessed
    commitments, the standing contributions dated by `as_of` (contribution_matrix), and the
    headline figures of the indicators (headline_figures). Only approved updates, values and
    messages count, as known on `known_on`, and of the updates, values and contributions only
    those a reader of `clearance` may read (public unless told): the pack's `marking` is the
    highest of theirs, and of the evidence printed. Nine queries, whatever the amount of data
    (eight when no commitment is assessed, seven when nothing changed either, three more when
    there are contributions: their partners' and commitments' names, and their markings): the
    pillars, the commitments on `as_of`, the evidence their assessments cite, changes_between's
    three, headline_figures' one, the messages and the contributions."""
    updates = StatusUpdate.objects.readable_by(clearance)
    in_effect = updates.in_effect_on(as_of, known_on).filter(commitment=OuterRef("pk"))
    in_effect_before = updates.in_effect_on(since, known_on).filter(commitment=OuterRef("pk"))
    # The status of each commitment is the one of the updates the reader may read (as_of's
    # clearance); what the pack prints of the update in effect beside it, from the same updates.
    commitments = Commitment.objects.as_of(as_of, known_on, clearance=clearance).annotate(
        **{
            f"assessment_{column}": Subquery(in_effect.values(column)[:1])
            for column in BRIEFING_ASSESSMENT_COLUMNS
        },
        # What the status on `since` rests on, which "Changes since" compares with.
        assessment_before_releasability=Subquery(in_effect_before.values("releasability")[:1]),
    )
    assessment_columns = [f"assessment_{c}" for c in BRIEFING_ASSESSMENT_COLUMNS]
    rows = list(
        commitments.rows(*BRIEFING_COLUMNS, *assessment_columns, "assessment_before_releasability")
    )
    markings = set()
    pillars = {
        pillar.pk: BriefingPillar(pillar)
        for pillar in Pillar.objects.order_by("display_order", "name").only(
            "slug", "name", "description", "display_order"
        )
    }
    overall = StatusCounts()
    for row in rows:
        markings.update((row["assessment_releasability"], row["assessment_before_releasability"]))
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
            if row["current_as_of"] is None:
                group.never_assessed.append(row)
                continue
            group.assessed.append(row)
            if row["stale_then"]:
                group.stale.append(row)
    for group in pillars.values():
        group.stale.sort(key=lambda row: -row["days_overdue"])
    evidence = cited_evidence([row["assessment_id"] for row in rows], clearance)
    for row in rows:
        row["assessment_evidence"] = evidence.get(row["assessment_id"], [])
        markings.update(piece.releasability for piece in row["assessment_evidence"])
    changes = changes_between(
        Commitment.objects.all(),
        since,
        as_of,
        known_on=known_on,
        update_columns=BRIEFING_UPDATE_COLUMNS,
        standing=True,
        clearance=clearance,
    )
    slugs = {group.pillar.slug: group for group in pillars.values()}
    for change in changes.changes:
        markings.update(update["releasability"] for update in change.updates)
        if (group := slugs.get(change.commitment["pillar__slug"])) is not None:
            group.changes.append(change)
    for message in BriefingMessage.objects.for_pack(as_of, known_on).values("pillar_id", "text"):
        if (group := pillars.get(message["pillar_id"])) is not None:
            group.messages.append(message["text"])
    dated = Contribution.objects.observed_by(as_of)
    contributions = contribution_matrix(dated, clearance=clearance, known_on=known_on)
    for totals in contributions.pillars:
        if (group := slugs.get(totals["slug"])) is not None:
            group.contributions = totals["totals"]
    if contributions.rows:
        counted = dated.readable_by(clearance).counting(known_on).order_by()
        markings.update(counted.values_list("releasability", flat=True).distinct())
    figures = headline_figures(
        [row["id"] for row in rows], as_of, known_on=known_on, clearance=clearance
    )
    markings.update(figure.releasability for figure in figures)
    return Briefing(
        as_of=as_of,
        since=since,
        known_on=known_on,
        clearance=Releasability(clearance),
        marking=Releasability.highest(marking for marking in markings if marking),
        pillars=list(pillars.values()),
        overall=overall,
        before=changes.before,
        changes=changes.changes,
        headline_figures=figures,
    )


def cited_evidence(update_ids, clearance):
    """The evidence each of the status updates `update_ids` cites, in order, of what a reader
    of `clearance` may read, by update id (None among the ids is no update). One query, none
    when there is no update."""
    update_ids = [pk for pk in update_ids if pk is not None]
    if not update_ids:
        return {}
    citations = StatusUpdateEvidence.objects.of_records(update_ids, clearance).select_related(
        "evidence"
    )
    cited = {}
    for citation in citations:
        cited.setdefault(citation.update_id, []).append(citation.evidence)
    return cited


class HeadlineFigure(NamedTuple):
    label: str
    value: str
    note: str = ""
    # Of its latest value, if one is shown (the pack's marking counts it).
    releasability: str | None = None


def headline_figures(commitment_ids, as_of, *, known_on=None, clearance=Releasability.PUBLIC):
    """The briefing pack's headline figures: the Roadmap's context indicators, then those of
    the commitments `commitment_ids`, each with its baseline in words and, where one counts on
    `as_of` as known on `known_on`, its latest approved value in words and the progress made
    (IndicatorQuerySet.with_latest's rule, of the values a reader of `clearance` may read), in
    the active language.
    An indicator defined after `as_of` is still shown,
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
        .with_latest(as_of, known_on, clearance=clearance)
    )
    figures = []
    for indicator in indicators:
        label = indicator.name
        if indicator.commitment_id is not None:
            label = f"{indicator.commitment.code}: {label}"
        notes = []
        if indicator.baseline_date is not None:
            notes.append(gettext("Baseline of %(year)s.") % {"year": year(indicator.baseline_date)})
        if indicator.latest_value is not None:
            latest = indicator.phrase(indicator.latest_value, indicator.latest_qualifier)
            notes.append(
                gettext("Latest: %(value)s, as of %(day)s.")
                % {"value": latest, "day": day(indicator.latest_on)}
            )
            if (moved := indicator.progress(indicator.latest_value)) is not None:
                notes.append(gettext("Progress: %(percent)s.") % {"percent": percent(moved)})
        figures.append(
            HeadlineFigure(
                label,
                indicator.baseline_phrase or gettext("No baseline"),
                " ".join(notes),
                indicator.latest_releasability,
            )
        )
    return figures
