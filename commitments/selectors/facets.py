"""The summary's counts by status per group of commitments (a facet): per pillar, place, theme,
partner or owner, every group in one read, where a client would otherwise ask for the summary
once per group. A group counts the commitments the summary filtered by that group counts."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Value, When

from commitments.models import Commitment, Partner, Pillar, Place, Releasability, Theme, stale_q
from commitments.people import person_name
from commitments.selectors.summary import StatusCounts, states_on

GROUP_BY = ["pillar", "place", "theme", "partner", "owner"]
# A place's group holds the commitments of the places within it, as ?place= finds them
# (filters._within_places): the place itself and three levels of wider places above.
PLACE_LEVELS = 4


@dataclass
class GroupCounts:
    key: str  # the group's slug; an owner's login name
    name: str
    counts: StatusCounts


def counts_by_group(
    commitments, group_by, *, when=None, today=None, clearance=Releasability.PUBLIC
) -> list[GroupCounts]:
    """`commitments` (a queryset, filtered or not) counted as the summary counts them, per
    group of `group_by` (one of GROUP_BY): every pillar, place, theme or partner, zero
    included, or every person who owns a commitment. A commitment in several places (themes,
    partners) counts in each, and in every wider place of them once; one in none is in no
    group. `when`, a PointInTime: the counts on its date as known on its day (states_on).
    Three queries, whatever the number of groups: the commitments' states, which groups they
    are in, and the groups. Of the status updates a reader of `clearance` may read (with
    `when`; without it, the stored current status, the public's)."""
    states = _states(commitments, when, today, clearance)
    chosen = commitments.order_by().values("pk")
    groups, parents = _groups(group_by)
    if group_by in ("pillar", "owner"):
        pairs = Commitment.objects.filter(pk__in=chosen).values_list("pk", f"{group_by}_id")
    else:
        through = getattr(Commitment, f"{group_by}s").through
        pairs = through.objects.filter(commitment__in=chosen).values_list(
            "commitment_id", f"{group_by}_id"
        )
    members = {}
    for commitment_id, group_id in pairs:
        for wider in _up(group_id, parents):
            members.setdefault(wider, set()).add(commitment_id)
    for group_id, group in groups.items():
        for commitment_id in members.get(group_id, ()):
            # One created or chosen between the two reads is left out, not a KeyError.
            if (state := states.get(commitment_id)) is not None:
                group.counts.add(state)
    return list(groups.values())


def _states(commitments, when, today, clearance):
    """{commitment id: a row as StatusCounts.add takes it} of one commitment each."""
    if when is not None:
        found = states_on(commitments, [when.as_of], known_on=when.known_on, clearance=clearance)
        return {
            commitment_id: _row(state.status, state.progress, state.stale)
            for (_, commitment_id), state in found.items()
        }
    stale = Case(When(stale_q(today), then=Value(1)), default=Value(0), output_field=IntegerField())
    found = commitments.order_by().values_list("pk", "current_status", "current_progress")
    return {pk: _row(*rest) for pk, *rest in found.annotate(stale=stale)}


def _row(status, progress, stale):
    return {
        "total": 1,
        "status": status,
        "stale": int(stale),
        "progress_sum": progress or 0,
        "progress_reported": int(progress is not None),
    }


def _groups(group_by):
    """{id: GroupCounts} of every group, in their order, and {place id: its wider place's}."""
    parents = {}
    if group_by == "owner":
        users = get_user_model().objects.filter(pk__in=Commitment.objects.values("owner_id"))
        # Owners are grouped for staff only (the API's rule for login names), who see a person
        # without a full name by login name.
        named = [
            (
                user.pk,
                user.get_username(),
                person_name(user, reader=None, acting_as=user.get_username()),
            )
            for user in users
        ]
        return {
            pk: GroupCounts(key, name, StatusCounts())
            for pk, key, name in sorted(named, key=lambda found: (found[2].casefold(), found[1]))
        }, parents
    model = {"pillar": Pillar, "place": Place, "theme": Theme, "partner": Partner}[group_by]
    columns = ["pk", "slug", "name", *(["parent_id"] if model is Place else [])]
    groups = {}
    for row in model.objects.values(*columns):
        groups[row["pk"]] = GroupCounts(row["slug"], row["name"], StatusCounts())
        parents[row["pk"]] = row.get("parent_id")
    return groups, parents


def _up(group_id, parents):
    """The group and, for a place, the wider places it lies in, up to PLACE_LEVELS in all."""
    found = []
    while group_id is not None and group_id not in found and len(found) < PLACE_LEVELS:
        found.append(group_id)
        group_id = parents.get(group_id)
    return found
