"""Releases: a record (a status update, an indicator value, a contribution) released to a wider
audience than it was marked for, coalition to public, say. A record is never edited, but once
read a record cannot be unread, so the one change its releasability may take is a widening, and
only through a release: a reviewed record of its own (records.py), proposed with a reason and
approved by a second person (ReleaseReview), after which the database lets exactly that change
through (migration 0043's triggers) and the record's history names the release."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.models import records
from commitments.models.assessments import StatusUpdate
from commitments.models.commitments import Commitment
from commitments.models.contributions import Contribution
from commitments.models.indicators import IndicatorValue
from commitments.models.vocabulary import Releasability

# The records a release may name, by the name of its field for them (the API's `record_kind`).
RELEASED_MODELS = {
    "status_update": StatusUpdate,
    "indicator_value": IndicatorValue,
    "contribution": Contribution,
}


def _widenings():
    """(from, to) pairs of every widening: to a wider level, never the same or narrower."""
    return [
        (before.value, after.value)
        for before in Releasability
        for after in Releasability
        if after.rank < before.rank
    ]


class ReleaseQuerySet(records.ReviewedRecordQuerySet):
    """Reads of releases: the reviewed record's (ReviewedRecordQuerySet)."""

    def readable_by(self, clearance):
        """The releases a reader of `clearance` may read: of records whose marking before the
        release they read (a release has no marking of its own)."""
        return self.filter(released_from__in=Releasability(clearance).readable())

    def of(self, record):
        """The releases of `record` (a status update, an indicator value or a contribution)."""
        return self.filter(**{release_field(type(record)): record})

    def correctable(self):
        # An approved release has widened its record, which cannot be undone: only a returned
        # one is answered by another that corrects it.
        return self.returned()

    def for_history(self):
        """As a record's history shows them, oldest first: with their author and decision."""
        return self.select_related("author", "review__reviewer").order_by("created_at", "id")


def released_record(model, help_text):
    """A release's field for a record of `model` it may release (one of three: exactly one is
    set)."""
    return models.ForeignKey(
        model,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="releases",
        help_text=help_text,
    )


def release_field(model):
    """The field of a release that names a record of `model`."""
    return next(name for name, released in RELEASED_MODELS.items() if released is model)


class Release(records.ReviewedRecord):
    """A proposal to release one record to a wider audience (`released_to`) than its marking
    (`released_from`), with the reason. It names exactly one record, and the commitment that
    record belongs to (`commitment`, what it is reviewed under and locks). Once a second person
    approves it, the record's releasability is `released_to`, in the same transaction
    (services.releases). Never edited or deleted; a returned release is answered by another
    that corrects it."""

    subject = "commitment"
    noun = "release"
    shown_with = ("commitment", "author")

    # A release is the secretariat's decision on a record: it cites no evidence, and is read by
    # those who read the record.
    releasability = None
    evidence_cited = None

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="releases")
    status_update = released_record(
        StatusUpdate, _("The status update it releases (or an indicator value, or a contribution).")
    )
    indicator_value = released_record(IndicatorValue, _("The indicator value it releases."))
    contribution = released_record(Contribution, _("The contribution it releases."))
    released_from = models.CharField(
        _("from"),
        max_length=12,
        choices=Releasability.choices,
        help_text=_("The record's marking when the release was proposed."),
    )
    released_to = models.CharField(
        _("to"),
        max_length=12,
        choices=Releasability.choices,
        help_text=_("The wider audience it is released to: coalition or public."),
    )
    reason = models.TextField(
        error_messages={"blank": _("Say why it may be released.")},
        help_text=_("Why it may now be read more widely, for the reviewer and for the history."),
    )
    corrects = records.correction_field(
        _("The returned release of the same record that this one answers.")
    )

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("release")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status_update__isnull=False,
                    indicator_value__isnull=True,
                    contribution__isnull=True,
                )
                | Q(
                    status_update__isnull=True,
                    indicator_value__isnull=False,
                    contribution__isnull=True,
                )
                | Q(
                    status_update__isnull=True,
                    indicator_value__isnull=True,
                    contribution__isnull=False,
                ),
                name="release_one_record",
                violation_error_message=_(
                    "Name the one record it releases: a status update, an "
                    "indicator value or a contribution."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    *(Q(released_from=before, released_to=after) for before, after in _widenings()),
                    _connector=Q.OR,
                ),
                name="release_widens",
                violation_error_message=_(
                    "A release widens who may read a record (secretariat "
                    "to coalition or public, coalition to public): once read, a record cannot be "
                    "unread."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="release_reason_not_empty",
                violation_error_message=_("Say why it may be released."),
            ),
        ]

    def __str__(self):
        return (
            f"{self.record.noun.capitalize()} #{self.record.pk}: "
            f"{self.get_released_from_display()} → {self.get_released_to_display()}"
        )

    @property
    def record(self):
        """The status update, indicator value or contribution it releases."""
        return next(
            getattr(self, name)
            for name in RELEASED_MODELS
            if getattr(self, f"{name}_id") is not None
        )

    @property
    def record_kind(self):
        return next(name for name in RELEASED_MODELS if getattr(self, f"{name}_id") is not None)

    def clean(self):
        errors = {}
        if self.reason and not self.reason.strip():
            errors["reason"] = _("Say why it may be released.")
        if {self.released_from, self.released_to} <= set(Releasability.values):
            errors.update(self.clean_widening())
        if self.corrects_id is not None:
            if self.corrects.record_kind != self.record_kind or self.corrects.record != self.record:
                errors["corrects"] = _("A release answers a returned release of the same record.")
            elif correction_error := self.clean_correction():
                errors["corrects"] = correction_error
        if errors:
            raise ValidationError(errors)

    def clean_widening(self):
        """The error of `released_to`, if any: a release widens who may read the record."""
        before, after = Releasability(self.released_from), Releasability(self.released_to)
        if after.rank < before.rank:
            return {}
        wider = gettext(" or ").join(
            level.label.lower() for level in Releasability if level.rank < before.rank
        )
        if not wider:
            return {"released_to": _("It is public already: nobody may read it more widely.")}
        if after == before:
            return {
                "released_to": _("It is %(level)s already: release it to %(wider)s.")
                % {"level": before.label.lower(), "wider": wider}
            }
        return {
            "released_to": _(
                "A release widens who may read it: from %(level)s, to %(wider)s. Once read, a "
                "record cannot be unread."
            )
            % {"level": before.label.lower(), "wider": wider}
        }

    def not_correctable_message(self):
        return gettext(
            "Release #%(pk)s was not returned: only a returned release is answered by another."
        ) % {"pk": self.corrects_id}


class ReleaseReview(records.ReviewDecision):
    """The decision on a release (ReviewDecision). Approving one widens its record
    (services.releases)."""

    record_field = "release"

    release = records.decided_record(Release)

    class Meta(records.ReviewDecision.Meta):
        verbose_name = _("release review")
        constraints = records.decision_constraints(
            "releasereview", "release", return_help=_("can propose it again")
        )
