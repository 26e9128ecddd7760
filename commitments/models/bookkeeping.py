"""The app's own bookkeeping, not the Roadmap's: the data version, the reminders sent, the files of
status updates imported, and the API's idempotency keys."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """A single row that moves on with every write to what the API shows: database triggers
    (migration 0005) bump it after any INSERT, UPDATE or DELETE of commitments, status updates,
    reference data, tags and users, whoever writes (the app, an import, a database shell).

    Reading it is one primary-key lookup, so every API read can afford it: it makes the ETags
    (a 304 costs this one query) and the keys of the shared cache (selectors.data_version)."""

    number = models.BigIntegerField(default=0)
    # Wall-clock time of the latest bump; with the number it tells apart two states that share
    # a number, as after a database restore.
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("data version")

    def __str__(self):
        return f"data version {self.number}"


class ReminderSent(models.Model):
    """That a person was sent their daily reminder (`manage.py send_reminders`) on a day. It is
    written just before the email goes out and taken back if the mail server refuses it, so
    nobody is reminded twice on one day. It is kept per person and day, not per record: one
    email lists all a person has to act on (a digest), and what still waits the next day is
    listed again then; the counts say what the email listed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders_sent"
    )
    sent_on = models.DateField(help_text=_("The day it was sent, in the site's time zone."))
    sent_at = models.DateTimeField(default=timezone.now, editable=False)
    commitments = models.PositiveIntegerField(
        default=0, help_text=_("How many commitments of theirs it listed as due.")
    )
    pending_updates = models.PositiveIntegerField(
        default=0, help_text=_("How many updates it listed as waiting for their review.")
    )
    pending_values = models.PositiveIntegerField(
        default=0, help_text=_("How many indicator values it listed as waiting for their review.")
    )
    returned_records = models.PositiveIntegerField(
        default=0,
        help_text=_("How many status updates and indicator values returned to them it listed."),
    )

    class Meta:
        ordering = ["-sent_on", "user_id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            # Its index also serves "who was reminded today" (sent_on first).
            models.UniqueConstraint(
                fields=["sent_on", "user"],
                name="remindersent_once_a_day",
                violation_error_message=_("This person was already reminded on that day."),
            ),
        ]

    def __str__(self):
        return f"Reminder to {self.user} on {self.sent_on:%d %b %Y}"


class ImportReceipt(models.Model):
    """An import of status updates from a CSV file, written in the same transaction as its
    rows: by the SHA-256 of the file, unique, so that a file is imported once, from the admin or
    the command; and by the token of the admin's dry run, unique, so that a confirmation posted
    twice (a double click, two tabs) says so."""

    token = models.CharField(max_length=64, unique=True)
    sha256 = models.CharField(
        _("SHA-256"),
        max_length=64,
        blank=True,
        help_text=_("The SHA-256 of the file's bytes; empty for imports from before it was kept."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_receipts"
    )
    updates = models.PositiveIntegerField(help_text=_("How many status updates it recorded."))
    imported_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            # Its index serves the look-up of every file checked for import (sha256 = %s).
            models.UniqueConstraint(
                fields=["sha256"],
                condition=~models.Q(sha256=""),
                name="importreceipt_file_once",
                violation_error_message=_("This file was imported already."),
            ),
        ]

    def __str__(self):
        return (
            f"{self.updates} updates imported by {self.user} at {self.imported_at:%Y-%m-%d %H:%M}"
        )


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self, now=None):
        """Keys older than IdempotencyKey.KEPT_FOR: a retry with one of them is a new request."""
        return self.filter(created_at__lt=(now or timezone.now()) - IdempotencyKey.KEPT_FOR)


class IdempotencyKey(models.Model):
    """A POST of the API that succeeded with an `Idempotency-Key` header, and the response it
    got. It is written in the same transaction as the POST's own write, so that a client that
    lost the answer (a dropped connection) and retries with the same key gets that response
    instead of writing again (commitments/api/idempotency.py). Keys are a user's own: two users
    may use the same one. Kept for KEPT_FOR, then pruned (`manage.py prune_idempotency_keys`,
    and each keyed write prunes its user's)."""

    KEPT_FOR = datetime.timedelta(hours=24)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255, help_text=_("The Idempotency-Key header, as sent."))
    fingerprint = models.CharField(
        max_length=64,
        help_text=_(
            "SHA-256 of the request's method, path and JSON body: the same key with "
            "another request is refused."
        ),
    )
    status = models.PositiveSmallIntegerField(help_text=_("The HTTP status of the response."))
    headers = models.JSONField(help_text=_("The response's headers, as [name, value] pairs."))
    body = models.BinaryField(help_text=_("The response's body, as sent."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("idempotency key")
        constraints = [
            # Its index serves the look-up of every keyed POST (user, key).
            models.UniqueConstraint(
                fields=["user", "key"],
                name="idempotencykey_once_per_user",
                violation_error_message=_("This user has already used this idempotency key."),
            ),
        ]
        indexes = [
            # IdempotencyKey.objects.expired(): created_at < now - 24 hours.
            models.Index(fields=["created_at"], name="idempotencykey_created_idx"),
        ]

    def __str__(self):
        return f"Idempotency key {self.key!r} of {self.user} ({self.status})"

    def is_expired(self, now=None):
        return self.created_at < (now or timezone.now()) - self.KEPT_FOR
