"""Each commitment's status and progress at the end of each interval of a period: the matrix a
heatmap draws, read as the timeline counts it (summary.states_on, CommitmentQuerySet.as_of's
rule), but per commitment rather than counted."""

from dataclasses import dataclass

from commitments.models import Releasability, end_of_day
from commitments.selectors.summary import interval_ends, states_on


@dataclass
class MatrixRow:
    commitment: dict  # {id, code, title, pillar__slug}
    cells: list  # of CommitmentState, or None where it did not exist yet; one per day


@dataclass
class StatusMatrix:
    days: list  # of datetime.date, oldest first: the ends of the intervals
    rows: list  # of MatrixRow, in the Roadmap's order


def status_matrix(
    commitments, start, end, interval, *, known_on=None, clearance=Releasability.PUBLIC
) -> StatusMatrix:
    """Where each of `commitments` (a queryset) stood at the end of each interval from `start`
    to `end` (interval_ends: the last ends at `end`), as known on `known_on` (now without it),
    for a reader of `clearance` (public unless told: the updates they may read).
    Two queries, whatever the number of commitments, of intervals and the length of the
    history: the states on every day at once (states_on), and the commitments' codes and
    titles. A commitment created after every day is left out, as the as_of list leaves it."""
    days = interval_ends(start, end, interval)
    states = states_on(commitments, days, known_on=known_on, clearance=clearance)
    # Those that existed by the last day, as states_on finds them, in the queryset's order
    # (the Roadmap's, or the most relevant first for a search).
    found = commitments.filter(created_at__lt=end_of_day(days[-1])).values(
        "id", "code", "title", "pillar__slug"
    )
    rows = [MatrixRow(row, [states.get((day, row["id"])) for day in days]) for row in found]
    return StatusMatrix(days=days, rows=rows)
