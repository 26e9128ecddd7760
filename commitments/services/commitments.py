"""Writing a commitment: creating one, saving an editor's edits (its version, tags and
partners' roles), and its search vector, which every write of its current status sets too.
Its current status is derived from its standing assessments (refresh_current_status, which
the recording and the review of status updates call, and status_imports in bulk): its public
ones, which public corrections alone replace (public_standing). The stored current status is
the public's; a reader cleared beyond it reads theirs computed (CommitmentQuerySet.seen_by).
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.integrity import unique_violations_refused
from commitments.models import (
    Commitment,
    CommitmentPartner,
    EventType,
    Partner,
    PartnerRole,
    Releasability,
    Status,
    StatusUpdate,
    search_vector,
)
from commitments.services.events import record_change

# What a commitment is quotes its source: set when it is created, never edited after (only the
# Roadmap's data file, loaded with --sync, may correct them).
COMMITMENT_SOURCE_FIELDS = ["text", "source_document", "paragraph", "pillar"]
# What Editors maintain. The current-status fields are derived from the status history and are
# never written here.
COMMITMENT_EDITABLE_FIELDS = ["title", "parent", "owner", "target_date", "update_cadence_days"]


class StaleVersion(Exception):
    """The commitment was changed by someone else since the editor read it."""

    def __init__(self, current_version):
        super().__init__(
            _("The commitment is at version %(version)s now.") % {"version": current_version}
        )
        self.current_version = current_version


def _searched_by(summary, **values):
    """The search vector to write with the commitment's other columns, in the same statement
    (PostgreSQL's data-version trigger fires per statement: a statement of its own would move
    the version without anything readers see changing). Nothing on other databases, whose
    search reads the columns (CommitmentQuerySet.search)."""
    if connection.vendor != "postgresql":
        return {}
    return {"search_vector": search_vector(summary, **values)}


def public_standing(commitment):
    """The standing public updates of `commitment` (a commitment, an id or an OuterRef), newest
    first: what its stored current status and search summary are read from. A correction the
    public may not read replaces nothing here (RecordQuerySet.readable_by); the database's
    guard says the same (migration 0041)."""
    return StatusUpdate.objects.readable_by(Releasability.PUBLIC).newest_standing(commitment)


def moves_current_status(update):
    """Whether `update`, once it counts, may move its commitment's stored current status: a
    public one. A narrower one leaves it (and so the public's data version) as it was."""
    return update.releasability == Releasability.PUBLIC


def refresh_current_status(commitment):
    """Sets a commitment's current status from its newest standing public update (none: not
    assessed), in the database and on `commitment`, with when that update was recorded and
    approved. The caller holds the commitment's lock."""
    newest = public_standing(commitment.pk).select_related("review").first()
    current = {
        "current_status": newest.status if newest else Status.NOT_ASSESSED,
        "current_progress": newest.progress if newest else None,
        "current_as_of": newest.as_of if newest else None,
        "last_recorded_at": newest.created_at if newest else None,
        "last_approved_at": newest.review.decided_at if newest else None,
    }
    summary = Value(newest.summary if newest else "")
    Commitment.objects.filter(pk=commitment.pk).update(**current, **_searched_by(summary))
    for field, value in current.items():
        setattr(commitment, field, value)


def _current_summary():
    """The summary of the update that gives the commitment of the outer query its current
    status (a public one)."""
    return Subquery(public_standing(OuterRef("pk")).values("summary")[:1])


@unique_violations_refused()
@transaction.atomic
def save_commitment(
    commitment: Commitment,
    *,
    expected_version: int | None = None,
    fields=COMMITMENT_EDITABLE_FIELDS,
    themes=None,
    places=None,
    partners=None,
    lead_partners=None,
    validated=False,
    created_at=None,
) -> Commitment:
    """Creates a commitment, or saves the edits made to one and moves its version on by one.
    A new one is created now, or at `created_at`: when it came to stand (load_roadmap gives
    the day its document adopted it).

    With `expected_version`, the edit is refused with StaleVersion when someone else saved the
    commitment since the editor read that version: no edit silently overwrites another.
    Only `fields` are written (by default the editable ones; an API edit names just those it
    changes), so an edit never overwrites the current status that a status update recorded in
    the meantime, nor a field someone else changed. Themes, places and partners are replaced when
    given; a partner that stays keeps its role. `lead_partners`, when given, are the partners
    that lead (each must be among the partners, given or current), and every other one
    supports. The save is one entry in the commitment's history, whatever it changed.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid;
    `validated=True` skips the check for a caller that has just run it. A code that someone else
    took between the check and the write is refused the same way (integrity.UniqueViolation).
    """
    if not validated:
        # An owner is chosen among active staff; one who has left since stays the owner of
        # record until an editor chooses another, and does not block edits of other fields.
        keeps_owner = not commitment._state.adding and "owner" not in fields
        commitment.full_clean(
            exclude=["themes", "places", "partners", *(["owner"] if keeps_owner else [])]
        )
    roles = None
    if partners is not None or lead_partners is not None:
        roles = _partner_roles(commitment, partners, lead_partners)
    adding = commitment._state.adding
    # One entry in the commitment's history for the whole save, its tags included: left to
    # itself, simple_history writes one for the row and one more for each tag field set.
    commitment.skip_history_when_saving = True
    try:
        _save_commitment_rows(
            commitment, expected_version, fields, themes, places, roles, created_at
        )
    finally:
        del commitment.skip_history_when_saving
    record_change(
        EventType.COMMITMENT_CREATED if adding else EventType.COMMITMENT_CHANGED, commitment
    )
    post_save.send(
        sender=Commitment, instance=commitment, created=adding, using=commitment._state.db
    )
    return commitment


def _pk(row):
    return row if isinstance(row, int) else row.pk


def _partner_roles(commitment, partners, lead_partners):
    """The commitment's partners after the save, {partner id: role}, with `_current` (what
    they are now) kept on the side. Raises ValidationError when a lead is not a partner."""
    current = {}
    if not commitment._state.adding:
        current = dict(
            CommitmentPartner.objects.filter(commitment=commitment).values_list(
                "partner_id", "role"
            )
        )
    ids = set(current) if partners is None else {_pk(partner) for partner in partners}
    if lead_partners is None:
        leads = {pk for pk, role in current.items() if role == PartnerRole.LEAD} & ids
    else:
        leads = {_pk(partner) for partner in lead_partners}
    if strays := leads - ids:
        slugs = sorted(Partner.objects.filter(pk__in=strays).values_list("slug", flat=True))
        raise ValidationError(
            {
                "lead_partners": _(
                    "A lead partner must be one of the commitment's partners: %(partners)s is not."
                )
                % {"partners": ", ".join(slugs)}
            }
        )
    roles = {pk: PartnerRole.LEAD if pk in leads else PartnerRole.SUPPORT for pk in ids}
    return roles, current


def _set_partners(commitment, roles, current):
    """Writes only what changes: links removed, roles changed, links added."""
    links = CommitmentPartner.objects.filter(commitment=commitment)
    if gone := set(current) - set(roles):
        links.filter(partner_id__in=gone).delete()
    changed = {pk: role for pk, role in roles.items() if pk in current and current[pk] != role}
    for role in set(changed.values()):
        links.filter(partner_id__in=[pk for pk in changed if changed[pk] == role]).update(role=role)
    CommitmentPartner.objects.bulk_create(
        CommitmentPartner(commitment=commitment, partner_id=pk, role=role)
        for pk, role in roles.items()
        if pk not in current
    )


# What a commitment's search vector is made of, besides the current summary.
_SEARCHED_FIELDS = {"code", "title", "text"}


def _save_commitment_rows(
    commitment, expected_version, fields, themes, places, roles, created_at=None
):
    now = timezone.now()
    if commitment._state.adding:
        commitment.created_at, commitment.updated_at = created_at or now, now
        # A new commitment has no status update, so no summary yet.
        searched = _searched_by(
            Value(""), **{name: Value(getattr(commitment, name)) for name in _SEARCHED_FIELDS}
        )
        _save_with(commitment, searched, force_insert=True)
    else:
        # The row lock makes concurrent edits of one commitment take turns, so exactly one of
        # two editors holding the same version wins.
        current = Commitment.objects.select_for_update().values_list("version", flat=True)
        current_version = current.get(pk=commitment.pk)
        if expected_version is not None and expected_version != current_version:
            raise StaleVersion(current_version)
        commitment.version = current_version + 1
        commitment.updated_at = now
        searched = {}
        if changed := _SEARCHED_FIELDS & set(fields):
            # An UPDATE's expressions read the row as it was: what it changes goes in as values.
            new = {name: Value(getattr(commitment, name)) for name in changed}
            searched = _searched_by(_current_summary(), **new)
        _save_with(
            commitment, searched, update_fields=[*fields, "updated_at", "version", *searched]
        )
    for name, values in [("themes", themes), ("places", places)]:
        if values is not None:
            getattr(commitment, name).set(values)
    if roles is not None:
        _set_partners(commitment, *roles)


def _save_with(commitment, expressions, **save):
    """Saves the commitment with these fields set to expressions that the database computes.
    Their values are the database's afterwards: the fields are left deferred, read again if
    ever asked for, rather than holding an expression that a later save would run again."""
    for name, expression in expressions.items():
        setattr(commitment, name, expression)
    commitment.save(**save)
    for name in expressions:
        delattr(commitment, name)
