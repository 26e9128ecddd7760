"""Bringing a person in: an account in one of the roles, and an email with a link to choose a
password. Roles themselves are commitments.roles'."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commitments.emails import invitation_message
from commitments.roles import ROLE_PERMISSIONS


@transaction.atomic
def invite_person(*, first_name: str, last_name: str, email: str, role: str, invited_by):
    """Creates a staff account for `email` in `role`, with no password, and sends them a link
    to choose one (Django's password reset, valid PASSWORD_RESET_TIMEOUT). Their login name is
    their email address. The email leaves once the account is committed.

    Raises ValidationError, with nothing written or sent, for an unknown role or an address
    that already has an account (whatever its case)."""
    email = (email or "").strip()
    errors = {}
    if role not in ROLE_PERMISSIONS:
        errors["role"] = _("Choose one of the roles: %(roles)s.") % {
            "roles": ", ".join(ROLE_PERMISSIONS)
        }
    User = get_user_model()
    taken = User.objects.filter(email__iexact=email) | User.objects.filter(username__iexact=email)
    if email and (existing := taken.first()):
        errors["email"] = _(
            "%(email)s already has an account (%(username)s): give it a role on its page instead."
        ) % {"email": email, "username": existing.get_username()}
    if errors:
        raise ValidationError(errors)
    person = User(
        username=email.lower(),
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        is_staff=True,
    )
    person.set_unusable_password()
    person.full_clean()
    person.save()
    person.groups.add(Group.objects.get(name=role))
    transaction.on_commit(lambda: invitation_message(person, invited_by=invited_by).send())
    return person
