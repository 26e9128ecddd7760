"""A commitment's edit history told as changes: what each historical record changed since
the one before it, related rows named by slug or code. Not its status history (status updates).
"""

from dataclasses import dataclass
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.db.models import Q

from commitments.models import (
    Commitment,
    Partner,
    PartnerRole,
    Pillar,
    Place,
    SourceDocument,
    Theme,
)

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
