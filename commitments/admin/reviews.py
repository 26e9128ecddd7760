"""Review as status updates and indicator values share it: the review badge, who may review,
the queues' length and list filters; and the read-only list of decisions (ReviewAdmin). Each
queue lives with its record's admin (assessments.py, indicators.py)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from commitments.admin.base import BoundedSearch, person
from commitments.models import Review, ReviewState
from commitments.roles import roles_with

# Text is always shown next to the colour here too.
REVIEW_COLOURS = {
    ReviewState.PENDING: "#b45309",
    ReviewState.APPROVED: "#15803d",
    ReviewState.RETURNED: "#b91c1c",
}


def review_badge(update):
    state = update.review_state
    return format_html(
        '<span class="review-badge" style="color:{}">{}</span>', REVIEW_COLOURS[state], state.label
    )


def queue_url(update=None):
    """The review queue, at one update's place in it when given."""
    url = reverse("admin:commitments_statusupdate_review")
    return f"{url}#update-{update.pk}" if update is not None else url


def may_review(user):
    return user.has_perm("commitments.add_review")


def who_reviews():
    """The roles that decide on updates, in words: "a Reviewer or an Editor"."""
    return " or ".join(
        f"an {role}" if role[0] in "AEIOU" else f"a {role}" for role in roles_with("add_review")
    )


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


# The review queue shows this many of the oldest pending updates: a bulk import of thousands
# is still one page, and the oldest wait longest.
QUEUE_LENGTH = 100


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
