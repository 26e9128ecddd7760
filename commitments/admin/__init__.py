"""The analysts' admin: where commitments and their indicators are maintained, and status
updates and indicator values recorded. One module a concept, in layers (each imports only
from those above it in this list):

- citations: the evidence a record cites, chosen in its add form and listed, graded, on its page
  and in its review, as far as the reader's clearance goes;
- base: what the others share (people, badges, links, RecordAdmin, HistoryAdmin,
  RefusesDuplicates);
- reviews: review as status updates, indicator values and key messages share it (their review queue's
  ReviewQueueMixin included), and the decisions' list;
- reference: source documents, pillars, themes, places, partners;
- commitments: commitments, their form and their page's inlines;
- imports: the status updates' CSV import page (a dry run, then a signed confirmation);
- assessments: status updates, their corrections and what their review queue shows;
- indicators: indicators, their values and what the values' review queue shows;
- evidence: graded evidence, recorded and listed with its grades;
- contributions: partners' contributions and their matrix;
- briefing: the briefing pack's key messages, and the decision on each;
- access: API tokens and login attempts;
- people: the user list with roles, and inviting a person;
- webhooks: webhook endpoints, their test events and their delivery log.

Django's autodiscover imports this package, which imports every module so that each
registers its ModelAdmins, and re-exports every public name the single admin.py had, so
`from commitments.admin import CommitmentAdmin` works as it did."""

from commitments.admin import imports as imports
from commitments.admin.access import AccessAttemptAdmin as AccessAttemptAdmin
from commitments.admin.access import ApiTokenAdmin as ApiTokenAdmin
from commitments.admin.access import OwnTokenForm as OwnTokenForm
from commitments.admin.assessments import CORRECTION_STARTS_FROM as CORRECTION_STARTS_FROM
from commitments.admin.assessments import REVIEW_FIELDS as REVIEW_FIELDS
from commitments.admin.assessments import StatusUpdateAdmin as StatusUpdateAdmin
from commitments.admin.assessments import StatusUpdateForm as StatusUpdateForm
from commitments.admin.assessments import update_choice_label as update_choice_label
from commitments.admin.base import URL_FIELDS_ASSUME_HTTPS as URL_FIELDS_ASSUME_HTTPS
from commitments.admin.base import BoundedSearch as BoundedSearch
from commitments.admin.base import HistoryAdmin as HistoryAdmin
from commitments.admin.base import ReadableChanges as ReadableChanges
from commitments.admin.base import RefusesDuplicates as RefusesDuplicates
from commitments.admin.base import add_form_link as add_form_link
from commitments.admin.base import correct_link as correct_link
from commitments.admin.base import correction_note as correction_note
from commitments.admin.base import indicator_latest as indicator_latest
from commitments.admin.base import indicator_progress as indicator_progress
from commitments.admin.base import person as person
from commitments.admin.base import person_name as person_name
from commitments.admin.base import status_badge as status_badge
from commitments.admin.base import with_role as with_role
from commitments.admin.briefing import BriefingMessageAdmin as BriefingMessageAdmin
from commitments.admin.briefing import MessageDecisionForm as MessageDecisionForm
from commitments.admin.citations import evidence_list as evidence_list
from commitments.admin.commitments import FIXED_ONCE_SAVED as FIXED_ONCE_SAVED
from commitments.admin.commitments import INHERITED_FROM_PARENT as INHERITED_FROM_PARENT
from commitments.admin.commitments import STALE_EDIT as STALE_EDIT
from commitments.admin.commitments import CommitmentAdmin as CommitmentAdmin
from commitments.admin.commitments import CommitmentForm as CommitmentForm
from commitments.admin.commitments import IndicatorInline as IndicatorInline
from commitments.admin.commitments import OwnerListFilter as OwnerListFilter
from commitments.admin.commitments import PartnerInline as PartnerInline
from commitments.admin.commitments import StaleListFilter as StaleListFilter
from commitments.admin.commitments import StatusHistoryInline as StatusHistoryInline
from commitments.admin.contributions import CONTRIBUTION_FIELDS as CONTRIBUTION_FIELDS
from commitments.admin.contributions import ContributionAdmin as ContributionAdmin
from commitments.admin.contributions import ContributionMatrixFilters as ContributionMatrixFilters
from commitments.admin.evidence import EvidenceAdmin as EvidenceAdmin
from commitments.admin.indicators import INDICATOR_VALUE_FIELDS as INDICATOR_VALUE_FIELDS
from commitments.admin.indicators import IndicatorAdmin as IndicatorAdmin
from commitments.admin.indicators import IndicatorValueAdmin as IndicatorValueAdmin
from commitments.admin.people import PersonAdmin as PersonAdmin
from commitments.admin.reference import CommitmentCountAdmin as CommitmentCountAdmin
from commitments.admin.reference import PartnerAdmin as PartnerAdmin
from commitments.admin.reference import PillarAdmin as PillarAdmin
from commitments.admin.reference import PlaceAdmin as PlaceAdmin
from commitments.admin.reference import SourceDocumentAdmin as SourceDocumentAdmin
from commitments.admin.reference import ThemeAdmin as ThemeAdmin
from commitments.admin.releases import ReleaseAdmin as ReleaseAdmin
from commitments.admin.releases import ReleasedOnPage as ReleasedOnPage
from commitments.admin.reviews import QUEUE_LENGTH as QUEUE_LENGTH
from commitments.admin.reviews import REVIEW_COLOURS as REVIEW_COLOURS
from commitments.admin.reviews import AuthorListFilter as AuthorListFilter
from commitments.admin.reviews import ReviewAdmin as ReviewAdmin
from commitments.admin.reviews import ReviewDecisionForm as ReviewDecisionForm
from commitments.admin.reviews import ReviewStateListFilter as ReviewStateListFilter
from commitments.admin.reviews import may_review as may_review
from commitments.admin.reviews import queue_url as queue_url
from commitments.admin.reviews import review_badge as review_badge
from commitments.admin.reviews import who_reviews as who_reviews
from commitments.admin.webhooks import WebhookDeliveryAdmin as WebhookDeliveryAdmin
from commitments.admin.webhooks import WebhookEndpointAdmin as WebhookEndpointAdmin
