"""Writing indicators: saving one, and recording an observation of its value. The decision on
a value is review's, as on a status update; reading them (latest value, progress) is
IndicatorQuerySet's (models).
"""

from django.db import transaction

from commitments.clearance import default_releasability
from commitments.integrity import unique_violations_refused
from commitments.models import EventType, Indicator, IndicatorValue
from commitments.services.events import record_change
from commitments.services.review import lock_subject, submit


@unique_violations_refused()
@transaction.atomic
def save_indicator(indicator: Indicator) -> Indicator:
    """Creates an indicator, or saves the changes an editor made to one. Its values and its
    progress are not its own fields: they are recorded and computed elsewhere.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid
    (also for a slug someone else took between the check and the write)."""
    indicator.full_clean()
    adding = indicator._state.adding
    indicator.save()
    record_change(EventType.INDICATOR_CREATED if adding else EventType.INDICATOR_CHANGED, indicator)
    return indicator


@transaction.atomic
def record_indicator_value(
    *, indicator: Indicator, author, evidence=(), **fields
) -> IndicatorValue:
    """Appends an observation of an indicator, pending review as a status update is; with
    REVIEW_REQUIRED off it is approved on submission, and counts at once. `fields` are the
    value's own: value, as_of or period_end (and period_start), and optionally qualifier
    (exactly, if not given), confidence, corrects and
    releasability (RELEASABILITY_DEFAULT_INDICATORVALUE if not given; no narrower than the
    author's clearance, Record.clean_marking); it cites `evidence` (pieces or their ids, in
    order) as a status update does. A
    correction (a standing value of the same indicator) replaces it once approved; one of a
    returned value answers it. As for a status update, a value has one live correction at
    most (pending or approved): once that one is returned, the value may be corrected again.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid:
    also when another correction of the same value was recorded a moment earlier."""
    fields["qualifier"] = fields.get("qualifier") or IndicatorValue.Qualifier.EXACTLY
    fields["releasability"] = fields.get("releasability") or default_releasability(IndicatorValue)
    observation = IndicatorValue(indicator=indicator, author=author, **fields)
    # Of two corrections of one value recorded at the same moment, the second sees the first
    # in clean() and is refused.
    lock_subject(observation)
    return submit(observation, evidence)
