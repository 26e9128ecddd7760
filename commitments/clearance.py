"""A reader's clearance: the narrowest releasability they may read (models.Releasability).

Anonymous readers, and signed-in users of no clearance group, read what is public. Members of the
Coalition group read what is released to the coalition too; members of the Secretariat group, and
superusers, read everything. A token reads with its user's clearance. The groups hold the
permissions commitments.read_coalition and commitments.read_secretariat (roles.py), so that a
clearance is granted and revoked in the admin as any other right is.

Every read of records goes through RecordQuerySet.readable_by(clearance): what a reader is shown
of a commitment (its current status, its history, its counts) is computed from those records only.
"""

from django.conf import settings
from django.utils.translation import gettext

from commitments.models.vocabulary import Releasability


def clearance_of(user):
    """The clearance of `user` (None or anonymous: public)."""
    if not (user and user.is_authenticated):
        return Releasability.PUBLIC
    if user.has_perm("commitments.read_secretariat"):
        return Releasability.SECRETARIAT
    if user.has_perm("commitments.read_coalition"):
        return Releasability.COALITION
    return Releasability.PUBLIC


def may_mark(user, releasability):
    """Whether `user` may mark a record `releasability`: a marking no narrower than their own
    clearance, so that nobody writes what they could not read back."""
    return Releasability(releasability).rank <= clearance_of(user).rank


def markings_for(user):
    """The markings `user` may give, widest first (may_mark)."""
    return clearance_of(user).readable()


def marking_refusal(user, releasability):
    """Why `user` may not mark a record `releasability`, in words they can act on; None when
    they may (or when it is no marking at all: the field's own choices refuse that)."""
    if releasability not in Releasability.values or may_mark(user, releasability):
        return None
    # Imported here: roles reads the auth models, and the models read this module.
    from commitments.roles import CLEARANCE_PERMISSIONS

    groups = [
        name
        for name, codenames in CLEARANCE_PERMISSIONS.items()
        if f"read_{releasability}" in codenames
    ]
    return gettext(
        "You may mark it %(markings)s: your clearance is %(clearance)s. Marking it %(marking)s "
        "takes membership of the %(groups)s group."
    ) % {
        "markings": gettext(" or ").join(markings_for(user)),
        "clearance": clearance_of(user),
        "marking": releasability,
        "groups": gettext(" or ").join(groups),
    }


def default_releasability(model):
    """The marking a record of `model` gets when its author names none (RELEASABILITY_DEFAULTS,
    by model name)."""
    return Releasability(settings.RELEASABILITY_DEFAULTS[model._meta.model_name])
