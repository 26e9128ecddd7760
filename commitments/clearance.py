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


def default_releasability(model):
    """The marking a record of `model` gets when its author names none (RELEASABILITY_DEFAULTS,
    by model name)."""
    return Releasability(settings.RELEASABILITY_DEFAULTS[model._meta.model_name])
