"""The dated bulk snapshot for data warehouses: a Frictionless Data Package
(https://specs.frictionlessdata.io/data-package/) of what the public API shows as of a day,
as it was known at the end of that day: `datapackage.json`, a Table Schema per resource, and
one CSV per resource under data/.

Each resource is read as the public API's own list reads it on an `?as_of=D&known_on=D` read,
and represented by the API's own serializers for an anonymous reader (people named as the
public sees them; approved records only, no pending, returned or withdrawn one): one
declaration of what is public, the schema's fields and types derived from it. So a snapshot of
a past day made today is the one that could have been made that day, corrections entered
later left out.

Rows are read off a server-side cursor a batch at a time and written as they come: memory
stays bounded however large the history. It is in api/ because it is a representation of the
API's reads, served by SnapshotView and written by `manage.py snapshot`."""

import contextlib
import csv
import datetime
import io
import itertools
import json
import tempfile
import types
import typing
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, router, transaction
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from commitments.api.base import ConditionalGetMixin, unlinked
from commitments.api.commitments import CommitmentCSVSerializer
from commitments.api.contributions import ContributionCSVSerializer
from commitments.api.filters import DATE_FORMAT_MESSAGE, valid
from commitments.api.indicator_values import IndicatorValueCSVSerializer
from commitments.api.indicators import IndicatorCSVSerializer
from commitments.api.reference import (
    PartnerSerializer,
    PlaceSerializer,
    SourceDocumentSerializer,
    ThemeSerializer,
)
from commitments.api.renderers import JSONRenderer
from commitments.api.summary import PillarSerializer
from commitments.api.updates import StatusUpdateCSVSerializer
from commitments.models import (
    Commitment,
    CommitmentPartner,
    Contribution,
    Indicator,
    IndicatorValue,
    Partner,
    Pillar,
    Place,
    Releasability,
    SourceDocument,
    StatusUpdate,
    Theme,
)
from commitments.models.bounds import end_of_day
from commitments.selectors import attach_related, data_version

# The layout's version: a warehouse loading snapshots checks it. A column renamed or removed is
# a new major version; one added, a new minor one.
PACKAGE_VERSION = "1.0.0"
PACKAGE_NAME = "roadmap-tracker-snapshot"
BATCH = 2000  # rows read, serialized and written at a time
DATA_DIR = "data"
SPOOLED_BYTES = 8 * 1024 * 1024  # a ZIP larger than this is written to a temporary file

# The review's public part: on the reviewed record in the API, a resource of its own here.
REVIEW_FIELDS = ["review_state", "reviewer", "review_comment", "reviewed_at"]


# Serializers of what the API has no list of its own for (pillars without their counts, the
# links of commitments to their tags), declared as the API declares its own.


class SnapshotPillarSerializer(PillarSerializer):
    class Meta(PillarSerializer.Meta):
        fields = ["slug", "name", "description", "display_order"]


class CommitmentThemeSerializer(serializers.Serializer):
    commitment = serializers.CharField(source="commitment__code")
    theme = serializers.CharField(source="theme__slug")


class CommitmentPlaceSerializer(serializers.Serializer):
    commitment = serializers.CharField(source="commitment__code")
    place = serializers.CharField(source="place__slug")


class CommitmentPartnerSerializer(serializers.Serializer):
    commitment = serializers.CharField(source="commitment__code")
    partner = serializers.CharField(source="partner__slug")
    role = serializers.ChoiceField(choices=CommitmentPartner._meta.get_field("role").choices)


class PublicReviewSerializer(serializers.Serializer):
    """The public part of the decision on an approved status update or indicator value: who
    approved it (as the public API names them), their remark, and when."""

    id = serializers.CharField(help_text='"update-<id>" or "value-<id>".')
    update = serializers.IntegerField(
        allow_null=True, help_text="The status update approved; null for a value's review."
    )
    indicator_value = serializers.IntegerField(
        allow_null=True, help_text="The indicator value approved; null for an update's review."
    )
    review_state = StatusUpdateCSVSerializer().fields["review_state"]
    reviewer = serializers.CharField(
        allow_null=True,
        help_text="Who approved it, by full name (else their role); null when it was approved "
        "on submission because review is not required.",
    )
    review_comment = serializers.CharField(
        allow_null=True, help_text="The reviewer's remark on approval; null when none."
    )
    reviewed_at = serializers.DateTimeField(allow_null=True, help_text="When it was approved.")


@dataclass(frozen=True)
class Resource:
    """One table of the package: its rows (`batches(as_of)`, lists of serialized rows), the
    serializer they come from (its fields give the schema), and its keys. `types`: the type of
    a field whose declaration does not say it (a decimal written as a string)."""

    name: str
    title: str
    description: str
    serializer: type
    batches: Callable[[datetime.date], Iterable[list[dict]]]
    primary_key: list[str]
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column: "resource.column"
    columns: list[str] | None = None
    types: dict[str, str] = field(default_factory=dict)

    @property
    def path(self):
        return f"{DATA_DIR}/{self.name}.csv"

    def fields(self):
        declared = self.serializer().fields
        return [(name, declared[name]) for name in self.columns or list(declared)]

    def descriptor(self):
        schema = {
            "fields": [
                table_field(name, declared, self.serializer, self.types.get(name))
                for name, declared in self.fields()
            ],
            "primaryKey": self.primary_key,
            # Empty cells are nulls: the API's null, an empty list.
            "missingValues": [""],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {
                    "fields": column,
                    "reference": {
                        # "" is the resource itself (a correction names the record it corrects).
                        "resource": "" if target == self.name else target,
                        "fields": target_column,
                    },
                }
                for column, (target, target_column) in (
                    (column, reference.split("."))
                    for column, reference in self.foreign_keys.items()
                )
            ]
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "path": self.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        }

    def csv_chunks(self, as_of):
        """The CSV, encoded, a chunk per batch of rows after the header's."""
        columns = [name for name, _ in self.fields()]
        output = io.StringIO()
        writer = csv.writer(output, lineterminator="\r\n")
        writer.writerow(columns)
        for batch in self.batches(as_of):
            for row in batch:
                writer.writerow([csv_value(row[name]) for name in columns])
            yield output.getvalue().encode()
            output.seek(0)
            output.truncate()
        if output.tell():
            yield output.getvalue().encode()


def csv_value(value):
    """A cell as a program reads it: lists joined with "; " as in the API's CSV, booleans as
    true and false. Text is written as it is: unlike the API's CSV, made to be opened in a
    spreadsheet, nothing is escaped (a value such as "-3" stays a number)."""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# Serializer fields by the Table Schema type of what they write, most specific first.
FIELD_TYPES = [
    (drf_fields.BooleanField, "boolean"),
    (drf_fields.IntegerField, "integer"),
    (drf_fields.DecimalField, "number"),
    (drf_fields.FloatField, "number"),
    (drf_fields.DateTimeField, "datetime"),
    (drf_fields.DateField, "date"),
    (serializers.PrimaryKeyRelatedField, "integer"),
]
RETURN_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


def table_field(name, declared, serializer, type_=None):
    """The Table Schema field of a serializer field: its type (from its class, or from what its
    `get_<name>` method says it returns), its help text, and its choices."""
    described = {"name": name, "type": type_ or _type_of(name, declared, serializer)}
    if description := _description(declared, serializer):
        described["description"] = description
    if isinstance(declared, serializers.ChoiceField):
        described["constraints"] = {"enum": [str(choice) for choice in declared.choices]}
    return described


def _type_of(name, declared, serializer):
    if isinstance(declared, serializers.SerializerMethodField):
        method = getattr(serializer, declared.method_name or f"get_{name}")
        returned = typing.get_type_hints(method).get("return", str)
        if isinstance(returned, types.UnionType):
            returned = next(kind for kind in typing.get_args(returned) if kind is not type(None))
        return RETURN_TYPES.get(returned, "string")  # a list: joined text
    for kind, type_ in FIELD_TYPES:
        if isinstance(declared, kind):
            return type_
    return "string"


def _description(declared, serializer):
    if declared.help_text:
        return str(declared.help_text)
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    source = (declared.source or "").split(".")[0]
    if model is None or not source or source == "*":
        return None
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:  # a computed source: no model field to quote
        return None
    return str(getattr(model_field, "help_text", "") or "") or None


# The rows of each resource as of a day, as known at its end.


def _batched(queryset, represent):
    """Lists of represented rows, BATCH at a time, off a server-side cursor."""
    rows = queryset.iterator(chunk_size=BATCH)
    while batch := list(itertools.islice(rows, BATCH)):
        yield represent(batch)


def _serialized(serializer, context=None):
    return lambda batch: serializer(batch, many=True, context=context or {}).data


# The snapshot is the public's, whoever downloads it: a warehouse's copy is no place for a
# marking (as_of() reads public records by default).


def commitments_then(as_of):
    return Commitment.objects.as_of(as_of, as_of, clearance=Releasability.PUBLIC)


def _commitments(as_of):
    columns = CommitmentCSVSerializer.columns()
    rows = (
        commitments_then(as_of)
        .select_related("pillar", "source_document", "parent")
        .with_owner()
        .order_by("code")
        .rows(*columns)
    )
    represent = _serialized(CommitmentCSVSerializer, {"as_of": as_of})
    return _batched(rows, lambda batch: represent(attach_related(batch)))


def _updates_then(as_of):
    updates = StatusUpdate.objects.readable_by(Releasability.PUBLIC).approved()
    return updates.observed_by(as_of, as_of).for_display(as_of)


def _updates(as_of):
    rows = _updates_then(as_of).order_by("id").values(*StatusUpdateCSVSerializer.columns())
    return _batched(rows, _serialized(StatusUpdateCSVSerializer))


def _values_then(as_of):
    return (
        IndicatorValue.objects.readable_by(Releasability.PUBLIC)
        .approved()
        .observed_by(as_of, as_of)
        .for_display(as_of)
        .select_related("indicator__commitment")
    )


def _values(as_of):
    return _batched(_values_then(as_of).order_by("id"), _serialized(IndicatorValueCSVSerializer))


def _reviews(as_of):
    """The review fields of each approved update, then of each approved value."""
    for prefix, key, batches in (
        ("update", "update", _updates(as_of)),
        ("value", "indicator_value", _values(as_of)),
    ):
        for batch in batches:
            yield [
                {
                    "id": f"{prefix}-{row['id']}",
                    "update": None,
                    "indicator_value": None,
                    key: row["id"],
                    **{name: row[name] for name in REVIEW_FIELDS},
                }
                for row in batch
            ]


def _indicators(as_of):
    # As the API's list: an indicator is a definition, listed whenever it was defined, with
    # its latest value then; but only of the commitments there were then.
    rows = (
        Indicator.objects.select_related("commitment__pillar", "baseline_source")
        .filter(Q(commitment__isnull=True) | Q(commitment__created_at__lt=end_of_day(as_of)))
        .with_latest(as_of, as_of)
        .order_by("id")
        .values(*IndicatorCSVSerializer.columns())
    )
    return _batched(rows, _serialized(IndicatorCSVSerializer))


def _contributions(as_of):
    rows = (
        Contribution.objects.readable_by(Releasability.PUBLIC)
        .for_display(as_of)
        .observed_by(as_of, as_of)
        .select_related("partner")
        .order_by("id")
    )
    return _batched(rows, _serialized(ContributionCSVSerializer))


def _links(through, tag, serializer):
    def batches(as_of):
        rows = (
            through.objects.filter(commitment__in=commitments_then(as_of).values("pk"))
            .order_by("commitment__code", f"{tag}__slug")
            .values("commitment__code", f"{tag}__slug", *(["role"] if tag == "partner" else []))
        )
        return _batched(rows, _serialized(serializer))

    return batches


def _all(queryset, serializer):
    # Reference data as it is now: every row a record of the day may name is still there
    # (they are protected from deletion while named).
    return lambda as_of: _batched(queryset.order_by("pk"), _serialized(serializer))


def _without_review(serializer):
    return [name for name in unlinked(serializer) if name not in REVIEW_FIELDS]


DECIMAL_TEXT = "number"  # a decimal the API writes as a string, to keep its digits exact

RESOURCES = [
    Resource(
        "pillars",
        "Pillars",
        "The Roadmap's lines of effort, in display order.",
        SnapshotPillarSerializer,
        _all(Pillar.objects.all(), SnapshotPillarSerializer),
        primary_key=["slug"],
    ),
    Resource(
        "themes",
        "Themes",
        "Cross-cutting tags of commitments.",
        ThemeSerializer,
        _all(Theme.objects.all(), ThemeSerializer),
        primary_key=["slug"],
    ),
    Resource(
        "places",
        "Places",
        "Places commitments concern, each with the place it lies in.",
        PlaceSerializer,
        _all(Place.objects.select_related("parent"), PlaceSerializer),
        primary_key=["slug"],
        foreign_keys={"parent": "places.slug"},
    ),
    Resource(
        "partners",
        "Partners",
        "Who works with the Coalition or within it.",
        PartnerSerializer,
        _all(Partner.objects.all(), PartnerSerializer),
        primary_key=["slug"],
    ),
    Resource(
        "documents",
        "Source documents",
        "The documents commitments and baselines are quoted from.",
        SourceDocumentSerializer,
        _all(SourceDocument.objects.all(), SourceDocumentSerializer),
        primary_key=["slug"],
    ),
    Resource(
        "commitments",
        "Commitments",
        "The commitments that existed on the day, each with its status, progress and staleness "
        "then, as the API's commitments CSV has them with ?as_of=&known_on= that day.",
        CommitmentCSVSerializer,
        _commitments,
        primary_key=["code"],
        foreign_keys={
            "pillar": "pillars.slug",
            "parent": "commitments.code",
            "document": "documents.slug",
        },
    ),
    Resource(
        "commitment_themes",
        "Commitments' themes",
        "Each theme of each commitment (the commitments' themes column, one row a pair).",
        CommitmentThemeSerializer,
        _links(Commitment.themes.through, "theme", CommitmentThemeSerializer),
        primary_key=["commitment", "theme"],
        foreign_keys={"commitment": "commitments.code", "theme": "themes.slug"},
    ),
    Resource(
        "commitment_places",
        "Commitments' places",
        "Each place of each commitment.",
        CommitmentPlaceSerializer,
        _links(Commitment.places.through, "place", CommitmentPlaceSerializer),
        primary_key=["commitment", "place"],
        foreign_keys={"commitment": "commitments.code", "place": "places.slug"},
    ),
    Resource(
        "commitment_partners",
        "Commitments' partners",
        "Each partner of each commitment, and whether it leads or supports.",
        CommitmentPartnerSerializer,
        _links(CommitmentPartner, "partner", CommitmentPartnerSerializer),
        primary_key=["commitment", "partner"],
        foreign_keys={"commitment": "commitments.code", "partner": "partners.slug"},
    ),
    Resource(
        "updates",
        "Status updates",
        "The approved status updates dated on or before the day and approved by its end, "
        "superseded ones included (corrected_by names the correction that replaced them).",
        StatusUpdateCSVSerializer,
        _updates,
        primary_key=["id"],
        columns=_without_review(StatusUpdateCSVSerializer),
        foreign_keys={
            "commitment": "commitments.code",
            "corrects": "updates.id",
            "corrected_by": "updates.id",
        },
    ),
    Resource(
        "indicators",
        "Indicators",
        "What measures the commitments of the day (or the Roadmap's context), each with its "
        "latest value approved by its end.",
        IndicatorCSVSerializer,
        _indicators,
        primary_key=["id"],
        foreign_keys={"commitment": "commitments.code", "pillar": "pillars.slug"},
        types={
            "baseline_value": DECIMAL_TEXT,
            "target_value": DECIMAL_TEXT,
            "latest_value": DECIMAL_TEXT,
            "progress": DECIMAL_TEXT,
        },
    ),
    Resource(
        "indicator_values",
        "Indicator values",
        "The approved values of the indicators, observed on or before the day and approved by "
        "its end.",
        IndicatorValueCSVSerializer,
        _values,
        primary_key=["id"],
        columns=_without_review(IndicatorValueCSVSerializer),
        foreign_keys={
            "indicator": "indicators.id",
            "commitment": "commitments.code",
            "corrects": "indicator_values.id",
            "corrected_by": "indicator_values.id",
        },
    ),
    Resource(
        "reviews",
        "Reviews",
        "The public part of the approval of each status update and indicator value of the "
        "package (four eyes): who approved it, their remark, when.",
        PublicReviewSerializer,
        _reviews,
        primary_key=["id"],
        foreign_keys={"update": "updates.id", "indicator_value": "indicator_values.id"},
    ),
    Resource(
        "contributions",
        "Contributions",
        "What partners contributed to commitments, dated on or before the day and recorded by "
        "its end, superseded ones included.",
        ContributionCSVSerializer,
        _contributions,
        primary_key=["id"],
        foreign_keys={
            "partner": "partners.slug",
            "commitment": "commitments.code",
            "corrects": "contributions.id",
            "corrected_by": "contributions.id",
        },
    ),
]


def descriptor(as_of, version, created):
    """datapackage.json's content for the snapshot of `as_of`, read at the data `version`
    that `created` (a time) brought about."""
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": f"Roadmap Tracker: the Roadmap as of {as_of:%Y-%m-%d}",
        "description": "The commitments of the Roadmap, their approved status updates, "
        "indicators and values, contributions and reference data, as the public API shows them "
        f"as of {as_of:%Y-%m-%d} and as they were known at the end of that day.",
        "version": PACKAGE_VERSION,
        "created": created.isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "data_version": version,
        "resources": [resource.descriptor() for resource in RESOURCES],
    }


def members(as_of):
    """(path in the package, time it was created, chunks of bytes) of each file of the
    snapshot of `as_of`, read in one transaction (see consistent_reads).

    The same data give the same bytes, as the ETag (of the data version) promises: the package
    is dated by the last change of the data it holds, not by the time it was written."""
    with consistent_reads():
        version, changed_at = data_version()
        created = timezone.localtime(
            changed_at or timezone.make_aware(datetime.datetime.combine(as_of, datetime.time()))
        )
        metadata = json.dumps(descriptor(as_of, version, created), indent=2, ensure_ascii=False)
        yield "datapackage.json", created, [metadata.encode()]
        for resource in RESOURCES:
            yield resource.path, created, resource.csv_chunks(as_of)


@contextlib.contextmanager
def consistent_reads():
    """The resources are read by a query each, one after the other: a write between two of
    them (an update approved today, on a snapshot of today) would leave a key naming a row the
    package does not hold. So they are read in one transaction, which on PostgreSQL is
    REPEATABLE READ: every query sees the database as the first one did. (SQLite's transaction
    reads one state of the database already. Inside a transaction begun earlier, a test's, the
    isolation cannot be changed any more and is left as it is.)"""
    alias = router.db_for_read(Commitment)
    connection = connections[alias]
    began_here = not connection.in_atomic_block
    with transaction.atomic(using=alias):
        if began_here and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def write_directory(as_of, directory):
    """Writes the package into `directory` (created if need be); returns datapackage.json's
    path."""
    directory = Path(directory)
    (directory / DATA_DIR).mkdir(parents=True, exist_ok=True)
    for name, _, chunks in members(as_of):
        with (directory / name).open("wb") as file:
            file.writelines(chunks)
    return directory / "datapackage.json"


def write_zip(as_of, file):
    """Writes the package as a ZIP into `file` (a binary file, seekable or not), a member at a
    time, compressed as it is written."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, created, chunks in members(as_of):
            info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)


def filename(as_of):
    return f"roadmap-snapshot-{as_of:%Y-%m-%d}.zip"


# GET /api/v1/snapshot/


class ZipRenderer(BaseRenderer):
    """The snapshot's ZIP, which the view writes itself (a FileResponse); an error is JSON, as
    the XLSX's is, so that a client still learns what was wrong."""

    media_type = "application/zip"
    format = "zip"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:  # 304 Not Modified
            return b""
        response = renderer_context["response"]
        response["Content-Type"] = JSONRenderer.media_type
        return JSONRenderer().render(data, JSONRenderer.media_type, renderer_context)


class SnapshotParameters(forms.Form):
    as_of = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_FORMAT_MESSAGE}
    )

    def clean_as_of(self):
        today = timezone.localdate()
        as_of = self.cleaned_data["as_of"] or today
        if as_of > today:
            raise forms.ValidationError(
                gettext("%(name)s cannot be in the future (today is %(today)s).")
                % {"name": "as_of", "today": today.isoformat()}
            )
        return as_of


@extend_schema(
    summary="A dated snapshot of the Roadmap, for warehouses",
    description="A Frictionless Data Package, zipped: `datapackage.json` (a Table Schema per "
    "resource: field types, primary and foreign keys) and `data/<resource>.csv` (UTF-8, a header "
    "row) for pillars, themes, places, partners, documents, commitments and their themes, "
    "places and partners, approved status updates, indicators, approved indicator values, "
    "the public part of their reviews, and contributions: what this API shows anonymous readers "
    "as of `as_of`, as it was known at the end of that day (the lists with "
    "`?as_of=<day>&known_on=<day>`). Nothing pending, returned or withdrawn is in it.",
    parameters=[
        OpenApiParameter(
            "as_of",
            OpenApiTypes.DATE,
            description="YYYY-MM-DD, not in the future; today when left out.",
        )
    ],
    responses={
        (200, "application/zip"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The Data Package, as a ZIP file."
        )
    },
    tags=["time"],
)
class SnapshotView(ConditionalGetMixin, APIView):
    queryset = Commitment.objects.none()  # for the permission class: reads only
    renderer_classes = [ZipRenderer]

    def get(self, request):
        as_of = valid(SnapshotParameters(request.query_params)).cleaned_data["as_of"]
        # Spooled to disk past a few megabytes: memory stays bounded however large the data.
        # FileResponse closes it once sent.
        file = tempfile.SpooledTemporaryFile(max_size=SPOOLED_BYTES)  # noqa: SIM115
        write_zip(as_of, file)
        file.seek(0)
        return FileResponse(
            file, as_attachment=True, filename=filename(as_of), content_type=ZipRenderer.media_type
        )
