"""A commitment, its partners and its current status, and how commitments are read (staleness,
search, as of a date). Not the status updates the current status derives from (assessments.py).

A commitment's current status is denormalised onto the commitment so that lists and dashboards
never have to look at the history; `commitments.services` (record_status_update, and
import_status_updates for a CSV file) is the only code that writes it, in the same transaction
as the status updates it derives from.
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connections, models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.db.models.query import ValuesIterable
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.models.bounds import (
    MAX_CADENCE_DAYS,
    MAX_PARAGRAPH,
    _date_in_range,
    _date_range_message,
    end_of_day,
    optional_date,
)
from commitments.models.in_effect import InEffectColumn, InEffectJoin
from commitments.models.reference import (
    Partner,
    Pillar,
    Place,
    SourceDocument,
    Theme,
    _ancestor_ids,
    _parent_field,
)
from commitments.models.vocabulary import Releasability, Status


class AddDays(models.Func):
    """A date plus a whole number of days, computed in the database. (Django cannot multiply
    a column by an interval on SQLite, so the date arithmetic is spelled out per backend.)"""

    arity = 2
    output_field = models.DateField()
    template = "(%(expressions)s)"
    arg_joiner = " + "  # PostgreSQL: date + integer is a date.

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="DATE(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra_context,
        )


def stale_q(today=None, prefix="", as_of="current_as_of"):
    """The condition "stale" on commitments, or on related commitments with a prefix such as
    "commitments__": never assessed, or not since the latest as-of date plus the commitment's
    cadence (the project-wide STALE_AFTER_DAYS when it has none). `as_of`: the column of the
    latest as-of date (as_of_then on a CommitmentQuerySet.as_of() queryset, with its date for
    `today`)."""
    today = today or timezone.localdate()
    cadence = Coalesce(F(f"{prefix}update_cadence_days"), Value(settings.STALE_AFTER_DAYS))
    review_due = AddDays(F(f"{prefix}{as_of}"), cadence)
    return Q(**{f"{prefix}{as_of}__isnull": True}) | Q(LessThan(review_due, today))


def days_overdue(as_of, cadence_days, today=None):
    """Days since a new assessment of a commitment last assessed at `as_of` fell due (0 or
    fewer: not due yet); None when it has never been assessed. stale_q in Python, for a row
    at hand."""
    if as_of is None:
        return None
    today = today or timezone.localdate()
    # A difference of dates cannot overflow, where a date plus a cadence could.
    return (today - as_of).days - (cadence_days or settings.STALE_AFTER_DAYS)


def is_stale(as_of, cadence_days, today=None):
    overdue = days_overdue(as_of, cadence_days, today)
    return overdue is None or overdue > 0


# A search is at most this long: on SQLite each word is one more condition on four columns, and
# SQLite refuses a statement whose expression tree is too deep (a few hundred words).
SEARCH_MAX_WORDS = 10
SEARCH_MAX_LENGTH = 200
# PostgreSQL's text search configuration: English stems words ("decisions" finds "decision")
# and leaves out stop words ("the", "of").
SEARCH_CONFIG = "english"


def search_words(text):
    """The words of a search, or ValidationError when there are too many to run."""
    words = text.split()
    if len(text) > SEARCH_MAX_LENGTH or len(words) > SEARCH_MAX_WORDS:
        raise ValidationError(
            gettext(
                "Search for at most %(max_words)s words and %(max_length)s characters (this "
                "search has %(words)s words and %(length)s characters)."
            )
            % {
                "max_words": SEARCH_MAX_WORDS,
                "max_length": SEARCH_MAX_LENGTH,
                "words": len(words),
                "length": len(text),
            },
            code="search_too_long",
        )
    return words


def search_vector(summary, *, code="code", title="title", text="text"):
    """A commitment's search vector (PostgreSQL): what it is found by, weighted for ranking. The
    code and title weigh most (A), then the text quoted from its source (B), then the summary
    of the update that gives it its current status (C). The commitment's columns by default,
    for an UPDATE of it; an INSERT, which cannot read the row it writes, passes values."""
    return (
        SearchVector(code, title, config=SEARCH_CONFIG, weight="A")
        + SearchVector(text, config=SEARCH_CONFIG, weight="B")
        + SearchVector(summary, config=SEARCH_CONFIG, weight="C")
    )


# The columns of a commitment's current status, and the annotations of
# CommitmentQuerySet.as_of() that hold the same on a date.
AS_OF_COLUMNS = {
    "current_status": "status_then",
    "current_progress": "progress_then",
    "current_as_of": "as_of_then",
    "last_recorded_at": "last_recorded_then",
    "last_approved_at": "last_approved_then",
}
NOW_OF = {then: now for now, then in AS_OF_COLUMNS.items()}


class _AsOfRows(ValuesIterable):
    """Rows of an as_of() queryset under the names of the current status's columns."""

    @staticmethod
    def names(names):
        """The names of the columns `names` of the `.values()` of an as_of() queryset, as
        these rows give them (raw_sql.read_values reads a page of them itself)."""
        return [NOW_OF.get(name, name) for name in names]

    def __iter__(self):
        for row in super().__iter__():
            yield {NOW_OF.get(name, name): value for name, value in row.items()}


class _WordsUnseenByThePlanner(SearchQuery):
    """A search query that PostgreSQL plans without reading its words, `(SELECT
    websearch_to_tsquery(...))`: a value it learns when the statement runs, so that it
    estimates the match at its default selectivity, a small one, whatever the words."""

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = super().as_sql(compiler, connection, function, template)
        return f"(SELECT {sql})", params


class _UnseenByThePlanner(models.Func):
    """A value that PostgreSQL learns when the statement runs, not when it plans it: `(SELECT
    value)`, computed once per run (an InitPlan). Every value is then planned alike, at the
    planner's default selectivity, and a prepared statement's one generic plan costs what a
    plan made for its values would: PostgreSQL keeps it instead of planning every run. The
    value itself elsewhere (SQLite)."""

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection)
        # Typed: the parameter of a prepared statement would otherwise be text.
        return f"(SELECT {sql}::{self.output_field.db_type(connection)})", params


class _AmongKeys(models.Func):
    """`key = ANY(ARRAY(subquery))`: the subquery's keys as one array, which PostgreSQL
    computes once and then looks up by index, whatever else the statement filters on. (`key IN
    (subquery)` is a semi-join that it plans among all the statement's other joins, and with
    a few of them, as filters on partners and places add, it may join every other row first.)"""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (key, key_params), (keys, keys_params) = map(compiler.compile, self.source_expressions)
        return f"{key} = ANY(ARRAY{keys})", (*key_params, *keys_params)


class _TitleWords(models.Func):
    """`ts_filter(vector, '{a}')`: a search vector's words weighted A (a commitment's code and
    title, search_vector), which commitment_search_title_idx indexes (migration 0036)."""

    template = "ts_filter(%(expressions)s, '{a}')"
    output_field = SearchVectorField()


class _FirstByTitle(models.Expression):
    """The keys of a slice of a search ranked by relevance (`keys`, sliced [start:stop]),
    found among the commitments whose code or title holds the word when that is enough.

    For a search of one word, `ts_rank` (no normalization, the default weights) ranks every
    commitment that holds the word with weight A (code, title) above every one that holds it
    only in its text or summary. PostgreSQL's rank of one word (tsrank.c, calc_rank_or) is
    (w + r - w/(m+1)²) / 1.6449, where w is the greatest weight of the word's positions, m the
    first of them with it (counting from 0) and r the sum of weight(i)/(i+1)² over them all:
    at least 1/1.6449 = 0.61 when w is A (1.0), since r holds w/(m+1)²; and at most
    (0.4 + 0.36) / 1.6449 = 0.46 when w is B (0.4) or less, whatever the positions (those
    before m weigh 0.2 at most). So when at least `stop` commitments hold the word in their
    code or title, the first `stop` of the search are the first `stop` of those, in the same
    order: ranked from commitment_search_title_idx's few matches instead of every match.
    Otherwise (fewer of them, several words, a phrase, a word left out) every match is
    ranked, as before; the statement decides which when it runs, from the count of the first."""

    output_field = models.IntegerField()

    def __init__(self, keys, start, stop):
        super().__init__()
        self.keys, self.start, self.stop = keys, start, stop

    def as_sql(self, compiler, connection):
        ordering = [name.removeprefix("-") for name in self.keys.query.order_by]
        columns = [f"k{i}" for i in range(len(ordering))]
        order = ", ".join(
            f"{column} {'DESC' if name.startswith('-') else 'ASC'}"
            for column, name in zip(columns, self.keys.query.order_by, strict=True)
        )
        first = self.keys.filter(search_in_title=True, search_terms=1).values(
            "pk", **{column: F(name) for column, name in zip(columns, ordering, strict=True)}
        )[: self.stop]
        first_sql, first_params = first.query.get_compiler(connection=connection).as_sql()
        all_sql, all_params = (
            self.keys[self.start : self.stop].query.get_compiler(connection=connection).as_sql()
        )
        sql = (
            f"(WITH first_by_title(key, {', '.join(columns)}) AS MATERIALIZED ({first_sql}) "
            f"SELECT page.key FROM (SELECT key FROM first_by_title ORDER BY {order} "
            f"OFFSET %s) page WHERE (SELECT count(*) FROM first_by_title) = %s "
            f"UNION ALL SELECT ranked.key FROM ({all_sql}) ranked(key) "
            f"WHERE (SELECT count(*) FROM first_by_title) < %s)"
        )
        return sql, (*first_params, self.start, self.stop, *all_params, self.stop)


class CommitmentQuerySet(models.QuerySet):
    def search(self, text):
        """Commitments that match a search of their code, title, text and current summary (that
        of the update that gives them their current status). Raises ValidationError for a
        search beyond SEARCH_MAX_WORDS or SEARCH_MAX_LENGTH.

        On PostgreSQL a web search (websearch_to_tsquery: every word, in any of its forms,
        "a quoted phrase", -a word left out, OR), through the stored search vector and its GIN
        index, most relevant first: a later order_by replaces that. Elsewhere (SQLite, for
        development and tests) every word as a substring of any of the four, in the list's
        order: good enough for a few hundred commitments, and no vector to keep."""
        words = search_words(text)
        if connections[self.db].vendor == "postgresql":
            query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
            unseen = _WordsUnseenByThePlanner(text, config=SEARCH_CONFIG, search_type="websearch")
            # Relevance, then the Roadmap's order: pages of equally relevant rows stay stable.
            # search_counted, the same match, is how count() counts a search alone.
            return (
                self.filter(search_vector=query)
                .alias(
                    search_rank=SearchRank(F("search_vector"), query),
                    search_counted=SearchVectorExact(F("search_vector"), unseen),
                    # How a page is found among the matches of the code and title
                    # (_FirstByTitle).
                    search_in_title=SearchVectorExact(_TitleWords(F("search_vector")), query),
                    search_terms=models.Func(
                        query, function="numnode", output_field=models.IntegerField()
                    ),
                )
                .order_by("-search_rank", *self.model._meta.ordering)
            )
        # By name: status updates name their commitment (assessments.py imports this module
        # for it), so this module cannot import them back.
        # The stored current status's summary, as PostgreSQL's vector holds it: the public's.
        StatusUpdate = apps.get_model("commitments", "StatusUpdate")
        summary = (
            StatusUpdate.objects.readable_by(Releasability.PUBLIC)
            .newest_standing(OuterRef("pk"))
            .values("summary")[:1]
        )
        condition = Q()
        for word in words:
            condition &= (
                Q(code__icontains=word)
                | Q(title__icontains=word)
                | Q(text__icontains=word)
                | Q(current_summary__icontains=word)
            )
        return self.alias(current_summary=Subquery(summary)).filter(condition)

    def seen_by(self, clearance):
        """The commitments as a reader of `clearance` (a Releasability) reads them today: for
        the public, this queryset itself, whose stored current status is the public's (its
        columns, their indexes, and not one join more); for a reader cleared beyond it,
        as_of(today) computed from the records they may read (a coalition assessment newer
        than the last public one gives members its status). Either is read alike by rows(),
        shown(), stale() and fresh()."""
        clearance = Releasability(clearance)
        if clearance == Releasability.PUBLIC:
            return self
        return self.as_of(timezone.localdate(), clearance=clearance)

    def as_of(self, date, known_on=None, *, one_plan=False, clearance=Releasability.PUBLIC):
        """The commitments as they stood on `date`: those created by its end, each with the
        status, progress and as-of date of its newest update that counts then
        (StatusUpdateQuerySet.counting: dated on or before `date`, and standing as known by
        the end of `known_on`, or as known now without it), annotated under the names
        AS_OF_COLUMNS gives, with `last_recorded_then` and `last_approved_then` (when that update
        was recorded and approved: as_of(today) reads what the stored columns hold) and
        `stale_then` (stale on `date`). `rows()` reads them under the current_* names, so a
        representation reads either kind of queryset alike. The update is joined once per
        commitment (in_effect.InEffectJoin: a LATERAL join on PostgreSQL), an index read of
        statusupdate_history_idx however long its history, and only by a query that reads it.

        `one_plan`: the end of the day is unseen by PostgreSQL's planner (_UnseenByThePlanner),
        so that a page of these commitments, alone, is one plan for every day, prepared once
        per connection (plans_alike, raw_sql.read_values) instead of planned for each request
        (1.5 ms at size M, for 0.6 to run). The plan is the same one: a page read off the
        list's order, filtered by the day; the count reads commitment_created_idx either way.

        `clearance`: the records that count are those a reader of it may read, and corrections
        beyond it replace nothing (RecordQuerySet.readable_by): as_of(today) for the public
        reads what the stored columns hold."""
        # By name, as in search().
        StatusUpdate, Review = (
            apps.get_model("commitments", name) for name in ("StatusUpdate", "Review")
        )
        created_by = end_of_day(date)
        if one_plan:
            created_by = _UnseenByThePlanner(created_by, output_field=models.DateTimeField())
        chosen = self.filter(created_at__lt=created_by)
        joined = InEffectJoin.add_to(chosen.query, date, known_on, Releasability(clearance))

        def then(field, model=StatusUpdate):
            return InEffectColumn(joined, model._meta.get_field(field))

        return chosen.annotate(
            status_then=Coalesce(
                then("status"), Value(Status.NOT_ASSESSED), output_field=models.CharField()
            ),
            progress_then=then("progress"),
            as_of_then=then("as_of"),
            last_recorded_then=then("created_at"),
            last_approved_then=then("decided_at", Review),
        ).annotate(
            stale_then=models.Case(
                models.When(stale_q(date, as_of="as_of_then"), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    @property
    def is_as_of(self):
        """Whether this queryset is one of as_of()."""
        return "status_then" in self.query.annotations

    @property
    def plans_alike(self):
        """Whether PostgreSQL plans this queryset's statement alike whatever the values of its
        parameters: as_of(one_plan=True) and no other filter. The day the planner sees is that
        of the update in effect, an index read per commitment for any day; read_values
        prepares the statement of a page of it once per connection (execute_prepared)."""
        where = self.query.where
        return (
            self.is_as_of
            and not where.negated
            and len(where.children) == 1
            and isinstance(getattr(where.children[0], "rhs", None), _UnseenByThePlanner)
        )

    def shown(self, column):
        """The column that holds `column` (a key of AS_OF_COLUMNS) on this queryset: as_of()'s
        annotation of it, or the column itself."""
        return AS_OF_COLUMNS.get(column, column) if self.is_as_of else column

    def rows(self, *columns):
        """`values(*columns)`; on an as_of() queryset the current_* columns hold what they
        held on its date, under their own names. A slice of the rows of a search is read by
        the keys of the slice first (`__getitem__`)."""
        if not self.is_as_of:
            rows = self.values(*columns)
        else:
            rows = self.values(*[AS_OF_COLUMNS.get(column, column) for column in columns])
            rows._iterable_class = _AsOfRows
        if self.is_ranked_search:
            rows._keys = self.values("pk")  # The same rows, found and ordered the same way.
        return rows

    def __getitem__(self, k):
        """A slice of the rows of a search (rows() on a search() queryset, sliced as it is, as
        a paginator does): the rows whose keys are that slice of the search's keys, in the
        same order. PostgreSQL ranks every match to find a page, and would otherwise join
        every match with the tables the columns come from and sort them whole; the keys alone
        are ranked, and only the page's rows joined. Anything chained onto the rows (a
        filter, another order) drops this, and slices as usual."""
        keys = getattr(self, "_keys", None)
        if keys is None or self._result_cache is not None or not isinstance(k, slice) or k.step:
            return super().__getitem__(k)
        order = keys.query.order_by
        if (
            k.stop is not None
            and order[:1] == ("-search_rank",)
            and all(map(str.__instancecheck__, order))
        ):
            return self.filter(_AmongKeys(F("pk"), _FirstByTitle(keys, k.start or 0, k.stop)))
        return self.filter(_AmongKeys(F("pk"), Subquery(keys[k])))

    def count(self):
        """The number of rows; of a search alone (no other filter), counted by the GIN index
        alone. Planning a count of a word found in most commitments, PostgreSQL expects the
        index to cost about as much as reading the whole table and matching every row's
        vector, and does the latter; but the index finds them without matching a vector
        (it still reads each page that holds a match: PostgreSQL 15.20 skips no all-visible
        page of a bitmap scan), several times faster. The search's match again, with
        words it cannot see when it plans (the same rows), makes it take the index. Not with
        other filters: the small estimate of the matches it then makes would mislead its
        choice among them (a theme, found in a few commitments, would be checked for each
        match instead of the other way round).

        Of an as-of day alone (plans_alike): its one condition, counted by a statement of its
        own, prepared once per connection (commitment_created_idx counts it). Django's count
        took 0.9 ms of CPU to make a statement that runs in 0.15."""
        where = self.query.where.children
        if len(where) == 1 and isinstance(where[0], SearchVectorExact):
            return super(CommitmentQuerySet, self.filter(search_counted=True)).count()
        if self.plans_alike and self._result_cache is None and not self.query.is_sliced:
            return self._count_where()
        return super().count()

    def _count_where(self):
        """COUNT(*) of this queryset's table by its where clause alone (no join, no
        annotation, no slice)."""
        from commitments.selectors.raw_sql import execute_prepared  # (its package reads models)

        compiler = self.query.get_compiler(using=self.db)
        condition, params = compiler.compile(self.query.where)
        table = compiler.quote_name_unless_alias(self.query.get_initial_alias())
        with connections[self.db].cursor() as cursor:
            execute_prepared(cursor, f"SELECT COUNT(*) FROM {table} WHERE {condition}", params)
            return cursor.fetchone()[0]

    @property
    def is_ranked_search(self):
        """Whether this queryset is one of search() on PostgreSQL, ranked by relevance."""
        return "search_rank" in self.query.annotations

    def stale(self, today=None):
        """Commitments never assessed, or whose latest assessment is older than their cadence
        (on an as_of() queryset: were so on its date)."""
        if self.is_as_of:
            return self.filter(stale_then=True)
        return self.filter(stale_q(today))

    def fresh(self, today=None):
        if self.is_as_of:
            return self.filter(stale_then=False)
        return self.exclude(stale_q(today))

    def due_within(self, days, today=None):
        """Commitments stale today or falling due within `days` days: never assessed, or
        their latest as-of date plus their cadence is on or before today plus `days`."""
        today = today or timezone.localdate()
        # Due by that day is stale on the day after it.
        return self.filter(stale_q(today + datetime.timedelta(days=days + 1)))

    def with_owner(self):
        """Joined with what is shown of the owner, their names, and no more of the user:
        password hashes stay in the database."""
        from django.contrib.auth import get_user_model

        shown = {"id", "username", "first_name", "last_name"}
        user_fields = get_user_model()._meta.concrete_fields
        hidden = [f"owner__{field.name}" for field in user_fields if field.name not in shown]
        return self.select_related("owner").defer(*hidden)

    def with_is_stale(self, today=None):
        """Annotates `is_stale_flag`, for ordering and counting in the database."""
        return self.annotate(
            is_stale_flag=models.Case(
                models.When(stale_q(today), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )


class CommitmentManager(models.Manager.from_queryset(CommitmentQuerySet)):
    def get_queryset(self):
        # The search vector is read by the database's search only: rows read into Python (a
        # page of the API, the admin's lists) leave it behind.
        return super().get_queryset().defer("search_vector")


class PartnerRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    SUPPORT = "support", _("Support")


class CommitmentPartnerQuerySet(models.QuerySet):
    def leads(self):
        return self.filter(role=PartnerRole.LEAD)


class CommitmentPartner(models.Model):
    """A partner a commitment names, and its part in it: the lead, where the source says who
    leads, or support (everyone else). Declared before Commitment: simple_history records the
    rows of Commitment.partners' through model, and needs the class itself, not its name."""

    Role = PartnerRole

    commitment = models.ForeignKey(
        "Commitment", on_delete=models.CASCADE, related_name="partner_links"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="commitment_links")
    role = models.CharField(
        max_length=10,
        choices=PartnerRole.choices,
        default=PartnerRole.SUPPORT,
        help_text=_("Lead only where the source says this partner leads."),
    )

    objects = CommitmentPartnerQuerySet.as_manager()

    class Meta:
        # The link table Django made for Commitment.partners before roles existed: its rows,
        # its data-version triggers (migration 0005) and its history are kept under its name.
        db_table = "commitments_commitment_partners"
        ordering = ["partner__name"]
        verbose_name = _("partner of a commitment")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "partner"],
                name="commitmentpartner_unique_pair",
                violation_error_message=_("A partner is named once per commitment."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=PartnerRole.values),
                name="commitmentpartner_role_valid",
                violation_error_message=_("Choose lead or support."),
            ),
        ]

    def __str__(self):
        return f"{self.partner} ({self.get_role_display().lower()}) in {self.commitment.code}"


class Commitment(models.Model):
    """One undertaking of a source document, quoted verbatim, with its current status."""

    Status = Status

    code = models.CharField(
        max_length=20,
        unique=True,
        # Said once for every check of a duplicate: the API's, the admin's and the database's.
        error_messages={"unique": _("A commitment with this code already exists.")},
        validators=[
            RegexValidator(
                r"^[A-Z]{2,6}-[0-9]+(\.[0-9]+)*$",
                _("Use an uppercase prefix, a dash and a number, e.g. MIL-1 or GLB-2.3."),
            )
        ],
        help_text=_(
            "Stable human code, e.g. MIL-1; a child adds a dotted number (GLB-2.3). "
            "It never changes once created."
        ),
    )
    title = models.CharField(max_length=200, help_text=_("Short title for lists."))
    text = models.TextField(help_text=_("The commitment, quoted verbatim from its source."))
    source_document = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="commitments"
    )
    paragraph = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PARAGRAPH)],
        help_text=_("Paragraph of the source document the text is quoted from (first = 1)."),
    )
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="commitments")
    parent = _parent_field(
        _("Set when this commitment is one of several tools listed by a wider one.")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="commitments")
    places = models.ManyToManyField(Place, blank=True, related_name="commitments")
    partners = models.ManyToManyField(
        Partner, through=CommitmentPartner, blank=True, related_name="commitments"
    )
    target_date = optional_date(_("The target date"), _("When it should be achieved, if set."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_commitments",
        # Chosen among active staff (the admin's and the API's choices), and kept when they
        # leave: no limit_choices_to here, which would refuse every later edit of the
        # commitment until someone chose a new owner.
        help_text=_("The analyst responsible for assessing it, reminded when it is due."),
    )
    update_cadence_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CADENCE_DAYS)],
        # Said to analysts in days, not in the name of a setting; the admin's form adds how
        # many days the default is.
        help_text=format_lazy(
            _(
                "How often it should be assessed, in days (1 to {max}). Empty: the project's "
                "default cadence."
            ),
            max=MAX_CADENCE_DAYS,
        ),
    )

    # The current status, kept by services.record_status_update, approve_or_return and
    # import_status_updates only: database triggers (migration 0023) refuse any value but that
    # of the newest standing update, whoever writes it.
    current_status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_ASSESSED, editable=False
    )
    current_progress = models.PositiveSmallIntegerField(null=True, editable=False)
    current_as_of = models.DateField(null=True, editable=False)
    # When the update that gives the current status was recorded and approved (approved on
    # submission, where review is off: then both are the same moment). Derived from that one
    # update, so that CommitmentQuerySet.as_of(today) reads the same: not the latest approval
    # of any update, which a back-dated one that does not become current would move.
    last_recorded_at = models.DateTimeField(
        null=True,
        editable=False,
        help_text=_("When the status update that gives the current status was recorded."),
    )
    last_approved_at = models.DateTimeField(
        null=True,
        editable=False,
        help_text=_("When the status update that gives the current status was approved."),
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text=_("Goes up by one on every edit of the commitment.")
    )
    # What a search finds it by (models.search_vector), on PostgreSQL; kept by the services in
    # the statements that write its code, title, text or current status, so that it never
    # moves the data version on its own. Always empty on SQLite, whose search reads the
    # columns themselves (CommitmentQuerySet.search).
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    # Who changed what and when. The current status is left out: its own history is the
    # status updates, which are never changed. The search vector is derived from the rest.
    history = HistoricalRecords(
        excluded_fields=[
            "current_status",
            "current_progress",
            "current_as_of",
            "last_recorded_at",
            "last_approved_at",
            "search_vector",
        ],
        m2m_fields=["themes", "places", "partners"],
    )

    objects = CommitmentManager()

    class Meta:
        ordering = ["source_document_id", "paragraph", "code"]
        # The clearances (commitments.clearance), granted through the clearance groups
        # (roles.CLEARANCE_PERMISSIONS). On the commitment, as what they open is its records.
        permissions = [
            ("read_coalition", "Can read what is released to the coalition"),
            ("read_secretariat", "Can read what is released to the secretariat"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(paragraph__gte=1, paragraph__lte=MAX_PARAGRAPH),
                name="commitment_paragraph_range",
                violation_error_message=format_lazy(
                    _("Paragraphs are numbered from 1 to {max}."), max=MAX_PARAGRAPH
                ),
            ),
            models.CheckConstraint(
                condition=Q(update_cadence_days__isnull=True)
                | Q(update_cadence_days__gte=1, update_cadence_days__lte=MAX_CADENCE_DAYS),
                name="commitment_cadence_range",
                violation_error_message=format_lazy(
                    _("The update cadence is from 1 to {max} days."), max=MAX_CADENCE_DAYS
                ),
            ),
            models.CheckConstraint(
                condition=_date_in_range("target_date"),
                name="commitment_target_date_range",
                violation_error_message=_date_range_message(_("The target date")),
            ),
            models.CheckConstraint(
                condition=Q(current_progress__isnull=True)
                | Q(current_progress__gte=0, current_progress__lte=100),
                name="commitment_current_progress_0_100",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(current_status__in=Status.values),
                name="commitment_current_status_valid",
                violation_error_message=_("Choose a status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(current_status=Status.NOT_ASSESSED, current_as_of__isnull=True)
                | (~Q(current_status=Status.NOT_ASSESSED) & Q(current_as_of__isnull=False)),
                name="commitment_assessed_iff_as_of",
                violation_error_message=_(
                    "A commitment has an as-of date exactly when it has been assessed."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="commitment_not_own_parent",
                violation_error_message=_("A commitment cannot be its own parent."),
            ),
        ]
        indexes = [
            # Filtering by current status (API and admin filters, the "needs attention" list);
            # a page of the list filtered by status is read off it in the list's order, and
            # counted from it alone (the table's rows are wide: four to a page).
            models.Index(
                fields=["current_status", "source_document", "paragraph", "code"],
                name="commitment_status_order_idx",
            ),
            # The list filtered by pillar and status (?pillar=...&status=..., the dashboard's
            # filters): its page read in the list's order and its count from the index alone,
            # where PostgreSQL read and sorted every match (ten times as many at M as at S).
            models.Index(
                fields=["pillar", "current_status", "source_document", "paragraph", "code"],
                name="commitment_pillar_status_idx",
            ),
            # The stale filter compares the latest as-of date with a cut-off.
            models.Index(fields=["current_as_of"], name="commitment_as_of_idx"),
            # "Updated since" filters and ordering by the current update's approval.
            models.Index(fields=["last_approved_at"], name="commitment_last_approved_idx"),
            # The default order of every list (Meta.ordering): a page is read off this index
            # instead of sorting the whole table for each page.
            models.Index(
                fields=["source_document", "paragraph", "code"], name="commitment_list_order_idx"
            ),
            # The as-of list's count, of the commitments created by a day's end
            # (CommitmentQuerySet.as_of): counted from this index alone, where reading the
            # table's wide rows took 7-15 ms at size M.
            models.Index(fields=["created_at"], name="commitment_created_idx"),
            # The search (CommitmentQuerySet.search) has a GIN index on search_vector, on
            # PostgreSQL only: migration 0018 makes it outside the model's state, since SQLite
            # has no GIN and would fail to make it again whenever it rebuilds this table.
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("commitment", args=[self.code])

    @property
    def stale_after_days(self):
        return self.update_cadence_days or settings.STALE_AFTER_DAYS

    def days_overdue(self, today=None):
        return days_overdue(self.current_as_of, self.update_cadence_days, today)

    def is_stale(self, today=None):
        return is_stale(self.current_as_of, self.update_cadence_days, today)

    def clean(self):
        if self.pk is not None and self.pk in _ancestor_ids(self):
            raise ValidationError(
                {"parent": _("A commitment cannot be its own parent or ancestor.")}
            )
