"""The Roadmap's commitments, where they come from, and their status over time.

A commitment's current status is denormalised onto the commitment so that lists and dashboards
never have to look at the history; `commitments.services` (record_status_update, and
import_status_updates for a CSV file) is the only code that writes it, in the same transaction
as the status updates it derives from.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.db.models.query import ValuesIterable
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from commitments.currencies import CODES as CURRENCY_CODES


class Status(models.TextChoices):
    """Where a commitment stands. `not_assessed` is never recorded by anyone: it is what a
    commitment shows until its first status update."""

    NOT_ASSESSED = "not_assessed", "Not assessed"
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"

    @classmethod
    def assessments(cls):
        """The statuses an analyst can record."""
        return [(value, label) for value, label in cls.choices if value != cls.NOT_ASSESSED]


# How each status is shown, in the order statuses are listed and stacked (done first, then the
# healthy, then the troubled): the one source of the vocabulary's colours and order, served by
# GET /api/v1/statuses/ to the dashboard and used by the admin. Every colour is shown beside its
# label or a count as text, and white text on each passes WCAG AA contrast.
STATUS_COLOURS = {
    Status.COMPLETED: "#1e40af",
    Status.ON_TRACK: "#166534",
    Status.NOT_STARTED: "#4b5563",
    Status.AT_RISK: "#92400e",
    Status.OFF_TRACK: "#991b1b",
    Status.DISCONTINUED: "#374151",
    Status.NOT_ASSESSED: "#6b7280",
}


# How statuses compare, the higher the better: the one order that "improved" and "worsened"
# mean (GET /api/v1/changes/), served with the vocabulary. Not started, discontinued and not
# assessed stand outside it: a change to or from one of them is a change of status, neither
# better nor worse (Change.CHANGED), and a first assessment is Change.NEWLY_ASSESSED.
STATUS_RANK = {
    Status.OFF_TRACK: 1,
    Status.AT_RISK: 2,
    Status.ON_TRACK: 3,
    Status.COMPLETED: 4,
}


def status_vocabulary():
    """Every status with its label, colour and rank (None: outside the order), in display
    order."""
    assessable = {value for value, _ in Status.assessments()}
    return [
        {
            "value": status.value,
            "label": status.label,
            "colour": colour,
            "assessable": status.value in assessable,
            "rank": STATUS_RANK.get(status),
        }
        for status, colour in STATUS_COLOURS.items()
    ]


class Change(models.TextChoices):
    """How a commitment moved between two dates (selectors.changes_between)."""

    IMPROVED = "improved", "Improved"
    WORSENED = "worsened", "Worsened"
    # To or from a status outside STATUS_RANK's order (not started, discontinued).
    CHANGED = "changed", "Status changed"
    # The same status, its progress moved.
    PROGRESS_MOVED = "progress_moved", "Progress moved"
    NEWLY_ASSESSED = "newly_assessed", "Newly assessed"
    BECAME_STALE = "became_stale", "Became stale"


def change_between(before, after, *, stale_before, stale_after):
    """How a commitment moved from `before` to `after`, each a (status, progress) pair (before
    None: the commitment did not exist yet), or None when it did not: a first assessment, then
    a change of status (by STATUS_RANK), then of progress, then falling stale, in that order
    of precedence."""
    status_after, progress_after = after
    status_before, progress_before = before or (Status.NOT_ASSESSED, None)
    if status_before == Status.NOT_ASSESSED:
        return Change.NEWLY_ASSESSED if status_after != Status.NOT_ASSESSED else None
    if status_before != status_after:
        rank_before, rank_after = STATUS_RANK.get(status_before), STATUS_RANK.get(status_after)
        if rank_before is None or rank_after is None:
            return Change.CHANGED
        return Change.IMPROVED if rank_after > rank_before else Change.WORSENED
    if progress_before != progress_after:
        return Change.PROGRESS_MOVED
    if stale_after and not stale_before:
        return Change.BECAME_STALE
    return None


def start_of_day(day):
    """The first instant of `day`, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of_day(day):
    """The first instant after `day`, in the site's time zone: what was recorded "by `day`"
    was recorded before it."""
    return start_of_day(day + datetime.timedelta(days=1))


# Bounds of what a user can set: beyond them a value is a typo, and unbounded integers and dates
# reach arithmetic that overflows (staleness adds the cadence to a date).
MAX_CADENCE_DAYS = 3650  # ten years
MAX_PARAGRAPH = 9999
MAX_DISPLAY_ORDER = 32767
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def _date_in_range(field):
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": EARLIEST_DATE, f"{field}__lte": LATEST_DATE}
    )


def _date_range_message(label):
    return f"{label} must lie between {EARLIEST_DATE:%d %b %Y} and {LATEST_DATE:%d %b %Y}."


def _date_validators(label):
    return [
        MinValueValidator(EARLIEST_DATE, _date_range_message(label)),
        MaxValueValidator(LATEST_DATE, _date_range_message(label)),
    ]


def _ancestor_ids(node):
    """The ids of a node's parent, its parent's parent, and so on. Stops at a cycle, should one
    ever exist, instead of looping."""
    seen = []
    ancestor = node.parent
    while ancestor is not None and ancestor.pk not in seen:
        seen.append(ancestor.pk)
        ancestor = ancestor.parent
    return seen


def _slug_field(**kwargs):
    return models.SlugField(
        max_length=60,
        unique=True,
        help_text="Stable identifier used in URLs and the API.",
        **kwargs,
    )


class SourceDocument(models.Model):
    slug = _slug_field()
    short_name = models.CharField(max_length=100, help_text="How analysts refer to it.")
    title = models.CharField(max_length=300, help_text="Full title as published.")
    issuer = models.CharField(max_length=300, help_text="Who adopted or published it.")
    issued_on = models.DateField(
        validators=_date_validators("The date of adoption"),
        help_text="Date of adoption. No status update can be dated before it.",
    )
    url = models.URLField(
        "URL", max_length=500, blank=True, help_text="Where the text is published."
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["issued_on", "short_name"]
        verbose_name = "source document"
        constraints = [
            models.CheckConstraint(
                condition=_date_in_range("issued_on"),
                name="sourcedocument_issued_on_range",
                violation_error_message=_date_range_message("The date of adoption"),
            ),
        ]

    def __str__(self):
        return f"{self.short_name} ({self.issued_on:%d %b %Y})"


class Pillar(models.Model):
    """A line of effort of the Roadmap: military, humanitarian, stabilization, ..."""

    slug = _slug_field()
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    display_order = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_DISPLAY_ORDER)],
        help_text="Pillars are listed in this order (lowest first).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(display_order__gte=0, display_order__lte=MAX_DISPLAY_ORDER),
                name="pillar_display_order_range",
                violation_error_message=f"The display order is a number from 0 to {MAX_DISPLAY_ORDER}.",
            ),
        ]

    def __str__(self):
        return self.name


class Theme(models.Model):
    """A cross-cutting tag, such as foreign terrorist fighters or gender and women's inclusion."""

    slug = _slug_field()
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Place(models.Model):
    class Kind(models.TextChoices):
        GLOBAL = "global", "Global"
        REGION = "region", "Region"
        COUNTRY = "country", "Country"
        AREA = "area", "Area within a country"

    slug = _slug_field()
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The wider place this one lies in, e.g. Syria for northeast Syria.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["global", "region", "country", "area"]),
                name="place_kind_valid",
                violation_error_message="Choose a kind of place from the list.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="place_not_own_parent",
                violation_error_message="A place cannot lie within itself.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.pk is not None and self.pk in _ancestor_ids(self):
            raise ValidationError({"parent": "A place cannot lie within itself."})


class PartnerKind(models.TextChoices):
    MEMBER_STATE = "member_state", "Coalition member state"
    INTERNATIONAL_ORGANISATION = "international_organisation", "International organisation"
    LOCAL_PARTNER = "local_partner", "Local partner"
    WORKING_GROUP = "working_group", "Working group"
    OTHER = "other", "Other"


class Partner(models.Model):
    """Who works with the Coalition, or within it: a member state, an organisation, a local
    partner, a working group. The Roadmap's own partners come from its data file; members
    are added by Editors, since the Roadmap counts them ("The 80 members") without naming
    them."""

    Kind = PartnerKind

    slug = _slug_field()
    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(
        max_length=30,
        choices=PartnerKind.choices,
        help_text="A Coalition member state only where it is known to be a member; a "
        "government the Coalition supports is other.",
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PartnerKind.values),
                name="partner_kind_valid",
                violation_error_message="Choose a kind of partner from the list.",
            ),
        ]

    def __str__(self):
        return self.name


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
            f"Search for at most {SEARCH_MAX_WORDS} words and {SEARCH_MAX_LENGTH} characters "
            f"(this search has {len(words)} words and {len(text)} characters).",
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
    "last_update_at": "last_update_then",
}


class _AsOfRows(ValuesIterable):
    """Rows of an as_of() queryset under the names of the current status's columns."""

    def __iter__(self):
        renamed = [(then, now) for now, then in AS_OF_COLUMNS.items()]
        for row in super().__iter__():
            for then, now in renamed:
                if then in row:
                    row[now] = row.pop(then)
            yield row


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
            # Relevance, then the Roadmap's order: pages of equally relevant rows stay stable.
            return (
                self.filter(search_vector=query)
                .alias(search_rank=SearchRank(F("search_vector"), query))
                .order_by("-search_rank", *self.model._meta.ordering)
            )
        summary = StatusUpdate.objects.newest_standing(OuterRef("pk")).values("summary")[:1]
        condition = Q()
        for word in words:
            condition &= (
                Q(code__icontains=word)
                | Q(title__icontains=word)
                | Q(text__icontains=word)
                | Q(current_summary__icontains=word)
            )
        return self.alias(current_summary=Subquery(summary)).filter(condition)

    def as_of(self, date, known_on=None):
        """The commitments as they stood on `date`: those created by its end, each with the
        status, progress and as-of date of its newest update that counts then
        (StatusUpdateQuerySet.counting: dated on or before `date`, and standing as known by
        the end of `known_on`, or as known now without it), annotated under the names
        AS_OF_COLUMNS gives, with `last_update_then` (when that update was recorded) and
        `stale_then` (stale on `date`). `rows()` reads them under the current_* names, so a
        representation reads either kind of queryset alike. Each is an index read of
        statusupdate_history_idx per commitment, however long its history."""
        newest = StatusUpdate.objects.in_effect_on(date, known_on).filter(commitment=OuterRef("pk"))

        def then(column):
            return Subquery(newest.values(column)[:1])

        return (
            self.filter(created_at__lt=end_of_day(date))
            .annotate(
                status_then=Coalesce(
                    then("status"), Value(Status.NOT_ASSESSED), output_field=models.CharField()
                ),
                progress_then=then("progress"),
                as_of_then=then("as_of"),
                last_update_then=then("created_at"),
            )
            .annotate(
                stale_then=models.Case(
                    models.When(stale_q(date, as_of="as_of_then"), then=Value(True)),
                    default=Value(False),
                    output_field=models.BooleanField(),
                )
            )
        )

    @property
    def is_as_of(self):
        """Whether this queryset is one of as_of()."""
        return "status_then" in self.query.annotations

    def shown(self, column):
        """The column that holds `column` (a key of AS_OF_COLUMNS) on this queryset: as_of()'s
        annotation of it, or the column itself."""
        return AS_OF_COLUMNS.get(column, column) if self.is_as_of else column

    def rows(self, *columns):
        """`values(*columns)`; on an as_of() queryset the current_* columns hold what they
        held on its date, under their own names."""
        if not self.is_as_of:
            return self.values(*columns)
        rows = self.values(*[AS_OF_COLUMNS.get(column, column) for column in columns])
        rows._iterable_class = _AsOfRows
        return rows

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
    LEAD = "lead", "Lead"
    SUPPORT = "support", "Support"


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
        help_text="Lead only where the source says this partner leads.",
    )

    objects = CommitmentPartnerQuerySet.as_manager()

    class Meta:
        # The link table Django made for Commitment.partners before roles existed: its rows,
        # its data-version triggers (migration 0005) and its history are kept under its name.
        db_table = "commitments_commitment_partners"
        ordering = ["partner__name"]
        verbose_name = "partner of a commitment"
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "partner"],
                name="commitmentpartner_unique_pair",
                violation_error_message="A partner is named once per commitment.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=PartnerRole.values),
                name="commitmentpartner_role_valid",
                violation_error_message="Choose lead or support.",
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
        error_messages={"unique": "A commitment with this code already exists."},
        validators=[
            RegexValidator(
                r"^[A-Z]{2,6}-[0-9]+(\.[0-9]+)*$",
                "Use an uppercase prefix, a dash and a number, e.g. MIL-1 or GLB-2.3.",
            )
        ],
        help_text="Stable human code, e.g. MIL-1; a child adds a dotted number (GLB-2.3). "
        "It never changes once created.",
    )
    title = models.CharField(max_length=200, help_text="Short title for lists.")
    text = models.TextField(help_text="The commitment, quoted verbatim from its source.")
    source_document = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="commitments"
    )
    paragraph = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PARAGRAPH)],
        help_text="Paragraph of the source document the text is quoted from (first = 1).",
    )
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="commitments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Set when this commitment is one of several tools listed by a wider one.",
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="commitments")
    places = models.ManyToManyField(Place, blank=True, related_name="commitments")
    partners = models.ManyToManyField(
        Partner, through=CommitmentPartner, blank=True, related_name="commitments"
    )
    target_date = models.DateField(
        null=True,
        blank=True,
        validators=_date_validators("The target date"),
        help_text="When it should be achieved, if set.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_commitments",
        # Chosen among active staff (the admin's and the API's choices), and kept when they
        # leave: no limit_choices_to here, which would refuse every later edit of the
        # commitment until someone chose a new owner.
        help_text="The analyst responsible for assessing it, reminded when it is due.",
    )
    update_cadence_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CADENCE_DAYS)],
        # Said to analysts in days, not in the name of a setting; the admin's form adds how
        # many days the default is.
        help_text=f"How often it should be assessed, in days (1 to {MAX_CADENCE_DAYS}). Empty: "
        "the project's default cadence.",
    )

    # The current status, kept by services.record_status_update, approve_or_return and
    # import_status_updates only: database triggers (migration 0023) refuse any value but that
    # of the newest standing update, whoever writes it.
    current_status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_ASSESSED, editable=False
    )
    current_progress = models.PositiveSmallIntegerField(null=True, editable=False)
    current_as_of = models.DateField(null=True, editable=False)
    last_update_at = models.DateTimeField(
        null=True,
        editable=False,
        help_text="When a status update was last recorded, even a back-dated one.",
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up by one on every edit of the commitment."
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
            "last_update_at",
            "search_vector",
        ],
        m2m_fields=["themes", "places", "partners"],
    )

    objects = CommitmentManager()

    class Meta:
        ordering = ["source_document_id", "paragraph", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paragraph__gte=1, paragraph__lte=MAX_PARAGRAPH),
                name="commitment_paragraph_range",
                violation_error_message=f"Paragraphs are numbered from 1 to {MAX_PARAGRAPH}.",
            ),
            models.CheckConstraint(
                condition=Q(update_cadence_days__isnull=True)
                | Q(update_cadence_days__gte=1, update_cadence_days__lte=MAX_CADENCE_DAYS),
                name="commitment_cadence_range",
                violation_error_message=f"The update cadence is from 1 to {MAX_CADENCE_DAYS} days.",
            ),
            models.CheckConstraint(
                condition=_date_in_range("target_date"),
                name="commitment_target_date_range",
                violation_error_message=_date_range_message("The target date"),
            ),
            models.CheckConstraint(
                condition=Q(current_progress__isnull=True)
                | Q(current_progress__gte=0, current_progress__lte=100),
                name="commitment_current_progress_0_100",
                violation_error_message="Progress is a percentage from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(current_status__in=Status.values),
                name="commitment_current_status_valid",
                violation_error_message="Choose a status from the list.",
            ),
            models.CheckConstraint(
                condition=Q(current_status=Status.NOT_ASSESSED, current_as_of__isnull=True)
                | (~Q(current_status=Status.NOT_ASSESSED) & Q(current_as_of__isnull=False)),
                name="commitment_assessed_iff_as_of",
                violation_error_message="A commitment has an as-of date exactly when it has been assessed.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="commitment_not_own_parent",
                violation_error_message="A commitment cannot be its own parent.",
            ),
        ]
        indexes = [
            # Filtering by current status (API and admin filters, the "needs attention" list).
            models.Index(fields=["current_status"], name="commitment_status_idx"),
            # The stale filter compares the latest as-of date with a cut-off.
            models.Index(fields=["current_as_of"], name="commitment_as_of_idx"),
            # "Updated since" filters and ordering by last update.
            models.Index(fields=["last_update_at"], name="commitment_last_update_idx"),
            # The default order of every list (Meta.ordering): a page is read off this index
            # instead of sorting the whole table for each page.
            models.Index(
                fields=["source_document", "paragraph", "code"], name="commitment_list_order_idx"
            ),
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
            raise ValidationError({"parent": "A commitment cannot be its own parent or ancestor."})


class ReviewState(models.TextChoices):
    """Where an update stands in the four-eyes review (Review). Only approved updates count."""

    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for revision"

    @classmethod
    def of(cls, decision):
        """The state of an update with this Review decision (None: none yet)."""
        if decision is None:
            return cls.PENDING
        return cls.APPROVED if decision == Review.Decision.APPROVE else cls.RETURNED


def _approved_correction_of(outer="pk"):
    return StatusUpdate.objects.filter(corrects=OuterRef(outer), review__decision="approve")


class StatusUpdateQuerySet(models.QuerySet):
    def approved(self):
        """Updates a reviewer approved (or that were approved on submission, when review is
        off): the only ones that count, and the only ones anonymous readers see."""
        return self.filter(review__decision=Review.Decision.APPROVE)

    def pending(self):
        return self.filter(review__isnull=True)

    def returned(self):
        return self.filter(review__decision=Review.Decision.RETURN)

    def in_review_state(self, state):
        return {
            ReviewState.PENDING: self.pending,
            ReviewState.APPROVED: self.approved,
            ReviewState.RETURNED: self.returned,
        }[state]()

    def standing(self):
        """Approved updates that no approved correction has replaced: the history a
        commitment's current status is derived from. A correction stands in for the update it
        corrects, at the as-of date the correction states, once it is approved itself."""
        return self.approved().exclude(Exists(_approved_correction_of()))

    def known_by(self, moment):
        """Updates recorded and approved before `moment`."""
        return self.filter(
            created_at__lt=moment,
            review__decision=Review.Decision.APPROVE,
            review__decided_at__lt=moment,
        )

    def counting(self, known_on=None):
        """The standing history as it was known at the end of `known_on` (a date): updates
        recorded and approved by then that no correction recorded and approved by then had
        replaced. Without `known_on`, the standing history as known now (standing()). A
        correction replaces what it corrects from the day it is known, whatever date it
        states: it says that the update it corrects was wrong, not that the commitment changed
        on its date. CommitmentQuerySet.as_of() reads this history at a date."""
        if known_on is None:
            return self.standing()
        moment = end_of_day(known_on)
        corrections = StatusUpdate.objects.filter(corrects=OuterRef("pk")).known_by(moment)
        return self.known_by(moment).exclude(Exists(corrections))

    def in_effect_on(self, date, known_on=None):
        """The history that counts on `date` (counting(known_on), dated on or before it),
        newest first: the first of a commitment's gives it its status that day
        (CommitmentQuerySet.as_of)."""
        return (
            self.counting(known_on).filter(as_of__lte=date).order_by(*StatusUpdate._meta.ordering)
        )

    def correctable(self):
        """Updates a correction may name: standing ones, and returned ones, which their author
        answers with a correction (approve_or_return's message says so)."""
        return self.filter(
            Q(review__decision=Review.Decision.RETURN)
            | Q(Q(review__decision=Review.Decision.APPROVE), ~Exists(_approved_correction_of()))
        )

    def with_newest_rival(self):
        """Annotates `rival_id`: the newest standing update of the same commitment, leaving out
        the one this update corrects. Were this (pending) update approved, the commitment would
        show the newer of the two (approve_or_return's rule). An index read of
        statusupdate_history_idx per row."""
        rivals = (
            StatusUpdate.objects.filter(commitment=OuterRef("commitment"))
            .standing()
            # No update has id 0: one that corrects nothing leaves nothing out (a comparison
            # with NULL would leave out everything).
            .exclude(pk=Coalesce(OuterRef("corrects"), Value(0)))
            .order_by(*StatusUpdate._meta.ordering)
        )
        return self.annotate(rival_id=Subquery(rivals.values("pk")[:1]))

    def newest_standing(self, commitment):
        """The standing updates of `commitment` (a commitment, an id or an OuterRef), newest
        assessment first: the first gives the commitment its current status. A few reads of
        statusupdate_history_idx, however long the history."""
        return self.filter(commitment=commitment).standing().order_by(*StatusUpdate._meta.ordering)

    def superseded(self):
        """Updates an approved correction has replaced."""
        return self.filter(Exists(_approved_correction_of()))

    def live(self):
        """Updates not returned: pending or approved. An update has at most one live
        correction; a returned correction leaves room for another."""
        return self.exclude(review__decision=Review.Decision.RETURN)

    def unanswered(self):
        """Returned updates that no live correction answers yet: what their authors have to
        revise. A returned correction is answered by a later correction of the update it
        corrected (services.record_status_update points the answer there)."""
        answers = StatusUpdate.objects.filter(
            Q(corrects=OuterRef("pk"))
            | Q(corrects=OuterRef("corrects"), created_at__gt=OuterRef("created_at"))
        ).live()
        return self.returned().exclude(Exists(answers))

    def reviewable_by(self, user):
        """Pending updates that `user` may decide: anyone's but their own (four eyes)."""
        return self.pending().exclude(author=user)

    def for_display(self, known_on=None):
        """Joined with what an update shows of its commitment (the code) and of its author (the
        names), and no more: commitment texts and password hashes stay in the database. Each
        carries `corrected_by_id`, the correction that replaced it, if any (as known by the
        end of `known_on`, when given; an index read of StatusUpdate.corrects per row)."""
        own = [field.name for field in StatusUpdate._meta.concrete_fields]
        shown = ["commitment__code", "author__username", "author__first_name", "author__last_name"]
        reviewed = [
            "review__decision",
            "review__comment",
            "review__decided_at",
            "review__reviewer__username",
            "review__reviewer__first_name",
            "review__reviewer__last_name",
        ]
        return (
            self.select_related("commitment", "author", "review__reviewer")
            .only(*own, *shown, *reviewed)
            .with_corrected_by(known_on)
            .annotate(corrects_approved=Exists(Review.objects.approved_of(OuterRef("corrects"))))
        )

    def with_corrected_by(self, known_on=None):
        """Annotates `corrected_by_id`: the approved correction that replaced each update (by
        the end of `known_on`, when given), or None."""
        if known_on is None:
            correction = _approved_correction_of()
        else:
            correction = StatusUpdate.objects.filter(corrects=OuterRef("pk")).known_by(
                end_of_day(known_on)
            )
        return self.annotate(corrected_by_id=Subquery(correction.values("pk")[:1]))

    def approved_as_of(self, date, known_on=None):
        """Approved updates dated on or before `date`, as known by the end of `known_on` (now,
        without it): a commitment's history as it read then, superseded updates included."""
        approved = self.approved() if known_on is None else self.known_by(end_of_day(known_on))
        return approved.filter(as_of__lte=date)


class StatusUpdate(models.Model):
    """An analyst's assessment of one commitment at a date. Never edited or deleted: a
    correction is a new update that names the one it corrects."""

    Status = Status

    class Confidence(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    # Its own index duplicates the start of statusupdate_history_idx, but dropping it would
    # make SQLite rebuild the table, and a rebuilt table loses its triggers (migrations 0003, 0005).
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="status_updates"
    )
    status = models.CharField(max_length=20, choices=Status.assessments())
    progress = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percentage done, 0 to 100, if it can be measured.",
    )
    as_of = models.DateField(
        "as of", help_text="The date the assessment describes. Not in the future."
    )
    summary = models.TextField(help_text="What happened and why the status is what it is.")
    evidence_url = models.URLField("evidence URL", max_length=500, blank=True)
    evidence_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the evidence comes from, e.g. a report's title.",
    )
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The earlier update of the same commitment that this one corrects, if any.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="status_updates"
    )
    created_at = models.DateTimeField("recorded at", default=timezone.now, editable=False)

    objects = StatusUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-created_at", "-id"]
        verbose_name = "status update"
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0, progress__lte=100),
                name="statusupdate_progress_0_100",
                violation_error_message="Progress is a percentage from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _ in Status.assessments()]),
                name="statusupdate_status_valid",
                violation_error_message="Choose a status from the list.",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=["", "low", "medium", "high"]),
                name="statusupdate_confidence_valid",
                violation_error_message="Choose low, medium or high confidence, or leave it empty.",
            ),
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="statusupdate_summary_not_empty",
                violation_error_message="Write a summary of the assessment.",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.COMPLETED) | Q(progress__isnull=True) | Q(progress=100),
                name="statusupdate_completed_is_100",
                violation_error_message="A completed commitment is 100% done: set progress to 100 or leave it empty.",
            ),
        ]
        indexes = [
            # A commitment's history in Meta.ordering, newest first (detail's latest updates,
            # the updates of one commitment, the admin inline): read off the index, however
            # long the history. It also serves every lookup by commitment.
            models.Index(
                F("commitment"),
                F("as_of").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="statusupdate_history_idx",
            ),
            # The feed of all updates in its cursor's order, most recently recorded first: the
            # first page and a deep cursor both start from the index.
            models.Index(F("created_at").desc(), F("id").desc(), name="statusupdate_feed_idx"),
        ]

    def __str__(self):
        return f"{self.commitment.code}: {self.get_status_display()} as of {self.as_of:%d %b %Y}"

    @property
    def review_state(self):
        review = getattr(self, "review", None)
        return ReviewState.of(None if review is None else review.decision)

    def clean(self):
        errors = {}
        if self.summary is not None and not self.summary.strip():
            errors["summary"] = "Write a summary of the assessment."
        if self.as_of is not None:
            today = timezone.localdate()
            if self.as_of > today:
                errors["as_of"] = (
                    f"The assessment date cannot be in the future (today is {today:%Y-%m-%d})."
                )
            elif self.commitment_id is not None:
                document = self.commitment.source_document
                if self.as_of < document.issued_on:
                    errors["as_of"] = (
                        f"The assessment date cannot be before {document.short_name} was issued "
                        f"({document.issued_on:%Y-%m-%d})."
                    )
        if self.status == Status.COMPLETED and self.progress is not None and self.progress < 100:
            errors["progress"] = (
                "A completed commitment is 100% done: set progress to 100 or leave it empty."
            )
        if self.corrects_id is not None:
            if self.corrects.commitment_id != self.commitment_id:
                errors["corrects"] = "A correction must correct an update of the same commitment."
            elif correction := self.corrects.corrections.live().exclude(pk=self.pk).first():
                errors["corrects"] = (
                    f"Update #{self.corrects_id} was already corrected by update "
                    f"#{correction.pk}: correct that one instead."
                )
            elif not StatusUpdate.objects.filter(pk=self.corrects_id).correctable().exists():
                errors["corrects"] = (
                    f"Update #{self.corrects_id} is pending review: a reviewer approves or "
                    "returns it first, and then it can be corrected."
                )
        if errors:
            raise ValidationError(errors)


class ReviewQuerySet(models.QuerySet):
    def approved_of(self, update):
        """The approval of `update` (an id or an OuterRef), if it has one."""
        return self.filter(update=update, decision=Review.Decision.APPROVE)


class Review(models.Model):
    """A reviewer's decision on a status update: approved (it counts from now on) or returned
    for revision with a comment (it never counts; its author may answer it with a correction).
    An update has at most one decision, and a decision is never changed or deleted (database
    triggers, migration 0011). The update itself stays exactly as it was submitted.

    With REVIEW_REQUIRED off, every update is approved on submission, with no reviewer."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        RETURN = "return", "Returned for revision"

    update = models.OneToOneField(
        StatusUpdate,
        on_delete=models.PROTECT,
        related_name="review",
        # Said once for the service's check and for the database's, when two reviewers race.
        error_messages={"unique": "This update has already been reviewed."},
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        help_text="Empty when the update was approved on submission (review not required).",
    )
    comment = models.TextField(
        blank=True, help_text="Why it was returned (required), or a remark on approval."
    )
    decided_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [
            # The Atom feed, newest approval first; approved_since on the updates' feed.
            models.Index(F("decided_at").desc(), F("id").desc(), name="review_decided_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["approve", "return"]),
                name="review_decision_valid",
                violation_error_message="Decide to approve or to return the update.",
            ),
            models.CheckConstraint(
                condition=~Q(decision="return") | ~Q(comment=""),
                name="review_return_has_comment",
                violation_error_message="Say why the update is returned, so that its author "
                "can revise it.",
            ),
            models.CheckConstraint(
                condition=Q(decision="approve") | Q(reviewer__isnull=False),
                name="review_return_has_reviewer",
                violation_error_message="Only a reviewer can return an update.",
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()}: update #{self.update_id}"


class ContributionKind(models.TextChoices):
    FUNDS_PLEDGED = "funds_pledged", "Funds pledged"
    FUNDS_COMMITTED = "funds_committed", "Funds committed"
    FUNDS_DISBURSED = "funds_disbursed", "Funds disbursed"
    PERSONNEL = "personnel", "Personnel"
    TRAINING = "training", "Training"
    EQUIPMENT = "equipment", "Equipment"
    IN_KIND = "in_kind", "In kind"
    POLITICAL = "political", "Political or diplomatic"


# Money, in the order it moves: pledged, then committed, then disbursed (the funnel).
FUNDS_KINDS = [
    ContributionKind.FUNDS_PLEDGED,
    ContributionKind.FUNDS_COMMITTED,
    ContributionKind.FUNDS_DISBURSED,
]
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_CODES)]
CURRENCY_MESSAGE = "%(value)r is not an ISO 4217 currency code: use one such as USD, EUR or GBP."
FUNDS_MESSAGE = "Funds need an amount and a currency, and no count or unit."
COUNTED_MESSAGE = (
    "A contribution other than funds needs a count and a unit (e.g. 40 instructors), and no "
    "amount or currency."
)


class ContributionQuerySet(models.QuerySet):
    def standing(self, known_on=None):
        """Contributions no correction has replaced: the only ones any total counts. A
        correction stands in for the one it corrects, wherever it says it was made. With
        `known_on`, as known by the end of that day: corrections recorded later replace
        nothing yet."""
        return self.exclude(Exists(_correction_of_contribution(known_on)))

    def as_of(self, date, known_on=None):
        """Contributions made on or before `date` (CommitmentQuerySet.as_of's rule), and, with
        `known_on`, recorded by the end of that day. Chain standing(known_on) for totals and
        for_display(known_on) for a list: a correction then replaces from the day it was
        recorded. (The hook indicator values are to follow too.)"""
        contributions = self.filter(date__lte=date)
        if known_on is not None:
            contributions = contributions.filter(created_at__lt=end_of_day(known_on))
        return contributions

    def for_display(self, known_on=None):
        """Joined with what a contribution shows of its partner, commitment and author, each
        with `corrected_by_id`, the correction that replaced it (by the end of `known_on`, when
        given; an index read per row)."""
        correction = _correction_of_contribution(known_on).values("pk")[:1]
        return self.select_related("partner", "commitment", "author").annotate(
            corrected_by_id=Subquery(correction)
        )


def _correction_of_contribution(known_on=None):
    corrections = Contribution.objects.filter(corrects=OuterRef("pk"))
    if known_on is not None:
        corrections = corrections.filter(created_at__lt=end_of_day(known_on))
    return corrections


class Contribution(models.Model):
    """What a partner (a Coalition member or an organisation) contributes to a commitment:
    money pledged, committed or disbursed, in a currency; or people, training, equipment,
    in-kind or political support, counted in a unit. Never edited or deleted (database
    triggers, migration 0020): a correction is a new contribution that names the one it
    corrects, which then no longer counts anywhere. No review: a contribution is public once
    recorded, as the data version (migration 0020) says to readers."""

    Kind = ContributionKind

    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="contributions",
        help_text="Who contributes: a Coalition member or an organisation.",
    )
    commitment = models.ForeignKey(
        "Commitment", on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(max_length=20, choices=ContributionKind.choices)
    amount = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "An amount of money is 0 or more.")],
        help_text="Funds only: how much, in the currency.",
    )
    currency = models.CharField(
        max_length=3,
        blank=True,
        choices=CURRENCY_CHOICES,
        error_messages={"invalid_choice": CURRENCY_MESSAGE},
        help_text="Funds only: the ISO 4217 code of the currency, e.g. USD or EUR. Totals are "
        "per currency: amounts are never converted.",
    )
    count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Other than funds: how many, in the unit (e.g. 40).",
    )
    unit = models.CharField(
        max_length=50,
        blank=True,
        help_text="Other than funds: what is counted (e.g. instructors, vehicles, meetings).",
    )
    date = models.DateField(
        validators=_date_validators("The date"),
        help_text="When it was pledged, committed, disbursed or given. Not in the future.",
    )
    evidence_url = models.URLField("evidence URL", max_length=500, blank=True)
    evidence_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the evidence comes from, e.g. a pledging conference's statement.",
    )
    note = models.TextField(blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        # contribution_corrected_once's unique index serves every lookup by it.
        db_index=False,
        help_text="The contribution this one corrects, if any: it then no longer counts.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contributions"
    )
    created_at = models.DateTimeField("recorded at", default=timezone.now, editable=False)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at", "-id"]
        verbose_name = "contribution"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ContributionKind.values),
                name="contribution_kind_valid",
                violation_error_message="Choose a kind of contribution from the list.",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=FUNDS_KINDS)
                | (Q(amount__isnull=False, count__isnull=True, unit="") & ~Q(currency="")),
                name="contribution_funds_have_amount",
                violation_error_message=FUNDS_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FUNDS_KINDS)
                | (Q(count__isnull=False, amount__isnull=True, currency="") & ~Q(unit="")),
                name="contribution_others_have_count",
                violation_error_message=COUNTED_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="contribution_amount_not_negative",
                violation_error_message="An amount of money is 0 or more.",
            ),
            models.CheckConstraint(
                condition=_date_in_range("date"),
                name="contribution_date_range",
                violation_error_message=_date_range_message("The date"),
            ),
            # Its index serves "the correction of this one" (ContributionQuerySet.standing).
            models.UniqueConstraint(
                fields=["corrects"],
                name="contribution_corrected_once",
                violation_error_message="This contribution has already been corrected: "
                "correct its correction instead.",
            ),
        ]
        indexes = [
            # The list in Meta.ordering, newest first: a page is read off the index.
            models.Index(
                F("date").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="contribution_list_idx",
            ),
        ]

    def __str__(self):
        return f"{self.partner}: {self.what} to {self.commitment.code} ({self.date:%d %b %Y})"

    @property
    def is_funds(self):
        return self.kind in FUNDS_KINDS

    @property
    def what(self):
        """The contribution in words: "USD 1,000,000.00 pledged", "40 instructors (training)"."""
        if self.is_funds:
            verb = self.get_kind_display().removeprefix("Funds ")
            return f"{self.currency} {self.amount:,} {verb}"
        return f"{self.count} {self.unit} ({self.get_kind_display().lower()})"

    def clean(self):
        errors = {}
        if self.kind in FUNDS_KINDS:
            if self.amount is None:
                errors["amount"] = "Funds need an amount."
            if not self.currency:
                errors["currency"] = "Funds need a currency (an ISO 4217 code such as USD)."
            if self.count is not None:
                errors["count"] = "Funds are counted in money: leave the count empty."
            if self.unit:
                errors["unit"] = "Funds are counted in money: leave the unit empty."
        elif self.kind:
            if self.count is None:
                errors["count"] = "Say how many (e.g. 40)."
            if not self.unit:
                errors["unit"] = "Say what is counted (e.g. instructors)."
            if self.amount is not None:
                errors["amount"] = (
                    "Only funds have an amount: record money as funds pledged, committed or "
                    "disbursed."
                )
            if self.currency:
                errors["currency"] = "Only funds have a currency."
        if self.date is not None and self.date > (today := timezone.localdate()):
            errors["date"] = f"The date cannot be in the future (today is {today:%Y-%m-%d})."
        if self.corrects_id is not None:
            correction = Contribution.objects.filter(corrects=self.corrects_id)
            if existing := correction.exclude(pk=self.pk).first():
                errors["corrects"] = (
                    f"Contribution #{self.corrects_id} was already corrected by contribution "
                    f"#{existing.pk}: correct that one instead."
                )
        if errors:
            raise ValidationError(errors)


class IndicatorUnit(models.TextChoices):
    PEOPLE = "people", "people"
    PERSONNEL = "personnel", "personnel"
    SQUARE_KILOMETRES = "square_kilometres", "square kilometres"
    US_DOLLARS = "us_dollars", "US dollars"
    COUNT = "count", "count"
    PERCENT = "percent", "percent"
    OTHER = "other", "other (say which)"


class Qualifier(models.TextChoices):
    """How exact a figure is, as its source says it: the Roadmap's "nearly 110,000", "more
    than 7.7 million", "approximately $20 billion" and "at least 46" keep their words."""

    EXACTLY = "exactly", "exactly"
    APPROXIMATELY = "approximately", "approximately"
    NEARLY = "nearly", "nearly"
    MORE_THAN = "more_than", "more than"
    AT_LEAST = "at_least", "at least"
    FEWER_THAN = "fewer_than", "fewer than"


# Figures are decimals (never floats): up to 16 digits before the point, 4 after.
FIGURE_DIGITS = 20
FIGURE_DECIMALS = 4
UNIT_OTHER_MESSAGE = "Say what is counted when the unit is other, and only then."
# Money is written with its sign; everything else with its unit after it.
_UNIT_WORDS = {
    IndicatorUnit.PEOPLE: " people",
    IndicatorUnit.PERSONNEL: " personnel",
    IndicatorUnit.SQUARE_KILOMETRES: " square kilometres",
    IndicatorUnit.COUNT: "",
    IndicatorUnit.PERCENT: "%",
}
_SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million")]


def figure_words(value):
    """A number as the Roadmap writes one: "7.7 million", "20 billion", "110,000", "46"."""
    value = value.normalize() if hasattr(value, "normalize") else value
    for size, word in _SCALES:
        if abs(value) >= size and (value * 10 / size) == int(value * 10 / size):
            scaled = format((value / size).normalize(), "f")
            return f"{scaled} {word}"
    text = format(value, ",f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def phrase(value, qualifier, unit, unit_other=""):
    """A figure in words, its qualifier first: "more than 7.7 million people", "nearly 110,000
    square kilometres", "approximately US$20 billion"; None without a value."""
    if value is None:
        return None
    number = figure_words(value)
    if unit == IndicatorUnit.US_DOLLARS:
        figure = f"US${number}"
    elif unit == IndicatorUnit.OTHER:
        figure = f"{number} {unit_other}".rstrip()
    else:
        figure = f"{number}{_UNIT_WORDS.get(unit, '')}"
    if qualifier in ("", None, Qualifier.EXACTLY):
        return figure
    return f"{Qualifier(qualifier).label} {figure}"


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase"
    DECREASE = "decrease", "Decrease"
    MAINTAIN = "maintain", "Maintain"


PROGRESS_PLACES = Decimal("0.1")


def progress(*, baseline, latest, target, direction):
    """How far the latest approved value has come from the baseline toward the target, in
    percent (a Decimal to one place), or None without a baseline, a target, a latest value or
    a direction. Never clamped: past the target is more than 100, back past the baseline is
    below 0, which is what a reader needs to know.

    - increase and decrease: (latest - baseline) / (target - baseline) * 100; the sign of the
      denominator mirrors a decrease. A target equal to the baseline is 100 once reached
      (at or past it in the direction), else 0.
    - maintain: 100 while the latest value lies between the baseline and the target (either
      way round, ends included); outside, 100 less the distance to the nearer end as a
      percentage of that end, down to 0 (an end at 0: 0)."""
    if None in (baseline, latest, target) or not direction:
        return None
    baseline, latest, target = Decimal(baseline), Decimal(latest), Decimal(target)
    if direction == Direction.MAINTAIN:
        low, high = min(baseline, target), max(baseline, target)
        if low <= latest <= high:
            return Decimal(100).quantize(PROGRESS_PLACES)
        edge = low if latest < low else high
        if edge == 0:
            return Decimal(0).quantize(PROGRESS_PLACES)
        missed = abs(latest - edge) / abs(edge) * 100
        return max(Decimal(0), 100 - missed).quantize(PROGRESS_PLACES)
    if target == baseline:
        reached = latest >= target if direction == Direction.INCREASE else latest <= target
        return Decimal(100 if reached else 0).quantize(PROGRESS_PLACES)
    return ((latest - baseline) / (target - baseline) * 100).quantize(PROGRESS_PLACES)


def _figure_field(label, **kwargs):
    return models.DecimalField(
        label,
        max_digits=FIGURE_DIGITS,
        decimal_places=FIGURE_DECIMALS,
        null=True,
        blank=True,
        **kwargs,
    )


def _observed_on():
    """The date a value describes: its as-of date, or the last day of its period."""
    return Coalesce("as_of", "period_end")


class IndicatorQuerySet(models.QuerySet):
    def context(self):
        """The Roadmap-level indicators: figures that describe the Coalition's past, no
        commitment's."""
        return self.filter(commitment__isnull=True)

    def with_latest(self, as_of=None, known_on=None):
        """Annotates each indicator with its latest standing value (`latest_id`,
        `latest_value`, `latest_qualifier`, `latest_on`): the approved value with the latest
        date, ties going to the latest recorded. With `as_of` (and `known_on`), the latest
        that counted on that day as known by the end of that one (IndicatorValueQuerySet.as_of,
        then counting). One read of indicatorvalue_history_idx per indicator and column."""
        values = IndicatorValue.objects.filter(indicator=OuterRef("pk"))
        if as_of is not None:
            values = values.as_of(as_of, known_on)
        latest = values.counting(known_on).order_by(*IndicatorValue._meta.ordering)
        return self.annotate(
            latest_id=Subquery(latest.values("pk")[:1]),
            latest_value=Subquery(latest.values("value")[:1]),
            latest_qualifier=Subquery(latest.values("qualifier")[:1]),
            latest_on=Subquery(latest.annotate(on=_observed_on()).values("on")[:1]),
        )


class Indicator(models.Model):
    """What measures a commitment (or, without one, the Roadmap's context: a figure about the
    Coalition's past that no commitment undertakes), with where it started (the baseline,
    quoted from its source like a commitment's text) and, optionally, where it should get to
    (the target). Its observations are IndicatorValues; its progress is computed from them,
    never entered."""

    Unit = IndicatorUnit
    Direction = Direction
    Qualifier = Qualifier

    class Measure(models.TextChoices):
        QUANTITATIVE = "quantitative", "Quantitative"
        QUALITATIVE = "qualitative", "Qualitative"

    slug = _slug_field()
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        help_text="The commitment it measures. Empty: a context indicator of the Roadmap, a "
        "figure that describes the past rather than what a commitment undertakes.",
    )
    name = models.CharField(max_length=200, help_text="What is measured, e.g. people freed.")
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=20, choices=IndicatorUnit.choices)
    unit_other = models.CharField(
        "other unit",
        max_length=50,
        blank=True,
        help_text="When the unit is other, and only then: what is counted (e.g. years).",
    )
    measure = models.CharField(max_length=20, choices=Measure.choices, default=Measure.QUANTITATIVE)
    direction = models.CharField(
        max_length=10,
        choices=Direction.choices,
        blank=True,
        help_text="Which way is progress. Only a context indicator may have none.",
    )
    baseline_value = _figure_field("baseline", help_text="Where it started, if known.")
    baseline_qualifier = models.CharField(
        max_length=20,
        choices=Qualifier.choices,
        default=Qualifier.EXACTLY,
        help_text="As the source says it: nearly, more than, approximately, at least ...",
    )
    baseline_date = models.DateField(
        null=True,
        blank=True,
        validators=_date_validators("The baseline date"),
        help_text="The date the baseline describes, where the source says.",
    )
    baseline_source = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="baselines",
        help_text="The document the baseline is quoted from.",
    )
    baseline_paragraph = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PARAGRAPH)],
        help_text="Paragraph of that document (first = 1).",
    )
    baseline_quote = models.TextField(
        blank=True, help_text="The sentence that states the baseline, quoted verbatim."
    )
    target_value = _figure_field("target", help_text="Where it should get to, if set.")
    target_qualifier = models.CharField(
        max_length=20, choices=Qualifier.choices, default=Qualifier.EXACTLY
    )
    target_date = models.DateField(
        null=True,
        blank=True,
        validators=_date_validators("The target date"),
        help_text="When the target should be reached, if set.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        # Context indicators (no commitment) first, then by commitment in Roadmap order.
        ordering = [
            F("commitment__paragraph").asc(nulls_first=True),
            "commitment__code",
            "baseline_paragraph",
            "slug",
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__in=IndicatorUnit.values),
                name="indicator_unit_valid",
                violation_error_message="Choose a unit from the list.",
            ),
            models.CheckConstraint(
                condition=Q(unit=IndicatorUnit.OTHER, unit_other__gt="")
                | (~Q(unit=IndicatorUnit.OTHER) & Q(unit_other="")),
                name="indicator_unit_other_iff_other",
                violation_error_message=UNIT_OTHER_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(measure__in=["quantitative", "qualitative"]),
                name="indicator_measure_valid",
                violation_error_message="Choose quantitative or qualitative.",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["", *Direction.values]),
                name="indicator_direction_valid",
                violation_error_message="Choose increase, decrease or maintain.",
            ),
            models.CheckConstraint(
                condition=Q(commitment__isnull=True) | ~Q(direction=""),
                name="indicator_commitment_has_direction",
                violation_error_message="An indicator of a commitment needs a direction.",
            ),
            models.CheckConstraint(
                condition=Q(
                    baseline_qualifier__in=Qualifier.values, target_qualifier__in=Qualifier.values
                ),
                name="indicator_qualifiers_valid",
                violation_error_message="Choose a qualifier from the list.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_quote="", baseline_paragraph__isnull=True)
                | (
                    ~Q(baseline_quote="")
                    & Q(baseline_paragraph__isnull=False, baseline_source__isnull=False)
                ),
                name="indicator_quote_has_source",
                violation_error_message="A quoted baseline names its document and paragraph.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_paragraph__isnull=True)
                | Q(baseline_paragraph__gte=1, baseline_paragraph__lte=MAX_PARAGRAPH),
                name="indicator_paragraph_range",
                violation_error_message=f"Paragraphs are numbered from 1 to {MAX_PARAGRAPH}.",
            ),
            models.CheckConstraint(
                condition=_date_in_range("baseline_date") & _date_in_range("target_date"),
                name="indicator_dates_range",
                violation_error_message=_date_range_message("A date"),
            ),
        ]
        indexes = [
            # The list filtered by unit (the API's unit filter).
            models.Index(fields=["unit"], name="indicator_unit_idx"),
        ]

    def __str__(self):
        where = self.commitment.code if self.commitment_id else "Roadmap context"
        return f"{where}: {self.name}"

    @property
    def is_context(self):
        return self.commitment_id is None

    @property
    def unit_label(self):
        return self.unit_other if self.unit == IndicatorUnit.OTHER else self.get_unit_display()

    def phrase(self, value, qualifier):
        return phrase(value, qualifier, self.unit, self.unit_other)

    @property
    def baseline_phrase(self):
        return self.phrase(self.baseline_value, self.baseline_qualifier)

    @property
    def target_phrase(self):
        return self.phrase(self.target_value, self.target_qualifier)

    def progress(self, latest):
        """Progress toward the target of a latest approved value (see `progress`)."""
        return progress(
            baseline=self.baseline_value,
            latest=latest,
            target=self.target_value,
            direction=self.direction,
        )

    def clean(self):
        errors = {}
        if self.unit == IndicatorUnit.OTHER and not self.unit_other.strip():
            errors["unit_other"] = "Say what is counted (e.g. years): the unit is other."
        elif self.unit and self.unit != IndicatorUnit.OTHER and self.unit_other:
            errors["unit_other"] = "Only an indicator whose unit is other says its own unit."
        if self.commitment_id is not None and not self.direction:
            errors["direction"] = "An indicator of a commitment needs a direction."
        if self.baseline_quote:
            if self.baseline_paragraph is None:
                errors["baseline_paragraph"] = "Say which paragraph the baseline is quoted from."
            if self.baseline_source_id is None:
                errors["baseline_source"] = "Say which document the baseline is quoted from."
        elif self.baseline_paragraph is not None:
            errors["baseline_quote"] = "Quote the sentence of that paragraph that states it."
        if errors:
            raise ValidationError(errors)


def _approved_value_correction_of(outer="pk"):
    return IndicatorValue.objects.filter(corrects=OuterRef(outer), review__decision="approve")


class IndicatorValueQuerySet(models.QuerySet):
    """Reads of indicator values, by status updates' rules (StatusUpdateQuerySet): what a
    correction replaces, and when, is said the same way for both."""

    def approved(self):
        """Values a reviewer approved (or approved on submission, review off): the only ones
        that count, and the only ones anonymous readers see."""
        return self.filter(review__decision=Review.Decision.APPROVE)

    def pending(self):
        return self.filter(review__isnull=True)

    def returned(self):
        return self.filter(review__decision=Review.Decision.RETURN)

    def in_review_state(self, state):
        return {
            ReviewState.PENDING: self.pending,
            ReviewState.APPROVED: self.approved,
            ReviewState.RETURNED: self.returned,
        }[state]()

    def standing(self):
        """Approved values that no approved correction has replaced: the ones progress reads."""
        return self.approved().exclude(Exists(_approved_value_correction_of()))

    def known_by(self, moment):
        """Values recorded and approved before `moment`."""
        return self.filter(
            created_at__lt=moment,
            review__decision=Review.Decision.APPROVE,
            review__decided_at__lt=moment,
        )

    def counting(self, known_on=None):
        """Status updates' rule (StatusUpdateQuerySet.counting): the values recorded and
        approved by the end of `known_on` that no correction recorded and approved by then had
        replaced; without it, standing(). A correction replaces what it corrects from the day
        it is known, whatever date it states."""
        if known_on is None:
            return self.standing()
        moment = end_of_day(known_on)
        corrections = IndicatorValue.objects.filter(corrects=OuterRef("pk")).known_by(moment)
        return self.known_by(moment).exclude(Exists(corrections))

    def as_of(self, date, known_on=None):
        """Values observed on or before `date` (their as-of date, or the end of their period),
        and, with `known_on`, recorded and approved by the end of that day
        (ContributionQuerySet.as_of's shape). Chain counting(known_on) for what counts, and
        for_display(known_on) for a list: a correction then replaces from the day it was
        approved. Reads indicatorvalue_history_idx's date column."""
        values = self.alias(observed=_observed_on()).filter(observed__lte=date)
        if known_on is not None:
            values = values.known_by(end_of_day(known_on))
        return values

    def live(self):
        """Values not returned: pending or approved. A value has at most one live correction;
        a returned correction leaves room for another."""
        return self.exclude(review__decision=Review.Decision.RETURN)

    def reviewable_by(self, user):
        """Pending values that `user` may decide: anyone's but their own (four eyes)."""
        return self.pending().exclude(author=user)

    def for_display(self, known_on=None):
        """Joined with the indicator, its commitment, the author and the decision, each with
        `corrected_by_id` (with_corrected_by): a pending or returned correction replaces
        nothing, and is named to nobody."""
        return self.select_related(
            "indicator__commitment", "author", "review__reviewer"
        ).with_corrected_by(known_on)

    def with_corrected_by(self, known_on=None):
        """Annotates `corrected_by_id`: the approved correction that replaced each value (by
        the end of `known_on`, when given, recorded and approved by then), or None. An index
        read of indicatorvalue_corrects_idx per row."""
        if known_on is None:
            correction = _approved_value_correction_of()
        else:
            correction = IndicatorValue.objects.filter(corrects=OuterRef("pk")).known_by(
                end_of_day(known_on)
            )
        return self.annotate(corrected_by_id=Subquery(correction.values("pk")[:1]))


class IndicatorValue(models.Model):
    """An observation of an indicator: a value as of a date, or over a period, with its
    evidence. Never edited or deleted (database triggers, migration 0021): a correction is a
    new value that names the one it corrects, once. Reviewed as status updates are (four
    eyes, IndicatorValueReview): only approved values count."""

    Qualifier = Qualifier
    Confidence = StatusUpdate.Confidence

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="values",
        # indicatorvalue_history_idx begins with it and serves every lookup by it.
        db_index=False,
    )
    value = models.DecimalField(
        max_digits=FIGURE_DIGITS,
        decimal_places=FIGURE_DECIMALS,
        help_text="The figure observed, in the indicator's unit.",
    )
    qualifier = models.CharField(
        max_length=20,
        choices=Qualifier.choices,
        default=Qualifier.EXACTLY,
        help_text="As the evidence says it: exactly, approximately, nearly, more than ...",
    )
    as_of = models.DateField(
        "as of",
        null=True,
        blank=True,
        validators=_date_validators("The as-of date"),
        help_text="The day the value describes; or give a period instead. Not in the future.",
    )
    period_start = models.DateField(
        null=True,
        blank=True,
        validators=_date_validators("The start of the period"),
        help_text="The first day of the period the value covers, if it covers one.",
    )
    period_end = models.DateField(
        null=True,
        blank=True,
        validators=_date_validators("The end of the period"),
        help_text="The last day of that period: on or after its start, not in the future.",
    )
    evidence_url = models.URLField("evidence URL", max_length=500, blank=True)
    evidence_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the evidence comes from, e.g. a report's title.",
    )
    confidence = models.CharField(
        max_length=10, choices=StatusUpdate.Confidence.choices, blank=True
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        # indicatorvalue_corrects_idx serves every lookup by it.
        db_index=False,
        help_text="The approved value of the same indicator that this one corrects: once "
        "approved, it replaces it. A value has one correction pending or approved at most; "
        "once one is returned, another may be recorded.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="indicator_values"
    )
    created_at = models.DateTimeField("recorded at", default=timezone.now, editable=False)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = [_observed_on().desc(), "-created_at", "-id"]
        verbose_name = "indicator value"
        constraints = [
            models.CheckConstraint(
                condition=Q(as_of__isnull=False, period_start__isnull=True, period_end__isnull=True)
                | Q(as_of__isnull=True, period_end__isnull=False),
                name="indicatorvalue_as_of_or_period",
                violation_error_message="Give an as-of date, or a period (its end at least), "
                "not both.",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="indicatorvalue_period_in_order",
                violation_error_message="A period ends on or after the day it starts.",
            ),
            models.CheckConstraint(
                condition=_date_in_range("as_of")
                & _date_in_range("period_start")
                & _date_in_range("period_end"),
                name="indicatorvalue_dates_range",
                violation_error_message=_date_range_message("A date"),
            ),
            models.CheckConstraint(
                condition=Q(qualifier__in=Qualifier.values),
                name="indicatorvalue_qualifier_valid",
                violation_error_message="Choose a qualifier from the list.",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=["", *StatusUpdate.Confidence.values]),
                name="indicatorvalue_confidence_valid",
                violation_error_message="Choose low, medium or high confidence, or leave it empty.",
            ),
        ]
        indexes = [
            # "The corrections of this one" (IndicatorValueQuerySet.standing, with_corrected_by,
            # the one live correction that clean() allows). Not unique: a returned correction
            # leaves room for another, as for status updates, and the indicator's lock
            # (services.record_indicator_value) makes two corrections of one value take turns.
            models.Index(fields=["corrects"], name="indicatorvalue_corrects_idx"),
            # An indicator's values in Meta.ordering, newest first (its latest value, the
            # values of one indicator): read off the index, however long the history.
            models.Index(
                F("indicator"),
                _observed_on().desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="indicatorvalue_history_idx",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.name}: {self.phrase} ({self.observed_on:%d %b %Y})"

    @property
    def observed_on(self):
        return self.as_of or self.period_end

    @property
    def phrase(self):
        return self.indicator.phrase(self.value, self.qualifier)

    @property
    def review_state(self):
        review = getattr(self, "review", None)
        return ReviewState.of(None if review is None else review.decision)

    def clean(self):
        errors = {}
        today = timezone.localdate()
        for name in ("as_of", "period_start", "period_end"):
            day = getattr(self, name)
            if day is not None and day > today:
                label = self._meta.get_field(name).verbose_name
                errors[name] = f"The {label} cannot be in the future (today is {today:%Y-%m-%d})."
        if self.as_of is not None and (self.period_start or self.period_end):
            errors["as_of"] = "Give an as-of date or a period, not both."
        elif self.as_of is None and self.period_end is None:
            key = "period_end" if self.period_start else "as_of"
            errors[key] = "Give the date the value is as of, or the period it covers."
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "The period cannot end before it starts."
        if self.corrects_id is not None:
            corrected = self.corrects
            if corrected.indicator_id != self.indicator_id:
                errors["corrects"] = "A correction must correct a value of the same indicator."
            elif existing := corrected.corrections.live().exclude(pk=self.pk).first():
                errors["corrects"] = (
                    f"Value #{self.corrects_id} was already corrected by value #{existing.pk}: "
                    "record a new value instead."
                )
            elif not IndicatorValue.objects.filter(pk=self.corrects_id).approved().exists():
                errors["corrects"] = (
                    f"Value #{self.corrects_id} is not approved: only an approved value is "
                    "corrected (a returned one never counted)."
                )
        if errors:
            raise ValidationError(errors)


class IndicatorValueReview(models.Model):
    """A reviewer's decision on an indicator value, as Review is on a status update: approved
    (it counts from now on) or returned with a comment (it never counts). One per value, never
    changed or deleted (database triggers, migration 0021); with REVIEW_REQUIRED off every
    value is approved on submission, with no reviewer."""

    Decision = Review.Decision

    value = models.OneToOneField(
        IndicatorValue,
        on_delete=models.PROTECT,
        related_name="review",
        error_messages={"unique": "This value has already been reviewed."},
    )
    decision = models.CharField(max_length=10, choices=Review.Decision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator_value_reviews",
        help_text="Empty when the value was approved on submission (review not required).",
    )
    comment = models.TextField(
        blank=True, help_text="Why it was returned (required), or a remark on approval."
    )
    decided_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = "indicator value review"
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=Review.Decision.values),
                name="indicatorvaluereview_decision_valid",
                violation_error_message="Decide to approve or to return the value.",
            ),
            models.CheckConstraint(
                condition=~Q(decision="return") | ~Q(comment=""),
                name="indicatorvaluereview_return_has_comment",
                violation_error_message="Say why the value is returned, so that its author "
                "can record a better one.",
            ),
            models.CheckConstraint(
                condition=Q(decision="approve") | Q(reviewer__isnull=False),
                name="indicatorvaluereview_return_has_reviewer",
                violation_error_message="Only a reviewer can return a value.",
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()}: indicator value #{self.value_id}"


class DataVersion(models.Model):
    """A single row that moves on with every write to what the API shows: database triggers
    (migration 0005) bump it after any INSERT, UPDATE or DELETE of commitments, status updates,
    reference data, tags and users, whoever writes (the app, an import, a database shell).

    Reading it is one primary-key lookup, so every API read can afford it: it makes the ETags
    (a 304 costs this one query) and the keys of the shared cache (selectors.data_version)."""

    number = models.BigIntegerField(default=0)
    # Wall-clock time of the latest bump; with the number it tells apart two states that share
    # a number, as after a database restore.
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "data version"

    def __str__(self):
        return f"data version {self.number}"


class ReminderSent(models.Model):
    """That a person was sent their daily reminder (`manage.py send_reminders`) on a day. It is
    written just before the email goes out and taken back if the mail server refuses it, so
    nobody is reminded twice on one day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders_sent"
    )
    sent_on = models.DateField(help_text="The day it was sent, in the site's time zone.")
    sent_at = models.DateTimeField(default=timezone.now, editable=False)
    commitments = models.PositiveIntegerField(
        default=0, help_text="How many commitments of theirs it listed as due."
    )
    pending_updates = models.PositiveIntegerField(
        default=0, help_text="How many updates it listed as waiting for their review."
    )

    class Meta:
        ordering = ["-sent_on", "user_id"]
        verbose_name = "reminder sent"
        verbose_name_plural = "reminders sent"
        constraints = [
            # Its index also serves "who was reminded today" (sent_on first).
            models.UniqueConstraint(
                fields=["sent_on", "user"],
                name="remindersent_once_a_day",
                violation_error_message="This person was already reminded on that day.",
            ),
        ]

    def __str__(self):
        return f"Reminder to {self.user} on {self.sent_on:%d %b %Y}"


class ImportReceipt(models.Model):
    """An import confirmed in the admin, by the token of its dry run: written in the same
    transaction as the import's rows, and unique, so that a confirmation posted twice (a
    double click, two tabs) imports its file once."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_receipts"
    )
    updates = models.PositiveIntegerField(help_text="How many status updates it recorded.")
    imported_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self):
        return (
            f"{self.updates} updates imported by {self.user} at {self.imported_at:%Y-%m-%d %H:%M}"
        )


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self, now=None):
        """Keys older than IdempotencyKey.KEPT_FOR: a retry with one of them is a new request."""
        return self.filter(created_at__lt=(now or timezone.now()) - IdempotencyKey.KEPT_FOR)


class IdempotencyKey(models.Model):
    """A POST of the API that succeeded with an `Idempotency-Key` header, and the response it
    got. It is written in the same transaction as the POST's own write, so that a client that
    lost the answer (a dropped connection) and retries with the same key gets that response
    instead of writing again (commitments/api/idempotency.py). Keys are a user's own: two users
    may use the same one. Kept for KEPT_FOR, then pruned (`manage.py prune_idempotency_keys`,
    and each keyed write prunes its user's)."""

    KEPT_FOR = datetime.timedelta(hours=24)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255, help_text="The Idempotency-Key header, as sent.")
    fingerprint = models.CharField(
        max_length=64,
        help_text="SHA-256 of the request's method, path and JSON body: the same key with "
        "another request is refused.",
    )
    status = models.PositiveSmallIntegerField(help_text="The HTTP status of the response.")
    headers = models.JSONField(help_text="The response's headers, as [name, value] pairs.")
    body = models.BinaryField(help_text="The response's body, as sent.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "idempotency key"
        constraints = [
            # Its index serves the look-up of every keyed POST (user, key).
            models.UniqueConstraint(
                fields=["user", "key"],
                name="idempotencykey_once_per_user",
                violation_error_message="This user has already used this idempotency key.",
            ),
        ]
        indexes = [
            # IdempotencyKey.objects.expired(): created_at < now - 24 hours.
            models.Index(fields=["created_at"], name="idempotencykey_created_idx"),
        ]

    def __str__(self):
        return f"Idempotency key {self.key!r} of {self.user} ({self.status})"

    def is_expired(self, now=None):
        return self.created_at < (now or timezone.now()) - self.KEPT_FOR
