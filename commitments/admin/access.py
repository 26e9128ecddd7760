"""Access to the app: API tokens (knox), each created by its own user, and login attempts
(axes), in place of those apps' own ModelAdmins. Users and groups keep Django's admin, and
roles are in commitments.roles."""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.admin import AuthTokenCreateForm
from knox.models import AuthToken

# API tokens (django-rest-knox): only a hash is stored, so the token is shown once, when it
# is created here. Deleting a token revokes it at once.
admin.site.unregister(AuthToken)


class OwnTokenForm(AuthTokenCreateForm):
    """A new token, for whoever fills in the form and no one else: a token acts as its user,
    and is shown to whoever creates it, so a superuser who made a reviewer's could approve
    their own updates with it. The user is shown, not chosen; one posted anyway is refused."""

    owner = None  # the signed-in user, set by ApiTokenAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        user.queryset = user.queryset.filter(pk=self.owner.pk)
        user.initial = self.owner.pk
        user.disabled = True
        user.empty_label = None
        user.widget = forms.Select(choices=user.choices)
        user.help_text = gettext(
            "A token acts as its user: you create your own, signed in as yourself, and each "
            "user theirs."
        )

    def clean_user(self):
        posted = self.data.get(self.add_prefix("user"))
        if posted not in (None, "", str(self.owner.pk)):
            raise ValidationError(
                gettext(
                    "You may create a token for yourself only: a token acts as its user, so each "
                    "user creates their own, signed in as themselves."
                )
            )
        return self.owner


@admin.register(AuthToken)
class ApiTokenAdmin(KnoxAuthTokenAdmin):
    """Each user creates their own tokens (OwnTokenForm); whoever may delete tokens (a
    superuser, or a user given knox's delete permission) may revoke anyone's."""

    add_form = OwnTokenForm
    list_display = ["token_key", "user", "created", "expiry"]
    list_select_related = ["user"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.owner = request.user  # on the class modelform_factory made for this request
        return form

    def has_change_permission(self, request, obj=None):
        # A token is created and revoked, never changed: knox's change form offers its user and
        # digest, so a superuser could hand a token they hold to someone else (a reviewer) and
        # act as them. Its page shows it read-only.
        return False

    def save_model(self, request, obj, form, change):
        obj.user = request.user
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        self.message_user(
            request,
            gettext(
                "API token for %(user)s: %(token)s — copy it now, it is not shown again (only a "
                "hash is kept). Send it as the header 'Authorization: Bearer <token>'."
            )
            % {"user": obj.user, "token": form.token},
            messages.WARNING,
        )


# django-axes' list of login attempts: its "Clean up expired attempts" action answered 500,
# reading the time of an attempt that only axes' own login handling sets
# (jazzband/django-axes#1424). It is given the time of the request.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)
