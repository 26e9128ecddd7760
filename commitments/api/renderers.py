import csv
import io

import orjson
from rest_framework import renderers
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder


class JSONRenderer(renderers.JSONRenderer):
    """DRF's compact UTF-8 JSON, encoded by orjson: several times faster than the standard
    library's encoder on a page of commitments. What orjson does not know (lazy translations,
    decimals) goes through DRF's own encoder; an indented response (asked for with
    `; indent=`) is left to DRF."""

    _default = staticmethod(JSONEncoder().default)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        body = orjson.dumps(data, default=self._default)
        # As DRF does: these two line separators are valid JSON but break JavaScript source.
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


class CSVRenderer(BaseRenderer):
    """A spreadsheet-ready CSV of a list: one row per item, the columns of the view's
    `csv_columns`, lists joined with "; ". (A library would flatten nested JSON into
    columns such as themes.0.slug; analysts want one readable column per field.)"""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:  # 304 Not Modified
            return b""
        if not isinstance(data, list):  # an error: keep its message readable
            return "\n".join(f"{key}: {value}" for key, value in data.items()).encode()
        return b"".join(csv_chunks(renderer_context["view"].csv_columns, [data]))


def csv_chunks(columns, batches):
    """The CSV of `batches` (lists of rows, as a list serializer gives them), one encoded chunk
    per batch after the header's: what a streamed export sends as it reads."""
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for rows in batches:
        for row in rows:
            writer.writerow({key: cell(value) for key, value in row.items()})
        yield output.getvalue().encode(CSVRenderer.charset)
        output.seek(0)
        output.truncate()
    if output.tell():  # the header of an export with no batch at all
        yield output.getvalue().encode(CSVRenderer.charset)


def cell(value):
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    # A spreadsheet would run analyst text such as "=HYPERLINK(...)" as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
