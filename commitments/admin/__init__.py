"""The analysts' admin: where commitments and their indicators are maintained, and status
updates and indicator values recorded. Django's autodiscover imports this package; importing
its modules registers their ModelAdmins."""

from commitments.admin import commitments  # noqa: F401
