"""Recording a piece of graded evidence, and a record's citations of evidence, written with the
record when it is submitted (never after: the database refuses a citation past the number the
record was submitted with)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.clearance import clearance_of, default_releasability, may_mark
from commitments.models import Evidence


@transaction.atomic
def record_evidence(*, author, releasability=None, **fields) -> Evidence:
    """Appends a piece of evidence: source, url and/or reference, date, summary, reliability
    and credibility (`fields`), released as `releasability` (RELEASABILITY_DEFAULT_EVIDENCE
    when None), which its author's clearance must reach.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid."""
    releasability = releasability or default_releasability(Evidence)
    if not may_mark(author, releasability):
        raise ValidationError(
            {
                "releasability": _(
                    "Your clearance does not reach %(marking)s: mark it %(clearance)s or wider."
                )
                % {"marking": releasability, "clearance": clearance_of(author).label.lower()}
            }
        )
    evidence = Evidence(author=author, releasability=releasability, created_at=timezone.now())
    for name, value in fields.items():
        setattr(evidence, name, value.strip() if isinstance(value, str) else value)
    evidence.full_clean()
    evidence.save(force_insert=True)
    return evidence


def cited_evidence(record, evidence):
    """The pieces of `evidence` (Evidence instances or ids) that `record`'s author may cite:
    each once, each one their clearance reads, in the order given. Sets the record's
    evidence_cited, before it is saved.

    Raises ValidationError naming the first id that does not exist or that they may not read."""
    ids = list(dict.fromkeys(getattr(piece, "pk", piece) for piece in evidence or ()))
    record.evidence_cited = len(ids)
    if not ids:
        return []
    readable = Evidence.objects.readable_by(clearance_of(record.author)).in_bulk(ids)
    for pk in ids:
        if pk not in readable:
            raise ValidationError(
                {
                    "evidence": _("There is no evidence #%(pk)s that you may cite: check its id.")
                    % {"pk": pk}
                }
            )
    return [readable[pk] for pk in ids]


def cite(record, evidence):
    """Writes `record`'s citations of `evidence` (cited_evidence's answer), in order, once the
    record is saved."""
    if not evidence:
        return
    citation = type(record)._meta.get_field("evidence").remote_field.through
    citation.objects.bulk_create(
        citation(**{citation.record_field: record}, evidence=piece, position=position)
        for position, piece in enumerate(evidence)
    )
