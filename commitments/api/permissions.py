from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class ReadOrModelPermission(DjangoModelPermissions):
    """Reads are public, or need any authenticated user when ROADMAP_PUBLIC_READ is off.
    Writes need the model permission of the view's model: add_statusupdate to record a status
    update (Analysts, Editors), add/change_commitment to maintain commitments (Editors)."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return settings.ROADMAP_PUBLIC_READ or bool(
                request.user and request.user.is_authenticated
            )
        return super().has_permission(request, view)
