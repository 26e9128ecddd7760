"""Review as status updates and indicator values share it: the review badge, who may review,
the list filters, the review queue (ReviewQueueMixin, which each record's admin fills in:
assessments.py, indicators.py); and the read-only list of decisions (ReviewAdmin)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from commitments.admin.base import BoundedSearch, own_page, person, person_name
from commitments.models import Review, ReviewDecision, ReviewState
from commitments.models.records import REVIEWER_DECISIONS
from commitments.roles import roles_with
from commitments.services import ReviewRefused, approve_or_return, withdraw

# Text is always shown next to the colour here too.
REVIEW_COLOURS = {
    ReviewState.PENDING: "#b45309",
    ReviewState.APPROVED: "#15803d",
    ReviewState.RETURNED: "#b91c1c",
    ReviewState.WITHDRAWN: "#57534e",
}


def review_badge(record):
    state = record.review_state
    return format_html(
        '<span class="review-badge" style="color:{}">{}</span>', REVIEW_COLOURS[state], state.label
    )


def queue_url(model, record=None):
    """The review queue of a reviewed record's `model`, at `record`'s place in it when given."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_review")
    return f"{url}#{model.noun}-{record.pk}" if record is not None else url


def may_review(user):
    return user.has_perm("commitments.add_review")


def with_article(noun):
    """The noun with its indefinite article: "an update", "a value", "a Reviewer"."""
    return f"{'an' if noun[0] in 'aeiouAEIOU' else 'a'} {noun}"


def who_reviews():
    """The roles that decide on records, in words: "a Reviewer or an Editor"."""
    return " or ".join(with_article(role) for role in roles_with("add_review"))


class ReviewStateListFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return ReviewState.choices

    def queryset(self, request, queryset):
        if self.value() in ReviewState.values:
            return queryset.in_review_state(self.value())
        return queryset


class AuthorListFilter(admin.SimpleListFilter):
    """Your own updates: what an analyst follows through review."""

    title = "author"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        return [("me", "Me")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(author=request.user)
        return queryset


# A review queue shows this many of the oldest pending records: a bulk import of thousands
# is still one page, and the oldest wait longest.
QUEUE_LENGTH = 100


class ReviewDecisionForm(forms.Form):
    """One decision, as a review queue posts it: the record, named by its noun ("update",
    "value"), the decision and a comment; approve_or_return checks the rest."""

    decision = forms.ChoiceField(choices=REVIEWER_DECISIONS)
    comment = forms.CharField(required=False)

    def __init__(self, data, *, records):
        super().__init__(data)
        self.noun = records.model.noun
        self.fields[self.noun] = forms.ModelChoiceField(queryset=records)

    @property
    def record(self):
        return self.cleaned_data[self.noun]


class ReviewQueueMixin:
    """The review queue of a reviewed record's admin, at review/ (URL name
    "<app>_<model>_review"): the oldest pending records, each beside what approving it would
    change, with Approve and Return for those the user may decide (everyone's but their own).
    A decision is a POST, through approve_or_return, answered with a message and the queue
    again. The page is admin/commitments/review_queue.html, whose blocks the model's own
    admin/<app>/<model>/review_queue.html fills in.

    The admin says what differs: queue_records(limit), the oldest pending records with what
    their rows show; queue_row(record), what a row shows beside the record; queue_subject(record),
    what a message names the record's subject by; now_shows(record), what readers see once it
    is approved. Its records' pages link to their place in the queue (queue_link_display) for
    whoever may decide on them (sends_to_queue)."""

    queue_title = "Review queue"

    def get_urls(self):
        withdrawal = self.admin_site.admin_view(self.withdraw_view)
        return [
            own_page(self, "review", self.review_queue_view),
            # Before the default ones, whose "<path:object_id>/" would take "1/withdraw".
            path(
                "<path:object_id>/withdraw/",
                withdrawal,
                name=f"{self.model._meta.app_label}_{self.model._meta.model_name}_withdraw",
            ),
            *super().get_urls(),
        ]

    def may_withdraw(self, request, record):
        """Its author, while it is pending (services.withdraw)."""
        return record.review_state == ReviewState.PENDING and record.author_id == request.user.pk

    @admin.display(description="withdraw")
    def withdraw_display(self, record):
        # A button of the page's own form (which carries the CSRF token), posting elsewhere.
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_withdraw", args=[record.pk])
        return format_html(
            '<button type="submit" formaction="{}" class="button" name="withdraw">'
            "Withdraw it</button> "
            '<button type="submit" formaction="{}" class="button" name="again">'
            "Withdraw it and record another from it</button>"
            '<div class="help">It stays in the history as withdrawn, never counts and is '
            "never public; no reviewer is needed.</div>",
            url,
            url,
        )

    @method_decorator(require_http_methods(["POST"]))
    def withdraw_view(self, request, object_id):
        record = get_object_or_404(self.model, pk=object_id)
        opts = self.model._meta
        page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        try:
            withdraw(record, author=request.user)
        except ReviewRefused as refusal:
            self.message_user(request, f"Nothing was withdrawn. {refusal}", messages.ERROR)
            return HttpResponseRedirect(page)
        withdrawn = (
            f"Withdrew {record.noun} #{record.pk}: it stays in the history as withdrawn and "
            "never counts."
        )
        self.log_change(request, record, withdrawn)
        self.message_user(request, withdrawn, messages.SUCCESS)
        if "again" in request.POST:
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            return HttpResponseRedirect(f"{add}?start_from={record.pk}")
        return HttpResponseRedirect(page)

    def queue_records(self, limit):
        raise NotImplementedError

    def queue_row(self, record):
        return {}

    def queue_subject(self, record):
        return str(getattr(record, record.subject))

    def now_shows(self, record):
        raise NotImplementedError

    def sends_to_queue(self, request, record):
        """Whether a record's page links to its place in the queue: while it is pending, for
        whoever may decide on it (four eyes: not its author)."""
        return (
            record.review_state == ReviewState.PENDING
            and may_review(request.user)
            and record.author_id != request.user.pk
        )

    @admin.display(description="review")
    def queue_link_display(self, record):
        return format_html('<a href="{}">Review it in the queue</a>', queue_url(self.model, record))

    @admin.display(description="review")
    def review_state_display(self, record):
        return review_badge(record)

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def review_queue_view(self, request):
        if not may_review(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return self._decide(request)
        rows = [
            {
                "record": record,
                "mine": record.author_id == request.user.pk,
                "author": person(record.author),
                **self.queue_row(record),
            }
            for record in self.queue_records(QUEUE_LENGTH)
        ]
        pending = self.model.objects.pending()
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": self.queue_title,
            "opts": opts,
            "noun": self.model.noun,
            "rows": rows,
            "pending_total": pending.count(),
            "yours_total": pending.filter(author=request.user).count(),
            "who_reviews": who_reviews(),
        }
        return render(
            request, f"admin/{opts.app_label}/{opts.model_name}/review_queue.html", context
        )

    def _decide(self, request):
        records = self.model.objects.select_related(self.model.subject, "author")
        form = ReviewDecisionForm(request.POST, records=records)
        if not form.is_valid():
            which = with_article(self.model.noun)
            self.message_user(
                request,
                f"Nothing was decided: choose Approve or Return on {which} of the queue (it may "
                "no longer exist).",
                messages.ERROR,
            )
            return HttpResponseRedirect(queue_url(self.model))
        record, decision = form.record, form.cleaned_data["decision"]
        try:
            approve_or_return(
                record,
                reviewer=request.user,
                decision=decision,
                comment=form.cleaned_data["comment"],
            )
        except ReviewRefused as refusal:
            self.message_user(request, f"Nothing was decided. {refusal}", messages.ERROR)
        except ValidationError as error:
            self.message_user(
                request,
                f"{record.noun.capitalize()} #{record.pk} was not decided: "
                f"{' '.join(error.messages)}",
                messages.ERROR,
            )
            return HttpResponseRedirect(queue_url(self.model, record))
        else:
            decided = self._decided(record, decision)
            # The reviewer's "Recent actions" on the admin's home page, and the record's history.
            self.log_change(request, record, decided)
            self.message_user(request, decided, messages.SUCCESS)
        return HttpResponseRedirect(queue_url(self.model))

    def _decided(self, record, decision):
        which = f"{record.noun} #{record.pk} of {self.queue_subject(record)}"
        if decision == ReviewDecision.Decision.RETURN:
            return (
                f"Returned {which} to {person_name(record.author)} with your comment. It does "
                "not count; its author can answer it with a correction."
            )
        return f"Approved {which}. {self.now_shows(record)}"


@admin.register(Review)
class ReviewAdmin(BoundedSearch, admin.ModelAdmin):
    """Decisions, read-only: a decision is taken in the review queue (approve_or_return), once,
    and never changed or deleted, by anyone (as status updates)."""

    list_display = ["update_display", "decision", "reviewer_display", "decided_at", "comment"]
    list_filter = ["decision", "decided_at"]
    list_select_related = ["update__commitment", "reviewer"]
    search_fields = ["update__commitment__code", "comment"]
    date_hierarchy = "decided_at"
    fields = ["update_display", "decision", "reviewer_display", "comment", "decided_at"]
    readonly_fields = fields

    @admin.display(description="update", ordering="update_id")
    def update_display(self, review):
        url = reverse("admin:commitments_statusupdate_change", args=[review.update_id])
        return format_html('<a href="{}">#{} {}</a>', url, review.update_id, review.update)

    @admin.display(description="reviewer", ordering="reviewer__last_name")
    def reviewer_display(self, review):
        if review.reviewer is None:
            return "Nobody: approved on submission"
        return person(review.reviewer)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
