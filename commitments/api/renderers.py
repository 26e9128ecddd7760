import csv
import io

from rest_framework.renderers import BaseRenderer


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
        view = renderer_context["view"]
        output = io.StringIO()
        writer = csv.DictWriter(output, fieldnames=view.csv_columns, extrasaction="ignore")
        writer.writeheader()
        for row in data:
            writer.writerow({key: cell(value) for key, value in row.items()})
        return output.getvalue().encode(self.charset)


def cell(value):
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    # A spreadsheet would run analyst text such as "=HYPERLINK(...)" as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
