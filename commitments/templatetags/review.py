"""What waits for review, on the admin's home page (templates/admin/index.html)."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from commitments.models import BriefingMessage, IndicatorValue, Release, ReviewState, StatusUpdate

register = template.Library()

# The reviewed records, each with the permission that records one (deciding is add_review).
REVIEWED = [
    (StatusUpdate, "commitments.add_statusupdate"),
    (IndicatorValue, "commitments.add_indicatorvalue"),
    (BriefingMessage, "commitments.add_briefingmessage"),
    # Proposed by those who record status updates (or values, or contributions).
    (Release, "commitments.add_statusupdate"),
]


@register.inclusion_tag("admin/commitments/review_summary.html", takes_context=True)
def review_summary(context):
    """Per kind of reviewed record (status updates, indicator values, key messages): for those who decide,
    how many they may review now (everyone's pending records but their own), linking to its
    queue; for those who record, their own records pending review, and those returned to them
    that no correction answers yet. A count query each."""
    user = context["request"].user
    kinds = []
    for model, records_permission in REVIEWED:
        kind = {"singular": model._meta.verbose_name, "plural": model._meta.verbose_name_plural}
        records = model.objects.all()
        if user.has_perm("commitments.add_review"):
            kind["to_review"] = records.reviewable_by(user).count()
            kind["queue_url"] = reverse(f"admin:commitments_{model._meta.model_name}_review")
        if user.has_perm(records_permission):
            mine = records.filter(author=user)
            kind["mine_pending"] = mine.pending().count()
            kind["mine_returned"] = mine.unanswered().count()
            kind["mine_pending_url"] = _mine(model, ReviewState.PENDING)
            kind["mine_returned_url"] = _mine(model, ReviewState.RETURNED)
        if "to_review" in kind or "mine_pending" in kind:
            kinds.append(kind)
    return {"kinds": kinds}


def _mine(model, state):
    changelist = reverse(f"admin:commitments_{model._meta.model_name}_changelist")
    return f"{changelist}?{urlencode({'review': state, 'author': 'me'})}"
