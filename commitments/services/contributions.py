"""Recording a contribution, or a correction of one: public at once, with no review. Adding
them up is selectors.contributions'.
"""

from django.db import transaction
from django.utils import timezone

from commitments.clearance import default_releasability
from commitments.integrity import unique_violations_refused
from commitments.models import Commitment, Contribution, EventType, Partner
from commitments.services.events import record_change
from commitments.services.evidence import cite, cited_evidence


@unique_violations_refused()
@transaction.atomic
def record_contribution(
    *,
    partner: Partner,
    commitment: Commitment,
    author,
    kind: str,
    date,
    amount=None,
    currency: str = "",
    count: int | None = None,
    unit: str = "",
    note: str = "",
    corrects: Contribution | None = None,
    releasability: str | None = None,
    evidence=(),
) -> Contribution:
    """Appends a contribution: public at once, with no review. A correction (`corrects`)
    replaces the contribution it names in every total, wherever it says it was made (another
    partner, commitment or kind included); a contribution is corrected once, and a correction
    may be corrected in turn. Marked `releasability`, RELEASABILITY_DEFAULT_CONTRIBUTION when
    not given; no narrower than the author's clearance (Record.clean_marking). It cites
    `evidence` (pieces or their ids, in order), each one its author may read.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid:
    also when another correction of the same contribution is recorded at the same moment (the
    database's unique constraint decides, integrity.UniqueViolation)."""
    contribution = Contribution(
        partner=partner,
        commitment=commitment,
        author=author,
        kind=kind,
        date=date,
        amount=amount,
        # Codes are upper case; "usd" is USD.
        currency=(currency or "").strip().upper(),
        count=count,
        unit=(unit or "").strip(),
        note=(note or "").strip(),
        corrects=corrects,
        releasability=releasability or default_releasability(Contribution),
        created_at=timezone.now(),
    )
    cited = cited_evidence(contribution, evidence)
    contribution.full_clean()
    contribution.save(force_insert=True)
    cite(contribution, cited)
    record_change(
        EventType.CONTRIBUTION_CORRECTED if corrects else EventType.CONTRIBUTION_RECORDED,
        contribution,
    )
    return contribution
