"""Query filters of the API. Every filter validates its values: an unknown pillar, status or
ordering is a 400 that names the bad value, never a silently empty list."""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from django_filters.utils import translate_validation
from django_filters.widgets import CSVWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions
from rest_framework.exceptions import PermissionDenied

from commitments.api.permissions import may_review, may_see_login_names, may_see_unapproved
from commitments.models import (
    SEARCH_MAX_LENGTH,
    SEARCH_MAX_WORDS,
    Commitment,
    CommitmentPartner,
    Event,
    EventType,
    Evidence,
    Partner,
    Pillar,
    Place,
    Releasability,
    ReviewState,
    Status,
    StatusUpdate,
    Theme,
    search_words,
    validate_grade,
)
from commitments.selectors import interval_count, interval_start


class InstantField(IsoDateTimeField):
    """An ISO 8601 date or time that the database can store: years 1 to 9999 in UTC too."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return value if value is None else value.astimezone(datetime.UTC)
        except OverflowError as error:
            raise ValidationError(
                gettext("Enter a date and time between the years 1 and 9999.")
            ) from error


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
        "description": "A date (midnight, server time) or a date and time (ISO 8601).",
    }
)
class InstantFilter(filters.IsoDateTimeFilter):
    field_class = InstantField


DATE_FORMAT_MESSAGE = _("Enter a date as YYYY-MM-DD.")


def _date_field():
    return forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_FORMAT_MESSAGE}
    )


def _not_in_the_future(form, name, today):
    day = form.cleaned_data.get(name)
    if day is not None and day > today:
        form.add_error(
            name,
            gettext("%(name)s cannot be in the future (today is %(today)s).")
            % {"name": name, "today": today.isoformat()},
        )


@dataclass(frozen=True)
class PointInTime:
    """The two time axes of a read: the Roadmap as it stood on `as_of`, from what had been
    recorded and approved by the end of `known_on` (None: by now)."""

    as_of: datetime.date
    known_on: datetime.date | None = None


class PointInTimeForm(forms.Form):
    """?as_of= and ?known_on=. known_on alone is "the Roadmap as we saw it that day" (as_of
    the same day). A known_on before as_of is refused: nothing recorded by a day is dated
    after it, so it could only move the day staleness is measured from, a forecast that
    is better asked for as such."""

    as_of = _date_field()
    known_on = _date_field()

    def clean(self):
        today = timezone.localdate()
        for name in ("as_of", "known_on"):
            _not_in_the_future(self, name, today)
        as_of, known_on = self.cleaned_data.get("as_of"), self.cleaned_data.get("known_on")
        if as_of and known_on and known_on < as_of:
            self.add_error(
                "known_on",
                gettext(
                    "known_on cannot be before as_of: nothing recorded by then is dated later. "
                    "Ask for as_of=%(known_on)s instead."
                )
                % {"known_on": known_on.isoformat()},
            )
        return self.cleaned_data

    def point_in_time(self):
        as_of, known_on = self.cleaned_data.get("as_of"), self.cleaned_data.get("known_on")
        if as_of is None and known_on is None:
            return None
        return PointInTime(as_of=as_of or known_on, known_on=known_on)


def valid(form):
    """The form, once valid; else a 400 that names each bad parameter."""
    if not form.is_valid():
        raise exceptions.ValidationError(form.errors)
    return form


def point_in_time(request):
    """The PointInTime a read asks for (None: today's), or a 400. Read once per request."""
    if not hasattr(request, "_point_in_time"):
        form = valid(PointInTimeForm(request.query_params))
        request._point_in_time = form.point_in_time()
    return request._point_in_time


def point_in_time_seen_by(request, clearance):
    """point_in_time(request); without one, today for a reader cleared beyond the public, whose
    counts and states are computed from the records they may read (the stored current status
    is the public's: CommitmentQuerySet.seen_by). None: the stored columns answer."""
    when = point_in_time(request)
    if when is None and Releasability(clearance) != Releasability.PUBLIC:
        return PointInTime(as_of=timezone.localdate())
    return when


AS_OF_HELP = (
    "YYYY-MM-DD, not in the future: each commitment's status, progress and staleness as they "
    "were that day, from the approved updates dated on or before it (as known today, unless "
    "known_on says otherwise). Commitments created after it are left out."
)
KNOWN_ON_HELP = (
    "YYYY-MM-DD, not in the future, not before as_of: only what had been recorded and "
    "approved by the end of that day counts (a back-dated update or a correction entered later "
    "does not), as the Roadmap was seen then. Alone, it is also the as_of date."
)

# A read of one thing (no filterset) that takes the two time axes declares them with these.
POINT_IN_TIME_PARAMETERS = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description=AS_OF_HELP),
    OpenApiParameter("known_on", OpenApiTypes.DATE, description=KNOWN_ON_HELP),
]


class RepeatedOrCommaSeparated(CSVWidget):
    """Values given as ?ordering=a,b or as ?ordering=a&ordering=b (what generated clients
    send), in the order given. django-filter's own CSV widget keeps only the last of repeated
    parameters, silently."""

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return None
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        return [part for value in values for part in value.split(",")]


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, with only the filters the request names: a filterset copies
    each of its filters and builds and validates a form field for each (a deep copy of all of
    them, about 2 ms a request for the commitments' fifteen) where a request names one or two.
    A filter not named would filter nothing; the filters named are applied in the declared
    order, as before. An unfiltered page (the one dashboards poll) builds no filterset at all.
    (The browsable API's filter form, to_html, is the whole filterset still.)"""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        asked = {
            name: filter_
            for name, filter_ in filterset_class.base_filters.items()
            if name in request.query_params
        }
        if not asked:
            return queryset
        filterset = filterset_class.__new__(filterset_class)
        filterset.base_filters = asked  # what FilterSet.__init__ copies, in place of them all
        filterset.__init__(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset.qs


def by_slugs(**kwargs):
    """A filter on one or more slugs (or codes), each checked against the database. The schema
    is spelled out because drf-spectacular cannot follow `to_field_name` through a relation."""
    schema = {"type": "string", "description": kwargs["help_text"]}
    return extend_schema_field(schema)(filters.ModelMultipleChoiceFilter(**kwargs))


def _as_is(queryset, name, value):
    return queryset


def applied_by_the_view(help_text):
    """?as_of= or ?known_on=, which the view applies before every other filter (point_in_time):
    declared on the filterset to be documented (and counted in the summary's cache key)."""
    return filters.DateFilter(method=_as_is, help_text=help_text)


def _linked_to(through, column, values, commitment="pk"):
    """Rows whose commitment (the field `commitment` of the filtered rows) is linked to any of
    `values`."""
    return Exists(
        through.objects.filter(commitment_id=OuterRef(commitment), **{f"{column}__in": values})
    )


def _within_places(places, commitment="pk"):
    """Rows whose commitment concerns any of `places` or a place within one of them."""
    # Places nest at most four deep (global, region, country, area).
    within = (
        Q(place__in=places) | Q(place__parent__in=places) | Q(place__parent__parent__in=places)
        | Q(place__parent__parent__parent__in=places)
    )  # fmt: skip
    through = Commitment.places.through
    return Exists(through.objects.filter(within, commitment_id=OuterRef(commitment)))


def _by_key(model, field_name, help_text, **kwargs):
    """`model`'s rows by the key `field_name` ends with (a commitment's code, a slug)."""
    return by_slugs(
        field_name=field_name,
        queryset=model.objects.all(),
        to_field_name=field_name.rsplit("__", 1)[-1],
        distinct=False,
        help_text=help_text,
        **kwargs,
    )


def commitment_filter(
    field_name="commitment__code", help_text="Commitment code; repeat for several."
):
    """Commitments by code, `field_name` leading to the filtered rows' commitment's code."""
    return _by_key(Commitment, field_name, help_text)


def pillar_filter(
    field_name="commitment__pillar__slug",
    help_text="Pillar slug of the commitment; repeat for several.",
    **kwargs,
):
    """Pillars by slug, `field_name` leading to the filtered rows' pillar's slug."""
    return _by_key(Pillar, field_name, help_text, **kwargs)


def place_filter(**kwargs):
    return by_slugs(
        field_name="places",
        queryset=Place.objects.all(),
        to_field_name="slug",
        method="filter_place",
        help_text="Place slug; a place includes the places within it (syria finds northeast "
        "Syria). Repeat for several.",
        **kwargs,
    )


def theme_filter(**kwargs):
    return by_slugs(
        field_name="themes",
        queryset=Theme.objects.all(),
        to_field_name="slug",
        method="filter_theme",
        help_text="Theme slug; repeat for several.",
        **kwargs,
    )


# Former names of fields that ordering still takes: {former name: field}.
ORDERING_ALIASES = {"last_update_at": "last_approved_at"}


class NullsLastOrderingFilter(filters.OrderingFilter):
    """Never-assessed commitments sort after assessed ones in either direction, on every
    database; the code breaks ties so that pages are stable. On an as_of read, by what the
    commitments showed then."""

    def filter(self, qs, value):
        # An empty `ordering` (as in ?ordering=&ordering=) asks for no order: the default.
        value = [param for param in value or [] if param]
        if not value:
            return qs
        ordering = []
        for param in value:
            descending = param.startswith("-")
            field = self.param_map[param.lstrip("-")]
            expression = F(qs.shown(ORDERING_ALIASES.get(field, field)))
            ordering.append(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "code")


class ByConcerns(filters.FilterSet):
    """Place and theme, filters through the filtered rows' commitment: `commitment_ref`, the
    path of its id in those rows."""

    commitment_ref = "pk"

    place = place_filter()
    theme = theme_filter()

    def filter_place(self, queryset, name, places):
        return queryset.filter(_within_places(places, self.commitment_ref)) if places else queryset

    def filter_theme(self, queryset, name, themes):
        if not themes:
            return queryset
        through = Commitment.themes.through
        return queryset.filter(_linked_to(through, "theme", themes, self.commitment_ref))


class CommitmentFilter(ByConcerns):
    pillar = pillar_filter(
        "pillar__slug",
        help_text="Pillar slug; repeat for several (?pillar=military&pillar=political).",
        method="filter_pillar",
    )
    status = filters.MultipleChoiceFilter(
        field_name="current_status",
        choices=Status.choices,
        method="filter_status",
        help_text="Current status (on an as_of read, the status then); repeat for several.",
    )
    code = commitment_filter(
        "code",
        help_text="Commitment code; repeat for several commitments in one read "
        "(?code=MIL-1&code=POL-3).",
    )
    partner = by_slugs(
        field_name="partners",
        queryset=Partner.objects.all(),
        to_field_name="slug",
        method="filter_partner",
        help_text="Partner slug; repeat for several.",
    )
    lead = by_slugs(
        field_name="partners",
        queryset=Partner.objects.all(),
        to_field_name="slug",
        method="filter_lead",
        help_text="Slug of a partner that leads it; repeat for several.",
    )
    owner = filters.CharFilter(
        method="filter_owner",
        help_text="me: the commitments you own (signed in). Signed-in staff may also name the "
        "owner by login name.",
    )
    stale = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_stale",
        help_text="true: only commitments that need a new assessment; false: only up-to-date ones.",
    )
    updated_since = InstantFilter(
        field_name="last_approved_at",
        method="filter_updated_since",
        help_text="ISO 8601 date or time: commitments whose last_approved_at is at or after "
        "it, i.e. whose current status comes from an update approved since then (on an as_of "
        "read, whose update in effect that day was). Never-assessed ones are left out.",
    )
    as_of = applied_by_the_view(AS_OF_HELP)
    known_on = applied_by_the_view(KNOWN_ON_HELP)
    search = filters.CharFilter(
        method="filter_search",
        validators=[search_words],
        help_text="Words in the code, title, text or current summary (that of the approved "
        "update that gives the current status), all of them, most relevant first unless "
        'ordering is given. A web search: "a quoted phrase", -word to leave one out, or between '
        "alternatives; a word finds its other forms (decisions finds decision), and a code "
        f"(GLB-2.3) finds that commitment. At most {SEARCH_MAX_WORDS} words and "
        f"{SEARCH_MAX_LENGTH} characters. (A development server on SQLite matches every word "
        "as a substring instead.)",
    )
    ordering = NullsLastOrderingFilter(
        fields=[
            ("code", "code"),
            ("title", "title"),
            ("last_approved_at", "last_approved_at"),
            ("last_recorded_at", "last_recorded_at"),
            ("current_progress", "progress"),
            # Deprecated: last_approved_at's former name (ORDERING_ALIASES).
            ("last_update_at", "last_update_at"),
        ],
        widget=RepeatedOrCommaSeparated,
        help_text="code, title, last_approved_at, last_recorded_at or progress (last_update_at: "
        "deprecated, the same as last_approved_at); prefix with - for descending. Repeat the "
        "parameter (or separate with commas) to sort by several.",
    )

    class Meta:
        model = Commitment
        fields = []

    # (Static: quick_values's reads apply them without a filter set.)
    @staticmethod
    def filter_pillar(queryset, name, pillars):
        # By the pillars (or their ids), found when the slugs were checked: the page is then
        # read off commitment_pillar_status_idx in the list's order, where a join with the
        # pillars to compare slugs made PostgreSQL read and sort every match.
        return queryset.filter(pillar__in=pillars) if pillars else queryset

    def filter_partner(self, queryset, name, partners):
        if not partners:
            return queryset
        return queryset.filter(_linked_to(Commitment.partners.through, "partner", partners))

    def filter_lead(self, queryset, name, partners):
        if not partners:
            return queryset
        leads = CommitmentPartner.objects.leads().filter(
            commitment_id=OuterRef("pk"), partner__in=partners
        )
        return queryset.filter(Exists(leads))

    def filter_owner(self, queryset, name, value):
        reader = self.request.user
        if value == "me":
            if not reader.is_authenticated:
                raise exceptions.ValidationError(
                    {
                        "owner": [
                            gettext("me is the signed-in user: sign in, or send your API token.")
                        ]
                    }
                )
            return queryset.filter(owner=reader)
        # Login names are no business of the public (serializers.person_name): they may not
        # probe them here either.
        if not may_see_login_names(reader):
            raise PermissionDenied(
                gettext(
                    "Only signed-in staff find commitments by their owner's login name; use "
                    "owner=me for your own."
                )
            )
        owner = get_user_model().objects.filter(username=value).first()
        if owner is None:
            raise exceptions.ValidationError(
                {"owner": [gettext("No user has the login name '%(name)s'.") % {"name": value}]}
            )
        return queryset.filter(owner=owner)

    def filter_stale(self, queryset, name, value):
        return queryset.stale() if value == "true" else queryset.fresh()

    @staticmethod
    def filter_status(queryset, name, statuses):
        if not statuses:
            return queryset
        return queryset.filter(**{f"{queryset.shown('current_status')}__in": statuses})

    def filter_updated_since(self, queryset, name, since):
        if since is None:
            return queryset
        return queryset.filter(**{f"{queryset.shown('last_approved_at')}__gte": since})

    # The filters quick_values reads, and the other parameters a list read with them may have.
    QUICK = ("pillar", "status")
    QUICK_WITH = frozenset({*QUICK, "page", "page_size"})

    @classmethod
    def quick_values(cls, query_params):
        """The values of the filters in QUICK, when a read asks for some of them and for
        nothing else but its page, and each value is one they take: {filter: its distinct
        values, sorted; pillars by id}; else None, and the filter set reads them. The filter
        set copies its filters and builds and validates a form for them (some 1.5 ms for
        pillar and status, as much as the page's SQL); a bad value is still its 400, which
        names it."""
        if not query_params.keys() <= cls.QUICK_WITH:
            return None
        values = {name: set(query_params.getlist(name)) for name in cls.QUICK}
        values = {name: given for name, given in values.items() if given}
        if not values or not values.get("status", set()) <= set(Status.values):
            return None
        if slugs := values.get("pillar"):
            # The check ModelMultipleChoiceField makes, in the query it makes.
            pillars = Pillar.objects.filter(slug__in=slugs).order_by().values_list("slug", "pk")
            ids = {slug: pk for slug, pk in pillars if slug in slugs}
            if len(ids) != len(slugs):
                return None
            values["pillar"] = set(ids.values())
        return {name: sorted(given) for name, given in values.items()}

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class PartnerFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(
        choices=Partner.Kind.choices,
        distinct=False,
        help_text="Kind of partner (member_state: the Coalition's members); repeat for several.",
    )

    class Meta:
        model = Partner
        fields = []


class SummaryFilter(CommitmentFilter):
    """The commitment list's filters that choose a set of commitments, for the summary that
    counts the set: a code names rows rather than a set, and counts have no order."""

    code = None
    ordering = None


class ChangesFilter(SummaryFilter):
    """The summary's filters that choose commitments by what they are: a status, staleness or
    last update differs between the dates compared, and the dates are the view's own."""

    status = None
    stale = None
    updated_since = None
    as_of = None
    known_on = None


class PeriodForm(forms.Form):
    """?from= and ?to= (YYYY-MM-DD, to not in the future, from not after to), and ?known_on=
    (not before to): the period a changes or timeline read compares, as known on that day.
    `to` defaults to today, `from` to DEFAULT_DAYS before `to`."""

    DEFAULT_DAYS = 30
    known_on = _date_field()

    def clean(self):
        today = timezone.localdate()
        for name in ("to", "known_on"):
            _not_in_the_future(self, name, today)
        if self.errors:
            return self.cleaned_data
        data = self.cleaned_data
        data["to"] = data.get("to") or today
        data["from"] = data.get("from") or self.default_from(data["to"])
        if data["from"] > data["to"]:
            self.add_error("from", gettext("from cannot be after to."))
        elif data.get("known_on") and data["known_on"] < data["to"]:
            self.add_error(
                "known_on",
                gettext("known_on cannot be before to: nothing recorded by then is dated later."),
            )
        return self.cleaned_data

    def default_from(self, to):
        return to - datetime.timedelta(days=self.DEFAULT_DAYS)


# Python cannot declare a field named `from`; subclasses collect declared_fields.
for _name in ("from", "to"):
    PeriodForm.base_fields[_name] = PeriodForm.declared_fields[_name] = _date_field()


class TimelineForm(PeriodForm):
    """A period cut into intervals (month or quarter, selectors.interval_ends): `from`
    defaults to the start of the eleventh interval before the one `to` ends, twelve in all;
    more than MAX_INTERVALS is a 400."""

    MAX_INTERVALS = 120
    interval = forms.ChoiceField(
        required=False, choices=[("month", "month"), ("quarter", "quarter")]
    )

    def clean(self):
        self.cleaned_data["interval"] = self.cleaned_data.get("interval") or "month"
        super().clean()
        if not self.errors:
            data = self.cleaned_data
            count = interval_count(data["from"], data["to"], data["interval"])
            if count > self.MAX_INTERVALS:
                self.add_error(
                    "from",
                    gettext(
                        "At most %(max)s intervals at a time (%(count)s asked for): take a later "
                        "from, or a longer interval."
                    )
                    % {"max": self.MAX_INTERVALS, "count": count},
                )
        return self.cleaned_data

    def default_from(self, to):
        return interval_start(to, self.cleaned_data["interval"], back=11)


class StatusUpdateFilter(ByConcerns):
    commitment_ref = "commitment_id"

    approved_since = InstantFilter(
        field_name="review__decided_at",
        lookup_expr="gte",
        help_text="Approved at or after (ISO 8601). An update is public from its approval, "
        "which may come days after it was recorded: a client that keeps a copy of the feed "
        "asks for what was approved since its last visit.",
    )
    since = InstantFilter(
        field_name="created_at", lookup_expr="gte", help_text="Recorded at or after (ISO 8601)."
    )
    until = InstantFilter(
        field_name="created_at", lookup_expr="lt", help_text="Recorded before (ISO 8601)."
    )
    pillar = pillar_filter()
    status = filters.MultipleChoiceFilter(
        choices=Status.assessments(),
        distinct=False,
        help_text="Status recorded; repeat for several.",
    )
    commitment = commitment_filter()
    review_state = filters.ChoiceFilter(
        choices=[*ReviewState.choices, ("all", _("All"))],
        method="filter_review_state",
        empty_label=None,
        help_text="Staff with view permission only: pending, returned, approved or all. Without "
        "it, approved updates only (all that anonymous readers ever see).",
    )
    reviewable = filters.BooleanFilter(
        method="filter_reviewable",
        help_text="true: only the updates you may decide, leaving out your own (four eyes). "
        "With review_state=pending, a reviewer's queue. Signed-in reviewers only.",
    )

    class Meta:
        model = StatusUpdate
        fields = []

    # Without review_state the view gives approved updates only (FilterBackend skips the
    # filterset when no filter is asked for).
    def filter_review_state(self, queryset, name, state):
        if state != ReviewState.APPROVED and not may_see_unapproved(self.request.user):
            raise PermissionDenied(
                gettext(
                    "Only signed-in staff who may view status updates can list pending or "
                    "returned ones."
                )
            )
        return queryset if state == "all" else queryset.in_review_state(state)

    def filter_reviewable(self, queryset, name, reviewable):
        if not reviewable:
            return queryset
        if not may_review(self.request.user):
            raise PermissionDenied(
                gettext("Only signed-in Reviewers and Editors have updates to review.")
            )
        return queryset.exclude(author=self.request.user)


EVENT_SINCE_HELP = (
    "An event id: the events after it (what a client that follows the stream sends, the last "
    "id it saw); or an ISO 8601 date (midnight, server time) or date and time: the events at "
    "or after it."
)


class EventSinceField(forms.Field):
    """An event's id (the events after it) or an ISO 8601 date or time (the events at or after
    it): what a client that follows the stream last saw, or when it starts to look."""

    default_error_messages = {
        "invalid": _(
            "An event id (a whole number: the events after it) or an ISO 8601 date or time (the "
            "events at or after it), e.g. 1234 or 2026-12-01T09:00:00Z."
        )
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = value.strip()
        if value.isdigit():
            return int(value)
        try:
            return InstantField().to_python(value)
        except ValidationError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


@extend_schema_field(
    {
        "anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
        ],
        "description": EVENT_SINCE_HELP,
    }
)
class EventSinceFilter(filters.Filter):
    field_class = EventSinceField

    def filter(self, queryset, value):
        if value is None:
            return queryset
        if isinstance(value, int):
            return queryset.filter(pk__gt=value)
        return queryset.filter(occurred_at__gte=value)


class EventFilter(filters.FilterSet):
    type = filters.MultipleChoiceFilter(
        choices=EventType.choices,
        widget=RepeatedOrCommaSeparated,
        distinct=False,
        help_text="What happened (update.approved, commitment.changed, ...); repeat the "
        "parameter or separate with commas for several.",
    )
    pillar = pillar_filter()
    commitment = commitment_filter()
    since = EventSinceFilter(
        help_text=EVENT_SINCE_HELP,
    )

    class Meta:
        model = Event
        fields = []


class EvidenceFilter(filters.FilterSet):
    grade = filters.CharFilter(
        method="at_least",
        validators=[validate_grade],
        help_text="Evidence graded at least this (e.g. B2: a source A or B and information 1 or "
        "2).",
    )
    source = filters.CharFilter(
        lookup_expr="icontains", help_text="Part of who or what it comes from, any case."
    )
    reliability = filters.MultipleChoiceFilter(
        choices=Evidence.Reliability.choices, distinct=False, help_text="Repeat for several."
    )
    credibility = filters.MultipleChoiceFilter(
        choices=Evidence.Credibility.choices, distinct=False, help_text="Repeat for several."
    )

    class Meta:
        model = Evidence
        fields = []

    def at_least(self, queryset, name, value):
        return queryset.at_least(value)
