"""Status updates: recorded and corrected through their admin (add and view only), decided on
in its review queue, imported from CSV (imports.py). A commitment's page is in
commitments.py; the list of decisions in reviews.py."""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.admin import imports as admin_import
from commitments.admin.base import (
    BoundedSearch,
    RecordAdmin,
    _readable,
    add_form_link,
    commitment_in_list,
    correct_link,
    day_text,
    moment_text,
    own_page,
    person,
    person_name,
    status_badge,
)
from commitments.admin.releases import ReleasedOnPage
from commitments.admin.reviews import (
    AuthorListFilter,
    ReviewQueueMixin,
    ReviewStateListFilter,
    review_badge,
    who_reviews,
)
from commitments.clearance import clearance_of
from commitments.models import Commitment, Releasability, ReviewState, Status, StatusUpdate
from commitments.selectors import current_status_after, review_queue
from commitments.services import record_status_update


def update_choice_label(update):
    """How an update is told apart from its neighbours in a list of choices."""
    author = person_name(update.author)
    return gettext(
        "#%(id)s · %(status)s as of %(as_of)s · by %(author)s, recorded %(recorded)s"
    ) % {
        "id": update.pk,
        "status": update.get_status_display(),
        "as_of": day_text(update.as_of),
        "author": author,
        "recorded": moment_text(update.created_at),
    }


# What a correction's form starts from: the corrected update's values, its as-of date included
# (a correction describes the same moment unless the analyst says otherwise), and its marking
# (a correction is marked on its own, Record.clean_marking: the analyst may change it).
CORRECTION_STARTS_FROM = [
    "releasability",
    "status",
    "progress",
    "as_of",
    "summary",
    "confidence",
]


class StatusUpdateForm(forms.ModelForm):
    """A new status update. A correction names the update it corrects among the standing
    and returned updates of the same commitment, each told apart by number, author and time
    recorded. With review off, a correction that would change the commitment's current status
    must be confirmed, with what it would show said in words, since nothing recorded can be
    undone; with review on, the submission changes nothing yet, and the review queue shows the
    reviewer what approving it would change instead."""

    confirm_current_status = forms.BooleanField(
        required=False,
        label=_("Yes, make this the current status"),
        help_text=_("Asked only when a correction would change what the commitment shows."),
    )

    # No Meta: StatusUpdateAdmin builds the model form from its `fields` and overrides.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "corrects" in self.fields:
            commitment = self.data.get("commitment") or self.initial.get("commitment")
            corrects = self.fields["corrects"]
            corrects.queryset = (
                StatusUpdate.objects.filter(commitment=commitment or None)
                .correctable()
                .select_related("author")
            )
            corrects.label_from_instance = update_choice_label
            # A correction corrects an update already recorded: adding one from here makes no
            # sense.
            corrects.widget.can_add_related = False
            corrects.help_text = gettext(
                "The update of this commitment that this one corrects, if any: it then no longer "
                "counts. Use “Correct this update” on the update to start from its values."
            )

    def clean(self):
        cleaned = super().clean()
        commitment, corrects = cleaned.get("commitment"), cleaned.get("corrects")
        if corrects is None or commitment is None or self.errors or settings.REVIEW_REQUIRED:
            return cleaned
        # Of what its author (the user: RecordAdmin.get_form) may read, before and after.
        clearance = clearance_of(self.instance.author)
        after = current_status_after(
            commitment,
            status=cleaned["status"],
            progress=cleaned.get("progress"),
            as_of=cleaned["as_of"],
            corrects=corrects,
            clearance=clearance,
        )
        now = (
            Commitment.objects.seen_by(clearance)
            .rows("current_status", "current_progress", "current_as_of")
            .get(pk=commitment.pk)
        )
        before = (now["current_status"], now["current_progress"], now["current_as_of"])
        if tuple(after) != before and not cleaned.get("confirm_current_status"):
            label = dict(Status.choices)
            words = {
                "code": commitment.code,
                "status": label[after.status],
                "as_of": day_text(after.as_of),
                "current": label[before[0]],
            }
            if before[2]:
                words["current_as_of"] = day_text(before[2])
                confirm = gettext(
                    "This will make %(code)s “%(status)s” as of %(as_of)s — current: "
                    "“%(current)s” as of %(current_as_of)s. Check the status and the date, then "
                    "tick the box to confirm."
                )
            else:
                confirm = gettext(
                    "This will make %(code)s “%(status)s” as of %(as_of)s — current: "
                    "“%(current)s”. Check the status and the date, then tick the box to confirm."
                )
            self.add_error("confirm_current_status", confirm % words)
        return cleaned


REVIEW_FIELDS = [
    "review_display",
    "reviewer_display",
    "review_comment_display",
    "decided_at_display",
]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(
    ReleasedOnPage, ReviewQueueMixin, RecordAdmin, BoundedSearch, admin.ModelAdmin
):
    """Add and view only (RecordAdmin). Reviewers and Editors decide on pending ones in the
    review queue (ReviewQueueMixin), each beside what its commitment shows now and what
    approving it would make it show."""

    record_with = staticmethod(record_status_update)
    correction_starts_from = ["commitment", *CORRECTION_STARTS_FROM]
    form = StatusUpdateForm
    list_display = [
        "commitment_display",
        "marking_display",
        "status_display",
        "progress",
        "as_of",
        "author_display",
        "created_at",
        "review_state_display",
        "correction_display",
    ]
    list_display_links = ["commitment_display"]
    list_filter = [
        ReviewStateListFilter,
        AuthorListFilter,
        ("releasability", admin.ChoicesFieldListFilter),
        ("status", admin.ChoicesFieldListFilter),
        "confidence",
        "commitment__pillar",
        "as_of",
        "created_at",
    ]
    list_select_related = ["commitment", "author", "review"]
    search_fields = ["commitment__code", "commitment__title", "summary"]
    date_hierarchy = "as_of"
    autocomplete_fields = ["commitment"]
    fields = ["commitment", *CORRECTION_STARTS_FROM, "cites", "corrects"]
    readonly_fields = [
        "author_display",
        "created_at",
        "correction_display",
        *REVIEW_FIELDS,
        "correct_link_display",
        "queue_link_display",
        "withdraw_display",
    ]

    def get_fields(self, request, obj=None):
        # With review on, the queue shows the reviewer what approving would change instead.
        if obj is None and not settings.REVIEW_REQUIRED:
            return [*self.fields, "confirm_current_status"]
        return super().get_fields(request, obj)

    def page_extras(self, request, update):
        shown = ["correction_display", *REVIEW_FIELDS]
        if self.may_withdraw(request, update):
            shown.append("withdraw_display")
        if self.sends_to_queue(request, update):
            shown.append("queue_link_display")
        elif update.review_state != ReviewState.PENDING and self.has_add_permission(request):
            shown.append("correct_link_display")
        return shown

    def get_queryset(self, request):
        return super().get_queryset(request).with_corrected_by()

    def get_urls(self):
        return [
            own_page(self, "import", self.import_view),
            own_page(self, "import_template", self.import_template_view),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return admin_import.import_view(self, request)

    def import_template_view(self, request):
        return admin_import.template_view(self, request)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, update):
        return status_badge(update.status, update.get_status_display())

    @admin.display(description=_("commitment"), ordering="commitment__code")
    def commitment_display(self, update):
        return commitment_in_list(update.commitment)

    @admin.display(description=_("correct it"))
    def correct_link_display(self, update):
        if update.review_state == ReviewState.RETURNED:
            return add_form_link("statusupdate", gettext("Correct it"), {"correct": update.pk})
        if update.corrected_by_id is not None:
            return gettext("Superseded by #%(id)s: correct that one instead.") % {
                "id": update.corrected_by_id
            }
        return correct_link(update)

    @admin.display(description=_("review"))
    def review_display(self, update):
        if update.review_state == ReviewState.PENDING:
            return format_html(
                "{} — {}",
                review_badge(update),
                gettext("%(who)s other than its author decides.") % {"who": who_reviews()},
            )
        return review_badge(update)

    @admin.display(description=_("reviewer"), empty_value="—")
    def reviewer_display(self, update):
        review = getattr(update, "review", None)
        if review is None:
            return None
        if review.reviewer is None:
            return gettext("Nobody: approved on submission (review was not required)")
        return person(review.reviewer)

    @admin.display(description=_("reviewer's comment"), empty_value="—")
    def review_comment_display(self, update):
        review = getattr(update, "review", None)
        return review.comment if review else None

    @admin.display(description=_("decided at"), empty_value="—")
    def decided_at_display(self, update):
        review = getattr(update, "review", None)
        return _readable(review.decided_at) if review else None

    class Media:
        # The add form's note on a back-dated update, as its date is typed (back_dating).
        js = ["commitments/back-dating.js"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None and "as_of" in form.base_fields:
            # What back-dating.js needs to say what StatusUpdate.back_dating will: today, and
            # each commitment's cadence (its own, or the project's), in one query.
            cadences = Commitment.objects.values_list("pk", "update_cadence_days")
            form.base_fields["as_of"].widget.attrs.update(
                {
                    "data-today": timezone.localdate().isoformat(),
                    "data-due-every": json.dumps(
                        {pk: days or settings.STALE_AFTER_DAYS for pk, days in cadences}
                    ),
                }
            )
        return form

    def response_add(self, request, obj, post_url_continue=None):
        if back_dating := obj.back_dating():
            # Recorded all the same (a late assessment is still history); said so that the
            # analyst can check the date, and the reviewer sees it too (the queue).
            self.message_user(
                request,
                gettext(
                    "Back-dated: %(back_dating)s, so it is stale the day it is approved. Check its "
                    "as-of date; if it is right, a newer assessment is due as well."
                )
                % {"back_dating": back_dating},
                messages.WARNING,
            )
        if "_addanother" in request.POST or "_continue" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        shows = f"“{obj.commitment.get_current_status_display()}”"
        if obj.review_state == ReviewState.PENDING:
            message = gettext(
                "Recorded: %(update)s. It is pending review: %(who)s other than you must approve "
                "it before it counts; %(code)s shows %(shows)s until then."
            ) % {"update": obj, "who": who_reviews(), "code": obj.commitment.code, "shows": shows}
        else:
            message = gettext("Recorded: %(update)s. The commitment now shows %(shows)s.") % {
                "update": obj,
                "shows": shows,
            }
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:commitments_commitment_change", args=[obj.commitment_id])
        )

    # The review queue (ReviewQueueMixin)

    queue_pillar = "commitment__pillar"

    def queue_records(self, records, limit):
        return review_queue(records, clearance=records.clearance, limit=limit)

    def queue_row(self, update):
        after = update.on_approval.status
        return {
            "now": status_badge(
                update.commitment.current_status, update.commitment.get_current_status_display()
            ),
            "proposed": status_badge(update.status, update.get_status_display()),
            "after": status_badge(after, Status(after).label),
            "back_dating": update.back_dating(),
        }

    def queue_subject(self, update):
        return update.commitment.code

    def now_shows(self, update):
        """What readers of the update's marking now see of its commitment: the stored status
        for the public, the one their records make for the coalition or the secretariat."""
        commitment = update.commitment
        marking = Releasability(update.releasability)
        if marking == Releasability.PUBLIC:
            readers, status, as_of = "", commitment.current_status, commitment.current_as_of
        else:
            seen = (
                Commitment.objects.seen_by(marking)
                .filter(pk=commitment.pk)
                .rows("current_status", "current_as_of")
                .get()
            )
            readers = gettext("For readers cleared for %(marking)s, ") % {
                "marking": marking.label.lower()
            }
            status, as_of = seen["current_status"], seen["current_as_of"]
        words = {"code": commitment.code, "shown": Status(status).label}
        if as_of:
            shows = gettext("%(code)s now shows “%(shown)s” as of %(as_of)s.") % {
                **words,
                "as_of": day_text(as_of),
            }
        else:
            shows = gettext("%(code)s now shows “%(shown)s”.") % words
        return f"{readers}{shows}"
