"""How the API's lists are paged: page numbers for what is browsed in an order (commitments,
contributions, indicators), a cursor for feeds that grow at the top."""

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from commitments.selectors.raw_sql import read_values


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
                        f"A whole number from 1 to {self.max_page_size} (larger asks are "
                        f"served {self.max_page_size})."
                    ]
                }
            )
        return super().get_page_size(request)


class LinkHeader:
    """The next and previous pages in a Link header (RFC 8288) as well as in the body, so that
    a client can follow pages without reading the body's shape."""

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
                {self.cursor_query_param: ["Not a cursor of this feed: follow `next` links."]}
            ) from error

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        # DRF's own example of a cursor link ends in a stray quote, which is not a URI.
        for link in ("next", "previous"):
            example = response["properties"][link].get("example", "")
            response["properties"][link]["example"] = example.rstrip('"')
        return response
