"""The Roadmap at a glance (/summary/): commitments counted by current status, overall and per
pillar, and per group of one kind on request (?group_by=), computed once per state of the data.
The pillars' endpoints serve its `pillars` (reference.py); counts over time are time.py's."""

import hashlib

import django_filters
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments.api.base import ConditionalGetMixin
from commitments.api.fields import OptionalCharField, format_datetime
from commitments.api.filters import (
    FilterBackend,
    SummaryFilter,
    point_in_time,
    point_in_time_seen_by,
    valid,
)
from commitments.api.permissions import may_see_login_names
from commitments.clearance import clearance_of
from commitments.models import Commitment, Pillar, Releasability
from commitments.selectors import GROUP_BY, cached, counts_by_group, roadmap_summary

# What an average progress is of: a mean of 70% over 1 commitment in 12 is not "70%" of all 12.
PROGRESS_REPORTED_HELP = (
    "Commitments that report a progress: the ones `average_progress` is the mean of, out of "
    "`total`."
)


class StatusCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Commitments in the group.")
    by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Commitments per current status; every status is present, zero included.",
    )
    average_progress = serializers.FloatField(
        allow_null=True, help_text="Mean progress of the commitments that report one; null if none."
    )
    progress_reported = serializers.IntegerField(help_text=PROGRESS_REPORTED_HELP)
    stale = serializers.IntegerField(help_text="Commitments that need a new assessment.")


# A pillar with its counts is the summary's, not reference.py's: the summary lists its pillars
# with it, and the pillars' endpoints serve the summary's `pillars` (cached_summary), so
# reference.py reads this module and never the other way round.
class PillarSerializer(serializers.ModelSerializer):
    description = OptionalCharField()
    commitments = serializers.SerializerMethodField()

    class Meta:
        model = Pillar
        fields = ["slug", "name", "description", "display_order", "commitments"]

    @extend_schema_field(StatusCountsSerializer)
    def get_commitments(self, pillar):
        return StatusCountsSerializer(pillar.status_counts).data


class GroupCountsSerializer(StatusCountsSerializer):
    """A group's counts: those of the summary filtered by that group (?place=<key>, ...)."""

    def get_fields(self):
        return {
            "key": serializers.CharField(
                help_text="The group's slug (an owner's login name): what the summary's filter "
                "of that kind takes."
            ),
            "name": serializers.CharField(),
            **super().get_fields(),
        }


GROUPS_HELP = (
    "Present with group_by: every pillar, place, theme or partner (zero included, in the order "
    "of their list), or every person who owns a commitment, each with the counts of the "
    "commitments in it. A commitment in several places (themes, partners) counts in each, and "
    "a place counts the commitments of the places within it (as ?place= finds them): the "
    "groups' totals may add up to more than `total`. A commitment in none (no theme, no "
    "owner) is in no group."
)


class SummarySerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    average_progress = serializers.FloatField(allow_null=True)
    progress_reported = serializers.IntegerField(help_text=PROGRESS_REPORTED_HELP)
    stale = serializers.IntegerField()
    assessed_on_b2_evidence = serializers.IntegerField(
        help_text="Commitments whose current assessment cites at least one piece of public "
        "evidence graded B2 or better (a source A or B, information 1 or 2).",
    )
    latest_update_at = serializers.DateTimeField(allow_null=True)
    pillars = PillarSerializer(many=True)
    group_by = serializers.ChoiceField(
        choices=GROUP_BY, required=False, help_text="Present with group_by: its value."
    )
    groups = GroupCountsSerializer(many=True, required=False, help_text=GROUPS_HELP)


def cached_summary(
    data_fingerprint,
    commitments=None,
    filters=(),
    when=None,
    group_by=None,
    clearance=Releasability.PUBLIC,
):
    """The summary's representation of `commitments` (all of them by default), computed once
    per state of the data, per set of `filters`, the (name, values) pairs that chose them
    (as_of and known_on among them: `when`, their PointInTime; group_by among them when
    given: the groups it asks for), and per clearance (from the records a reader of it may
    read); the pillars' endpoints serve the unfiltered public summary's `pillars`."""

    def compute():
        summary = roadmap_summary(commitments, when=when, clearance=clearance)
        overall = summary.overall
        data = {
            "generated_at": None,  # set per response
            "total": overall.total,
            "by_status": overall.by_status,
            "average_progress": overall.average_progress,
            "progress_reported": overall.progress_reported,
            "stale": overall.stale,
            "assessed_on_b2_evidence": overall.on_b2_evidence,
            "latest_update_at": summary.latest_update_at,
            "pillars": summary.pillars,
        }
        if group_by:
            data["group_by"] = group_by
            data["groups"] = [
                {"key": group.key, "name": group.name, **_counts(group.counts)}
                for group in counts_by_group(commitments, group_by, when=when, clearance=clearance)
            ]
        return SummarySerializer(data).data

    name = "api-summary"
    if clearance != Releasability.PUBLIC:
        name += f":{clearance}"  # what the public's key never holds
    if filters:
        # A digest: a search may be longer than a cache key may be.
        name += ":" + hashlib.sha256(repr(filters).encode()).hexdigest()
    return cached(name, data_fingerprint, compute)


def _counts(counts):
    return {
        name: getattr(counts, name)
        for name in ("total", "by_status", "average_progress", "progress_reported", "stale")
    }


class GroupByForm(forms.Form):
    group_by = forms.ChoiceField(
        required=False,
        choices=[(name, name) for name in GROUP_BY],
        error_messages={
            # %(value)s is Django's, filled in with the value sent.
            "invalid_choice": format_lazy(
                _("Unknown group_by '%(value)s': one of {choices}."), choices=", ".join(GROUP_BY)
            )
        },
    )


class SummaryView(ConditionalGetMixin, APIView):
    queryset = Commitment.objects.none()  # for the permission class: reads only
    filter_backends = [FilterBackend]
    filterset_class = SummaryFilter

    @extend_schema(
        summary="The Roadmap at a glance",
        description="Commitments counted by current status, overall and per pillar (every "
        "pillar, zero included), with average progress and how many need a new assessment. "
        "Takes the filters of the commitment list, but for `code` and `ordering`: the counts "
        "are then of the commitments the list would give. `group_by` adds the same counts "
        "per pillar, place, theme, partner or owner, every group in one read (`groups`).",
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                enum=GROUP_BY,
                description="Count per group of this kind as well (`groups`), each group "
                "counted as the summary filtered by it would count (?place=<key>, ...), with "
                "the other filters, as_of and known_on applied. A commitment in several places "
                "(themes, partners) counts in each, and a place counts the places within it. "
                "owner: signed-in staff only, as the owner filter by login name.",
            )
        ],
        responses=SummarySerializer,
        filters=True,  # a single object, which drf-spectacular would give no filters
    )
    def get(self, request):
        clearance = clearance_of(request.user)
        commitments = Commitment.objects.all()
        if asked := point_in_time(request):
            commitments = commitments.as_of(asked.as_of, asked.known_on, clearance=clearance)
        else:
            commitments = commitments.seen_by(clearance)
        # A cleared reader's counts of today are computed, as of today (seen_by).
        when = point_in_time_seen_by(request, clearance)
        for backend in self.filter_backends:  # a bad value is a 400, as on the list
            commitments = backend().filter_queryset(request, commitments, self)
        group_by = valid(GroupByForm(request.query_params)).cleaned_data["group_by"]
        if group_by == "owner" and not may_see_login_names(request.user):
            # Login names are no business of the public (filters.CommitmentFilter.filter_owner).
            raise PermissionDenied(gettext("Only signed-in staff count commitments by owner."))
        filters = self._filters(request)
        if group_by:
            filters = (*filters, ("group_by", (group_by,)))
        data = cached_summary(
            self.data_fingerprint, commitments, filters, when, group_by, clearance
        )
        # The time the figures are as of, the same for every response with the same ETag.
        generated_at = format_datetime(self.last_modified)
        return Response({**data, "generated_at": generated_at})

    def _filters(self, request):
        """The filters as the filter set applies them, in a canonical order: the same set of
        commitments is found under one cache key however the parameters are spelled out, and
        two different sets never share one. A filter of several values takes them all, repeated
        or comma-separated, in any order; one of a single value takes the last given, as
        django-filter does."""
        filters = []
        for name, declared in sorted(SummaryFilter.base_filters.items()):
            given = request.query_params.getlist(name)
            if isinstance(declared, django_filters.MultipleChoiceFilter):
                values = tuple(
                    sorted({value for raw in given for value in raw.split(",") if value})
                )
            else:
                values = tuple(given[-1:]) if given and given[-1] else ()
            if values:
                filters.append((name, values))
        if request.query_params.get("owner") == "me":
            filters.append(("reader", (str(request.user.pk),)))  # "me" is whoever asks
        return tuple(filters)
