"""The Roadmap over time: what changed between two dates (/changes/), and the counts by status
at the end of each month or quarter (/summary/timeline/). Both read the history as known on a
day (?known_on=), by the rules of CommitmentQuerySet.as_of; the list, its detail and the
summary take ?as_of= themselves (commitments.py, summary.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments.api.base import CSV_PARAMETER, ConditionalGetMixin
from commitments.api.cited import PageSerializer
from commitments.api.fields import RefSerializer
from commitments.api.filters import ChangesFilter, FilterBackend, PeriodForm, TimelineForm, valid
from commitments.api.renderers import CSVRenderer, JSONRenderer, XLSXRenderer
from commitments.api.representation import Links
from commitments.api.summary import StatusCountsSerializer
from commitments.api.updates import StatusUpdateSerializer
from commitments.clearance import clearance_of
from commitments.models import Change, Commitment, Status
from commitments.selectors import changes_between, roadmap_timeline

# Serializers.


class StateSerializer(serializers.Serializer):
    """Where a commitment stood on a date."""

    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.SerializerMethodField()
    progress = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateField(
        allow_null=True, help_text="The date of the assessment in effect; null if none."
    )
    is_stale = serializers.BooleanField(source="stale", help_text="Stale on that date.")

    def get_status_label(self, state) -> str:
        return Status(state.status).label

    def to_representation(self, state):
        # A period's changes hold thousands of states at scale: written out as the declared
        # fields would write them (tests/test_changes.py holds the two equal), at a fraction of
        # the cost of the generic walk.
        return {
            "status": state.status,
            "status_label": self.get_status_label(state),
            "progress": state.progress,
            "as_of": None if state.as_of is None else state.as_of.isoformat(),
            "is_stale": state.stale,
        }


class CommitmentChangeSerializer(serializers.Serializer):
    code = serializers.CharField(source="commitment.code")
    url = serializers.SerializerMethodField()
    title = serializers.CharField(source="commitment.title")
    pillar = serializers.SerializerMethodField()
    change = serializers.ChoiceField(
        choices=Change.choices,
        help_text="improved or worsened (by the statuses' rank, GET /api/v1/statuses/); "
        "changed (to or from a status outside that order: not started, discontinued); "
        "progress_moved (same status); newly_assessed (not assessed, or not yet created, at "
        "`from`); became_stale (same status and progress, stale at `to` only).",
    )
    change_label = serializers.SerializerMethodField(
        help_text="The change in words, as a dashboard shows it (e.g. Worsened)."
    )
    before = StateSerializer(
        source="before_or_unassessed",
        help_text="At `from` (not assessed, when it was created since).",
    )
    after = StateSerializer(help_text="At `to`.")
    created_since = serializers.SerializerMethodField(
        help_text="Created after `from`: it did not exist then."
    )
    updates = StatusUpdateSerializer(
        many=True,
        help_text="Its approved updates dated after `from` and up to `to` (as known on "
        "known_on), newest first: what made the difference.",
    )

    class Meta:
        list_serializer_class = PageSerializer

    def read_ahead(self, changes):
        """The evidence and releases of every change's updates, read at once (cited.py)."""
        self.fields["updates"].child.read_ahead(
            update for change in changes for update in change.updates
        )

    def get_change_label(self, change) -> str:
        return Change(change.change).label

    def get_created_since(self, change) -> bool:
        return change.before is None

    def get_url(self, change) -> str:
        return self.links.url("api:commitment-detail", "code", change.commitment["code"])

    @extend_schema_field(RefSerializer)
    def get_pillar(self, change):
        row = change.commitment
        return {"slug": row["pillar__slug"], "name": row["pillar__name"]}

    def to_representation(self, change):
        # As StateSerializer's: the declared fields, written out.
        fields = self.fields
        return {
            "code": change.commitment["code"],
            "url": self.get_url(change),
            "title": change.commitment["title"],
            "pillar": self.get_pillar(change),
            "change": change.change,
            "change_label": self.get_change_label(change),
            "before": fields["before"].to_representation(change.before_or_unassessed),
            "after": fields["after"].to_representation(change.after),
            "created_since": self.get_created_since(change),
            "updates": fields["updates"].to_representation(change.updates),
        }

    @property
    def links(self):
        root = self.root
        if "_links" not in root.__dict__:
            root._links = Links(self.context.get("request"))
        return root._links


class CountsDifferenceSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    average_progress = serializers.FloatField(
        allow_null=True, help_text="Null when either date has none."
    )
    stale = serializers.IntegerField()


class ChangesSummarySerializer(serializers.Serializer):
    before = StatusCountsSerializer(help_text="The summary's counts at `from`.")
    after = StatusCountsSerializer(help_text="The summary's counts at `to`.")
    difference = CountsDifferenceSerializer(help_text="after - before.")
    by_change = serializers.DictField(
        child=serializers.IntegerField(), help_text="How many commitments moved each way."
    )


class PeriodFields(serializers.Serializer):
    """`from`, `to` and `known_on` of a period read (Python cannot name a field `from`)."""

    def get_fields(self):
        return {
            "from": serializers.DateField(source="start"),
            "to": serializers.DateField(source="end"),
            "known_on": serializers.DateField(
                allow_null=True, help_text="The day the history is read as known on; null: now."
            ),
            **super().get_fields(),
        }


class ChangesSerializer(PeriodFields):
    summary = ChangesSummarySerializer()
    changes = CommitmentChangeSerializer(many=True, help_text="In the Roadmap's order.")


class TimelinePointSerializer(StatusCountsSerializer):
    def get_fields(self):
        return {"date": serializers.DateField(source="day"), **super().get_fields()}


class ChangeRowSerializer(serializers.Serializer):
    """A line of the changes' CSV and XLSX: one commitment that changed, flat."""

    code = serializers.CharField()
    title = serializers.CharField()
    pillar = serializers.SlugField()
    change = serializers.ChoiceField(choices=Change.choices)
    status_before = serializers.ChoiceField(choices=Status.choices)
    progress_before = serializers.IntegerField(allow_null=True)
    as_of_before = serializers.DateField(allow_null=True)
    is_stale_before = serializers.BooleanField()
    status_after = serializers.ChoiceField(choices=Status.choices)
    progress_after = serializers.IntegerField(allow_null=True)
    as_of_after = serializers.DateField(allow_null=True)
    is_stale_after = serializers.BooleanField()
    created_since = serializers.BooleanField()
    updates = serializers.ListField(child=serializers.IntegerField())


class TimelineRowSerializer(serializers.Serializer):
    """A line of the timeline's CSV and XLSX: one interval, its counts by status flat."""

    def get_fields(self):
        return {
            "date": serializers.DateField(),
            "total": serializers.IntegerField(),
            **{status: serializers.IntegerField() for status in Status.values},
            "average_progress": serializers.FloatField(allow_null=True),
            "stale": serializers.IntegerField(),
        }


class TimelineSerializer(PeriodFields):
    interval = serializers.ChoiceField(choices=["month", "quarter"])
    points = TimelinePointSerializer(
        many=True, help_text="One per interval, oldest first, at its last day (the last: `to`)."
    )


# Views.


PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="YYYY-MM-DD, not after `to`. Default: 30 days before `to`.",
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="YYYY-MM-DD, not in the future. Default: today."
    ),
    OpenApiParameter(
        "known_on",
        OpenApiTypes.DATE,
        description="YYYY-MM-DD, not in the future, not before `to`: read the history as it "
        "had been recorded and approved by the end of that day (a back-dated update or a "
        "correction entered later does not count). Default: as known now.",
    ),
]


class PeriodView(ConditionalGetMixin, APIView):
    queryset = Commitment.objects.none()  # for the permission class: reads only
    filter_backends = [FilterBackend]
    filterset_class = ChangesFilter
    form_class = PeriodForm

    def get_renderers(self):
        return [JSONRenderer(), BrowsableAPIRenderer(), CSVRenderer(), XLSXRenderer()]

    @property
    def csv_columns(self):
        return list(self.row_serializer().fields)

    def get_serializer(self):
        """The serializer of a CSV or XLSX line, whose fields type the workbook's cells."""
        return self.row_serializer()

    @property
    def wants_spreadsheet(self):
        return self.request.accepted_renderer.format in ("csv", "xlsx")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.accepted_renderer.format == "csv" and response.status_code == 200:
            response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}"'
        return response

    def get(self, request):
        """What the view reads (`read`) of the period asked for and the commitments the filters
        choose (a 400 if either is bad), or, for a spreadsheet, its lines (`rows`)."""
        period = valid(self.form_class(request.query_params)).cleaned_data
        commitments = Commitment.objects.all()
        for backend in self.filter_backends:
            commitments = backend().filter_queryset(request, commitments, self)
        data = self.read(period, commitments)
        return Response(self.rows(data) if self.wants_spreadsheet else data)

    def read(self, period, commitments):
        """What the view shows of `period`, computed from the records its reader's clearance
        may read (clearance_of)."""
        raise NotImplementedError

    def rows(self, data):
        raise NotImplementedError


@extend_schema_view(
    get=extend_schema(
        summary="What changed between two dates",
        description="Every commitment whose status or progress differs between the ends of "
        "`from` and `to`, or that became stale, with how it moved and the updates dated in "
        "between; and the summary's counts at both dates, with their difference. Both dates "
        "read the same history: today's, or as known on `known_on`. Takes the list's filters "
        "that choose commitments by what they are (not status, stale or updated_since, which "
        "differ between the dates). `format=csv` gives it as CSV (`format=xlsx` as an Excel "
        "workbook): one line per commitment that changed.",
        parameters=[*PERIOD_PARAMETERS, CSV_PARAMETER],
        responses=ChangesSerializer,
        filters=True,
        tags=["time"],
    )
)
class ChangesView(PeriodView):
    csv_filename = "changes.csv"
    row_serializer = ChangeRowSerializer

    def read(self, period, commitments):
        changes = changes_between(
            commitments,
            period["from"],
            period["to"],
            known_on=period.get("known_on"),
            update_columns=StatusUpdateSerializer.columns(),
            clearance=clearance_of(self.request.user),
        )
        return ChangesSerializer(
            {
                "start": changes.start,
                "end": changes.end,
                "known_on": changes.known_on,
                "summary": {
                    "before": changes.before,
                    "after": changes.after,
                    "difference": _difference(changes.before, changes.after),
                    "by_change": _by_change(changes.changes),
                },
                "changes": changes.changes,
            },
            context={"request": self.request},
        ).data

    def rows(self, data):
        return [_flat(change) for change in data["changes"]]


def _difference(before, after):
    average = None
    if before.average_progress is not None and after.average_progress is not None:
        average = round(after.average_progress - before.average_progress, 1)
    return {
        "total": after.total - before.total,
        "by_status": {s: after.by_status[s] - before.by_status[s] for s in Status.values},
        "average_progress": average,
        "stale": after.stale - before.stale,
    }


def _by_change(changes):
    counted = dict.fromkeys(Change.values, 0)
    for change in changes:
        counted[change.change] += 1
    return counted


def _flat(change):
    row = {key: change[key] for key in ("code", "title", "change", "created_since")}
    row["pillar"] = change["pillar"]["slug"]
    for side in ("before", "after"):
        state = change[side]
        for key in ("status", "progress", "as_of", "is_stale"):
            row[f"{key}_{side}"] = state.get(key)
    row["updates"] = [update["id"] for update in change["updates"]]
    return row


@extend_schema_view(
    get=extend_schema(
        summary="The Roadmap month by month",
        description="The commitments counted by status at the end of each month or quarter "
        "from `from` to `to` (the last interval ends at `to`), with average progress and how "
        f"many were stale, as the summary counts them; at most {TimelineForm.MAX_INTERVALS} "
        "intervals (a 400 beyond). Takes the same filters as /changes/. `format=csv` gives it "
        "as CSV (`format=xlsx` as an Excel workbook): one line per interval.",
        parameters=[
            *PERIOD_PARAMETERS[1:],
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD, not after `to`. Default: twelve intervals, ending at "
                "`to`.",
            ),
            OpenApiParameter(
                "interval",
                OpenApiTypes.STR,
                enum=["month", "quarter"],
                description="month (the default) or quarter.",
            ),
            CSV_PARAMETER,
        ],
        responses=TimelineSerializer,
        filters=True,
        tags=["time"],
    )
)
class TimelineView(PeriodView):
    form_class = TimelineForm
    csv_filename = "timeline.csv"
    row_serializer = TimelineRowSerializer

    def read(self, period, commitments):
        points = roadmap_timeline(
            commitments,
            period["from"],
            period["to"],
            period["interval"],
            known_on=period.get("known_on"),
            clearance=clearance_of(self.request.user),
        )
        return TimelineSerializer(
            {
                "start": period["from"],
                "end": period["to"],
                "known_on": period.get("known_on"),
                "interval": period["interval"],
                "points": [_point(point) for point in points],
            }
        ).data

    def rows(self, data):
        return [{**point, **point.pop("by_status")} for point in data["points"]]


def _point(point):
    counts = point.counts
    return {
        "day": point.day,
        "total": counts.total,
        "by_status": counts.by_status,
        "average_progress": counts.average_progress,
        "progress_reported": counts.progress_reported,
        "stale": counts.stale,
    }
