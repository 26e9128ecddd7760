"""Reads that span several tables, shared by the API, the dashboard and the admin.

Each function runs a fixed number of queries, whatever the amount of data.

One module per concept, in layers (none imports one listed after it): raw_sql (values read by
raw SQL), commitments (a page's related rows), summary (counts by status, as of a day, changes,
timeline), matrix (each commitment's state at each interval's end), facets (the summary's counts
per group), contributions (the matrix), briefing_pack (the briefing pack's read), cache (the
data version and the cache keyed by it), history (a commitment's edits), review (the review
queue), reminders. This package names every public name of them, so that `from
commitments.selectors import data_version` works wherever it did.
"""

from commitments.selectors.briefing_pack import (
    BRIEFING_ASSESSMENT_COLUMNS as BRIEFING_ASSESSMENT_COLUMNS,
)
from commitments.selectors.briefing_pack import BRIEFING_COLUMNS as BRIEFING_COLUMNS
from commitments.selectors.briefing_pack import BRIEFING_UPDATE_COLUMNS as BRIEFING_UPDATE_COLUMNS
from commitments.selectors.briefing_pack import Briefing as Briefing
from commitments.selectors.briefing_pack import BriefingPillar as BriefingPillar
from commitments.selectors.briefing_pack import HeadlineFigure as HeadlineFigure
from commitments.selectors.briefing_pack import briefing as briefing
from commitments.selectors.briefing_pack import headline_figures as headline_figures
from commitments.selectors.cache import cached as cached
from commitments.selectors.cache import (
    data_and_review_queue_version as data_and_review_queue_version,
)
from commitments.selectors.cache import data_version as data_version
from commitments.selectors.cache import review_queue_version as review_queue_version
from commitments.selectors.commitments import attach_related as attach_related
from commitments.selectors.contributions import FUNNEL_STAGES as FUNNEL_STAGES
from commitments.selectors.contributions import KIND_ORDER as KIND_ORDER
from commitments.selectors.contributions import ContributionMatrix as ContributionMatrix
from commitments.selectors.contributions import ContributionTotals as ContributionTotals
from commitments.selectors.contributions import contribution_matrix as contribution_matrix
from commitments.selectors.facets import GROUP_BY as GROUP_BY
from commitments.selectors.facets import GroupCounts as GroupCounts
from commitments.selectors.facets import counts_by_group as counts_by_group
from commitments.selectors.history import HISTORY_CHANGE_TYPES as HISTORY_CHANGE_TYPES
from commitments.selectors.history import PEOPLE as PEOPLE
from commitments.selectors.history import RELATED_BY_NAME as RELATED_BY_NAME
from commitments.selectors.history import HistoricalChange as HistoricalChange
from commitments.selectors.history import changes_of as changes_of
from commitments.selectors.matrix import MatrixRow as MatrixRow
from commitments.selectors.matrix import StatusMatrix as StatusMatrix
from commitments.selectors.matrix import status_matrix as status_matrix
from commitments.selectors.reminders import REMINDER_HORIZON_DAYS as REMINDER_HORIZON_DAYS
from commitments.selectors.reminders import DueCommitment as DueCommitment
from commitments.selectors.reminders import Reminder as Reminder
from commitments.selectors.reminders import reminders_due as reminders_due
from commitments.selectors.review import CurrentStatus as CurrentStatus
from commitments.selectors.review import current_status_after as current_status_after
from commitments.selectors.review import review_queue as review_queue
from commitments.selectors.summary import INTERVAL_MONTHS as INTERVAL_MONTHS
from commitments.selectors.summary import INTERVALS as INTERVALS
from commitments.selectors.summary import Changes as Changes
from commitments.selectors.summary import CommitmentChange as CommitmentChange
from commitments.selectors.summary import CommitmentState as CommitmentState
from commitments.selectors.summary import RoadmapSummary as RoadmapSummary
from commitments.selectors.summary import StatusCounts as StatusCounts
from commitments.selectors.summary import TimelinePoint as TimelinePoint
from commitments.selectors.summary import changes_between as changes_between
from commitments.selectors.summary import interval_count as interval_count
from commitments.selectors.summary import interval_ends as interval_ends
from commitments.selectors.summary import interval_start as interval_start
from commitments.selectors.summary import roadmap_summary as roadmap_summary
from commitments.selectors.summary import roadmap_timeline as roadmap_timeline
from commitments.selectors.summary import states_on as states_on
from commitments.selectors.summary import status_counts_on as status_counts_on
