"""The Roadmap's commitments, where they come from, and their status over time: one module a
concept, each importing only modules listed before it.

- vocabulary: the status vocabulary (Status, its colours and ranks, Change).
- bounds: the bounds of what a user can set (dates, cadences, paragraphs), and of a day.
- records: the record (dated, append-only, corrected by a later one, readable as known on any
  day) and the reviewed record (counted once a second person approves it), with its decision.
- evidence: graded evidence (STANAG 2511) and the records' citations of it.
- reference: source documents, pillars, themes, places, partners.
- commitments: a commitment, its partners, its current status; staleness, search, as-of reads.
- assessments: status updates, how their history is read, and their four-eyes review.
- contributions: what partners contribute to commitments.
- figures: indicators' units and qualifiers, figures in words, progress toward a target.
- indicators: indicators, their values, and the values' review.
- briefing: the key messages of the briefing pack, and their review.
- releases: a record released to a wider audience, and the release's review.
- claims: a reviewer's claim on a pending reviewed record ("I'll take it").
- dependencies: commitments that depend on others, and the alerts sent when one slips.
- events: the stream of changes readers and webhooks are told of.
- webhooks: endpoints that receive the events, and the log of each delivery attempt.
- bookkeeping: the data version, reminders sent, import receipts, idempotency keys.
- preferences: a person's own settings (their language).

The rest of the project imports from the package (`from commitments.models import Commitment`),
as it did when this was one module: __all__ names what it exports.
"""

# In the order of the layers, not alphabetical: Django registers the models in the order they
# are imported (content types, reverse relations), the order they had in the one module.
# isort: off
from commitments.models.vocabulary import (
    STATUS_COLOURS,
    STATUS_RANK,
    RELEASABILITY_COLOURS,
    RELEASABILITY_MEANING,
    Change,
    Releasability,
    Status,
    change_between,
    status_vocabulary,
)
from commitments.models.bounds import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_CADENCE_DAYS,
    MAX_DISPLAY_ORDER,
    MAX_PARAGRAPH,
    end_of_day,
    start_of_day,
)
from commitments.models.records import (
    Record,
    RecordQuerySet,
    ReviewDecision,
    ReviewedRecord,
    ReviewedRecordQuerySet,
    ReviewState,
)
from commitments.models.evidence import (
    UNGRADED,
    ContributionEvidence,
    Credibility,
    Evidence,
    EvidenceQuerySet,
    IndicatorValueEvidence,
    Reliability,
    StatusUpdateEvidence,
    parse_grade,
    validate_grade,
)
from commitments.models.reference import (
    Partner,
    PartnerKind,
    Pillar,
    Place,
    SourceDocument,
    Theme,
)
from commitments.models.commitments import (
    AS_OF_COLUMNS,
    SEARCH_CONFIG,
    SEARCH_MAX_LENGTH,
    SEARCH_MAX_WORDS,
    AddDays,
    Commitment,
    CommitmentManager,
    CommitmentPartner,
    CommitmentPartnerQuerySet,
    CommitmentQuerySet,
    PartnerRole,
    days_overdue,
    is_stale,
    search_vector,
    search_words,
    stale_q,
)
from commitments.models.assessments import (
    Review,
    StatusUpdate,
    StatusUpdateQuerySet,
)
from commitments.models.contributions import (
    COUNTED_MESSAGE,
    CURRENCY_CHOICES,
    CURRENCY_MESSAGE,
    FUNDS_KINDS,
    FUNDS_MESSAGE,
    Contribution,
    ContributionKind,
    ContributionQuerySet,
)
from commitments.models.figures import (
    FIGURE_DECIMALS,
    FIGURE_DIGITS,
    PROGRESS_PLACES,
    UNIT_OTHER_MESSAGE,
    Direction,
    IndicatorUnit,
    Qualifier,
    figure_words,
    phrase,
    progress,
)
from commitments.models.indicators import (
    Indicator,
    IndicatorQuerySet,
    IndicatorValue,
    IndicatorValueQuerySet,
    IndicatorValueReview,
)
from commitments.models.briefing import (
    BriefingMessage,
    BriefingMessageQuerySet,
    BriefingMessageReview,
)
from commitments.models.releases import (
    RELEASED_MODELS,
    Release,
    ReleaseQuerySet,
    ReleaseReview,
    release_field,
)
from commitments.models.claims import (
    CLAIM_LASTS,
    ReviewClaim,
    ReviewClaimQuerySet,
)
from commitments.models.dependencies import (
    SLIP_ALERT_DEPTH,
    Dependency,
    DependencyQuerySet,
    SlipAlert,
    dependents_within,
    path_between,
)
from commitments.models.events import PUBLIC_EVENT_TYPES, Event, EventQuerySet, EventType
from commitments.models.webhooks import (
    SUBSCRIBABLE_EVENT_TYPES,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.models.bookkeeping import (
    DataVersion,
    IdempotencyKey,
    IdempotencyKeyQuerySet,
    ImportReceipt,
    ReminderSent,
)
from commitments.models.preferences import Preferences
# isort: on

__all__ = [
    "AS_OF_COLUMNS",
    "CLAIM_LASTS",
    "COUNTED_MESSAGE",
    "CURRENCY_CHOICES",
    "CURRENCY_MESSAGE",
    "EARLIEST_DATE",
    "FIGURE_DECIMALS",
    "FIGURE_DIGITS",
    "FUNDS_KINDS",
    "FUNDS_MESSAGE",
    "LATEST_DATE",
    "MAX_CADENCE_DAYS",
    "MAX_DISPLAY_ORDER",
    "MAX_PARAGRAPH",
    "PROGRESS_PLACES",
    "PUBLIC_EVENT_TYPES",
    "RELEASABILITY_COLOURS",
    "RELEASABILITY_MEANING",
    "RELEASED_MODELS",
    "SEARCH_CONFIG",
    "SEARCH_MAX_LENGTH",
    "SEARCH_MAX_WORDS",
    "SLIP_ALERT_DEPTH",
    "STATUS_COLOURS",
    "STATUS_RANK",
    "SUBSCRIBABLE_EVENT_TYPES",
    "UNGRADED",
    "UNIT_OTHER_MESSAGE",
    "AddDays",
    "BriefingMessage",
    "BriefingMessageQuerySet",
    "BriefingMessageReview",
    "Change",
    "Commitment",
    "CommitmentManager",
    "CommitmentPartner",
    "CommitmentPartnerQuerySet",
    "CommitmentQuerySet",
    "Contribution",
    "ContributionEvidence",
    "ContributionKind",
    "ContributionQuerySet",
    "Credibility",
    "DataVersion",
    "Dependency",
    "DependencyQuerySet",
    "Direction",
    "Event",
    "EventQuerySet",
    "EventType",
    "Evidence",
    "EvidenceQuerySet",
    "IdempotencyKey",
    "IdempotencyKeyQuerySet",
    "ImportReceipt",
    "Indicator",
    "IndicatorQuerySet",
    "IndicatorUnit",
    "IndicatorValue",
    "IndicatorValueEvidence",
    "IndicatorValueQuerySet",
    "IndicatorValueReview",
    "Partner",
    "PartnerKind",
    "PartnerRole",
    "Pillar",
    "Place",
    "Preferences",
    "Qualifier",
    "Record",
    "RecordQuerySet",
    "Releasability",
    "Release",
    "ReleaseQuerySet",
    "ReleaseReview",
    "Reliability",
    "ReminderSent",
    "Review",
    "ReviewClaim",
    "ReviewClaimQuerySet",
    "ReviewDecision",
    "ReviewState",
    "ReviewedRecord",
    "ReviewedRecordQuerySet",
    "SlipAlert",
    "SourceDocument",
    "Status",
    "StatusUpdate",
    "StatusUpdateEvidence",
    "StatusUpdateQuerySet",
    "Theme",
    "WebhookDelivery",
    "WebhookEndpoint",
    "change_between",
    "days_overdue",
    "dependents_within",
    "end_of_day",
    "figure_words",
    "is_stale",
    "parse_grade",
    "path_between",
    "phrase",
    "progress",
    "release_field",
    "search_vector",
    "search_words",
    "stale_q",
    "start_of_day",
    "status_vocabulary",
    "validate_grade",
]
