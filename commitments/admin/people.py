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

from commitments.roles import ROLE_PERMISSIONS
from commitments.services.people import invite_person

User = get_user_model()
admin.site.unregister(User)

ROLE_CHOICES = [(role, role) for role in ROLE_PERMISSIONS]


def role_of(user):
    """A person's role in words: their role groups, "Superuser", or "No role"."""
    roles = [group.name for group in user.groups.all() if group.name in ROLE_PERMISSIONS]
    if user.is_superuser:
        roles.insert(0, "Superuser")
    return ", ".join(roles) or "No role"


class RoleListFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [*ROLE_CHOICES, ("none", "No role")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.exclude(groups__name__in=ROLE_PERMISSIONS).filter(is_superuser=False)
        if self.value() in ROLE_PERMISSIONS:
            return queryset.filter(groups__name=self.value())
        return queryset


class InvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(help_text="Their login name too; the invitation is sent here.")
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        help_text="Viewer: reads everything. Analyst: records updates, values and "
        "contributions. Reviewer: approves or returns other people's. Editor: all of that, "
        "and maintains commitments, indicators and reference data.",
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

    @admin.display(description="name", ordering="last_name")
    def full_name(self, user):
        return user.get_full_name()

    @admin.display(description="role")
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
                    f"{person.email} is invited as {form.cleaned_data['role']}: an email with "
                    "a link to choose a password is on its way.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:auth_user_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Invite a person",
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/auth/user/invite.html", context)
