"""The data version (every API read's ETag and cache keys), the review queue's version that
staff see beyond it, and the shared cache keyed by the data version. The response cache itself
is commitments.api.response_cache's.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone, translation

from commitments import db_router, metrics
from commitments.migration_sql import RESTRICTED_DATA_VERSION
from commitments.models import (
    DataVersion,
    IndicatorValue,
    Releasability,
    Release,
    StatusUpdate,
)
from commitments.selectors.raw_sql import _aware


def cached(name, data_fingerprint, compute):
    """compute() through the shared cache (Redis in production), under a key that holds the
    data's fingerprint (data_version), today's date, the staleness setting and the active
    language (a value may hold words in it): any write, from any process, makes a new key, so a
    cached value is never older than the data the request saw. Old keys are left to expire."""
    key = ":".join(
        [
            name,
            data_fingerprint,
            str(timezone.localdate()),
            str(settings.STALE_AFTER_DAYS),
            translation.get_language() or settings.LANGUAGE_CODE,
        ]
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.SUMMARY_CACHE_SECONDS)
    return value


def data_version(known=None, *, cleared=False):
    """A fingerprint of everything the API shows, and the time of the latest change: the data
    version row that database triggers move on with every write (models.DataVersion), read
    by primary key. Every API read runs it, for its ETag and its cache keys.

    `cleared`: for a reader cleared beyond the public, a fingerprint of both rows (the public's
    and RESTRICTED_DATA_VERSION, which records of a narrower releasability move, migration
    0041), and the newer of their two times, in the same one query. The public's alone never
    moves for what the public may not read.

    It is read on the primary, always: a replica that lags must not make an old body look
    current. When this request reads a replica, the replica's own version is read too, and
    unless the replica has replayed exactly this version the rest of the request reads the
    primary; so whatever is built and cached under this version (the response cache, the
    summary) is built from data at least as new. One more query, on the replica.

    `known`: the primary's version as this request read it already (the response cache's
    middleware does, before the view)."""
    version = known or _data_version(DEFAULT_DB_ALIAS, cleared)
    replica = db_router.replica_of_this_request()
    if replica is not None and _data_version(replica, cleared)[0] != version[0]:
        metrics.REPLICA_FALLBACKS.labels("lagging").inc()
        db_router.read_primary()
    return version


# Written out rather than built by the ORM: every API read runs it, hits of the response cache
# included, and compiling the queryset cost several times the query's round trip
# (docs/performance.md, "What a hit costs").
DATA_VERSION_SQL = f"SELECT number, changed_at FROM {DataVersion._meta.db_table} WHERE id = 1"


def _row_columns(row):
    return ", ".join(
        f"(SELECT {column} FROM {DataVersion._meta.db_table} WHERE id = {row})"
        for column in ("number", "changed_at")
    )


# Both rows, for a cleared reader: subqueries, so that a row is there when either is missing.
BOTH_ROWS = f"{_row_columns(1)}, {_row_columns(RESTRICTED_DATA_VERSION)}"
CLEARED_DATA_VERSION_SQL = f"SELECT {BOTH_ROWS}"


def _review_queue_columns(clearance):
    """What staff of `clearance` see beyond the data version: the newest status update,
    indicator value and release submitted and the newest decision on each, of those their
    clearance reads (RecordQuerySet.readable_by, ReleaseQuerySet's), which do not move it until
    one is approved (migrations 0011, 0021). The tables are append-only, so their highest ids
    change exactly when a row is added. Twelve subqueries, each the read of a primary-key
    index's last entry (the last readable one, for a narrower clearance): an id, then its time.
    A reader's version never moves for a record they may not read."""
    readable = Releasability(clearance).readable()
    everything = len(readable) == len(Releasability)
    markings = ", ".join(f"'{level}'" for level in readable)
    columns = []
    for record, time, marking in [
        (StatusUpdate, "created_at", "releasability"),
        # Indicator values are reviewed the same way, and staff may list pending ones too.
        (IndicatorValue, "created_at", "releasability"),
        # Releases too: staff list pending ones (api/releases.py), as far as they read the
        # record's marking before the release.
        (Release, "created_at", "released_from"),
    ]:
        table = record._meta.db_table
        decision = record._meta.get_field("review").related_model
        on = decision._meta.get_field(decision.record_field).column
        decisions = f"{decision._meta.db_table} d"
        readable_only = ""
        if not everything:
            decisions += f" JOIN {table} r ON r.id = d.{on}"
            readable_only = f" WHERE r.{marking} IN ({markings})"
        for source, column_time in [(f"{table} r", time), (decisions, "decided_at")]:
            alias = source.split()[1]
            columns += [
                f"(SELECT {alias}.{column} FROM {source}{readable_only}"
                f" ORDER BY {alias}.id DESC LIMIT 1)"
                for column in ("id", column_time)
            ]
    return ", ".join(columns)


REVIEW_QUEUE_COLUMNS = {clearance: _review_queue_columns(clearance) for clearance in Releasability}

# The data version and the review queue's in one statement, for a reader who sees both (a
# staff reader's hit of the response cache): one round trip, not two. The data version as
# subqueries too, so that the row comes back when the version's row is gone (a test run's flush).
_PUBLIC_ROW = (
    f"(SELECT number FROM {DataVersion._meta.db_table} WHERE id = 1),"
    f" (SELECT changed_at FROM {DataVersion._meta.db_table} WHERE id = 1)"
)
DATA_AND_REVIEW_QUEUE_VERSION_SQL = {
    clearance: f"SELECT {_PUBLIC_ROW if clearance == Releasability.PUBLIC else BOTH_ROWS},"
    f" {REVIEW_QUEUE_COLUMNS[clearance]}"
    for clearance in Releasability
}


def _data_version(alias, cleared=False):
    with connections[alias].cursor() as cursor:
        if not cleared:
            cursor.execute(DATA_VERSION_SQL)
            return _version_of(*(cursor.fetchone() or (None, None)))
        cursor.execute(CLEARED_DATA_VERSION_SQL)
        return _cleared_version_of(*cursor.fetchone())


def _version_of(number, changed_at):
    changed_at = _aware(changed_at) if changed_at is not None else None
    return f"{number or 0}-{changed_at.timestamp() if changed_at else 0}", changed_at


def _cleared_version_of(number, changed_at, restricted_number, restricted_changed_at):
    """Both rows' fingerprints, and the newer of their times."""
    public, public_changed_at = _version_of(number, changed_at)
    restricted, restricted_changed_at = _version_of(restricted_number, restricted_changed_at)
    times = [time for time in (public_changed_at, restricted_changed_at) if time is not None]
    return f"{public}~{restricted}", max(times, default=None)


def review_queue_version(clearance=Releasability.PUBLIC):
    """What staff of `clearance` see beyond the data version (REVIEW_QUEUE_COLUMNS), read on
    the primary. Returns the version and the time of the newest (None when there is none). One
    query, twelve reads of primary-key indexes."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {REVIEW_QUEUE_COLUMNS[clearance]}")
        return _review_queue_version_of(cursor.fetchone())


def _review_queue_version_of(found):
    ids, times = found[0::2], found[1::2]
    times = [_aware(value) for value in times if value is not None]
    return ".".join(str(pk or 0) for pk in ids), max(times, default=None)


def data_and_review_queue_version(clearance=Releasability.PUBLIC):
    """data_version and review_queue_version as a reader of `clearance` sees them, read on the
    primary in one statement (DATA_AND_REVIEW_QUEUE_VERSION_SQL), for a request that has read
    neither; the replica's version is then read as data_version reads it."""
    cleared = clearance != Releasability.PUBLIC
    with connection.cursor() as cursor:
        cursor.execute(DATA_AND_REVIEW_QUEUE_VERSION_SQL[clearance])
        found = cursor.fetchone()
    if cleared:
        primary, queue = _cleared_version_of(*found[:4]), found[4:]
    else:
        primary, queue = _version_of(*found[:2]), found[2:]
    return data_version(known=primary, cleared=cleared), _review_queue_version_of(queue)
