"""Status updates: the assessments of a commitment, reviewed records (records.py) whose newest
standing one gives the commitment its current status, and Review, the decision on one."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.models import records
from commitments.models.commitments import Commitment, days_overdue
from commitments.models.evidence import StatusUpdateEvidence, cites_evidence
from commitments.models.vocabulary import Status


class StatusUpdateQuerySet(records.ReviewedRecordQuerySet):
    """Reads of status updates (the reviewed record's, ReviewedRecordQuerySet), and what only
    a commitment's history asks: the newest standing update, and the rival a pending one
    meets. CommitmentQuerySet.as_of() reads in_effect_on()."""

    def with_newest_rival(self):
        """Annotates `rival_id`: the newest standing update of the same commitment, leaving out
        the one this update corrects. Were this (pending) update approved, the commitment would
        show the newer of the two (approve_or_return's rule). An index read of
        statusupdate_history_idx per row. Read for a clearance (readable_by), of the updates
        that clearance may read: a rival beyond it shows nothing of itself."""
        rivals = StatusUpdate.objects.all()
        if self._clearance is not None:
            rivals = rivals.readable_by(self._clearance)
        rivals = (
            rivals.filter(commitment=OuterRef("commitment"))
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

    def for_display(self, known_on=None):
        """ReviewedRecordQuerySet.for_display, reading only what an update shows of its
        commitment (the code) and of its author and reviewer (the names): commitment texts and
        password hashes stay in the database."""
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
        return super().for_display(known_on).only(*own, *shown, *reviewed)


class StatusUpdate(records.ReviewedRecord):
    """An analyst's assessment of one commitment at a date. Never edited or deleted: a
    correction is a new update that names the one it corrects."""

    Status = Status
    subject = "commitment"
    noun = "update"
    shown_with = ("commitment", "author")

    class Confidence(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

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
        help_text=_("Percentage done, 0 to 100, if it can be measured."),
    )
    as_of = models.DateField(
        _("as of"), help_text=_("The date the assessment describes. Not in the future.")
    )
    summary = models.TextField(help_text=_("What happened and why the status is what it is."))
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    corrects = records.correction_field(
        _("The earlier update of the same commitment that this one corrects, if any.")
    )
    evidence = cites_evidence(StatusUpdateEvidence, "status_updates")

    objects = StatusUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-created_at", "-id"]
        verbose_name = _("status update")
        constraints = [
            records.releasability_constraint("statusupdate"),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0, progress__lte=100),
                name="statusupdate_progress_0_100",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _label in Status.assessments()]),
                name="statusupdate_status_valid",
                violation_error_message=_("Choose a status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=["", "low", "medium", "high"]),
                name="statusupdate_confidence_valid",
                violation_error_message=_(
                    "Choose low, medium or high confidence, or leave it empty."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="statusupdate_summary_not_empty",
                violation_error_message=_("Write a summary of the assessment."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.COMPLETED) | Q(progress__isnull=True) | Q(progress=100),
                name="statusupdate_completed_is_100",
                # xgettext:no-python-format
                violation_error_message=_(
                    "A completed commitment is 100% done: set progress to 100 or leave it empty."
                ),
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

    @classmethod
    def observed_on_expression(cls):
        return F("as_of")

    def back_dating(self, today=None):
        """Why this update is stale the day it counts, in words ("dated 31 Aug 2026: 96 days
        old, due every 90 days"), or "" when it is not: its as-of date is already further back
        than its commitment's cadence (the staleness rule of Commitment.is_stale) on `today`,
        today by default. Back-dating is allowed; a reviewer should know."""
        today = today or timezone.localdate()
        commitment = self.commitment
        overdue = days_overdue(self.as_of, commitment.update_cadence_days, today)
        if overdue is None or overdue <= 0:
            return ""
        age = (today - self.as_of).days
        return gettext("dated %(date)s: %(age)s days old, due every %(cadence)s days") % {
            "date": f"{self.as_of:%d %b %Y}",
            "age": age,
            "cadence": commitment.stale_after_days,
        }

    def clean(self):
        errors = {}
        if self.summary is not None and not self.summary.strip():
            errors["summary"] = _("Write a summary of the assessment.")
        if self.as_of is not None:
            today = timezone.localdate()
            if self.as_of > today:
                errors["as_of"] = _(
                    "The assessment date cannot be in the future (today is %(today)s)."
                ) % {"today": f"{today:%Y-%m-%d}"}
            elif self.commitment_id is not None:
                document = self.commitment.source_document
                if self.as_of < document.issued_on:
                    errors["as_of"] = _(
                        "The assessment date cannot be before %(document)s was issued (%(date)s)."
                    ) % {"document": document.short_name, "date": f"{document.issued_on:%Y-%m-%d}"}
        if self.status == Status.COMPLETED and self.progress is not None and self.progress < 100:
            errors["progress"] = (
                # xgettext:no-python-format
                _("A completed commitment is 100% done: set progress to 100 or leave it empty.")
            )
        if correction_error := self.clean_correction():
            errors["corrects"] = correction_error
        if marking_error := self.clean_marking():
            errors["releasability"] = marking_error
        if errors:
            raise ValidationError(errors)


class Review(records.ReviewDecision):
    """The decision on a status update (ReviewDecision). Approving one changes its commitment's
    current status (services.review.approve_or_return)."""

    record_field = "update"

    update = records.decided_record(StatusUpdate)

    class Meta(records.ReviewDecision.Meta):
        indexes = [
            # The Atom feed, newest approval first; approved_since on the updates' feed.
            models.Index(F("decided_at").desc(), F("id").desc(), name="review_decided_idx"),
        ]
        constraints = records.decision_constraints(
            "review", "update", return_help=_("can revise it")
        )
