"""The status update in effect on a date, joined to each commitment of a query: what
CommitmentQuerySet.as_of() reads a commitment's status, progress and dates from.

The update in effect is found once per commitment, however many of its columns the query reads:
on PostgreSQL by a LATERAL subquery that reads them all, elsewhere (SQLite, which has no
LATERAL) by a join on the id of that update, found by a correlated subquery, and a join of its
review. Either is an index read of statusupdate_history_idx per commitment, as the timeline's is
(selectors.summary._states_sql). Four correlated subqueries, one per column, cost four such reads
a row and a query planned and compiled four times over.

The join is written into the query only when the query reads one of its columns: a count, or the
ids of the chosen commitments (`values("pk")`, as the summary reads them), do without it.
"""

import functools

from django.apps import apps
from django.db.models import F
from django.db.models.expressions import Col, RawSQL
from django.db.models.sql.constants import LOUTER
from django.utils import timezone

# The columns of the update in effect that as_of() reads (decided_at: of its review).
UPDATE_COLUMNS = ["status", "progress", "as_of", "created_at"]
REVIEW_COLUMNS = ["decided_at"]


class InEffectJoin:
    """An entry of a query's alias_map (the protocol of Django's Join) that joins to each
    commitment (`parent_alias`) its update in effect on `date` as known on `known_on`
    (StatusUpdateQuerySet.in_effect_on), among the updates a reader of `clearance` may read
    (RecordQuerySet.readable_by)."""

    join_type = LOUTER
    nullable = True
    filtered_relation = None
    join_field = None
    table_name = "in_effect"

    def __init__(self, date, known_on, parent_alias, table_alias=None, clearance="public"):
        self.date, self.known_on, self.clearance = date, known_on, clearance
        self.parent_alias, self.table_alias = parent_alias, table_alias

    @classmethod
    def add_to(cls, query, date, known_on, clearance="public"):
        """Joins the update in effect to `query`'s commitments; returns the join's alias."""
        return query.join(cls(date, known_on, query.get_initial_alias(), clearance=clearance))

    def review_alias(self):
        return f"{self.table_alias}_review"

    def as_sql(self, compiler, connection):
        if self.table_alias not in getattr(compiler, "in_effect_read", ()) and not _reads(
            [compiler.where, compiler.having], self.table_alias
        ):
            return "", []
        qn = connection.ops.quote_name
        commitment = f"{compiler.quote_name_unless_alias(self.parent_alias)}.{qn('id')}"
        lateral = _lateral(connection)
        newest, params = _newest_sql(
            connection.alias,
            lateral,
            self.date,
            self.known_on,
            commitment,
            timezone.get_current_timezone_name(),  # of the end of known_on's day
            str(self.clearance),
        )
        alias = compiler.quote_name_unless_alias(self.table_alias)
        if lateral:
            return f"LEFT OUTER JOIN LATERAL ({newest}) {alias} ON TRUE", list(params)
        updates = apps.get_model("commitments", "StatusUpdate")._meta.db_table
        reviews = apps.get_model("commitments", "Review")._meta.db_table
        review = qn(self.review_alias())
        # The id from the subquery is looked up by primary key: one read per commitment.
        return (
            f"LEFT OUTER JOIN {qn(updates)} {alias} ON {alias}.{qn('id')} = ({newest})"
            f" LEFT OUTER JOIN {qn(reviews)} {review}"
            f" ON {review}.{qn('update_id')} = {alias}.{qn('id')}",
            list(params),
        )

    def relabeled_clone(self, change_map):
        return self.__class__(
            self.date,
            self.known_on,
            change_map.get(self.parent_alias, self.parent_alias),
            change_map.get(self.table_alias, self.table_alias),
            clearance=self.clearance,
        )

    @property
    def identity(self):
        return (
            self.__class__,
            self.parent_alias,
            self.table_alias,
            self.date,
            self.known_on,
            str(self.clearance),
        )

    def __eq__(self, other):
        if not isinstance(other, InEffectJoin):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self):
        return hash(self.identity)

    # The join stays a LEFT one: a commitment never assessed by then is listed all the same.
    def promote(self):
        return self

    def demote(self):
        return self


def _lateral(connection):
    return connection.vendor == "postgresql"


@functools.lru_cache(maxsize=256)
def _newest_sql(using, lateral, date, known_on, commitment, zone, clearance):
    """The SQL and parameters of the update in effect of the commitment whose id is the SQL
    `commitment`, among those a reader of `clearance` may read: its columns (lateral) or its
    id. Built and compiled once per date, day known on, time zone (`zone`, which the day's end
    depends on) and clearance, not once per request."""
    StatusUpdate = apps.get_model("commitments", "StatusUpdate")
    updates = StatusUpdate.objects.readable_by(clearance)
    newest = updates.in_effect_on(date, known_on).filter(commitment_id=RawSQL(commitment, ()))
    if lateral:
        newest = newest.values(*UPDATE_COLUMNS, decided_at=F("review__decided_at"))
    else:
        newest = newest.values("pk")
    sql, params = newest[:1].query.get_compiler(using=using).as_sql()
    return sql, tuple(params)


class InEffectColumn(Col):
    """A column of the update in effect, or of its review (as `target`, a field of either model,
    says), read through an InEffectJoin's alias. Compiling it marks the join as read: the
    select and the ordering are compiled before the FROM clause, the where clause after it
    (InEffectJoin looks there itself)."""

    def as_sql(self, compiler, connection):
        compiler.__dict__.setdefault("in_effect_read", set()).add(self.alias)
        table = compiler.quote_name_unless_alias(self.alias)
        if not _lateral(connection) and self.target.name in REVIEW_COLUMNS:
            table = connection.ops.quote_name(compiler.query.alias_map[self.alias].review_alias())
        return f"{table}.{connection.ops.quote_name(self.target.column)}", []


def _reads(nodes, alias):
    """Whether any of `nodes` (where clauses, expressions) reads a column of `alias`."""
    stack = [node for node in nodes if node is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, InEffectColumn) and node.alias == alias:
            return True
        stack.extend(
            source
            for source in getattr(node, "get_source_expressions", list)()
            if source is not None
        )
    return False
