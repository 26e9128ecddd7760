"""The record: a dated, append-only observation of something, corrected by a later record that
names it, readable as it was known on any past day. Status updates and indicator values are
reviewed records: they count once a second person approves them (ReviewedRecord, with a
decision model of their own built on ReviewDecision). Contributions are records without the
review: they count once recorded.

Every rule of how such a history is read is said here once: which records count (counted), which
of them no correction has replaced (standing), what was known by a past day (known_by, counting),
what was in effect on a date (in_effect_on), and what a list shows (for_display).
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from commitments import clearance
from commitments.models.bounds import end_of_day
from commitments.models.vocabulary import Releasability


class RecordQuerySet(models.QuerySet):
    """Reads of a history of records. What counts is `counted()` (every record, here; approved
    ones, for reviewed records); a correction replaces what it corrects once it counts itself,
    and, read as known on a past day, from the day it was known, whatever date it states: it
    says that the record it corrects was wrong, not that the world changed on its date.

    Read for a reader (`readable_by(clearance)`), a history holds only the records released to
    their clearance, and a correction they may not read replaces nothing for them: the public
    reads a public record as standing while a coalition correction of it stands for members."""

    # The clearance this history is read for (readable_by), kept by every chained queryset.
    _clearance = None

    def _clone(self):
        clone = super()._clone()
        clone._clearance = self._clearance
        return clone

    @property
    def clearance(self):
        """The clearance this history is read for (readable_by): the secretariat's, who read
        every record, when it is read whole."""
        return self._clearance or Releasability.SECRETARIAT

    def readable_by(self, clearance):
        """The records a reader of `clearance` (a Releasability) may read, read as their
        history: corrections beyond their clearance are left out of standing(), counting()
        and the rest too."""
        clearance = Releasability(clearance)
        records = self.filter(releasability__in=clearance.readable())
        records._clearance = clearance
        return records

    def counted(self):
        """Records that count as soon as they exist: all of them, without a review."""
        return self

    def known_by(self, moment):
        """Records that counted before `moment`, and, read for a reader (readable_by), that
        their clearance could read then (readable_then)."""
        return self.counted_before(moment).readable_then(moment)

    def counted_before(self, moment):
        """Records that counted before `moment`: all recorded before it, here."""
        return self.filter(created_at__lt=moment)

    def readable_then(self, moment):
        """Read for a reader (readable_by), the records their clearance could read at
        `moment`: a record released to them since (a Release approved at or after `moment`,
        from a marking beyond them) was not theirs yet, so a past day read as known then
        shows what they were told then. A release only widens, so one such release is
        enough: the marking a record had at `moment` is the first later release's `from`."""
        releases = getattr(self.model, "releases", None)  # the records a Release may name
        if self._clearance is None or releases is None:
            return self
        widened_since = (
            releases.rel.related_model.objects.approved()
            .filter(**{releases.field.name: OuterRef("pk")}, review__decided_at__gte=moment)
            .exclude(released_from__in=self._clearance.readable())
        )
        return self.exclude(Exists(widened_since))

    def _corrections(self, known_on=None):
        """The corrections of the outer record that replace it (as known by the end of
        `known_on`, when given), among those its reader may read: for Exists() and
        Subquery()."""
        corrections = self.model.objects.filter(corrects=OuterRef("pk"))
        if self._clearance is not None:
            corrections = corrections.readable_by(self._clearance)
        if known_on is None:
            return corrections.counted()
        return corrections.known_by(end_of_day(known_on))

    def standing(self):
        """Records that count and that no correction has replaced: the history totals,
        progress and a commitment's current status are read from."""
        return self.counted().exclude(Exists(self._corrections()))

    def superseded(self):
        """Records a correction has replaced."""
        return self.filter(Exists(self._corrections()))

    def counting(self, known_on=None):
        """The standing history as it was known at the end of `known_on` (a date): records that
        counted by then that no correction counting by then had replaced. Without `known_on`,
        the standing history as known now (standing())."""
        if known_on is None:
            return self.standing()
        return self.known_by(end_of_day(known_on)).exclude(Exists(self._corrections(known_on)))

    def observed_by(self, date, known_on=None):
        """Records that describe `date` or earlier (the model's `observed_on`), as known by the
        end of `known_on` when given: the history as it read then, replaced records included.
        Chain counting(known_on) for what counts, for_display(known_on) for a list."""
        records = self.alias(observed=self.model.observed_on_expression()).filter(
            observed__lte=date
        )
        if known_on is not None:
            records = records.known_by(end_of_day(known_on))
        return records

    def in_effect_on(self, date, known_on=None):
        """The history that counts on `date` (counting(known_on), observed on or before it),
        newest first: a subject's first is what held that day."""
        return self.counting(known_on).observed_by(date).order_by(*self.model._meta.ordering)

    def with_corrected_by(self, known_on=None):
        """Annotates `corrected_by_id`: the correction that replaced each record (by the end of
        `known_on`, when given), or None. An index read of the `corrects` column per row."""
        correction = self._corrections(known_on).values("pk")[:1]
        return self.annotate(corrected_by_id=Subquery(correction))

    def for_display(self, known_on=None):
        """Joined with what a record shows of its subject and author (the model's
        `shown_with`), each with `corrected_by_id` (as known by the end of `known_on`)."""
        return self.select_related(*self.model.shown_with).with_corrected_by(known_on)

    def live(self):
        """Records that count or may yet count: all of them, without a review. A record has
        one live correction at most."""
        return self.all()

    def correctable(self):
        """Records a correction may name: standing ones."""
        return self.standing()


def releasability_field(help_text, verbose_name=None):
    """A releasability (Releasability's choices), public by default: a record's marking, an
    event's, a webhook endpoint's clearance. Public is also the database's default, for
    whatever inserts a row without naming it (raw SQL, a restore of an older dump): what every
    row was before markings."""
    return models.CharField(
        verbose_name,
        max_length=12,
        choices=Releasability.choices,
        default=Releasability.PUBLIC,
        db_default=Releasability.PUBLIC.value,
        help_text=help_text,
    )


def releasability_constraint(table):
    """The check constraint of a record table's releasability (`table` prefixes its name)."""
    return models.CheckConstraint(
        condition=Q(releasability__in=Releasability.values),
        name=f"{table}_releasability_valid",
        violation_error_message=_("Choose public, coalition or secretariat."),
    )


# How messages name one record of each kind (`noun`), in the reader's language: `noun` itself
# stays the English identifier that anchors and API field names use.
RECORD_NOUNS = {
    "record": pgettext_lazy("record noun", "record"),
    "update": pgettext_lazy("record noun", "update"),
    "value": pgettext_lazy("record noun", "value"),
    "contribution": pgettext_lazy("record noun", "contribution"),
    "message": pgettext_lazy("record noun", "message"),
    "release": pgettext_lazy("record noun", "release"),
}
# The same, with an indefinite article ("an update"): its form depends on the language.
RECORD_NOUNS_WITH_ARTICLE = {
    "record": pgettext_lazy("record noun", "a record"),
    "update": pgettext_lazy("record noun", "an update"),
    "value": pgettext_lazy("record noun", "a value"),
    "contribution": pgettext_lazy("record noun", "a contribution"),
    "message": pgettext_lazy("record noun", "a message"),
    "release": pgettext_lazy("record noun", "a release"),
}

RECORD_SUBJECTS = {
    "commitment": pgettext_lazy("record subject", "commitment"),
    "pillar": pgettext_lazy("record subject", "pillar"),
    "indicator": pgettext_lazy("record subject", "indicator"),
}


def noun_of(record):
    """How messages name `record` (or a record model), translated."""
    return str(RECORD_NOUNS.get(record.noun, record.noun))


def correction_field(help_text, *, db_index=True):
    """A record's `corrects`: the earlier record of the same model it corrects, if any."""
    return models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        db_index=db_index,
        help_text=help_text,
    )


class Record(models.Model):
    """A dated, append-only observation, with its evidence, its author and when it was
    recorded. Never edited or deleted (database triggers): a correction is a new record that
    names the one it corrects in `corrects` (a correction_field, declared by each model for
    its own help and index).

    A concrete record says what it observes (`subject`, a foreign key's name, and `noun`, how
    its messages name one record), the date it describes (`observed_on_expression`), and what
    a list joins (`shown_with`)."""

    subject = ""
    noun = "record"
    shown_with = ("author",)

    releasability = releasability_field(
        _(
            "Who may read it: the public, Coalition members' staff, or the secretariat alone. "
            "Its author names it (RELEASABILITY_DEFAULTS when they do not)."
        )
    )
    # How many pieces of evidence it cites (its `evidence`, declared by each model with its own
    # citation table): fixed at submission, as the record is .
    evidence_cited = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text=_("How many pieces of evidence it cites: fixed when it is submitted."),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def observed_on_expression(cls):
        raise NotImplementedError

    def cited(self):
        """The evidence it cites, in order: from its citations as a list prefetched them (with
        their evidence, as the review queue does), or one query."""
        if "citations" in getattr(self, "_prefetched_objects_cache", {}):
            citations = self.citations.all()
        else:
            citations = self.citations.select_related("evidence")
        return [citation.evidence for citation in citations]

    def clean_correction(self):
        """The error of `corrects`, if any: a record has one live correction at most
        (correct that one instead), and only a correctable record is corrected."""
        if self.corrects_id is None:
            return None
        noun = noun_of(self)
        if existing := self.corrects.corrections.live().exclude(pk=self.pk).first():
            return gettext(
                "%(Noun)s #%(pk)s was already corrected by %(noun)s #%(correction)s: correct "
                "that one instead."
            ) % {
                "Noun": noun.capitalize(),
                "pk": self.corrects_id,
                "noun": noun,
                "correction": existing.pk,
            }
        if not type(self).objects.filter(pk=self.corrects_id).correctable().exists():
            return self.not_correctable_message()
        return None

    def not_correctable_message(self):
        return gettext("%(Noun)s #%(pk)s cannot be corrected.") % {
            "Noun": noun_of(self).capitalize(),
            "pk": self.corrects_id,
        }

    def clean_marking(self):
        """The error of `releasability`, if any: nobody marks a record narrower than their own
        clearance, since they could not read back what they wrote. Checked as the record is
        written (a record is never edited): a clearance lost later leaves its records as marked.

        A correction is marked on its own, as its author may mark any record: wider or
        narrower than what it corrects. Each reader's history takes the corrections they may
        read (RecordQuerySet.readable_by): a public record corrected by a coalition one still
        stands for the public."""
        if self.author_id is None:
            # A form checks a record before its author is set; the service checks it again.
            return None
        return clearance.marking_refusal(self.author, self.releasability)


class ReviewState(models.TextChoices):
    """Where a reviewed record stands in its four-eyes review. Only approved ones count."""

    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for revision")
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")

    @classmethod
    def of(cls, decision):
        """The state of a record with this decision (None: none yet)."""
        if decision is None:
            return cls.PENDING
        return {
            ReviewDecision.Decision.APPROVE: cls.APPROVED,
            ReviewDecision.Decision.RETURN: cls.RETURNED,
            ReviewDecision.Decision.WITHDRAW: cls.WITHDRAWN,
        }[decision]


class ReviewedRecordQuerySet(RecordQuerySet):
    """Reads of reviewed records: a record counts from the moment a reviewer approves it (or
    from its submission, with REVIEW_REQUIRED off), and the decision is its `review`."""

    def counted(self):
        return self.approved()

    def approved(self):
        """Records a reviewer approved (or that were approved on submission, when review is
        off): the only ones that count, and the only ones anonymous readers see."""
        return self.filter(review__decision=ReviewDecision.Decision.APPROVE)

    def pending(self):
        return self.filter(review__isnull=True)

    def returned(self):
        return self.filter(review__decision=ReviewDecision.Decision.RETURN)

    def withdrawn(self):
        """Records their author took back while they were pending: kept in the history, never
        counted, never public."""
        return self.filter(review__decision=ReviewDecision.Decision.WITHDRAW)

    def in_review_state(self, state):
        return {
            ReviewState.PENDING: self.pending,
            ReviewState.APPROVED: self.approved,
            ReviewState.RETURNED: self.returned,
            ReviewState.WITHDRAWN: self.withdrawn,
        }[state]()

    def counted_before(self, moment):
        """Records recorded and approved before `moment`."""
        return self.filter(
            created_at__lt=moment,
            review__decision=ReviewDecision.Decision.APPROVE,
            review__decided_at__lt=moment,
        )

    def correctable(self):
        """Standing records, and returned ones, which their author answers with a correction
        (services.review.approve_or_return's message says so)."""
        return self.filter(
            Q(review__decision=ReviewDecision.Decision.RETURN)
            | Q(Q(review__decision=ReviewDecision.Decision.APPROVE), ~Exists(self._corrections()))
        )

    def live(self):
        """Records pending or approved. A record has at most one live correction; a returned
        or withdrawn correction leaves room for another."""
        return self.filter(
            Q(review__isnull=True) | Q(review__decision=ReviewDecision.Decision.APPROVE)
        )

    def unanswered(self):
        """Returned records that no live correction answers yet: what their authors have to
        revise. A returned correction is answered by a later correction of the record it
        corrected (the recording services point the answer there)."""
        answers = self.model.objects.filter(
            Q(corrects=OuterRef("pk"))
            | Q(corrects=OuterRef("corrects"), created_at__gt=OuterRef("created_at"))
        ).live()
        return self.returned().exclude(Exists(answers))

    def awaiting_action(self):
        """Records someone has to act on: pending ones (a reviewer decides them) and
        unanswered returned ones (their author corrects them). One query for the reminders."""
        return self.pending() | self.unanswered()

    def reviewable_by(self, user):
        """Pending records that `user` may decide: anyone's but their own (four eyes)."""
        return self.pending().exclude(author=user)

    def with_evidence_below(self, grade):
        """Annotates `evidence_below_threshold`: whether every piece of evidence the record
        cites is graded below `grade` on one count or the other (none cited: true), which a
        reviewer may return it for (services.review.return_for_evidence). One index read of
        its citations per row."""
        citation = self.model._meta.get_field("evidence").remote_field.through
        strong = citation.objects.filter(
            **{citation.record_field: OuterRef("pk")},
            evidence__in=citation._meta.get_field("evidence").related_model.objects.at_least(grade),
        )
        return self.annotate(evidence_below_threshold=~Exists(strong))

    def for_display(self, known_on=None):
        """As RecordQuerySet.for_display, with the decision and its reviewer, and
        `corrects_approved`: whether the record this one corrects was approved (a correction
        of a returned record answers it, and replaces nothing); and, for a record that cites
        evidence, `evidence_below_threshold` (with_evidence_below, EVIDENCE_GRADE_THRESHOLD)."""
        decision = self.model._meta.get_field("review").related_model
        approved = decision.objects.filter(
            **{decision.record_field: OuterRef("corrects")},
            decision=ReviewDecision.Decision.APPROVE,
        )
        records = (
            super()
            .for_display(known_on)
            .select_related("review__reviewer")
            .annotate(corrects_approved=Exists(approved))
        )
        if self.model.evidence_cited is None:  # a key message cites none
            return records
        return records.with_evidence_below(settings.EVIDENCE_GRADE_THRESHOLD)


class ReviewedRecord(Record):
    """A record that counts once a second person approves it (four eyes). Its decision is a
    model of its own (a ReviewDecision), reached as `review`."""

    class Meta:
        abstract = True

    @property
    def review_state(self):
        review = getattr(self, "review", None)
        return ReviewState.of(None if review is None else review.decision)

    def evidence_below(self, grade):
        """Whether every piece of evidence it cites is graded below `grade` (none: true), and
        the grades it cites, in order."""
        pieces = self.cited()
        below = not any(piece.is_at_least(grade) for piece in pieces)
        return below, [piece.grade for piece in pieces]

    def answered_record(self):
        """The record a correction of this one stands in for. Answering a returned correction
        is correcting what that correction tried to correct: the returned one never counted,
        so the answer must replace the record it was meant to replace
        (ReviewedRecordQuerySet.unanswered counts it as the answer all the same)."""
        record = self
        while record.corrects_id is not None and record.review_state == ReviewState.RETURNED:
            record = record.corrects
        return record

    def clean_correction(self):
        if self.corrects_id is None:
            return None
        subject = self.subject
        if getattr(self.corrects, f"{subject}_id") != getattr(self, f"{subject}_id"):
            return gettext("A correction must correct %(a_noun)s of the same %(subject)s.") % {
                "a_noun": RECORD_NOUNS_WITH_ARTICLE[self.noun],
                "subject": RECORD_SUBJECTS.get(subject, subject),
            }
        return super().clean_correction()

    def not_correctable_message(self):
        return gettext(
            "%(Noun)s #%(pk)s is pending review: a reviewer approves or returns it first, and "
            "then it can be corrected."
        ) % {"Noun": noun_of(self).capitalize(), "pk": self.corrects_id}


class ReviewDecision(models.Model):
    """A reviewer's decision on a reviewed record: approved (it counts from now on) or returned
    for revision with a comment (it never counts; its author may answer it with a correction);
    or its author's own withdrawal of it while pending (it never counts, and stays in the
    history as withdrawn; `reviewer` is then the author).
    A record has at most one decision, and a decision is never changed or deleted (database
    triggers). The record itself stays exactly as it was submitted. With REVIEW_REQUIRED off,
    every record is approved on submission, with no reviewer.

    A concrete decision names its record with a one-to-one field `record_field`, whose
    related name is "review"; its constraints come from decision_constraints()."""

    record_field = ""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned for revision")
        # By the record's author, while it is pending: the one decision that is not four eyes.
        WITHDRAW = "withdraw", _("Withdrawn by its author")

    decision = models.CharField(max_length=10, choices=Decision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty when it was approved on submission (review not required)."),
    )
    comment = models.TextField(
        blank=True, help_text=_("Why it was returned (required), or a remark on approval.")
    )
    decided_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        record_id = getattr(self, f"{self.record_field}_id")
        noun = self._meta.get_field(self.record_field).related_model.noun
        return f"{self.get_decision_display()}: {noun} #{record_id}"

    @property
    def record(self):
        return getattr(self, self.record_field)


# What a reviewer decides; the third decision, withdraw, is the author's (services.withdraw).
REVIEWER_DECISIONS = [
    (value, label)
    for value, label in ReviewDecision.Decision.choices
    if value != ReviewDecision.Decision.WITHDRAW
]


def decided_record(model):
    """A decision's one-to-one field to the reviewed record it decides (`model`)."""
    return models.OneToOneField(
        model,
        on_delete=models.PROTECT,
        related_name="review",
        # Said once for the service's check and for the database's, when two reviewers race.
        error_messages={
            "unique": format_lazy(
                _("This {noun} has already been reviewed."), noun=RECORD_NOUNS[model.noun]
            )
        },
    )


def decision_constraints(table, noun, *, return_help):
    """The constraints of a decision table (`table` prefixes their names): a known decision, a
    return with a comment (`return_help`: what the comment is for), a return by a reviewer."""
    return [
        models.CheckConstraint(
            condition=Q(decision__in=ReviewDecision.Decision.values),
            name=f"{table}_decision_valid",
            violation_error_message=format_lazy(
                _("Decide to approve or to return the {noun} (or, its author, to withdraw it)."),
                noun=RECORD_NOUNS[noun],
            ),
        ),
        models.CheckConstraint(
            condition=~Q(decision="return") | ~Q(comment=""),
            name=f"{table}_return_has_comment",
            violation_error_message=format_lazy(
                _("Say why the {noun} is returned, so that its author {return_help}."),
                noun=RECORD_NOUNS[noun],
                return_help=return_help,
            ),
        ),
        models.CheckConstraint(
            condition=Q(decision="approve") | Q(reviewer__isnull=False),
            name=f"{table}_return_has_reviewer",
            violation_error_message=format_lazy(
                _("Only a reviewer can return {a_noun}."),
                a_noun=RECORD_NOUNS_WITH_ARTICLE[noun],
            ),
        ),
    ]
