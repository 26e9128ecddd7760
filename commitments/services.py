"""Every write of the domain, one function per business action.

The admin, the API, the importers and the tests all call these, so validation and the
derived current status cannot differ between them.
"""

from django.db import transaction
from django.utils import timezone

from commitments.models import Commitment, StatusUpdate

# What a commitment is quotes its source: set when it is created, never edited after (only the
# Roadmap's data file, loaded with --sync, may correct them).
COMMITMENT_SOURCE_FIELDS = ["text", "source_document", "paragraph", "pillar"]
# What Editors maintain. The current-status fields are derived from the status history and are
# never written here.
COMMITMENT_EDITABLE_FIELDS = ["title", "parent", "target_date", "update_cadence_days"]


class StaleVersion(Exception):
    """The commitment was changed by someone else since the editor read it."""

    def __init__(self, current_version):
        super().__init__(f"The commitment is at version {current_version} now.")
        self.current_version = current_version


@transaction.atomic
def record_status_update(
    *,
    commitment: Commitment,
    author,
    status: str,
    as_of,
    summary: str,
    progress: int | None = None,
    evidence_url: str = "",
    evidence_source: str = "",
    confidence: str = "",
    corrects: StatusUpdate | None = None,
) -> StatusUpdate:
    """Appends a status update to a commitment's history and, when it is the newest assessment
    (latest `as_of`, ties going to the latest recorded), makes it the commitment's current status.

    Raises django.core.exceptions.ValidationError, with nothing written, when the update is invalid.
    """
    # Lock the commitment (only it: not the document joined for validation) so that
    # concurrent updates of it are applied one after another and the current status always
    # ends up derived from the whole history.
    locked = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("source_document")
        .get(pk=commitment.pk)
    )
    update = StatusUpdate(
        commitment=locked,
        author=author,
        status=status,
        as_of=as_of,
        summary=(summary or "").strip(),
        progress=progress,
        evidence_url=evidence_url,
        evidence_source=evidence_source,
        confidence=confidence,
        corrects=corrects,
        created_at=timezone.now(),
    )
    update.full_clean()
    update.save()

    current = {"last_update_at": update.created_at}
    if locked.current_as_of is None or update.as_of >= locked.current_as_of:
        current |= {
            "current_status": update.status,
            "current_progress": update.progress,
            "current_as_of": update.as_of,
        }
    Commitment.objects.filter(pk=locked.pk).update(**current)
    for field, value in current.items():
        setattr(commitment, field, value)
    return update


@transaction.atomic
def save_commitment(
    commitment: Commitment,
    *,
    expected_version: int | None = None,
    fields=COMMITMENT_EDITABLE_FIELDS,
    themes=None,
    places=None,
    partners=None,
    validated=False,
) -> Commitment:
    """Creates a commitment, or saves the edits made to one and moves its version on by one.

    With `expected_version`, the edit is refused with StaleVersion when someone else saved the
    commitment since the editor read that version: no edit silently overwrites another.
    Only `fields` are written (by default the editable ones; an API edit names just those it
    changes), so an edit never overwrites the current status that a status update recorded in
    the meantime, nor a field someone else changed. Themes, places and partners are replaced when
    given; the admin saves them itself (save_related) after this.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid;
    `validated=True` skips the check for a caller that has just run it.
    """
    if not validated:
        commitment.full_clean(exclude=["themes", "places", "partners"])
    now = timezone.now()
    if commitment._state.adding:
        commitment.created_at = commitment.updated_at = now
        commitment.save(force_insert=True)
    else:
        # The row lock makes concurrent edits of one commitment take turns, so exactly one of
        # two editors holding the same version wins.
        current = Commitment.objects.select_for_update().values_list("version", flat=True)
        current_version = current.get(pk=commitment.pk)
        if expected_version is not None and expected_version != current_version:
            raise StaleVersion(current_version)
        commitment.version = current_version + 1
        commitment.updated_at = now
        commitment.save(update_fields=[*fields, "updated_at", "version"])
    for name, values in [("themes", themes), ("places", places), ("partners", partners)]:
        if values is not None:
            getattr(commitment, name).set(values)
    return commitment
