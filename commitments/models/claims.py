"""A reviewer's claim on a pending reviewed record ("I'll take it"): a status update, an
indicator value or a key message, shown to the other reviewers in the review queue so that two
of them do not read the same record. A claim is a courtesy, not a lock: anyone who may decide
still can. It lapses a day after it was taken (CLAIM_LASTS), read at query time: nothing has to
run to release it. Unlike the records, a claim is not history: it is taken, renewed and
released in place (services.claims)."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A claim nobody acted on is released after this long.
CLAIM_LASTS = datetime.timedelta(hours=24)


class ReviewClaimQuerySet(models.QuerySet):
    def active(self, now=None):
        """Claims taken less than CLAIM_LASTS before `now` (now by default)."""
        return self.filter(claimed_at__gt=(now or timezone.now()) - CLAIM_LASTS)

    def on(self, records):
        """Claims on `records`, records of one model: one query, joined with the content types
        (rather than looking the model's up first), reading reviewclaim_one_per_record."""
        records = list(records)
        if not records:
            return self.none()
        opts = records[0]._meta
        return self.filter(
            content_type__app_label=opts.app_label,
            content_type__model=opts.model_name,
            object_id__in=[record.pk for record in records],
        )


class ReviewClaim(models.Model):
    """A reviewer's claim on one pending reviewed record, named by its content type and id (any
    of the reviewed records' models)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_claims",
        help_text=_("Who said they would take it."),
    )
    claimed_at = models.DateTimeField(
        default=timezone.now, help_text=_("When it was taken; it lapses a day later.")
    )

    objects = ReviewClaimQuerySet.as_manager()

    class Meta:
        ordering = ["claimed_at", "id"]
        verbose_name = _("review claim")
        constraints = [
            # One claim a record, lapsed or not (a new claim takes a lapsed one's place); its
            # index serves the queue's read of the claims on its records (ReviewClaimQuerySet.on).
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                name="reviewclaim_one_per_record",
                violation_error_message=_("Someone else has just taken it."),
            ),
        ]

    def __str__(self):
        return f"{self.content_type.model} #{self.object_id}, taken by {self.reviewer}"

    def is_active(self, now=None):
        return self.claimed_at > (now or timezone.now()) - CLAIM_LASTS
