"""People: the user list with each person's role, and "Invite a person", which gives someone an
account in a role and sends them a link to choose a password (services.invite_person). Roles
are commitments.roles'."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from commitments.roles import ROLE_PERMISSIONS
from commitments.services.people import invite_person

User = get_user_model()
admin.site.unregister(User)

# The roles' names in the user's language; a role group keeps its English name.
ROLE_LABELS = {
    "Viewer": pgettext_lazy("role", "Viewer"),
    "Analyst": pgettext_lazy("role", "Analyst"),
    "Reviewer": pgettext_lazy("role", "Reviewer"),
    "Editor": pgettext_lazy("role", "Editor"),
}

ROLE_CHOICES = [(role, ROLE_LABELS.get(role, role)) for role in ROLE_PERMISSIONS]


def role_label(role):
    return str(ROLE_LABELS.get(role, role))


def role_of(user):
    """A person's role in words: their role groups, "Superuser", or "No role"."""
    roles = [role_label(g.name) for g in user.groups.all() if g.name in ROLE_PERMISSIONS]
    if user.is_superuser:
        roles.insert(0, gettext("Superuser"))
    return ", ".join(roles) or gettext("No role")


class RoleListFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [*ROLE_CHOICES, ("none", _("No role"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.exclude(groups__name__in=ROLE_PERMISSIONS).filter(is_superuser=False)
        if self.value() in ROLE_PERMISSIONS:
            return queryset.filter(groups__name=self.value())
        return queryset


class InvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(help_text=_("Their login name too; the invitation is sent here."))
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        help_text=_(
            "Viewer: reads everything. Analyst: records updates, values and "
            "contributions. Reviewer: approves or returns other people's. Editor: all of that, "
            "and maintains commitments, indicators and reference data."
        ),
    )


@admin.register(User)
class PersonAdmin(UserAdmin):
    """Django's user admin, with each person's role in the list and a filter by role."""

    change_list_template = "admin/auth/user/people_change_list.html"
    list_display = ["username", "full_name", "email", "role", "is_active", "last_login"]
    list_filter = [RoleListFilter, "is_staff", "is_superuser", "is_active"]

    def get_queryset(self, request):
        # One query for every row's groups, however many rows.
        groups = Prefetch("groups", queryset=Group.objects.only("name"))
        return super().get_queryset(request).prefetch_related(groups)

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, user):
        return user.get_full_name()

    @admin.display(description=_("role"))
    def role(self, user):
        return role_of(user)

    def get_urls(self):
        invite = self.admin_site.admin_view(self.invite_view)
        return [path("invite/", invite, name="auth_user_invite"), *super().get_urls()]

    def may_invite(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra = {"may_invite": self.may_invite(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def invite_view(self, request):
        if not self.may_invite(request):
            raise PermissionDenied
        form = InvitationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                person = invite_person(invited_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(email)s is invited as %(role)s: an email with a link to choose a "
                        "password is on its way."
                    )
                    % {"email": person.email, "role": role_label(form.cleaned_data["role"])},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:auth_user_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Invite a person"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/auth/user/invite.html", context)
