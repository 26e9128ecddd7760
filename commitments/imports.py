"""Status updates from a CSV file (`manage.py import_updates` and the admin's import page): reading
the file and checking every row. The one write is `commitments.services.import_status_updates`,
which has the rows checked here before it writes anything.

A row may give its evidence as the ids of pieces of evidence already recorded (`evidence`, the
API's rule: ids its importer may read), or, as spreadsheets kept it before evidence was graded, as
a URL and a source (`evidence_url`, `evidence_source`): a shortcut, which the import records as a
new piece of evidence, ungraded (F6), dated and marked as the row, that the row's update cites
(commitments.services.status_imports).

The rows are checked against the same rules as StatusUpdate's field validators, constraints and
clean(); the choices, lengths and validators are read from the model, not copied, so that a
rule changed there changes here, and the database's constraints remain the last line of defence.
They are checked in plain Python rather than with full_clean(), which is far too slow for files
of hundreds of thousands of rows, and column by column: each rule runs once per distinct value
(a file holds a few dozen codes and statuses, a few thousand dates), and the rows are gone
through one by one only to name those at fault.

A file is read as spreadsheets save it in any locale: columns separated by commas, semicolons or
tabs, in UTF-8 or, failing that, Windows-1252 (with a warning). A file is imported once: its
SHA-256 is kept on its ImportReceipt, and the same file again is refused.
"""

import codecs
import copy
import csv
import datetime
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commitments.clearance import clearance_of, default_releasability, marking_refusal
from commitments.migration_sql import evidence_source
from commitments.models import (
    UNGRADED,
    Commitment,
    Evidence,
    ImportReceipt,
    Releasability,
    Status,
    StatusUpdate,
)

REQUIRED_COLUMNS = ("commitment", "status", "as_of", "summary")
OPTIONAL_COLUMNS = (
    "progress",
    "evidence",
    "evidence_url",
    "evidence_source",
    "confidence",
    "releasability",
)
# A header with more columns than this cannot be right, and is refused as soon as it is read,
# before its rows: its checks would otherwise run on every one of its names.
MAX_COLUMNS = len(REQUIRED_COLUMNS) + len(OPTIONAL_COLUMNS)
BAD_ROWS_SHOWN = 10
# What may separate columns, by name: Excel saves "CSV" with the list separator of its locale,
# a semicolon wherever the comma is the decimal mark.
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# Tried when a file is not UTF-8: what Excel saves as "CSV" in Western Europe and the Americas.
# It reads Latin-1 text the same, but for control characters nobody types.
FALLBACK_ENCODING = "cp1252"
PROGRESS_EVERY = 10_000  # rows between two calls of a progress callback

_field = StatusUpdate._meta.get_field
STATUSES = [value for value, _label in _field("status").choices]
CONFIDENCES = [value for value, _label in _field("confidence").choices]
MARKINGS = Releasability.values
# Traffic-light (RAG) ratings, as trackers kept in spreadsheets often give them: each word is the
# status that is shown in its colour (models.STATUS_COLOURS). Only the import reads them.
RAG_STATUSES = {"green": Status.ON_TRACK, "amber": Status.AT_RISK, "red": Status.OFF_TRACK}
PROGRESS_MIN = max(v.limit_value for v in _field("progress").validators if isinstance(v, MinValueValidator))  # fmt: skip
PROGRESS_MAX = min(v.limit_value for v in _field("progress").validators if isinstance(v, MaxValueValidator))  # fmt: skip
SUMMARY_MAX_LENGTH = _field("summary").max_length  # None: a TextField, as long as it needs
EVIDENCE_URL_MAX_LENGTH = Evidence._meta.get_field("url").max_length
EVIDENCE_SOURCE_MAX_LENGTH = Evidence._meta.get_field("source").max_length
# The evidence URL field's own validator, with its pattern compiled once rather than reached
# through Django's lazy wrapper on every call, which is a third of its time.
_url_validator = copy.copy(next(v for v in Evidence._meta.get_field("url").validators if isinstance(v, URLValidator)))  # fmt: skip
_url_validator.regex = re.compile(_url_validator.regex.pattern, _url_validator.regex.flags)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# What separates the ids of an `evidence` cell.
_EVIDENCE_IDS = re.compile(r"[\s;]+")
# Evidence ids looked up at a time: one query each, whatever the number of rows.
EVIDENCE_LOOKUP_CHUNK = 900
# UTF-8's letters and punctuation of Western European text (é, «, curly quotes). Read as
# Windows-1252 they are pairs such as "Ã©" that nobody writes: a file holding them and bytes
# that are not UTF-8 is a mix of the two.
_UTF8_WESTERN = re.compile(rb"[\xc2\xc3][\x80-\xbf]|\xe2[\x80-\xbf]{2}")


@dataclass(frozen=True)
class BadCell:
    """What is wrong in a row of the file: the line it starts on, the column(s) at fault (none
    when the row as a whole is misshapen) and what to fix."""

    line: int
    columns: tuple[str, ...]
    problem: str


class ImportRefused(Exception):
    """The file cannot be imported, and nothing was written. The message says what to fix;
    `bad_cells` lists every fault of every bad row, in file order, when the rows are at fault
    (the message names the first BAD_ROWS_SHOWN rows only)."""

    def __init__(self, problem, bad_cells=()):
        super().__init__(_("Nothing imported: %(problem)s") % {"problem": problem})
        self.bad_cells = list(bad_cells)


@dataclass(frozen=True)
class Table:
    """A CSV file's header and rows of cells, and the line of the file each row starts on (a
    quoted cell may span lines); the SHA-256 of the file's bytes, what separates its columns,
    and what was assumed in reading it, for the importer to be told."""

    name: str
    columns: list[str]
    rows: list[list[str]]
    lines: list[int]
    sha256: str
    delimiter: str = ","
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class GivenEvidence:
    """Evidence a row gives as a URL and a source (the import's shortcut): the piece of
    evidence it becomes, ungraded, dated and marked as the row."""

    url: str
    source: str
    date: datetime.date
    releasability: str

    def piece(self, *, author, recorded_at, summary):
        """The piece of evidence, unsaved. Its source is the row's, or else its URL's host; a
        source without a URL is its own reference (as migration 0043 moved them)."""
        reliability, credibility = UNGRADED
        return Evidence(
            source=evidence_source(self.url, self.source),
            url=self.url,
            reference="" if self.url else self.source,
            date=self.date,
            summary=summary,
            reliability=reliability,
            credibility=credibility,
            releasability=self.releasability,
            author=author,
            created_at=recorded_at,
        )


@dataclass(frozen=True)
class NewUpdates:
    """Checked rows, in file order, as a column per StatusUpdate field; and what each row
    cites (`cited`: ids of evidence recorded already, and a GivenEvidence for its URL and
    source), which evidence_cited counts."""

    commitment_id: tuple[int, ...]
    status: tuple[str, ...]
    progress: tuple[int | None, ...]
    as_of: tuple[datetime.date, ...]
    summary: tuple[str, ...]
    evidence_cited: tuple[int, ...]
    confidence: tuple[str, ...]
    releasability: tuple[str, ...]
    cited: tuple[tuple[int | GivenEvidence, ...], ...] = field(
        default=(), metadata={"column": False}
    )

    def __len__(self):
        return len(self.status)

    @classmethod
    def field_names(cls):
        """The StatusUpdate fields, as the rows are written."""
        return [field.name for field in fields(cls) if field.metadata.get("column", True)]

    def columns(self):
        return [getattr(self, name) for name in self.field_names()]


def read_csv(path, *, progress=None) -> Table:
    """Reads a CSV file, leaving out blank rows: in UTF-8 (a byte order mark is allowed), or
    else Windows-1252 with a warning; its columns separated by commas, semicolons or tabs, as
    its header shows. `progress("reading", line, lines)`, when given, is called as it goes."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportRefused(
            _("cannot read %(path)s: %(error)s.") % {"path": path, "error": error.strerror}
        ) from error
    return parse_csv(data, name=str(path), progress=progress)


def parse_csv(data: bytes, *, name, progress=None) -> Table:
    """The table in a CSV file's content, as read_csv reads it; `name` names the file in what
    it says is wrong (an uploaded file has no path)."""
    if (nul := data.find(b"\x00")) >= 0:
        # No database text can hold one, and a file full of them is usually UTF-16.
        line = data.count(b"\n", 0, nul) + 1
        raise ImportRefused(
            _(
                "%(name)s contains NUL characters (line %(line)s). Save it as CSV UTF-8 and "
                "import it again."
            )
            % {"name": name, "line": line}
        )
    encoding, warnings = _encoding(data, name)
    delimiter = _delimiter(data, encoding, name)
    total = data.count(b"\n") + 1
    # Decoded as it is read, rather than held whole in a StringIO, which takes four bytes a
    # character.
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    rows, lines = [], []
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused(
                _("%(name)s is empty: its first line must be a header. %(columns)s")
                % {"name": name, "columns": _COLUMNS}
            )
        if len(header) > MAX_COLUMNS:
            columns = [column.strip().lower() for column in header]
            problems = [
                _("the header has %(count)s columns, where there are %(max)s at most")
                % {"count": f"{len(header):,}", "max": MAX_COLUMNS},
                *_column_problems(columns),
            ]
            raise ImportRefused(_columns_refusal(name, problems))
        last_line = reader.line_num
        for cells in reader:
            # Spreadsheets save empty rows as lines of commas.
            if any(cells):
                rows.append(cells)
                lines.append(last_line + 1)
            last_line = reader.line_num
            if progress and not len(rows) % PROGRESS_EVERY:
                progress("reading", last_line, total)
    except csv.Error as error:
        raise ImportRefused(
            _("%(name)s, line %(line)s: %(error)s.")
            % {"name": name, "line": reader.line_num, "error": error}
        ) from error
    if progress:
        progress("reading", total, total)
    columns = [column.strip().lower() for column in header]
    digest = hashlib.sha256(data).hexdigest()
    return Table(name, columns, rows, lines, digest, delimiter, warnings)


def _encoding(data, name):
    """The encoding a file is read in, and the warnings it gives: UTF-8, or else Windows-1252,
    which is said, for the importer to check its accented letters. A file that is neither, or
    mixes UTF-8 with another encoding, is refused saying how to save it."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
    else:
        return "utf-8-sig", ()
    save_it = _("Save it as CSV UTF-8 and import it again.")
    if data.startswith(codecs.BOM_UTF8) or _UTF8_WESTERN.search(data):
        raise ImportRefused(
            _("%(name)s mixes UTF-8 and another encoding (line %(line)s). %(save_it)s")
            % {"name": name, "line": line, "save_it": save_it}
        )
    try:
        data.decode(FALLBACK_ENCODING)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportRefused(
            _("%(name)s is neither UTF-8 nor Windows-1252 text (line %(line)s). %(save_it)s")
            % {"name": name, "line": line, "save_it": save_it}
        ) from error
    return FALLBACK_ENCODING, (
        _(
            "%(name)s is not UTF-8 (line %(line)s): it was read as Windows-1252 (Western "
            "European, as Excel saves “CSV”; Latin-1 reads the same). Check that its accented "
            "letters read right; if they do not, save it as “CSV UTF-8” and import that."
        )
        % {"name": name, "line": line},
    )


def _delimiter(data, encoding, name):
    """What separates the columns, as the header shows it: the column names hold no commas,
    semicolons or tabs, where a summary may hold any of them. An empty file has commas, for
    the reader to say it is empty."""
    end = data.find(b"\n")
    header = data[: end if end >= 0 else len(data)].decode(encoding, errors="replace")
    if not header.strip():
        return ","
    try:
        # The start of the header is enough, however many columns follow.
        return csv.Sniffer().sniff(header[:1000], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error as error:
        raise ImportRefused(
            _(
                "%(name)s: cannot tell what separates the columns of its header: use commas. %(columns)s"
            )
            % {"name": name, "columns": _COLUMNS}
        ) from error


_COLUMNS = format_lazy(
    gettext_lazy("The columns are {required}, and optionally {optional}, in any order."),
    required=", ".join(REQUIRED_COLUMNS),
    optional=", ".join(OPTIONAL_COLUMNS),
)


def _columns_refusal(name, problems):
    return _("%(name)s: %(problems)s. %(columns)s") % {
        "name": name,
        "problems": "; ".join(problems),
        "columns": _COLUMNS,
    }


def check_rows(table: Table, *, importer, progress=None) -> NewUpdates:
    """Checks every row of the table, and gives them back as new updates when all are valid.
    A row's marking is checked against `importer`'s clearance, as the service checks an update's
    (Record.clean_marking); an empty one is RELEASABILITY_DEFAULT_STATUSUPDATE.

    Raises ImportRefused when the file was imported already, saying when and by whom; naming
    the columns at fault; or else the first BAD_ROWS_SHOWN bad rows by line, each with what to
    fix, and how many rows are bad in all.
    `progress("checking", rules, total)`, when given, is called as the rules are checked.
    """
    refuse_if_imported(table)
    positions = _column_positions(table)
    if not table.rows:
        raise ImportRefused(_("%(name)s has a header but no rows.") % {"name": table.name})
    width = len(table.columns)
    misshapen = {row for row, cells in enumerate(table.rows) if len(cells) != width}
    rows = table.rows
    if misshapen:
        blank = [""] * width  # what is read from them: they are reported as misshapen only
        rows = [blank if row in misshapen else cells for row, cells in enumerate(rows)]
    # One column per StatusUpdate field, each cell stripped; an absent column is all empty.
    absent = ("",) * len(rows)
    cells = [*zip(*rows, strict=True), absent]
    codes, statuses, as_ofs, summaries, progresses, ids, urls, sources, confidences, markings = (
        tuple(map(str.strip, cells[position])) for position in positions
    )
    # A status or confidence may be written as the admin shows it ("At risk", "Medium").
    rag = [(status, word) for word, status in RAG_STATUSES.items()]
    statuses = _as_values(statuses, [*_field("status").choices, *rag])
    confidences = _as_values(confidences, _field("confidence").choices)
    default = default_releasability(StatusUpdate).value
    markings = tuple(marking or default for marking in _as_values(markings, Releasability.choices))

    def marking_problem(marking):
        if marking not in Releasability.values:
            return _("releasability %(value)s is not one of %(choices)s, nor empty") % {
                "value": _shown(marking),
                "choices": ", ".join(MARKINGS),
            }
        if refusal := marking_refusal(importer, marking):
            return f"releasability: {refusal[:1].lower()}{refusal[1:].removesuffix('.')}"
        return None

    commitments = {
        code: (pk, issued_on, document)
        # The whole table, in one query: a roadmap's worth of commitments, and no need to pass
        # every code of a big file as a parameter.
        for code, pk, issued_on, document in Commitment.objects.values_list(
            "code", "pk", "source_document__issued_on", "source_document__short_name"
        )
    }
    today = timezone.localdate()
    # The typed value of each distinct cell, or what is wrong with it.
    dates = {text: _date(text) for text in set(as_ofs)}
    percents = {text: _percent(text) for text in set(progresses)}
    cited_ids = _evidence_ids(set(ids), importer)

    def completed_problem(pair):
        return _completed_problem(pair[0], percents[pair[1]])

    def issued_problem(pair):
        return _issued_problem(commitments.get(pair[0]), dates[pair[1]])

    # Each rule: the column(s) it reads, by name, what is wrong with a cell (or a pair of
    # cells), and the column(s) themselves.
    rules = [
        # The foreign key.
        (("commitment",), lambda code: _commitment_problem(code, commitments), codes),
        # statusupdate_status_valid: the statuses an analyst can record.
        (("status",), _status_problem, statuses),
        # statusupdate_progress_0_100 and the field's validators; empty: not measured.
        (("progress",), lambda text: _problem(percents[text]), progresses),
        # statusupdate_completed_is_100, and clean().
        (("status", "progress"), completed_problem, statuses, progresses),
        # The field, and clean(): a date, not in the future...
        (
            ("as_of",),
            lambda text: _problem(dates[text]) or _future_problem(dates[text], today),
            as_ofs,
        ),
        # ... nor before the commitment's source document was issued (clean()).
        (("commitment", "as_of"), issued_problem, codes, as_ofs),
        # statusupdate_summary_not_empty, and clean() (the service strips it too).
        (("summary",), _summary_problem, summaries),
        # The URL field's validators (an empty one is allowed), and the lengths of fields.
        (("evidence",), lambda text: _problem(cited_ids[text]), ids),
        (("evidence_url",), _url_problem, urls),
        (("evidence_source",), _source_problem, sources),
        # statusupdate_confidence_valid; empty is allowed.
        (("confidence",), _confidence_problem, confidences),
        # statusupdate_releasability_valid, and clean(): no narrower than the importer's
        # clearance.
        (("releasability",), marking_problem, markings),
    ]
    checks = []
    for done, (names, problem_of, *columns) in enumerate(rules, start=1):
        checks.append(_Check(names, problem_of, *columns))
        if progress:
            progress("checking", done, len(rules))
    failed = [check for check in checks if check.problems]
    if failed or misshapen:
        _refuse(table, misshapen, failed)
    commitment_ids = {code: pk for code, (pk, _issued_on, _document) in commitments.items()}
    as_of = tuple(map(dates.__getitem__, as_ofs))
    cited = tuple(
        (*cited_ids[text], GivenEvidence(url, source, date, marking)) if url or source
        else cited_ids[text]
        for text, url, source, date, marking in zip(ids, urls, sources, as_of, markings, strict=True)
    )  # fmt: skip
    return NewUpdates(
        commitment_id=tuple(map(commitment_ids.__getitem__, codes)),
        status=statuses,
        progress=tuple(map(percents.__getitem__, progresses)),
        as_of=as_of,
        summary=summaries,
        evidence_cited=tuple(map(len, cited)),
        confidence=confidences,
        releasability=markings,
        cited=cited,
    )


def refuse_if_imported(table: Table):
    """Raises ImportRefused when a file of the same bytes was imported already, saying when and
    by whom: imported again, it would record every row twice."""
    receipt = ImportReceipt.objects.filter(sha256=table.sha256).select_related("user").first()
    if receipt is None:
        return
    who = receipt.user.get_full_name() or receipt.user.get_username()
    when = timezone.localtime(receipt.imported_at)
    updates = ngettext("%(count)s update", "%(count)s updates", receipt.updates) % {
        "count": receipt.updates
    }
    raise ImportRefused(
        _(
            "%(name)s was imported already, by %(who)s on %(when)s (%(updates)s). A file is "
            "imported once: its rows are in the history."
        )
        % {
            "name": table.name,
            "who": who,
            "when": _("%(day)s at %(time)s") % {"day": f"{when:%d %b %Y}", "time": f"{when:%H:%M}"},
            "updates": updates,
        }
    )


def repeated_rows(table: Table, updates: NewUpdates) -> list[str]:
    """A warning for each checked row that repeats an update already recorded (the same
    commitment, status, as-of date and summary), naming its line. Not a fault, as a commitment
    may stand still; but a row repeated word for word was most likely imported before, from
    another copy of the file."""
    history = (
        StatusUpdate.objects.filter(
            commitment_id__in=set(updates.commitment_id),
            as_of__range=(min(updates.as_of), max(updates.as_of)),
        )
        .order_by("created_at")
        .values_list(
            "commitment_id", "status", "as_of", "summary", "commitment__code", "created_at"
        )
    )
    recorded = {}
    for *update, code, created_at in history:
        recorded.setdefault(tuple(update), (code, created_at))
    rows = zip(updates.commitment_id, updates.status, updates.as_of, updates.summary, strict=True)
    warnings = []
    for line, row in zip(table.lines, rows, strict=True):
        if row in recorded:
            code, created_at = recorded[row]
            warnings.append(
                _(
                    "Line %(line)s repeats the update of %(code)s recorded on %(when)s (the same "
                    "status, as-of date and summary): importing it records it again."
                )
                % {
                    "line": line,
                    "code": code,
                    "when": _("%(day)s at %(time)s")
                    % {
                        "day": f"{timezone.localtime(created_at):%d %b %Y}",
                        "time": f"{timezone.localtime(created_at):%H:%M}",
                    },
                }
            )
    return warnings


def column_help():
    """What each column takes, by column in the order of a template's header: the import page
    lists it. Required columns first."""
    statuses = ", ".join(f"{value} ({label})" for value, label in _field("status").choices)
    rag = ", ".join(
        _("%(word)s for %(status)s") % {"word": word, "status": Status(status).label}
        for word, status in RAG_STATUSES.items()
    )
    return {
        "commitment": _("A commitment's code, such as MIL-1."),
        "status": _(
            "One of %(statuses)s: the value or the label, in any case. Or a traffic-light "
            "rating: %(rag)s."
        )
        % {"statuses": statuses, "rag": rag},
        "as_of": _(
            "The date the assessment describes, as YYYY-MM-DD: not in the future, nor before "
            "the commitment's source document was issued."
        ),
        "summary": _("What happened, and why the status is what it is."),
        "progress": _(
            "The percentage done, a whole number from %(min)s to %(max)s, or empty if not "
            "measured; a completed commitment's is %(max)s or empty."
        )
        % {"min": PROGRESS_MIN, "max": PROGRESS_MAX},
        "evidence": _(
            "The ids of pieces of evidence already recorded that the update cites, separated "
            "by spaces or semicolons (e.g. 12; 15), each one you may read; or empty."
        ),
        "evidence_url": _(
            "A web address, up to %(max)s characters, or empty: with or without "
            "evidence_source, a new piece of evidence the update cites, ungraded (F6), dated "
            "its as_of and marked as it is."
        )
        % {"max": EVIDENCE_URL_MAX_LENGTH},
        "evidence_source": _(
            "Where that evidence comes from, up to %(max)s characters (empty: the URL's host), "
            "or empty."
        )
        % {"max": EVIDENCE_SOURCE_MAX_LENGTH},
        "confidence": _("One of %(choices)s, in any case, or empty.")
        % {"choices": ", ".join(CONFIDENCES)},
        "releasability": _(
            "Who may read it: one of %(choices)s, in any case, or empty for the project's "
            "default (%(default)s). No narrower than your own clearance."
        )
        % {"choices": ", ".join(MARKINGS), "default": default_releasability(StatusUpdate)},
    }


# The template's rows, under every column: one written with the status's value, one with its label
# and a quoted cell.
TEMPLATE_EXAMPLES = [
    {
        "status": "on_track",
        "summary": "Example: the first 200 officers are trained; the second cohort starts in May.",
        "progress": "40",
        "evidence_url": "https://example.org/progress-report.pdf",
        "evidence_source": "Progress report, first quarter",
        "confidence": "high",
    },
    {
        "status": "At risk",
        "summary": 'Example: funding for the next phase is late, so the "pilot" may slip.',
        "confidence": "medium",
    },
]


def template(codes, as_of) -> bytes:
    """A file to start from: every column, and TEMPLATE_EXAMPLES as of `as_of`, one for each
    commitment of `codes` (a database without commitments gets the header only). In UTF-8 with
    a byte order mark, which makes Excel open it as "CSV UTF-8" and save it so again."""
    columns = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for code, example in zip(codes, TEMPLATE_EXAMPLES, strict=False):
        row = {"commitment": code, "as_of": f"{as_of}", **example}
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode("utf-8-sig")


def _as_values(cells, choices):
    """Each cell as the value of a choice, when it names one by value or label, the label in
    English or in the importer's language (or another name, as a (value, name) pair) in any
    case; anything else as it was, for the checks to refuse."""
    with translation.override("en"):
        english = {str(label).casefold(): value for value, label in choices}
    names = {name.casefold(): value for value, label in choices for name in (value, str(label))}
    names = {**english, **names}
    converted = {text: names.get(text.casefold(), text) for text in set(cells)}
    return tuple(map(converted.__getitem__, cells))


class _Check:
    """A rule over a column, or over pairs of cells of two columns: the problem of each distinct
    value found once, and kept for the values that have one."""

    def __init__(self, names, problem_of, column, other_column=None):
        self.names = names
        self.columns = (column,) if other_column is None else (column, other_column)
        values = (
            set(column) if other_column is None else set(zip(column, other_column, strict=True))
        )
        problems = ((value, problem_of(value)) for value in values)
        self.problems = {value: problem for value, problem in problems if problem}

    def problem(self, row):
        cells = tuple(column[row] for column in self.columns)
        return self.problems.get(cells if len(cells) > 1 else cells[0])


def _refuse(table, misshapen, failed):
    bad, shown, bad_cells = 0, [], []
    width = len(table.columns)
    for row, line in enumerate(table.lines):
        if row in misshapen:
            cells = len(table.rows[row])
            problems = [
                BadCell(
                    line,
                    (),
                    ngettext(
                        "%(count)s cell where the header has %(width)s: quote a value that "
                        "contains a %(delimiter)s",
                        "%(count)s cells where the header has %(width)s: quote a value that "
                        "contains a %(delimiter)s",
                        cells,
                    )
                    % {"count": cells, "width": width, "delimiter": DELIMITERS[table.delimiter]},
                )
            ]
        else:
            problems = [
                BadCell(line, check.names, problem)
                for check in failed
                if (problem := check.problem(row))
            ]
        if problems:
            bad += 1
            bad_cells += problems
            if len(shown) < BAD_ROWS_SHOWN:
                shown.append(
                    _("Line %(line)s: %(problems)s.")
                    % {"line": line, "problems": "; ".join(cell.problem for cell in problems)}
                )
    values = {"count": bad, "name": table.name, "shown": BAD_ROWS_SHOWN}
    if bad > BAD_ROWS_SHOWN:
        heading = ngettext(
            "%(count)s bad row in %(name)s; the first %(shown)s:",
            "%(count)s bad rows in %(name)s; the first %(shown)s:",
            bad,
        )
    else:
        heading = ngettext("%(count)s bad row in %(name)s:", "%(count)s bad rows in %(name)s:", bad)
    heading = heading % values
    raise ImportRefused("\n".join([heading, *shown]), bad_cells)


def _column_positions(table):
    """Where each column of NewUpdates is in a row; an absent optional column is read from one
    past the last."""
    columns = table.columns
    if problems := _column_problems(columns):
        raise ImportRefused(_columns_refusal(table.name, problems))
    return [
        columns.index(name) if name in columns else len(columns)
        for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    ]


def _column_problems(columns):
    """What is wrong with a header's column names, in time linear in their number (a header
    may be sent with tens of thousands)."""
    problems = []
    counts = Counter(columns)
    if "corrects" in counts:
        problems.append(
            _(
                "corrections cannot be imported: record each in the admin or the API, which ask "
                "for the update it corrects"
            )
        )
    known = {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, "corrects"}
    if unknown := [name for name in counts if name not in known]:
        problems.append(
            ngettext("unknown column %(names)s", "unknown columns %(names)s", len(unknown))
            % {"names": _names(unknown)}
        )
    if missing := [name for name in REQUIRED_COLUMNS if name not in counts]:
        problems.append(
            ngettext("missing column %(names)s", "missing columns %(names)s", len(missing))
            % {"names": _names(missing)}
        )
    if twice := sorted(name for name, count in counts.items() if count > 1):
        problems.append(
            ngettext(
                "column %(names)s more than once", "columns %(names)s more than once", len(twice)
            )
            % {"names": _names(twice)}
        )
    return problems


# Names listed in a message; the rest are counted.
NAMES_SHOWN = 10


def _names(names):
    shown = ", ".join(_shown(name) for name in names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        return _("%(shown)s and %(more)s more") % {
            "shown": shown,
            "more": f"{len(names) - NAMES_SHOWN:,}",
        }
    return shown


def _shown(value):
    """A value quoted for a message, cut short when long."""
    return repr(value if len(value) <= 40 else value[:39] + "…")


def _commitment_problem(code, commitments):
    if not code:
        return _("commitment is empty: give a commitment's code, such as MIL-1")
    if code not in commitments:
        return _("no commitment with code %(code)s") % {"code": _shown(code)}
    return None


def _status_problem(status):
    if status not in STATUSES:
        return _("status %(value)s is not one of %(choices)s") % {
            "value": _shown(status),
            "choices": ", ".join(STATUSES),
        }
    return None


def _percent(text):
    """The progress a cell gives (None when empty), or what is wrong with it."""
    if not text:
        return None
    if text.isascii() and text.isdigit() and PROGRESS_MIN <= int(text) <= PROGRESS_MAX:
        return int(text)
    return _("progress %(value)s is not a whole number from %(min)s to %(max)s, nor empty") % {
        "value": _shown(text),
        "min": PROGRESS_MIN,
        "max": PROGRESS_MAX,
    }


def _completed_problem(status, percent):
    if status == Status.COMPLETED and isinstance(percent, int) and percent < PROGRESS_MAX:
        return _(
            "a completed commitment is %(max)s%% done: set progress to %(max)s or leave it empty"
        ) % {"max": PROGRESS_MAX}
    return None


def _date(text):
    """The date a cell gives as YYYY-MM-DD, or what is wrong with it."""
    if not text:
        return _("as_of is empty: give the date the assessment describes, as YYYY-MM-DD")
    if _DATE.fullmatch(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    return _("as_of %(value)s is not a date as YYYY-MM-DD") % {"value": _shown(text)}


def _problem(value):
    """What is wrong with a cell, when reading it gave a problem rather than a value."""
    return value if isinstance(value, str) else None


def _future_problem(date, today):
    if isinstance(date, datetime.date) and date > today:
        return _("as_of %(date)s is in the future (today is %(today)s)") % {
            "date": date,
            "today": today,
        }
    return None


def _issued_problem(commitment, date):
    if commitment is None or isinstance(date, str):
        return None  # said by the checks of the code and of the date
    _pk, issued_on, document = commitment
    if date < issued_on:
        return _("as_of %(date)s is before %(document)s was issued (%(issued_on)s)") % {
            "date": date,
            "document": document,
            "issued_on": issued_on,
        }
    return None


def _summary_problem(summary):
    if not summary:
        return _("summary is empty: say what happened and why the status is what it is")
    return _length_problem("summary", summary, SUMMARY_MAX_LENGTH)


def _url_problem(url):
    if not url:
        return None
    if problem := _length_problem("evidence_url", url, EVIDENCE_URL_MAX_LENGTH):
        return problem
    try:
        _url_validator(url)
    except ValidationError:
        return _("evidence_url %(value)s is not a valid URL") % {"value": _shown(url)}
    return None


def _evidence_ids(cells, importer):
    """For each distinct `evidence` cell, the ids it names, each once in the order given, or
    what is wrong with it: an id that is not a number, or not of evidence `importer` may read
    (the API's rule, services.evidence.cited_evidence). One query per EVIDENCE_LOOKUP_CHUNK
    distinct ids, none without any."""
    named = {}
    for cell in cells:
        tokens = [token.removeprefix("#") for token in _EVIDENCE_IDS.split(cell) if token]
        if not all(token.isascii() and token.isdigit() for token in tokens):
            named[cell] = _(
                "evidence %(value)s is not a list of evidence ids separated by spaces or semicolons"
            ) % {"value": _shown(cell)}
        else:
            named[cell] = tuple(dict.fromkeys(map(int, tokens)))
    wanted = sorted({pk for ids in named.values() if not isinstance(ids, str) for pk in ids})
    readable = Evidence.objects.readable_by(clearance_of(importer))
    found = set()
    for start in range(0, len(wanted), EVIDENCE_LOOKUP_CHUNK):
        chunk = wanted[start : start + EVIDENCE_LOOKUP_CHUNK]
        found.update(readable.filter(pk__in=chunk).values_list("pk", flat=True))
    for cell, ids in named.items():
        if not isinstance(ids, str) and (missing := [pk for pk in ids if pk not in found]):
            named[cell] = (
                _("there is no evidence #%(pk)s that you may cite: check its id")
                % {"pk": missing[0]}
                if len(missing) == 1
                else _("there is no evidence %(ids)s that you may cite: check their ids")
                % {"ids": ", ".join(f"#{pk}" for pk in missing)}
            )
    return named


def _source_problem(source):
    return _length_problem("evidence_source", source, EVIDENCE_SOURCE_MAX_LENGTH)


def _length_problem(column, text, max_length):
    if max_length is not None and len(text) > max_length:
        return _("%(column)s has %(length)s characters, more than the %(max)s allowed") % {
            "column": column,
            "length": len(text),
            "max": max_length,
        }
    return None


def _confidence_problem(confidence):
    if confidence and confidence not in CONFIDENCES:
        return _("confidence %(value)s is not one of %(choices)s, nor empty") % {
            "value": _shown(confidence),
            "choices": ", ".join(CONFIDENCES),
        }
    return None
