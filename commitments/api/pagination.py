"""How the API's lists are paged: page numbers for what is browsed in an order (commitments,
contributions, indicators), a cursor for feeds that grow at the top."""

import datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Count
from django.db.models.query import ValuesIterable
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from commitments.selectors.raw_sql import (
    execute_prepared,
    read_values,
    values_rows,
    values_shape,
)


class PageSizeChecked:
    """A page_size that is not a whole number from 1 up is a 400, like every bad parameter;
    DRF's own ignores it silently."""

    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        gettext(
                            "A whole number from 1 to %(max)s (larger asks are served %(max)s)."
                        )
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return super().get_page_size(request)


class LinkHeader:
    """The next and previous pages in a Link header (RFC 8288) as well as in the body, so that
    a client can follow pages without reading the body's shape."""

    # A page's links are asked for twice, for the body and for the Link header: each is made
    # once (the request's absolute URL with its page or cursor replaced; for a cursor, encoded
    # after a walk back over the page's positions).
    def get_next_link(self):
        if "_next_link" not in self.__dict__:
            self._next_link = super().get_next_link()
        return self._next_link

    def get_previous_link(self):
        if "_previous_link" not in self.__dict__:
            self._previous_link = super().get_previous_link()
        return self._previous_link

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in ((self.get_next_link(), "next"), (self.get_previous_link(), "prev"))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


class CountedBy:
    """A list's rows, read by one queryset and counted by another: `rows`, the `.values()` of
    the page's columns, joined with every table a column comes from; `counted`, the filtered
    queryset they were read from, which a COUNT need not join. PostgreSQL keeps the joins of a
    count (an inner join could drop rows, a left join could add some), and counting 10,000
    commitments joined with their pillar, document, parent and owner took most of a list's
    SQL. Paged as the queryset of rows would be; a page is read by read_values (PostgreSQL plans
    the unfiltered list's page once per connection)."""

    def __init__(self, rows, counted):
        self.rows, self.counted = rows, counted

    @property
    def ordered(self):
        return self.rows.ordered

    def count(self):
        return self.counted.count()

    def __getitem__(self, index):
        page = self.rows[index]
        return read_values(page) if isinstance(index, slice) else page


class UnfilteredPages:
    """The pages of a list that no parameter narrows or orders (every commitment, in the list's
    own order), read by SQL built and compiled once per process, database, day, reader's
    visibility class, columns and page (`rows(*columns)[start:stop]` of the view's queryset),
    and counted once per data version while the response cache is on. Django builds and
    compiles a list's page and its count anew for each request, about 1 ms of a cold list's
    CPU; and the count of every commitment changes only with a write, which moves the data
    version (selectors.data_version).

    So the view's queryset must be the same for every reader of one visibility class on one
    day when no parameter is given, as the view's plain read of a commitment assumes too."""

    # Compiled pages kept per process: beyond them, a page is compiled as the ORM compiles it.
    MAX_COMPILED = 256

    def __init__(self):
        self._compiled, self._counts = {}, {}

    def of(self, queryset, columns, *, reader, data_version):
        """The rows of `queryset` (rows(*columns)), for a paginator, as CountedBy gives them."""
        return _UnfilteredRows(self, queryset, tuple(columns), reader, data_version)

    def count(self, rows):
        alias = router.db_for_read(rows.queryset.model)
        key = (alias, rows.reader, rows.data_version)
        count = self._counts.get(key)
        if count is None:
            count = rows.queryset.count()
            # Version 0 is that of no write at all, which a flush (TRUNCATE, which moves no
            # version) leaves too: not the version of one state of the data.
            # And only with the response cache on: what is kept per data version is the
            # response cache's kind of keeping, so with it off (RESPONSE_CACHE=false: the
            # benchmark's cold reader, a deployment debugging its reads) every list counts.
            if (
                settings.RESPONSE_CACHE
                and rows.data_version is not None
                and not rows.data_version.startswith("0-")
            ):
                # Another version's counts are left behind.
                kept = {known: n for known, n in self._counts.items() if known[2] == key[2]}
                self._counts = {**kept, key: count}
        return count

    def page(self, rows, start, stop):
        alias = router.db_for_read(rows.queryset.model)
        today = timezone.localdate()
        key = (alias, today, rows.reader, rows.columns, start, stop)
        compiled = self._compiled.get(key)
        if compiled is None:
            page = rows.queryset.rows(*rows.columns)[start:stop]
            compiler = page.query.get_compiler(using=alias)
            try:
                # A cleared reader's rows (as_of today's) name their columns as the public's.
                compiled = (
                    compiler,
                    *compiler.as_sql(),  # before values_shape, which reads what it counts
                    *values_shape(compiler, page._iterable_class),
                )
            except EmptyResultSet:  # an empty slice (no rows at all: [0:0])
                compiled = ()
            kept = {known: value for known, value in self._compiled.items() if known[1] == today}
            if len(kept) < self.MAX_COMPILED:
                self._compiled = {**kept, key: compiled}
        if not compiled:
            return []
        compiler, sql, params, names, converters = compiled
        with connections[alias].cursor() as cursor:
            if params:
                cursor.execute(sql, params)
            else:
                execute_prepared(cursor, sql, params)
            found = cursor.fetchall()
        return values_rows(compiler, names, converters, found)


class _UnfilteredRows:
    def __init__(self, pages, queryset, columns, reader, data_version):
        self.pages, self.queryset, self.columns = pages, queryset, columns
        self.reader, self.data_version = reader, data_version

    @property
    def rows(self):
        """Every row, unpaged, as CountedBy's `rows`."""
        return self.queryset.rows(*self.columns)

    @property
    def ordered(self):
        return self.queryset.ordered

    def count(self):
        return self.pages.count(self)

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step or index.start is None or index.stop is None:
            return self.rows[index]
        return self.pages.page(self, index.start, index.stop)


class PageNumberPagination(LinkHeader, PageSizeChecked, pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"


class FeedPagination(LinkHeader, PageSizeChecked, pagination.CursorPagination):
    """Newest first; a cursor stays valid while new updates arrive, unlike a page number."""

    page_size = 50
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            # A cursor is something the client sent wrong, not a resource that is missing.
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        gettext("Not a cursor of this feed: follow `next` links.")
                    ]
                }
            ) from error

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        # DRF's own example of a cursor link ends in a stray quote, which is not a URI.
        for link in ("next", "previous"):
            example = response["properties"][link].get("example", "")
            response["properties"][link]["example"] = example.rstrip('"')
        return response


class PagesCompiledOnce:
    """The pages of one `.values()` read in a CursorPagination's order, read by SQL compiled
    once per process, database, day (a build may read today's date) and shape: the order (the
    cursor's direction), the comparison with the cursor's position if there is one, the offset
    and the page size. The position itself is a parameter. Django builds and compiles a
    queryset anew for each request: for the feed, with its joins and two per-row subqueries,
    that took more than twice as long as the database took to answer.

    It stands in for the queryset where CursorPagination.paginate_queryset reads one: it is
    ordered, filtered by the position and sliced, as a queryset would be, and gives the rows
    the queryset would give. `build()` makes the queryset, the same SQL for every request of a
    day: nothing of the reader's or of the request's."""

    # A time no row was recorded at, to find among the compiled parameters.
    MARK = datetime.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)
    # Shapes kept at most: a client chooses the offset and the page size of its cursor.
    KEPT = 64

    def __init__(self, build):
        self._build, self._model, self._compiled = build, None, {}

    def order_by(self, *ordering):
        return _CursorRead(self, ordering, None, None)

    def _read(self, shape, position):
        if self._model is None:
            self._model = self._build().model
        # Where the ORM reads it: a replica, for an anonymous read when there are any.
        alias = router.db_for_read(self._model)
        key = (alias, timezone.localdate(), shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(alias, shape)
            # Replaced, never changed in place: another thread may be reading it.
            kept = self._compiled
            if len(kept) >= self.KEPT or any(day != key[1] for _, day, _ in kept):
                kept = {}  # another day's, or too many shapes
            self._compiled = {**kept, key: compiled}
        compiler, sql, params, marks, field, names, converters = compiled
        connection = connections[alias]
        if marks:
            # As the ORM prepares the position it compares with (the text SQLite stores).
            position = field.get_db_prep_value(position, connection, prepared=False)
            params = [position if index in marks else param for index, param in enumerate(params)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return values_rows(compiler, names, converters, rows)

    def _compile(self, alias, shape):
        ordering, lookup, start, stop = shape
        queryset = self._build().order_by(*ordering)
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError("PagesCompiledOnce reads .values() rows")
        field = None
        if lookup is not None:
            queryset = queryset.filter(**{lookup: self.MARK})
            field = queryset.model._meta.get_field(lookup.rsplit("__", 1)[0])
        query = queryset[start:stop].query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        marks = set()
        if field is not None:
            mark = field.get_db_prep_value(self.MARK, connections[alias], prepared=False)
            marks = {index for index, param in enumerate(params) if param == mark}
            if len(marks) != 1:
                raise ValueError(f"The position is not one parameter of the compiled {lookup}")
        return compiler, sql, params, marks, field, *values_shape(compiler)


class _CursorRead:
    """A read of PagesCompiledOnce, as far as CursorPagination has shaped it."""

    def __init__(self, pages, ordering, lookup, position):
        self._pages, self._ordering = pages, ordering
        self._lookup, self._position = lookup, position

    def filter(self, **position):
        # CursorPagination's one filter: past the cursor's position, `<field>__lt` or `__gt`.
        ((lookup, value),) = position.items()
        return _CursorRead(self._pages, self._ordering, lookup, value)

    def __getitem__(self, page):
        shape = (self._ordering, self._lookup, page.start, page.stop)
        return self._pages._read(shape, self._position)


class FilteredCompiledOnce:
    """A list filtered by a few filters given by value, such as the commitments of
    ?pillar=military&status=on_track: its pages and its count read by SQL compiled once per
    process, database, day (a build may read today's date) and shape, where the ORM built
    and compiled both for each request (about 1 ms for the commitments' page and count). A
    shape is the filters given and how many values each has, and for a page its slice; the
    values are parameters.

    `build(**values)` makes, from each filter's list of values, the `.values()` queryset of the
    rows and the queryset that counts them (CountedBy's two): the same SQL for every request of
    a day but for the values. `marks[name](i)` is a value of filter `name` no row has, to
    find its place among the compiled parameters. The shapes in `prepared` are run as
    statements PostgreSQL plans once per connection (execute_prepared): only where the plan
    cannot depend on the values (such as one value of each filter, with an index that has
    their columns first and the list's order after them); the others are planned each time,
    as the ORM's are."""

    # Shapes kept at most: a client chooses the page and its size.
    KEPT = 64

    def __init__(self, build, marks, prepared=()):
        self._build, self._marks, self._prepared = build, marks, set(prepared)
        self._model, self._compiled = None, {}

    def __call__(self, values):
        """What CountedBy is, for `values` ({filter: its values}): the rows counted and paged
        as the querysets `build(**values)` would be."""
        return _FilteredRead(self, values)

    def _read(self, values, part):
        """The rows of `part` of the list of `values` (a slice, or "count")."""
        if self._model is None:
            self._model = self._build(**self._mark_values(values))[1].model
        # Where the ORM reads it: a replica, for an anonymous read when there are any.
        alias = router.db_for_read(self._model)
        shape = tuple(sorted((name, len(given)) for name, given in values.items()))
        key = (alias, timezone.localdate(), shape, part)
        compiled = self._compiled.get(key, False)
        if compiled is False:
            compiled = self._compile(alias, values, part)
            # Replaced, never changed in place: another thread may be reading it.
            kept = self._compiled
            if len(kept) >= self.KEPT or any(day != key[1] for _, day, _, _ in kept):
                kept = {}  # another day's, or too many shapes
            self._compiled = {**kept, key: compiled}
        if compiled is None:
            return []
        sql, params, marks, shape_of_rows = compiled
        params = [
            values[marks[index][0]][marks[index][1]] if index in marks else param
            for index, param in enumerate(params)
        ]
        with connections[alias].cursor() as cursor:
            if tuple(name for name, _ in shape) in self._prepared and all(
                count == 1 for _, count in shape
            ):
                execute_prepared(cursor, sql, params)
            else:
                cursor.execute(sql, params)
            found = cursor.fetchall()
        if shape_of_rows is None:
            ((count,),) = found
            return count
        return values_rows(*shape_of_rows, found)

    def _mark_values(self, values):
        return {name: [self._marks[name](i) for i in range(len(values[name]))] for name in values}

    def _compile(self, alias, values, part):
        marked = self._mark_values(values)
        rows, counted = self._build(**marked)
        if part == "count":
            query, shape_of_rows = _count_query(counted.query), None
        else:
            if rows._iterable_class is not ValuesIterable:
                raise TypeError("FilteredCompiledOnce reads .values() rows")
            query = rows[part[0] : part[1]].query
        compiler = query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # an empty slice (the first page of no rows): no query
            return None
        if part != "count":
            shape_of_rows = (compiler, *values_shape(compiler))
        marks = {}  # {index of a parameter: (filter, index of its value)}
        for name, given in marked.items():
            for i, mark in enumerate(given):
                found = [index for index, param in enumerate(params) if param == mark]
                if len(found) != 1:
                    raise ValueError(f"A value of {name} is not one parameter of its SQL")
                marks[found[0]] = (name, i)
        return sql, params, marks, shape_of_rows


def _count_query(query):
    """The query of `SELECT COUNT(*)` of `query`'s rows, as Query.get_count builds it for a
    query of rows filtered and joined but not aggregated, limited or distinct (which it would
    count in a subquery): its compiled SQL without running it, which get_count does not give."""
    if query.annotations or query.distinct or query.combinator or query.is_sliced:
        raise ValueError("Only a plain filtered query is counted this way")
    query = query.clone()
    count = Count("*").resolve_expression(query, allow_joins=True, reuse=None, summarize=True)
    query.select, query.selected, query.default_cols, query.extra = (), None, False, {}
    query.annotations = {"__count": count}
    query.set_annotation_mask(["__count"])
    query.clear_ordering(force=True)
    query.select_for_update = query.select_related = False
    return query


class _FilteredRead:
    """A read of FilteredCompiledOnce for some values, as CountedBy: counted, and sliced into
    pages."""

    ordered = True

    def __init__(self, compiled, values):
        self._compiled, self._values = compiled, values

    def count(self):
        return self._compiled._read(self._values, "count")

    def __getitem__(self, page):
        return self._compiled._read(self._values, (page.start, page.stop))
