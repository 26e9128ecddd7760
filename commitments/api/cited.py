"""What a record (a status update, an indicator value, a contribution) shows besides its own
columns: the evidence it cites and its releases, each as its reader's clearance may read them.

They are read a page at a time, never a record at a time: a list represents its records
through PageSerializer, which lets the serializer read ahead (`read_ahead(rows)`) the ids of the
whole page, and the first record asked for reads the evidence of them all in one query, and
their releases in one more (none for a reader of public records only, who may read no release).
A record represented alone (a detail, a creation) costs the same queries, for itself."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments.api.evidence import EvidenceSerializer
from commitments.api.fields import _reader, review_state_field, reviewed_at_field
from commitments.api.permissions import may_see_unapproved
from commitments.api.representation import FastRepresentation, FromRow, RowMethodField
from commitments.clearance import clearance_of
from commitments.models import Evidence, Releasability, Release
from commitments.models.releases import release_field


class GradeField(FromRow, serializers.CharField):
    pass


class CitedEvidenceSerializer(FastRepresentation, EvidenceSerializer):
    """A piece of evidence as a record that cites it shows it: where to find it and its grade
    (GET /evidence/{id}/ has the rest)."""

    grade = GradeField(
        columns=["reliability", "credibility"],
        from_row=Evidence.grade_of,
        read_only=True,
        help_text="Reliability then credibility (STANAG 2511), e.g. B2: a source usually "
        "reliable, information probably true.",
    )

    class Meta(EvidenceSerializer.Meta):
        fields = [
            name
            for name in EvidenceSerializer.Meta.fields
            if name not in ("summary", "reliability_label", "credibility_label", "created_at")
        ]
        read_only_fields = fields


class RecordReleaseSerializer(FastRepresentation, serializers.ModelSerializer):
    """A release of a record as the record shows it (GET /releases/{id}/ has the rest)."""

    review_state = review_state_field(
        "approved: the record is read as widely as `released_to`; pending, returned or "
        "withdrawn (shown to staff only): it is not."
    )
    reviewed_at = reviewed_at_field()

    class Meta:
        model = Release
        fields = ["id", "released_from", "released_to", "reason", "review_state", "reviewed_at"]
        read_only_fields = fields


class PageOfRecords:
    """The evidence and the releases of a page of records of `model`, as `reader` may read
    them (or a reader of `clearance`, when given), read for all the records expected so far
    (`expect`) when the first one is asked for."""

    def __init__(self, model, reader, clearance=None, *, with_releases=True):
        self.model = model
        self.clearance = clearance or clearance_of(reader)
        self.with_releases = with_releases
        self.sees_unapproved = may_see_unapproved(reader)
        self.expected = set()
        self.evidence, self.releases = {}, {}

    def expect(self, pks):
        self.expected.update(pk for pk in pks if pk not in self.evidence)

    def evidence_of(self, pk):
        if pk not in self.evidence:
            self._read(pk)
        return self.evidence[pk]

    def releases_of(self, pk):
        if pk not in self.releases:
            self._read(pk)
        return self.releases[pk]

    def _read(self, pk):
        pks, self.expected = {*self.expected, pk}, set()
        for found in (self.evidence, self.releases):
            found.update((each, []) for each in pks)
        for record, piece in self._cited(pks):
            self.evidence[record].append(piece)
        for record, release in self._released(pks):
            self.releases[record].append(release)

    def _cited(self, pks):
        """(record id, piece) of the readable evidence the records `pks` cite, in the order
        each cites them: one query."""
        through = self.model.evidence.through
        record = through.record_field
        columns = CitedEvidenceSerializer.columns()
        citations = through.objects.of_records(pks, self.clearance)
        for row in citations.values(record, *(f"evidence__{column}" for column in columns)):
            yield row[record], {column: row[f"evidence__{column}"] for column in columns}

    def _released(self, pks):
        """(record id, release) of the releases of the records `pks` their reader may see,
        oldest first: one query, or none for a reader of public records only (a release widens
        its record's marking, so it was never public: ReleaseQuerySet.readable_by)."""
        if self.clearance == Releasability.PUBLIC or not self.with_releases:
            return
        record = release_field(self.model)
        releases = Release.objects.readable_by(self.clearance).filter(**{f"{record}__in": pks})
        if not self.sees_unapproved:
            releases = releases.approved()
        releases = releases.order_by("created_at", "id")
        for row in releases.values(record, *RecordReleaseSerializer.columns()):
            yield row.pop(record), row


EVIDENCE_HELP = (
    "The evidence it cites, in the order it cites them, each with its grade: only the pieces "
    "your clearance may read (a piece released to the coalition is never shown to the public, "
    "nor to a user outside the Coalition group; one for the secretariat, only to its members). "
    "GET /evidence/{id}/ gives a piece whole."
)
RELEASES_HELP = (
    "Its releases to a wider audience (GET /releases/), oldest first: to those whose clearance "
    "read its marking before the release, the approved ones; to staff (who see records pending "
    "review), pending, returned and withdrawn ones too. Always empty to the public, whom a "
    "release never concerns: a released record was never theirs before."
)


class RowsOfRecord(RowMethodField):
    """A record's list of related rows (its evidence, its releases): no column of its CSV or
    XLSX, whose cells hold one value each (base.unlinked)."""

    in_spreadsheets = False


# Their names, for a CSV serializer that names its columns.
RECORD_LISTS = ("evidence", "releases")


class CitesAndReleases(serializers.Serializer):
    """A record serializer's `evidence` and `releases` (PageOfRecords), read a page at a time:
    a list of these serializers is a PageSerializer, which calls `read_ahead`. (A Serializer,
    for DRF to collect the fields it declares.)"""

    evidence = RowsOfRecord(columns=["id", "releasability"], help_text=EVIDENCE_HELP)
    releases = RowsOfRecord(columns=["id"], help_text=RELEASES_HELP)

    @property
    def page(self):
        if "_page" not in self.__dict__:
            # For nobody in particular (an event's data: `as_marked`), every piece is read,
            # and each record shows those of its own marking (get_evidence); and no release,
            # as an anonymous reader reads none (an event tells of a record as it was written).
            clearance = Releasability.SECRETARIAT if self.as_marked else None
            self._page = PageOfRecords(
                self.Meta.model, _reader(self), clearance, with_releases=not self.as_marked
            )
        return self._page

    @property
    def as_marked(self):
        """Whether each record is shown as a reader of its own marking reads it: an event's
        data (api/event_data.py), read only by those its marking is released to."""
        return bool(self.context.get("as_marked"))

    def read_ahead(self, rows):
        """Expects the evidence and releases of `rows` (values rows or instances), if it shows
        them, to be read all at once."""
        if "evidence" in self.fields or "releases" in self.fields:
            self.page.expect(row["id"] if isinstance(row, dict) else row.pk for row in rows)

    def _nested(self, serializer_class):
        key = f"_{serializer_class.__name__}"
        if key not in self.__dict__:
            self.__dict__[key] = serializer_class(context=self.context)
        return self.__dict__[key]

    @extend_schema_field(CitedEvidenceSerializer(many=True))
    def get_evidence(self, row):
        represent = self._nested(CitedEvidenceSerializer).to_representation
        pieces = self.page.evidence_of(row["id"])
        if self.as_marked:
            readable = Releasability(row["releasability"]).readable()
            pieces = [piece for piece in pieces if piece["releasability"] in readable]
        return [represent(piece) for piece in pieces]

    @extend_schema_field(RecordReleaseSerializer(many=True))
    def get_releases(self, row):
        represent = self._nested(RecordReleaseSerializer).to_representation
        return [represent(release) for release in self.page.releases_of(row["id"])]


class PageSerializer(serializers.ListSerializer):
    """A list whose child reads what its rows show beside their own columns for all of them at
    once (`read_ahead(rows)`), before it represents each one."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        self.child.read_ahead(rows)
        return super().to_representation(rows)
