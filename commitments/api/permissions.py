from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions


def may_read(request):
    return settings.ROADMAP_PUBLIC_READ or bool(request.user and request.user.is_authenticated)


def may_see_unapproved(user):
    """Pending and returned updates are for staff who may view status updates (every role)."""
    return bool(user and user.is_authenticated and user.has_perm("commitments.view_statusupdate"))


def may_review(user):
    """Reviewers and Editors. Whose updates they may decide is the service's rule (four eyes)."""
    return bool(user and user.is_authenticated and user.has_perm("commitments.add_review"))


class MayReview(BasePermission):
    """Reviewers and Editors, on a view of reviewed records, which its refusal names."""

    def has_permission(self, request, view):
        records = view.queryset.model._meta.verbose_name_plural
        self.message = f"Only Reviewers and Editors may approve or return {records}."
        return may_review(request.user)


class MayRecord(BasePermission):
    """Who may record the view's model (add_<model>): the only ones who may withdraw one of
    theirs."""

    message = "Only those who record them may withdraw one of their own."

    def has_permission(self, request, view):
        opts = view.queryset.model._meta
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")


class ReadOrModelPermission(DjangoModelPermissions):
    """Reads are public, or need any authenticated user when ROADMAP_PUBLIC_READ is off.
    Writes need the model permission of the view's model: add_statusupdate to record a status
    update (Analysts, Editors), add/change_commitment to maintain commitments (Editors).

    A method the resource does not allow at all is let through to whoever may read it, so that
    they learn it with a 405 (and its Allow header), not a 403 that suggests another role could."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or request.method not in view.allowed_methods:
            return may_read(request)
        return super().has_permission(request, view)
