"""Contributions added up: the partners-by-commitments matrix, with money per currency through
the funnel and counts per kind and unit. Recording a contribution is services.contributions'.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from commitments.models import (
    FUNDS_KINDS,
    Commitment,
    Contribution,
    ContributionKind,
    Partner,
    Releasability,
)

# The funnel's stages, in the order money moves, by the kind that records each.
FUNNEL_STAGES = {kind.value: kind.value.removeprefix("funds_") for kind in FUNDS_KINDS}
KIND_ORDER = {kind: position for position, kind in enumerate(ContributionKind.values)}


@dataclass
class ContributionTotals:
    """Standing contributions of a group (a partner, a commitment, a pillar, a cell of the
    matrix, or all of them): how many, money per currency through the funnel, and counts per
    kind and unit.

    The funnel is cumulative: each stage counts the money that has reached it, at that stage or
    a later one, as money disbursed has been committed and pledged. Analysts record the same
    money at each stage it reaches (pledged 1,000, then committed 600 of it, then disbursed 250
    of those), yet not always every stage (a disbursement with no commitment recorded): so for
    one partner's contributions to one commitment in one currency, a stage counts the larger of
    what was recorded at it and what the next stage counts (of_rows). A group adds up its cells
    (add). Never converted between currencies, never summed across stages."""

    contributions: int = 0
    money: dict = field(default_factory=dict)  # currency -> {stage: Decimal}
    counted: dict = field(default_factory=dict)  # (kind, unit) -> int

    @classmethod
    def of_rows(cls, rows):
        """The totals of one partner's contributions to one commitment, from the matrix's
        grouped rows (one per kind, currency and unit): each stage reached by what a later
        stage recorded."""
        totals = cls()
        for row in rows:
            totals.contributions += row["contributions"]
            if row["kind"] in FUNNEL_STAGES:
                totals._funnel(row["currency"])[FUNNEL_STAGES[row["kind"]]] += row["total_amount"]
            else:
                totals._count(row["kind"], row["unit"], row["total_count"])
        for stages in totals.money.values():
            reached = Decimal(0)
            for stage in reversed(stages):
                reached = stages[stage] = max(stages[stage], reached)
        return totals

    def add(self, other):
        """Adds `other`'s totals (a cell's) to these."""
        self.contributions += other.contributions
        for currency, amounts in other.money.items():
            stages = self._funnel(currency)
            for stage, amount in amounts.items():
                stages[stage] += amount
        for (kind, unit), count in other.counted.items():
            self._count(kind, unit, count)

    def _funnel(self, currency):
        # Not setdefault: the matrix asks a hundred thousand times, mostly for a funnel begun.
        if (stages := self.money.get(currency)) is None:
            stages = self.money[currency] = dict.fromkeys(FUNNEL_STAGES.values(), Decimal(0))
        return stages

    def _count(self, kind, unit, count):
        self.counted[kind, unit] = self.counted.get((kind, unit), 0) + count

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
    per partner, commitment, kind, currency and unit (the CSV): amounts as recorded at each
    stage, where the totals' funnel counts what reached it."""

    rows: list
    partners: list
    commitments: list
    pillars: list
    cells: list
    overall: ContributionTotals


# The names of a row of the matrix, read off its partner and its commitment.
PARTNER_COLUMNS = {"partner": "slug", "partner_name": "name", "partner_kind": "kind"}
COMMITMENT_COLUMNS = {
    "commitment": "code",
    "commitment_title": "title",
    "pillar": "pillar__slug",
    "pillar_name": "pillar__name",
}
# Where a commitment stands in the Roadmap's order (by pillar, then as its source lists it).
ROADMAP_PLACE = ["pillar__display_order", "source_document_id", "paragraph"]


def contribution_matrix(
    contributions=None, *, clearance=Releasability.PUBLIC, known_on=None
) -> ContributionMatrix:
    """The matrix of `contributions` (a queryset, filtered or not; all by default), of the
    standing ones that a reader of `clearance` may read (public unless told) only: a
    correction replaces what it corrects (once recorded, by the end of `known_on` when given),
    if that reader may read it. Three queries, whatever the amount of data: the contributions
    grouped by partner, commitment, kind, currency and unit (the database adds up), then the
    names of those partners and of those commitments. (Grouped by their names in one query,
    the rows were sorted on disk at scale: ids are a small hash.) Each cell's funnel is reached
    from its grouped rows, and the partners', commitments' and pillars' totals are added up
    from the cells, exactly, in decimals."""
    if contributions is None:
        contributions = Contribution.objects.all()
    rows = list(
        contributions.readable_by(clearance)
        .counting(known_on)
        .order_by()
        .values("partner_id", "commitment_id", "kind", "currency", "unit")
        .annotate(total_amount=Sum("amount"), total_count=Sum("count"), contributions=Count("pk"))
    )
    partners_named = _named(Partner, PARTNER_COLUMNS, [], {row["partner_id"] for row in rows})
    commitments_named = _named(
        Commitment, COMMITMENT_COLUMNS, ROADMAP_PLACE, {row["commitment_id"] for row in rows}
    )
    for row in rows:
        row.update(partners_named[row.pop("partner_id")])
        row.update(commitments_named[row.pop("commitment_id")])
    # A cell's rows first: its funnel is reached stage by stage (ContributionTotals.of_rows),
    # then every other total adds up cells.
    rows_of = {}
    for row in rows:
        place = tuple(row[column] for column in ROADMAP_PLACE)
        rows_of.setdefault((row["partner_name"], *place[1:], row["commitment"]), []).append(row)
    partners, commitments, pillars, cells = {}, {}, {}, {}
    overall = ContributionTotals()

    def group(groups, key, **shown):
        if key not in groups:
            groups[key] = {**shown, "totals": ContributionTotals()}
        return groups[key]["totals"]

    for key, cell_rows in rows_of.items():
        row = cell_rows[0]
        totals = ContributionTotals.of_rows(cell_rows)
        cells[key] = {
            "partner": row["partner"],
            "commitment": row["commitment"],
            "totals": totals,
        }
        group(
            partners,
            (row["partner_name"], row["partner"]),
            slug=row["partner"],
            name=row["partner_name"],
            kind=row["partner_kind"],
        ).add(totals)
        group(
            commitments,
            key[1:],
            code=row["commitment"],
            title=row["commitment_title"],
            pillar=row["pillar"],
        ).add(totals)
        group(
            pillars,
            (row[ROADMAP_PLACE[0]], row["pillar_name"], row["pillar"]),
            slug=row["pillar"],
            name=row["pillar_name"],
        ).add(totals)
        overall.add(totals)
    rows.sort(
        key=lambda row: (
            row["partner_name"],
            *(row[column] for column in ROADMAP_PLACE[1:]),
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


def _named(model, columns, kept, ids):
    """{id: {name: value}} of the `model` rows of `ids`: `columns` by the names given them,
    `kept` by their own."""
    found = model.objects.filter(pk__in=ids).values("pk", *columns.values(), *kept)
    return {
        row["pk"]: {
            **{name: row[column] for name, column in columns.items()},
            **{k: row[k] for k in kept},
        }
        for row in found
    }
