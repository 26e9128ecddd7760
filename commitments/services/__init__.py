"""The writes, moved here whole on the way to one module per concept."""

from commitments.services.status_imports import (
    COMMITMENT_EDITABLE_FIELDS as COMMITMENT_EDITABLE_FIELDS,
)
from commitments.services.status_imports import COMMITMENT_SOURCE_FIELDS as COMMITMENT_SOURCE_FIELDS
from commitments.services.status_imports import WRITE_CHUNK as WRITE_CHUNK
from commitments.services.status_imports import AlreadyDecided as AlreadyDecided
from commitments.services.status_imports import AlreadyImported as AlreadyImported
from commitments.services.status_imports import ImportResult as ImportResult
from commitments.services.status_imports import OwnUpdate as OwnUpdate
from commitments.services.status_imports import OwnValue as OwnValue
from commitments.services.status_imports import RemindersInterrupted as RemindersInterrupted
from commitments.services.status_imports import ReviewRefused as ReviewRefused
from commitments.services.status_imports import StaleVersion as StaleVersion
from commitments.services.status_imports import ValueAlreadyDecided as ValueAlreadyDecided
from commitments.services.status_imports import approve_or_return as approve_or_return
from commitments.services.status_imports import (
    approve_or_return_indicator_value as approve_or_return_indicator_value,
)
from commitments.services.status_imports import import_confirmed as import_confirmed
from commitments.services.status_imports import import_status_updates as import_status_updates
from commitments.services.status_imports import record_contribution as record_contribution
from commitments.services.status_imports import record_indicator_value as record_indicator_value
from commitments.services.status_imports import record_status_update as record_status_update
from commitments.services.status_imports import save_commitment as save_commitment
from commitments.services.status_imports import save_indicator as save_indicator
from commitments.services.status_imports import send_reminders as send_reminders
