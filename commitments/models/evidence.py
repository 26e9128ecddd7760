"""Evidence: a piece of information a record rests on (who or what it comes from, where to find
it, when it dates from, what it says), graded on the NATO/Admiralty system of STANAG 2511
(AJP-2.1): the reliability of its source, A to F, and the credibility of the information, 1 to
6. "B2" is a usually reliable source saying what is probably true.

A piece of evidence is append-only, as records are (database triggers, migration 0044): its
grade is what its author judged when citing it, and the records that cite it were reviewed
with that grade beside them. A grade revised later would rewrite what a reviewer saw: a new
judgement is a new piece of evidence, cited by the records that rest on it from then on.

Records cite evidence through a citation (StatusUpdateEvidence, IndicatorValueEvidence,
ContributionEvidence): append-only too, and fixed when the record is submitted: the record
says how many pieces it cites (`evidence_cited`), and the database refuses a citation past
that number, so that nothing is added to a record once it has been recorded.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.models.bounds import _date_in_range, _date_range_message, _date_validators
from commitments.models.records import releasability_constraint, releasability_field
from commitments.models.vocabulary import Releasability


class Reliability(models.TextChoices):
    """How far the source can be trusted, from its record (STANAG 2511), best first."""

    A = "A", _("A: completely reliable")
    B = "B", _("B: usually reliable")
    C = "C", _("C: fairly reliable")
    D = "D", _("D: not usually reliable")
    E = "E", _("E: unreliable")
    F = "F", _("F: reliability cannot be judged")


class Credibility(models.TextChoices):
    """How far the information itself is borne out (STANAG 2511), best first."""

    CONFIRMED = "1", _("1: confirmed by other sources")
    PROBABLY_TRUE = "2", _("2: probably true")
    POSSIBLY_TRUE = "3", _("3: possibly true")
    DOUBTFUL = "4", _("4: doubtful")
    IMPROBABLE = "5", _("5: improbable")
    CANNOT_BE_JUDGED = "6", _("6: truth cannot be judged")


# What a piece's author gives, in the order forms ask for it (the admin's, the API's).
RECORDED_FIELDS = [
    "source",
    "url",
    "reference",
    "date",
    "summary",
    "reliability",
    "credibility",
    "releasability",
]
GRADE_PATTERN = re.compile(r"^([A-F])([1-6])$")
# What nobody graded (evidence migrated from the records' own columns, or given as a URL in an
# import): reliability cannot be judged, truth cannot be judged.
UNGRADED = "F6"


def parse_grade(grade):
    """("B", "2") for "B2" (either case); ValueError for anything else."""
    match = GRADE_PATTERN.match(str(grade or "").strip().upper())
    if match is None:
        raise ValueError(
            gettext(
                "%(grade)r is not a grade: a source reliability A to F and an information "
                "credibility 1 to 6, e.g. B2."
            )
            % {"grade": grade}
        )
    return match.groups()


def validate_grade(grade):
    """A form's and a setting's check of a grade (parse_grade)."""
    try:
        parse_grade(grade)
    except ValueError as error:
        raise ValidationError(str(error)) from error


class EvidenceQuerySet(models.QuerySet):
    def readable_by(self, clearance):
        """The evidence a reader of `clearance` (a Releasability) may read."""
        return self.filter(releasability__in=Releasability(clearance).readable())

    def at_least(self, grade):
        """Evidence graded `grade` or better on both counts: "at least B2" is a source A or B
        and information 1 or 2 (letters and digits sort as the scale does)."""
        reliability, credibility = parse_grade(grade)
        return self.filter(reliability__lte=reliability, credibility__lte=credibility)


class Evidence(models.Model):
    """A graded piece of evidence that records cite. Never edited or deleted (see the module's
    docstring): a revised grade is a new piece of evidence."""

    Reliability = Reliability
    Credibility = Credibility
    recorded_fields = RECORDED_FIELDS

    source = models.CharField(
        max_length=300,
        help_text=_(
            "Who or what the information comes from, e.g. a ministry, a field office, "
            "a report's title."
        ),
    )
    url = models.URLField(
        _("URL"), max_length=500, blank=True, help_text=_("Where it can be read, if it is online.")
    )
    reference = models.CharField(
        max_length=300,
        blank=True,
        help_text=_(
            "Where it can be found otherwise, e.g. a document's number or a message's "
            "date and sender. A URL, a reference or both."
        ),
    )
    date = models.DateField(
        validators=_date_validators(_("The date")),
        help_text=_("When the information dates from. Not in the future."),
    )
    summary = models.TextField(blank=True, help_text=_("What it says, in a sentence or two."))
    reliability = models.CharField(
        _("source reliability"),
        max_length=1,
        choices=Reliability.choices,
        help_text=_(
            "How far the source can be trusted (A completely reliable ... F cannot be judged)."
        ),
    )
    credibility = models.CharField(
        _("information credibility"),
        max_length=1,
        choices=Credibility.choices,
        help_text=_("How far the information is borne out (1 confirmed ... 6 cannot be judged)."),
    )
    releasability = releasability_field(
        _(
            "Who may read it: the public, Coalition members' staff, or the secretariat alone "
            "(RELEASABILITY_DEFAULT_EVIDENCE when its author names none)."
        )
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at", "-id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            releasability_constraint("evidence"),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values),
                name="evidence_reliability_valid",
                violation_error_message=_("Grade the source's reliability from A to F."),
            ),
            models.CheckConstraint(
                condition=Q(credibility__in=Credibility.values),
                name="evidence_credibility_valid",
                violation_error_message=_("Grade the information's credibility from 1 to 6."),
            ),
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(reference=""),
                name="evidence_url_or_reference",
                violation_error_message=_(
                    "Give a URL or a reference, so that a reader can find the evidence."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(source=""),
                name="evidence_source_not_empty",
                violation_error_message=_("Say who or what the evidence comes from."),
            ),
            models.CheckConstraint(
                condition=_date_in_range("date"),
                name="evidence_date_range",
                violation_error_message=_date_range_message(_("The date")),
            ),
        ]
        indexes = [
            # The list in Meta.ordering, newest first: a page is read off the index.
            models.Index(
                models.F("date").desc(),
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="evidence_list_idx",
            ),
        ]

    def __str__(self):
        return f"{self.grade} {self.source} ({self.date:%d %b %Y})"

    @property
    def grade(self):
        """The grade as it is spoken: reliability then credibility, e.g. "B2"."""
        return self.grade_of(self.reliability, self.credibility)

    @staticmethod
    def grade_of(reliability, credibility):
        return f"{reliability}{credibility}"

    def is_at_least(self, grade):
        reliability, credibility = parse_grade(grade)
        return self.reliability <= reliability and self.credibility <= credibility

    def clean(self):
        if not self.url and not self.reference:
            raise ValidationError(
                {"url": _("Give a URL or a reference, so that a reader can find the evidence.")}
            )
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("The date is not in the future.")})


class CitationQuerySet(models.QuerySet):
    def of_records(self, pks, clearance):
        """The citations by the records `pks` of the pieces a reader of `clearance` may read,
        each record's in the order it cites them: what a page of records, or a briefing pack,
        shows of their evidence in one query."""
        record = self.model.record_field
        return self.filter(
            **{f"{record}__in": pks},
            evidence__in=Evidence.objects.readable_by(clearance),
        ).order_by(record, "position", "id")


class Citation(models.Model):
    """A record's citation of a piece of evidence, in the order its author cited them. A
    concrete citation names its record with a foreign key `record_field`."""

    record_field = ""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    objects = CitationQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.record} cites {self.evidence}"

    @property
    def record(self):
        return getattr(self, self.record_field)


def citation_constraints(table, record_field):
    """A citation table's: a record cites a piece of evidence once."""
    return [
        models.UniqueConstraint(
            fields=[record_field, "evidence"],
            name=f"{table}_cited_once",
            violation_error_message=_("A record cites a piece of evidence once."),
        )
    ]


def _cited_by(model):
    return models.ForeignKey(model, on_delete=models.PROTECT, related_name="citations")


class StatusUpdateEvidence(Citation):
    record_field = "update"

    update = _cited_by("commitments.StatusUpdate")

    class Meta(Citation.Meta):
        verbose_name = _("status update's evidence")
        verbose_name_plural = _("status updates' evidence")
        constraints = citation_constraints("statusupdateevidence", "update")


class IndicatorValueEvidence(Citation):
    record_field = "value"

    value = _cited_by("commitments.IndicatorValue")

    class Meta(Citation.Meta):
        verbose_name = _("indicator value's evidence")
        verbose_name_plural = _("indicator values' evidence")
        constraints = citation_constraints("indicatorvalueevidence", "value")


class ContributionEvidence(Citation):
    record_field = "contribution"

    contribution = _cited_by("commitments.Contribution")

    class Meta(Citation.Meta):
        verbose_name = _("contribution's evidence")
        verbose_name_plural = _("contributions' evidence")
        constraints = citation_constraints("contributionevidence", "contribution")


def cites_evidence(through, related_name):
    """A record's `evidence`: the pieces of evidence it cites, through `through`."""
    return models.ManyToManyField(
        Evidence,
        through=through,
        related_name=related_name,
        blank=True,
        help_text=_("The evidence it rests on, each graded."),
    )
