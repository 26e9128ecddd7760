"""Status updates (assessments of a commitment, append-only, corrected by later ones), their reads,
and their four-eyes review. Review sits here: the updates' reads ask for its decision and it
points at the update, so in modules of their own the two would import each other."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commitments.models.bounds import end_of_day
from commitments.models.commitments import Commitment
from commitments.models.vocabulary import Status


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
