"""What waits for review, on the admin's home page (templates/admin/index.html)."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from commitments.models import ReviewState, StatusUpdate

register = template.Library()


@register.inclusion_tag("admin/commitments/review_summary.html", takes_context=True)
def review_summary(context):
    """For those who decide: how many updates they may review now (everyone's pending updates
    but their own), linking to the queue. For those who record: their own updates pending
    review, and those returned to them that no correction answers yet. A count query each."""
    user = context["request"].user
    updates = StatusUpdate.objects.all()
    summary = {}
    if user.has_perm("commitments.add_review"):
        summary["to_review"] = updates.reviewable_by(user).count()
        summary["queue_url"] = reverse("admin:commitments_statusupdate_review")
    if user.has_perm("commitments.add_statusupdate"):
        changelist = reverse("admin:commitments_statusupdate_changelist")
        mine = updates.filter(author=user)
        summary["mine_pending"] = mine.pending().count()
        summary["mine_returned"] = mine.unanswered().count()
        summary["mine_pending_url"] = (
            f"{changelist}?{urlencode({'review': ReviewState.PENDING, 'author': 'me'})}"
        )
        summary["mine_returned_url"] = (
            f"{changelist}?{urlencode({'review': ReviewState.RETURNED, 'author': 'me'})}"
        )
    return summary
