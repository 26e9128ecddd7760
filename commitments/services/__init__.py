"""Every write of the domain, one function per business action.

The admin, the API, the importers and the tests all call these, so validation and the
derived current status cannot differ between them.

One module per concept, in layers (none imports one listed after it): events (what each write
tells the events stream, in its transaction, with the API's representation of what it wrote,
which the API registers at start-up), evidence (recording a piece of graded evidence, and a
record's citations of it), commitments (saving one,
its search vector, its current status derived from its standing updates), dependencies
(between commitments, and the slip alerts an approval may send), review (the decision
on a status update, an indicator value or a key message), claims (a reviewer taking a pending
one), assessments (recording a status update), indicators
(an indicator, recording its values),
contributions, briefing (the briefing pack's key messages), releases (a record released to a
wider audience, and what approving that does), status_imports (CSV imports of status updates), reminders (sending them). This
package names every public name of them, so that `from commitments.services import
save_commitment` works wherever it did.
"""

from commitments.services.assessments import record_status_update as record_status_update
from commitments.services.briefing import record_briefing_message as record_briefing_message
from commitments.services.claims import NotTaken as NotTaken
from commitments.services.claims import TakenByAnother as TakenByAnother
from commitments.services.claims import claim as claim
from commitments.services.claims import release as release
from commitments.services.commitments import (
    COMMITMENT_EDITABLE_FIELDS as COMMITMENT_EDITABLE_FIELDS,
)
from commitments.services.commitments import COMMITMENT_SOURCE_FIELDS as COMMITMENT_SOURCE_FIELDS
from commitments.services.commitments import StaleVersion as StaleVersion
from commitments.services.commitments import save_commitment as save_commitment
from commitments.services.contributions import record_contribution as record_contribution
from commitments.services.dependencies import add_dependency as add_dependency
from commitments.services.dependencies import remove_dependency as remove_dependency
from commitments.services.dependencies import send_slip_alerts as send_slip_alerts
from commitments.services.events import record_event as record_event
from commitments.services.evidence import record_evidence as record_evidence
from commitments.services.indicators import record_indicator_value as record_indicator_value
from commitments.services.indicators import save_indicator as save_indicator
from commitments.services.releases import NotCleared as NotCleared
from commitments.services.releases import may_release as may_release
from commitments.services.releases import propose_release as propose_release
from commitments.services.reminders import RemindersInterrupted as RemindersInterrupted
from commitments.services.reminders import send_reminders as send_reminders
from commitments.services.review import (
    EVIDENCE_BELOW_THRESHOLD as EVIDENCE_BELOW_THRESHOLD,
)
from commitments.services.review import AlreadyDecided as AlreadyDecided
from commitments.services.review import NotYours as NotYours
from commitments.services.review import OwnRecord as OwnRecord
from commitments.services.review import ReviewRefused as ReviewRefused
from commitments.services.review import approve_or_return as approve_or_return
from commitments.services.review import return_for_evidence as return_for_evidence
from commitments.services.review import withdraw as withdraw
from commitments.services.status_imports import WRITE_CHUNK as WRITE_CHUNK
from commitments.services.status_imports import AlreadyImported as AlreadyImported
from commitments.services.status_imports import ImportResult as ImportResult
from commitments.services.status_imports import import_confirmed as import_confirmed
from commitments.services.status_imports import import_status_updates as import_status_updates
