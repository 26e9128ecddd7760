"""What an event says of its subject (services.events): the API's representation of it, as
the list endpoint of its kind gives it, registered for each model the events stream tells of.
CommitmentsConfig.ready imports this module, so that every process that writes has them.

An event is written outside any request, and read by anyone the event is shown to: its data is
represented for nobody in particular, as an anonymous reader sees it (people named by their
full name or their role, never a login name), with links as paths (/api/v1/updates/12/), the
host being the reader's. A commitment is represented as the commitment list gives it (its own
fields, tags and current status), not with the nested history of its detail."""

from django.db.models import Model

from commitments.api.commitments import CommitmentSerializer, CommitmentViewSet
from commitments.api.contributions import ContributionSerializer, ContributionViewSet
from commitments.api.indicator_values import IndicatorValueSerializer, IndicatorValueViewSet
from commitments.api.indicators import IndicatorSerializer, IndicatorViewSet
from commitments.api.updates import StatusUpdateSerializer, StatusUpdateViewSet
from commitments.models import Commitment, Contribution, Indicator, IndicatorValue, StatusUpdate
from commitments.selectors import attach_related
from commitments.services.events import represents

# No request: links as paths, people as the public reads them; a record's evidence as a reader
# of its marking reads it (the event's readers: its marking is the record's).
CONTEXT = {"request": None, "as_marked": True}


def _represented(serializer_class, rows, pk="id"):
    serializer = serializer_class(context=CONTEXT)
    rows = list(rows)
    if hasattr(serializer, "read_ahead"):  # a record's evidence and releases, at once
        serializer.read_ahead(rows)
    return {
        (row.pk if isinstance(row, Model) else row[pk]): serializer.to_representation(row)
        for row in rows
    }


@represents(Commitment)
def commitments(pks):
    rows = CommitmentViewSet.queryset.filter(pk__in=pks).rows(*CommitmentSerializer.columns())
    return _represented(CommitmentSerializer, attach_related(rows))


@represents(StatusUpdate)
def status_updates(pks):
    rows = StatusUpdateViewSet.queryset.filter(pk__in=pks)
    return _represented(StatusUpdateSerializer, rows.values(*StatusUpdateSerializer.columns()))


@represents(Contribution)
def contributions(pks):
    return _represented(ContributionSerializer, ContributionViewSet.queryset.filter(pk__in=pks))


@represents(Indicator)
def indicators(pks):
    rows = IndicatorViewSet.queryset.with_latest().filter(pk__in=pks)
    return _represented(IndicatorSerializer, rows.values(*IndicatorSerializer.columns()))


@represents(IndicatorValue)
def indicator_values(pks):
    return _represented(IndicatorValueSerializer, IndicatorValueViewSet.queryset.filter(pk__in=pks))
