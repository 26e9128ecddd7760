"""Contributions added up: the partners-by-commitments matrix, with money per currency through
the funnel and counts per kind and unit. Recording a contribution is services.contributions'.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from commitments.models import FUNDS_KINDS, Contribution, ContributionKind

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
        contributions.counting(known_on)
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
