"""Values read by raw SQL, made what the ORM would have given (SQLite gives text): the
conversions that summary and cache share; and reads of the ORM compiled once (CompiledOnce).
"""

import datetime

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


class CompiledOnce:
    """A `.values()` read whose SQL is the same for every request but for one id (such as a
    commitment's): `build(id)` makes its queryset, which is built and compiled once per
    process, database and day (a build may read today's date), then run with each id in place
    of a mark, its rows converted as the ORM converts them. Django builds and compiles a
    queryset anew each time; for a commitment's latest updates and indicators (subqueries in
    their columns) that took longer than the database took to run them.

    `build` must make the same SQL for every request of a day: nothing of the reader's, of the
    request's parameters, or of the time of day."""

    MARK = -7_654_321  # an id that no row has, to find among the compiled parameters

    def __init__(self, build):
        self._build, self._model, self._compiled = build, None, {}

    def __call__(self, pk):
        """The rows for `pk`, as `list(build(pk))` gives them."""
        if self._model is None:
            self._model = self._build(self.MARK).model
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
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self, alias):
        queryset = self._build(self.MARK)
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError("CompiledOnce reads .values() rows")
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        marks = {index for index, param in enumerate(params) if param == self.MARK}
        if not marks:
            raise ValueError("CompiledOnce needs a read that filters by the id it is given")
        # As ValuesIterable names and converts them.
        names = list(query.selected or [])
        names = names or [*query.extra_select, *query.values_select, *query.annotation_select]
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        return compiler, sql, params, marks, names, compiler.get_converters(columns)
