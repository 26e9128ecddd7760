"""The events stream in the API (/events/): every change of what readers see, oldest first, a
cursor page at a time, as models.events records them. Anonymous readers get the public events
(approvals, edits, contributions); staff who may view events get review work in progress too
(submissions, returns, withdrawals). Everyone reads only the events about records their
clearance may read (Event.releasability). What an event's data holds is event_data.py's."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from commitments.api.base import ConditionalGetMixin, NamesWhatIsNotFound
from commitments.api.filters import EventFilter
from commitments.api.pagination import FeedPagination
from commitments.api.representation import FastRepresentation
from commitments.clearance import clearance_of
from commitments.models import Event, EventType


class EventPagination(FeedPagination):
    """In the order events happened: a client reads on from where it stopped. On the last page
    `next` is null; it asks again later with since=<the last id it saw>."""

    ordering = ("id",)


class EventSerializer(FastRepresentation, serializers.ModelSerializer):
    """One change of what readers see, as it was told when it happened: never changed after."""

    id = serializers.IntegerField(
        read_only=True,
        help_text="Its place in the stream: later events have larger ids. Send the last one "
        "you saw as since= to read on from it.",
    )
    type = serializers.ChoiceField(choices=EventType.choices, read_only=True)
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True, help_text="When it happened.")
    subject_url = serializers.CharField(
        read_only=True,
        help_text="The API path of what it happened to (an update, a commitment, a "
        "contribution, an indicator or an indicator value), e.g. /api/v1/updates/12/.",
    )
    commitment = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The commitment it concerns; null for a context indicator and its values.",
    )
    data = serializers.DictField(
        read_only=True,
        help_text="What it happened to, just after: its representation as the list of its kind "
        "gave it then (a commitment's own fields, without its history), for a reader who is "
        "not signed in, with links as paths.",
    )

    class Meta:
        model = Event
        fields = ["id", "type", "type_label", "occurred_at", "subject_url", "commitment", "data"]
        read_only_fields = fields


EXAMPLE = OpenApiExample(
    "An approved status update",
    value={
        "id": 1234,
        "type": "update.approved",
        "type_label": "Status update approved",
        "occurred_at": "2026-12-01T09:30:00Z",
        "subject_url": "/api/v1/updates/812/",
        "commitment": "MIL-1",
        "data": {
            "id": 812,
            "url": "/api/v1/updates/812/",
            "commitment": "MIL-1",
            "status": "on_track",
            "progress": 40,
            "as_of": "2026-11-30",
            "summary": "Two of five units deployed.",
            "review_state": "approved",
        },
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="Events: every change of what readers see",
        description="One append-only stream of changes, oldest first, 50 a page: a status "
        "update or indicator value approved (a correction included), a commitment created or "
        "edited, a contribution recorded or corrected, an indicator created or edited. Each "
        "carries the representation of what changed, as it was just after. Staff who may view "
        "events also see review work in progress: updates and indicator values submitted, "
        "returned and withdrawn. Follow `next` to page on; at the end, ask again later with "
        "`since` set to the last id you saw. An event is written with the change it tells of, "
        "in the same transaction: never one without the other. An event about a record "
        "released to the coalition or the secretariat is shown only to readers of that "
        "clearance.",
        examples=[EXAMPLE],
        tags=["events"],
    ),
    retrieve=extend_schema(
        summary="Get an event",
        description="One event by its id. One that is only for staff, or about a record beyond "
        "the reader's clearance, is a 404 to anyone else.",
        tags=["events"],
    ),
)
class EventViewSet(NamesWhatIsNotFound, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilter
    pagination_class = EventPagination

    def get_queryset(self):
        # Rows, as the serializer reads them.
        user = self.request.user
        events = super().get_queryset().visible_to(user).readable_by(clearance_of(user))
        return events.values(*EventSerializer.columns())
