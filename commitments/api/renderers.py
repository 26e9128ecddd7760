import csv
import datetime
import io
import re
from decimal import Decimal

import orjson
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from rest_framework import fields, renderers, status
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

from commitments.api import problems


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


class ProblemJSONRenderer(JSONRenderer):
    """An error's problem (RFC 9457), chosen by the exception handler, never negotiated: its
    format is JSON's, so the views treat it as the JSON it is."""

    media_type = problems.MEDIA_TYPE


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


# A spreadsheet runs a cell that starts with one of these as a formula, white space before it
# or not: analyst text such as "=HYPERLINK(...)" must stay words.
FORMULA_START = re.compile(r"[\t\r]|\s*[=+\-@]")
# The same after a separator inside a cell that the CSV does not quote: a program whose list
# separator is ";" (that of many locales) or a tab reads "x;=1+1" as "x" and "=1+1". An
# apostrophe goes before the prefix. (A cell with a comma or a line break is quoted by the CSV
# writer, and stays one cell whatever the separator: its text, "rose, -3%" or a list of
# "- " items, is left as written.)
FORMULA_AFTER_SEPARATOR = re.compile(r"(?<=[;\t])([\s\"]*)(?=[=+\-@])")


def cell(value):
    """A value as a CSV cell: lists joined with "; ", and text never a formula in a
    spreadsheet, however it splits the line (the XLSX's text cells are text by type)."""
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if isinstance(value, str):
        value = FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
        if FORMULA_START.match(value):
            value = "'" + value
    return value


class XLSXRenderer(BaseRenderer):
    """The CSV's rows as an Excel workbook (`?format=xlsx`): the same columns (the view's
    `csv_columns`), in the same order, a bold header row frozen above them; dates, times and
    numbers as Excel's own, typed by the view's serializer fields; every text a text cell,
    never a formula. An attachment named after the CSV's file and today's date:
    commitments.csv gives commitments-2026-12-01.xlsx.

    A view takes it as it takes the CSVRenderer: it needs `csv_columns`, `csv_filename` and a
    serializer (get_serializer) whose fields are those columns. `data` is the list of rows the
    CSV would get, or a workbook the view built already (xlsx_workbook), as the feed does
    from its batches. An error comes back as JSON, not as a workbook."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:  # 304 Not Modified
            return b""
        response = renderer_context["response"]
        if response.status_code >= status.HTTP_400_BAD_REQUEST:
            # A client that asked for a workbook still learns what was wrong, field by field.
            response["Content-Type"] = JSONRenderer.media_type
            return JSONRenderer().render(data, JSONRenderer.media_type, renderer_context)
        view = renderer_context["view"]
        if not isinstance(data, bytes):
            data = xlsx_workbook(view.csv_columns, view.get_serializer().fields, [data])
        stem = view.csv_filename.removesuffix(".csv")
        response["Content-Disposition"] = (
            f'attachment; filename="{stem}-{timezone.localdate().isoformat()}.xlsx"'
        )
        return data


def xlsx_workbook(columns, declared_fields, batches):
    """The XLSX file (bytes) of `batches` (lists of rows, as for csv_chunks), with the
    `columns` of the serializer fields `declared_fields`. openpyxl's write-only mode keeps the
    rows written in a temporary file, not in memory: only the finished file is held."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.freeze_panes = "A2"
    header = []
    for name in columns:
        title = WriteOnlyCell(sheet, name)
        title.font = Font(bold=True)
        header.append(title)
    sheet.append(header)
    convert = [_xlsx_converter(declared_fields[name]) for name in columns]
    try:
        for rows in batches:
            for row in rows:
                sheet.append(
                    [
                        None if (value := row[name]) is None else to_cell(sheet, value)
                        for name, to_cell in zip(columns, convert, strict=True)
                    ]
                )
    except BaseException:
        # Saving removes the rows' temporary file; a workbook given up on must remove it too,
        # or it stays until the process ends (openpyxl's writer has no public way to).
        sheet.close()
        sheet._writer.cleanup()
        raise
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _xlsx_converter(field):
    """How a value of `field`'s representation becomes a cell. The serializer gives dates,
    times and decimals as text (ISO 8601, the decimal's digits), as the JSON and the CSV have
    them: they are read back into Excel's types. Lists are joined as in the CSV."""
    if isinstance(field, fields.DateTimeField):
        return lambda sheet, value: _local_time(value)
    if isinstance(field, fields.DateField):
        return lambda sheet, value: datetime.date.fromisoformat(value)
    if isinstance(field, fields.DecimalField):
        return _decimal_converter(field.decimal_places)
    return _plain_cell


# Excel holds a number to 15 significant digits: beyond them it would round it silently.
EXCEL_DIGITS = 15


def _decimal_converter(places):
    number_format = "#,##0" + ("." + "0" * places if places else "")

    def to_cell(sheet, value):
        text = str(value)
        if len(Decimal(text).as_tuple().digits) > EXCEL_DIGITS:
            return _plain_cell(sheet, text)  # exact, as text, rather than rounded
        # openpyxl writes a Decimal through a float ("%.16g": 9390.79 becomes
        # 9390.790000000001); a number cell holding the decimal's own digits is written as is.
        number = WriteOnlyCell(sheet, text)
        number.data_type = "n"
        number.number_format = number_format
        return number

    return to_cell


def _local_time(value):
    # Excel's times have no time zone: they are the project's (TIME_ZONE), as the dashboard's.
    moment = datetime.datetime.fromisoformat(value)
    return timezone.localtime(moment).replace(tzinfo=None)


def _plain_cell(sheet, value):
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if isinstance(value, Promise):  # a label, translated as it is read
        value = str(value)
    if not isinstance(value, str):
        return value
    # Control characters are not allowed in an XLSX file at all.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value[:1] == "=" or value in ERROR_CODES:
        # openpyxl would write "=HYPERLINK(...)" as a formula and "#N/A" as an error: as in
        # the CSV (cell()), analyst text must never run in a spreadsheet.
        text = WriteOnlyCell(sheet, value)
        text.data_type = "s"
        return text
    return value
