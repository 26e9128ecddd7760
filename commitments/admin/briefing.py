"""The briefing pack's key messages: written and rewritten here (add and view only, as status
updates), and decided on in the review queue the other reviewed records share
(ReviewQueueMixin) or from each message's own page, both through approve_or_return. The pack
that prints the approved ones is views.briefing_pack."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from commitments.admin.base import (
    BoundedSearch,
    RecordAdmin,
    add_form_link,
    correction_note,
    day_text,
    html_message,
    person,
)
from commitments.admin.reviews import (
    AuthorListFilter,
    ReviewQueueMixin,
    ReviewStateListFilter,
    may_review,
    review_badge,
    who_reviews,
)
from commitments.models import BriefingMessage, BriefingMessageReview, ReviewState
from commitments.models.records import REVIEWER_DECISIONS
from commitments.services import record_briefing_message


class MessageDecisionForm(forms.Form):
    """Approve or Return, as a message's page posts it; approve_or_return checks the rest."""

    decision = forms.ChoiceField(choices=REVIEWER_DECISIONS)
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Why you return it (required to return it), or a remark on approving it."),
    )


@admin.register(BriefingMessage)
class BriefingMessageAdmin(ReviewQueueMixin, RecordAdmin, BoundedSearch, admin.ModelAdmin):
    """Add and view only: a message is never changed or deleted, by anyone; a correction
    rewrites it. Reviewers and Editors approve or return someone else's pending message in the
    review queue (ReviewQueueMixin) or on its page (decide_view); the pack prints it once
    approved."""

    record_with = staticmethod(record_briefing_message)
    queue_title = _("Review queue of key messages")
    queue_pillar = "pillar"
    correction_starts_from = ["pillar", "as_of", "text"]
    change_form_template = "admin/commitments/briefingmessage/change_form.html"
    list_display = [
        "as_of",
        "pillar",
        "text_display",
        "author_display",
        "created_at",
        "review_state_display",
        "correction_display",
    ]
    list_display_links = ["text_display"]
    list_filter = [ReviewStateListFilter, AuthorListFilter, "pillar", "as_of"]
    list_select_related = ["pillar", "author", "review"]
    search_fields = ["text", "pillar__name"]
    date_hierarchy = "as_of"
    fields = ["pillar", "as_of", "text", "corrects"]
    readonly_fields = [
        "author_display",
        "created_at",
        "review_display",
        "correction_display",
        "rewrite_link_display",
    ]

    # The review queue (ReviewQueueMixin)

    def queue_records(self, records, limit):
        # Oldest first.
        return (
            records.pending()
            .select_related("pillar", "author")
            .order_by("created_at", "id")[:limit]
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        shown = [*self.fields, "author_display", "created_at", "review_display"]
        shown.append("correction_display")
        if obj.review_state != ReviewState.PENDING and self.has_add_permission(request):
            shown.append("rewrite_link_display")
        return shown

    def get_queryset(self, request):
        return super().get_queryset(request).with_corrected_by()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "corrects":
            kwargs["queryset"] = BriefingMessage.objects.correctable().select_related("pillar")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        # Before the default ones, whose "<path:object_id>/" would take "1/decide" for an id.
        own = [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="commitments_briefingmessage_decide",
            ),
        ]
        return [*own, *super().get_urls()]

    @admin.display(description=_("message"))
    def text_display(self, message):
        return Truncator(message.text).words(20)

    @admin.display(description=_("author"), ordering="author__last_name")
    def author_display(self, message):
        return person(message.author)

    @admin.display(description=_("review"))
    def review_state_display(self, message):
        return review_badge(message)

    @admin.display(description=_("review"))
    def review_display(self, message):
        review = getattr(message, "review", None)
        if review is None:
            return format_html(
                "{} — {}",
                review_badge(message),
                gettext("%(who)s other than its author decides, below.") % {"who": who_reviews()},
            )
        by = (
            person(review.reviewer)
            if review.reviewer
            else gettext("nobody (review was not required)")
        )
        comment = f": “{review.comment}”" if review.comment else ""
        return format_html(
            "{} {}{}",
            review_badge(message),
            html_message(gettext("by %(by)s on %(date)s"), by=by, date=day_text(review.decided_at)),
            comment,
        )

    @admin.display(description=_("correction"), empty_value="")
    def correction_display(self, message):
        return correction_note(message)

    @admin.display(description=_("rewrite it"))
    def rewrite_link_display(self, message):
        if message.corrected_by_id is not None:
            return gettext("Rewritten by #%(id)s: rewrite that one instead.") % {
                "id": message.corrected_by_id
            }
        return add_form_link(
            "briefingmessage", gettext("Rewrite this message"), {"rewrite": message.pk}
        )

    def get_changeform_initial_data(self, request):
        """The add form: the pack of today; or, to rewrite a message (?rewrite=<id>), that
        message's pillar, pack and text, with `corrects` set to it."""
        initial = super().get_changeform_initial_data(request)
        original = BriefingMessage.objects.filter(pk=request.GET.get("rewrite") or None).first()
        if original is None:
            return {"as_of": timezone.localdate(), **initial}
        copied = {"pillar": original.pillar_id, "as_of": original.as_of, "text": original.text}
        return {**initial, **copied, "corrects": original.pk}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The message, and Approve and Return below it for whoever may decide on it."""
        message = self.get_object(request, object_id)
        extra = {}
        if (
            message is not None
            and message.review_state == ReviewState.PENDING
            and may_review(request.user)
            and message.author_id != request.user.pk
        ):
            extra["decision_form"] = MessageDecisionForm()
            extra["decide_url"] = reverse(
                "admin:commitments_briefingmessage_decide", args=[message.pk]
            )
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @method_decorator(require_POST)
    def decide_view(self, request, object_id):
        """A decision on the message, through approve_or_return, answered with a message and
        the message's page again."""
        if not may_review(request.user):
            raise PermissionDenied
        message = get_object_or_404(BriefingMessage.objects.select_related("pillar"), pk=object_id)
        form = MessageDecisionForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request, gettext("Nothing was decided: choose Approve or Return."), messages.ERROR
            )
        else:
            self.decide_on(request, message, **form.cleaned_data)
        return HttpResponseRedirect(
            reverse("admin:commitments_briefingmessage_change", args=[message.pk])
        )

    def _decided(self, message, decision):
        if decision == BriefingMessageReview.Decision.APPROVE:
            return gettext("Approved message #%(id)s: it is printed in the pack of %(as_of)s.") % {
                "id": message.pk,
                "as_of": day_text(message.as_of),
            }
        return gettext(
            "Returned message #%(id)s with your comment: it is not printed, and its author can "
            "rewrite it."
        ) % {"id": message.pk}
