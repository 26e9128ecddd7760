"""Values read by raw SQL, made what the ORM would have given (SQLite gives text): the
conversions that summary and cache share; reads of the ORM compiled once (CompiledOnce); and
statements PostgreSQL plans once per connection (execute_prepared).
"""

import datetime
import itertools
import re

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models.query import ValuesIterable
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def _date(value):
    """A date read by raw SQL: SQLite gives text."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _aware(value):
    """A time read by raw SQL: SQLite gives text or a naive datetime, in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value


# Statements prepared on one connection at most: a list's page is a statement for each page
# number (its OFFSET is in the SQL), which must not pile up in a long-lived session.
PREPARED_PER_CONNECTION = 64
_statement_names = itertools.count(1)
_PLACEHOLDER = re.compile(r"%%|%s")


def execute_prepared(cursor, sql, params=()):
    """`cursor.execute(sql, params)`, as a statement PostgreSQL prepares once per connection.

    PostgreSQL plans a statement each time it is sent; for a commitment's latest updates and
    indicators that took 0.6 and 1 ms, against 0.1 ms to run each. A prepared statement is
    planned for its first five runs, then, where the plan does not depend on the values of its
    parameters, never again (PostgreSQL's generic plan). So only for statements whose plan
    cannot depend on them: rows found by an id or by an array of ids, or no parameters at all;
    not a filter by a status, whose best plan depends on how many rows have that status.

    Elsewhere (SQLite) a plain execute. The PREPARE travels with the first EXECUTE, in one round
    trip and one query as Django counts them; PREPARE is not undone by a rollback, and a
    statement whose PREPARE may have failed is prepared again under a new name."""
    connection = cursor.db
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    # Prepared statements belong to the session: a new connection starts with none.
    raw, names = getattr(connection, "_prepared_statements", (None, None))
    if raw is not connection.connection:
        raw, names = connection._prepared_statements = (connection.connection, {})
    params = tuple(params)
    arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
    name = names.get(sql)
    if name is not None:
        cursor.execute(f"EXECUTE {name}{arguments}", params)
        return
    name = f"prepared_{next(_statement_names)}"
    forget = "DEALLOCATE ALL; " if len(names) >= PREPARED_PER_CONNECTION else ""
    numbered = itertools.count(1)
    body = _PLACEHOLDER.sub(lambda mark: mark[0] if mark[0] == "%%" else f"${next(numbered)}", sql)
    cursor.execute(f"{forget}PREPARE {name} AS {body}; EXECUTE {name}{arguments}", params)
    if forget:
        names.clear()
    names[sql] = name


def read_values(queryset):
    """`list(queryset)` of a `.values()` queryset, its statement prepared once per connection
    (execute_prepared) when it has no parameters, such as a page of the unfiltered list of
    commitments (0.8 ms of planning at M, for 0.2 ms of running), or when the queryset says
    its plan is the same whatever their values (its `plans_alike`, such as a page of the
    commitments as of a day). Otherwise read as the ORM reads it: a filter's best plan
    depends on its values, which a generic plan does not. Rows of a ValuesIterable that names
    its columns otherwise (its `names(names)`, as an as-of read's) are named as it names them."""
    rows_class = queryset._iterable_class
    if not issubclass(rows_class, ValuesIterable) or queryset._result_cache is not None:
        return list(queryset)
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        if params and not getattr(queryset, "plans_alike", False):
            cursor.execute(sql, params)
        else:
            execute_prepared(cursor, sql, params)
        rows = cursor.fetchall()
    names, converters = values_shape(compiler, rows_class)
    return values_rows(compiler, names, converters, rows)


def values_shape(compiler, rows_class=ValuesIterable):
    """The names and converters of the columns of a compiled `.values()` query, as
    ValuesIterable names and converts them, or as `rows_class` (a queryset's iterable class)
    names them when it names them otherwise (its `names(names)`: CommitmentQuerySet.rows() of
    an as_of read)."""
    query = compiler.query
    names = list(query.selected or [])
    names = names or [*query.extra_select, *query.values_select, *query.annotation_select]
    names = getattr(rows_class, "names", lambda names: names)(names)
    columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
    return names, compiler.get_converters(columns)


def values_rows(compiler, names, converters, rows):
    """Rows fetched by a compiled `.values()` query, as ValuesIterable gives them: dicts of
    converted values (values_shape's names and converters)."""
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [dict(zip(names, row, strict=True)) for row in rows]


class CompiledOnce:
    """A `.values()` read whose SQL is the same for every request but for one id (such as a
    commitment's): `build(id)` makes its queryset, which is built and compiled once per
    process, database and day (a build may read today's date), then run with each id in place
    of a mark, its rows converted as the ORM converts them. Django builds and compiles a
    queryset anew each time; for a commitment's latest updates and indicators (subqueries in
    their columns) that took longer than the database took to run them. PostgreSQL plans it
    once per connection (execute_prepared): its plan is the same for every id.

    `build` must make the same SQL for every request of a day: nothing of the reader's, of the
    request's parameters, or of the time of day."""

    MARK = -7_654_321  # an id that no row has, to find among the compiled parameters

    def __init__(self, build, mark=MARK):
        # mark: what stands for the id when compiling; a string for a read by a code.
        self._build, self.mark, self._model, self._compiled = build, mark, None, {}

    def __call__(self, pk):
        """The rows for `pk`, as `list(build(pk))` gives them."""
        if self._model is None:
            self._model = self._build(self.mark).model
        # Where the ORM reads it: a replica, for an anonymous read when there are any.
        alias = router.db_for_read(self._model)
        today = timezone.localdate()
        compiled = self._compiled.get((alias, today))
        if compiled is None:
            compiled = self._compile(alias)
            # Another day's are left behind.
            kept = {key: value for key, value in self._compiled.items() if key[1] == today}
            self._compiled = {**kept, (alias, today): compiled}
        compiler, sql, params, marks, names, converters = compiled
        params = [pk if index in marks else param for index, param in enumerate(params)]
        with connections[alias].cursor() as cursor:
            execute_prepared(cursor, sql, params)
            rows = cursor.fetchall()
        return values_rows(compiler, names, converters, rows)

    def _compile(self, alias):
        queryset = self._build(self.mark)
        rows_class = queryset._iterable_class
        if not issubclass(rows_class, ValuesIterable):
            raise TypeError("CompiledOnce reads .values() rows")
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        marks = {index for index, param in enumerate(params) if param == self.mark}
        if not marks:
            raise ValueError("CompiledOnce needs a read that filters by the id it is given")
        names, converters = values_shape(compiler, rows_class)
        return compiler, sql, params, marks, names, converters
