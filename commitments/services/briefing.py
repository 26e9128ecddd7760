"""Writing the briefing pack's key messages: a message of a pillar for the pack of a date,
pending review as a status update is. The decision on one is review's; the pack that prints
the approved ones is selectors.briefing's.
"""

from django.db import transaction

from commitments.models import BriefingMessage, Pillar
from commitments.services.review import lock_subject, submit


@transaction.atomic
def record_briefing_message(
    *, pillar: Pillar, author, as_of, text, corrects=None
) -> BriefingMessage:
    """Appends a key message of `pillar` to the briefing pack of `as_of`, pending review; with
    REVIEW_REQUIRED off it is approved on submission, and printed at once. A correction
    (`corrects`, a standing or returned message of the same pillar and pack) rewrites it: once
    approved, it is printed in its place.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid:
    also when another correction of the same message was recorded a moment earlier."""
    message = BriefingMessage(
        pillar=pillar, author=author, as_of=as_of, text=text, corrects=corrects
    )
    # Of two corrections of one message recorded at the same moment, the second sees the first
    # in clean() and is refused.
    lock_subject(message)
    return submit(message)
