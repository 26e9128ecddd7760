"""The benchmark's baseline: the practical limit of this machine for the API's reads.

A bare WSGI application that answers the benchmarked requests with the same JSON as the API,
from hand-written SQL over one psycopg2 connection per worker thread, encoded with orjson. No
framework, no middleware, no authentication, no validation of parameters beyond what the
benchmark sends: it is what the API would cost if it did nothing but its queries and its JSON.
Served by gunicorn exactly like the app: `gunicorn baseline:application` from bench/.

Each response carries X-Queries, the number of SQL statements it ran.
"""

import base64
import datetime
import os
import threading
import urllib.parse
from decimal import ROUND_HALF_UP, Decimal

import orjson
import psycopg2

PAGE_SIZE = 50
STALE_AFTER_DAYS = int(os.environ.get("STALE_AFTER_DAYS", "180"))
LABELS = {
    "not_assessed": "Not assessed",
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "completed": "Completed",
    "discontinued": "Discontinued",
}
# Per thread, as Django keeps them: a connection of its own for each of a gthread worker's
# threads (one shared would make them wait on each other), and the base URL of the request it
# answers.
_local = threading.local()


def connection():
    if getattr(_local, "connection", None) is None or _local.connection.closed:
        _local.connection = psycopg2.connect(os.environ["BASELINE_DSN"])
        _local.connection.autocommit = True
    return _local.connection


class Queries:
    def __init__(self):
        self.cursor = connection().cursor()
        self.count = 0

    def all(self, sql, params=()):
        self.count += 1
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()


# A commitment's current status, and what an as_of read puts in its place (STATE_ON's).
CURRENT = (
    "c.current_status, c.current_progress, c.current_as_of, c.last_recorded_at, c.last_approved_at"
)
THEN = "coalesce(s.status, 'not_assessed'), s.progress, s.as_of, s.created_at, s.decided_at"
COMMITMENT_COLUMNS = f"""
    c.id, c.code, c.title, c.text, c.paragraph, {CURRENT},
    c.target_date, c.update_cadence_days, c.version,
    p.slug, p.name, d.slug, d.title, d.url, parent.code, o.first_name, o.last_name
"""
COMMITMENT_JOINS = """
    FROM commitments_commitment c
    JOIN commitments_pillar p ON p.id = c.pillar_id
    JOIN commitments_sourcedocument d ON d.id = c.source_document_id
    LEFT JOIN commitments_commitment parent ON parent.id = c.parent_id
    LEFT JOIN auth_user o ON o.id = c.owner_id
"""
RELATED = """
    SELECT 'themes', l.commitment_id, t.slug, t.name, NULL FROM commitments_commitment_themes l
      JOIN commitments_theme t ON t.id = l.theme_id WHERE l.commitment_id = ANY(%(ids)s)
    UNION ALL
    SELECT 'places', l.commitment_id, t.slug, t.name, NULL FROM commitments_commitment_places l
      JOIN commitments_place t ON t.id = l.place_id WHERE l.commitment_id = ANY(%(ids)s)
    UNION ALL
    SELECT 'partners', l.commitment_id, t.slug, t.name, l.role
      FROM commitments_commitment_partners l
      JOIN commitments_partner t ON t.id = l.partner_id WHERE l.commitment_id = ANY(%(ids)s)
    UNION ALL
    SELECT 'children', parent_id, code, title, NULL FROM commitments_commitment
      WHERE parent_id = ANY(%(ids)s)
"""
# Approved updates only, as the public API shows them, with their decision and the approved
# correction that replaced each, if any.
UPDATE_SELECT = """
    SELECT u.id, c.code, u.status, u.progress, u.as_of, u.summary, u.confidence,
           u.corrects_id, a.first_name, a.last_name,
           a.username, u.created_at, r.comment, r.decided_at, v.first_name, v.last_name,
           (SELECT k.id FROM commitments_statusupdate k
            JOIN commitments_review kr ON kr.update_id = k.id AND kr.decision = 'approve'
            WHERE k.corrects_id = u.id AND k.releasability = 'public' LIMIT 1),
           u.releasability
    FROM commitments_statusupdate u
    -- What an anonymous reader reads: approved, public updates.
    JOIN commitments_review r ON r.update_id = u.id AND r.decision = 'approve'
                              AND u.releasability = 'public'
    JOIN commitments_commitment c ON c.id = u.commitment_id
    JOIN auth_user a ON a.id = u.author_id
    LEFT JOIN auth_user v ON v.id = r.reviewer_id
"""


def is_stale(as_of, cadence, today):
    return as_of is None or as_of + datetime.timedelta(days=cadence or STALE_AFTER_DAYS) < today


def commitments_json(queries, rows, today=None):
    ids = [row[0] for row in rows]
    related = {
        commitment_id: {"themes": [], "places": [], "partners": [], "children": []}
        for commitment_id in ids
    }
    if ids:
        for kind, owner, slug, name, role in queries.all(RELATED, {"ids": ids}):
            tag = (
                {"slug": slug, "name": name}
                if role is None
                else {"slug": slug, "name": name, "role": role}
            )
            related[owner][kind].append(tag)
    today = today or datetime.datetime.now(datetime.UTC).date()
    results = []
    for (commitment_id, code, title, text, paragraph, status, progress, as_of, last_recorded_at,
         last_approved_at, target_date, cadence, version, pillar_slug, pillar_name, document_slug, document_title,
         document_url, parent, owner_first, owner_last) in rows:  # fmt: skip
        tags = related[commitment_id]
        url = f"{_local.host}/api/v1/commitments/{urllib.parse.quote(code)}/"
        results.append(
            {
                "code": code,
                "url": url,
                "title": title,
                "text": text,
                "pillar": {"slug": pillar_slug, "name": pillar_name},
                "parent": parent,
                "children": sorted(child["slug"] for child in tags["children"]),
                "themes": sorted(tags["themes"], key=lambda tag: tag["name"]),
                "places": sorted(tags["places"], key=lambda tag: tag["name"]),
                "partners": sorted(tags["partners"], key=lambda tag: tag["name"]),
                "source": {
                    "document": document_slug,
                    "title": document_title,
                    "paragraph": paragraph,
                    "url": document_url or None,  # an unknown address is null
                },
                "status": status,
                "status_label": LABELS[status],
                "progress": progress,
                "as_of": as_of,
                "last_recorded_at": last_recorded_at,
                "last_approved_at": last_approved_at,
                "last_update_at": last_approved_at,
                "is_stale": is_stale(as_of, cadence, today),
                # As the app names an owner to an anonymous reader.
                "owner": None
                if owner_first is None
                else (f"{owner_first} {owner_last}".strip() or "Analyst"),
                "target_date": target_date,
                "update_cadence_days": cadence,
                "version": version,
                "updates_url": f"{url}updates/",
            }
        )
    return results


# The public evidence of a page of updates, in the order each cites it.
EVIDENCE_SELECT = """
    SELECT c.update_id, e.id, e.source, e.url, e.reference, e.date, e.reliability,
           e.credibility, e.releasability
    FROM commitments_statusupdateevidence c
    JOIN commitments_evidence e ON e.id = c.evidence_id AND e.releasability = 'public'
    WHERE c.update_id = ANY(%(ids)s)
    ORDER BY c.update_id, c.position, c.id
"""


def with_evidence(queries, updates):
    """`updates` (update_json's), each with the public evidence it cites: one query."""
    by_id = {update["id"]: update for update in updates}
    if by_id:
        for (
            update_id,
            pk,
            source,
            url,
            reference,
            date,
            reliability,
            credibility,
            marking,
        ) in queries.all(EVIDENCE_SELECT, {"ids": list(by_id)}):
            by_id[update_id]["evidence"].append(
                {"id": pk, "source": source, "url": url or None, "reference": reference or None,
                 "date": date, "reliability": reliability, "credibility": credibility,
                 "grade": f"{reliability}{credibility}", "releasability": marking}
            )  # fmt: skip
    return updates


def update_json(row):
    (update_id, code, status, progress, as_of, summary,
     confidence, corrects, first_name, last_name, username, created_at, comment, decided_at,
     reviewer_first_name, reviewer_last_name, corrected_by, releasability) = row  # fmt: skip
    return {
        "id": update_id,
        "url": f"{_local.host}/api/v1/updates/{update_id}/",
        "commitment": code,
        "commitment_url": f"{_local.host}/api/v1/commitments/{code}/",
        "status": status,
        "status_label": LABELS[status],
        "progress": progress,
        "as_of": as_of,
        "summary": summary,
        # What is not known is null, as in the API.
        "evidence": [],  # with_evidence's
        "releases": [],  # none to the public: a released record was never public
        "confidence": confidence or None,
        "corrects": corrects,
        "corrected_by": corrected_by,
        "author": f"{first_name} {last_name}".strip() or username,
        "created_at": created_at,
        "review_state": "approved",
        "reviewer": f"{reviewer_first_name or ''} {reviewer_last_name or ''}".strip() or None,
        "review_comment": comment or None,
        "reviewed_at": decided_at,
        "releasability": releasability,
        # For those who may see unapproved records only.
        "evidence_below_threshold": None,
    }


# The update in effect on %(day)s of the commitment `c`, as the app reads it (as known now):
# the newest approved update dated by then that no approved correction replaced.
STATE_ON = """
    LEFT JOIN LATERAL (
        SELECT u.id, u.status, u.progress, u.as_of, u.created_at, r.decided_at
        FROM commitments_statusupdate u
        JOIN commitments_review r ON r.update_id = u.id AND r.decision = 'approve'
        WHERE u.commitment_id = c.id AND u.as_of <= {day} AND u.releasability = 'public'
          AND NOT EXISTS (
              SELECT 1 FROM commitments_statusupdate k
              JOIN commitments_review kr ON kr.update_id = k.id AND kr.decision = 'approve'
              WHERE k.corrects_id = u.id AND k.releasability = 'public')
        ORDER BY u.as_of DESC, u.created_at DESC, u.id DESC LIMIT 1
    ) {alias} ON TRUE
"""
# How many commitments' assessment in effect (`s`, of STATE_ON) cites public evidence graded B2
# or better (source reliability A or B, information credibility 1 or 2).
ON_B2_EVIDENCE = """
    SELECT count(*) FROM commitments_commitment c {state}
    WHERE c.created_at < {day}::date + 1 AND EXISTS (
        SELECT 1 FROM commitments_statusupdateevidence se
        JOIN commitments_evidence e ON e.id = se.evidence_id
        WHERE se.update_id = s.id AND e.reliability IN ('A', 'B')
          AND e.credibility IN ('1', '2') AND e.releasability = 'public')
"""
STALE_THEN = "{alias}.as_of IS NULL OR {alias}.as_of + coalesce({cadence}, %(days)s) < {day}"


def as_of_day(query):
    day = query.get("as_of", [None])[0]
    return None if day is None else datetime.date.fromisoformat(day)


def commitment_list(queries, query):
    where, params = ["TRUE"], {}
    day = as_of_day(query)
    state = ""
    if day is not None:
        state = STATE_ON.format(day="%(day)s", alias="s")
        where.append("c.created_at < %(day)s::date + 1")
        params["day"] = day
    if "pillar" in query:
        where.append("p.slug = ANY(%(pillars)s)")
        params["pillars"] = query["pillar"]
    if "status" in query:
        status = "coalesce(s.status, 'not_assessed')" if day else "c.current_status"
        where.append(f"{status} = ANY(%(statuses)s)")
        params["statuses"] = query["status"]
    order = "c.source_document_id, c.paragraph, c.code"
    if "search" in query:
        # As the app searches on PostgreSQL: the stored vector, a web search, most relevant first.
        where.append("c.search_vector @@ websearch_to_tsquery('english', %(search)s)")
        params["search"] = " ".join(query["search"])
        order = (
            "ts_rank(c.search_vector, websearch_to_tsquery('english', %(search)s)) DESC, " + order
        )
    condition = " AND ".join(where)
    page = int(query.get("page", ["1"])[0])
    # The count joins the pillar only to filter by it.
    joins = "JOIN commitments_pillar p ON p.id = c.pillar_id" if "pillar" in query else ""
    # The count reads the status then only to filter by it.
    counted_state = state if "status" in query else ""
    (count,) = queries.all(
        f"SELECT count(*) FROM commitments_commitment c {joins} {counted_state} WHERE {condition}",
        params,
    )[0]
    columns = COMMITMENT_COLUMNS.replace(CURRENT, THEN) if day else COMMITMENT_COLUMNS
    rows = queries.all(
        f"SELECT {columns} {COMMITMENT_JOINS} {state} WHERE {condition}"
        f" ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
        {**params, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
    )
    base = f"{_local.host}/api/v1/commitments/?"

    def link(number):
        # Parameters in alphabetical order, as Django REST framework writes its links.
        return base + urllib.parse.urlencode(
            sorted({**query, "page": [number]}.items()), doseq=True
        )

    return {
        "count": count,
        "next": link(page + 1) if page * PAGE_SIZE < count else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": commitments_json(queries, rows, day),
    }


def commitment_detail(queries, code):
    rows = queries.all(f"SELECT {COMMITMENT_COLUMNS} {COMMITMENT_JOINS} WHERE c.code = %s", [code])
    if not rows:
        return None
    (data,) = commitments_json(queries, rows)
    children = queries.all(
        "SELECT code, title, current_status, current_progress, current_as_of"
        " FROM commitments_commitment WHERE parent_id = %s ORDER BY code",
        [rows[0][0]],
    )
    data["children"] = [
        {"code": child, "url": f"{_local.host}/api/v1/commitments/{child}/", "title": title,
         "status": status, "status_label": LABELS[status], "progress": progress, "as_of": as_of}
        for child, title, status, progress, as_of in children
    ]  # fmt: skip
    updates = queries.all(
        f"{UPDATE_SELECT} WHERE u.commitment_id = %s"
        " ORDER BY u.as_of DESC, u.created_at DESC, u.id DESC LIMIT 10",
        [rows[0][0]],
    )
    data["latest_updates"] = with_evidence(queries, [update_json(row) for row in updates])
    data["indicators"] = [
        indicator_json(row) for row in queries.all(INDICATOR_SELECT, [rows[0][0]])
    ]
    # What it depends on and what depends on it, either way, with the note of each.
    ends = queries.all(
        "SELECT e.code, e.title, e.current_status, d.note, d.commitment_id = %s"
        " FROM commitments_dependency d JOIN commitments_commitment e"
        " ON e.id = CASE WHEN d.commitment_id = %s THEN d.depends_on_id ELSE d.commitment_id END"
        " WHERE d.commitment_id = %s OR d.depends_on_id = %s ORDER BY e.code",
        [rows[0][0]] * 4,
    )
    for key, outgoing in (("depends_on", True), ("dependents", False)):
        data[key] = [
            {"code": end, "url": f"{_local.host}/api/v1/commitments/{end}/", "title": title,
             "status": status, "status_label": LABELS[status], "note": note}
            for end, title, status, note, out in ends if out == outgoing
        ]  # fmt: skip
    return data


# A commitment's indicators, each with its latest approved value that no approved correction
# replaced (by the date it describes, then the time it was recorded), in the API's order.
INDICATOR_SELECT = """
    SELECT i.id, i.slug, i.name, i.description, c.code, p.slug, i.commitment_id, i.unit,
           i.unit_other, i.measure, i.direction, i.baseline_value, i.baseline_qualifier,
           i.baseline_date, d.slug, i.baseline_paragraph, i.baseline_quote, i.target_value,
           i.target_qualifier, i.target_date, l.id, l.value, l.qualifier, l.observed_on
    FROM commitments_indicator i
    LEFT JOIN commitments_commitment c ON c.id = i.commitment_id
    LEFT JOIN commitments_pillar p ON p.id = c.pillar_id
    LEFT JOIN commitments_sourcedocument d ON d.id = i.baseline_source_id
    LEFT JOIN LATERAL (
        SELECT v.id, v.value, v.qualifier, coalesce(v.as_of, v.period_end) AS observed_on
        FROM commitments_indicatorvalue v
        JOIN commitments_indicatorvaluereview r ON r.value_id = v.id AND r.decision = 'approve'
        WHERE v.indicator_id = i.id
          AND NOT EXISTS (
              SELECT 1 FROM commitments_indicatorvalue k
              JOIN commitments_indicatorvaluereview kr
                ON kr.value_id = k.id AND kr.decision = 'approve'
              WHERE k.corrects_id = v.id)
        ORDER BY coalesce(v.as_of, v.period_end) DESC, v.created_at DESC, v.id DESC LIMIT 1
    ) l ON TRUE
    WHERE i.commitment_id = %s
    ORDER BY i.baseline_paragraph, i.slug
"""
UNIT_LABELS = {
    "people": "people",
    "personnel": "personnel",
    "square_kilometres": "square kilometres",
    "us_dollars": "US dollars",
    "count": "count",
    "percent": "percent",
}
UNIT_WORDS = {
    "people": " people",
    "personnel": " personnel",
    "square_kilometres": " square kilometres",
    "count": "",
    "percent": "%",
}
# How exact a figure is, in words before it ("exactly" goes unsaid).
QUALIFIER_WORDS = {
    "approximately": "approximately",
    "nearly": "nearly",
    "more_than": "more than",
    "at_least": "at least",
    "fewer_than": "fewer than",
}
SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million")]


def figure(value):
    """A decimal as a string without trailing zeros, as the API writes figures."""
    return None if value is None else format(value.normalize(), "f")


def phrase(value, qualifier, unit, unit_other):
    """A figure in words, as the API says it: "more than 7.7 million people"."""
    if value is None:
        return None
    value = value.normalize()
    number = None
    for size, word in SCALES:
        if abs(value) >= size and (value * 10 / size) == int(value * 10 / size):
            number = f"{format((value / size).normalize(), 'f')} {word}"
            break
    if number is None:
        number = format(value, ",f")
        number = number.rstrip("0").rstrip(".") if "." in number else number
    if unit == "us_dollars":
        words = f"US${number}"
    elif unit == "other":
        words = f"{number} {unit_other}".rstrip()
    else:
        words = f"{number}{UNIT_WORDS.get(unit, '')}"
    return f"{QUALIFIER_WORDS[qualifier]} {words}" if qualifier in QUALIFIER_WORDS else words


def progress(baseline, latest, target, direction):
    """Percent of the way from the baseline to the target, to one place, as the API computes
    it; None without a baseline, a target, a latest value or a direction. (The rule of
    commitments/models/figures.py, written again as phrase() is: the baseline imports nothing
    of the app, whose models need Django configured.)"""
    if None in (baseline, latest, target) or not direction:
        return None
    place = Decimal("0.1")
    if direction == "maintain":
        low, high = min(baseline, target), max(baseline, target)
        if low <= latest <= high:
            return Decimal(100).quantize(place)
        edge = low if latest < low else high
        if edge == 0:
            return Decimal(0).quantize(place)
        return max(Decimal(0), 100 - abs(latest - edge) / abs(edge) * 100).quantize(place)
    if target == baseline:
        reached = latest >= target if direction == "increase" else latest <= target
        return Decimal(100 if reached else 0).quantize(place)
    return ((latest - baseline) / (target - baseline) * 100).quantize(place)


def indicator_json(row):
    (indicator_id, slug, name, description, code, pillar, commitment_id, unit, unit_other,
     measure, direction, baseline_value, baseline_qualifier, baseline_date, document,
     paragraph, quote, target_value, target_qualifier, target_date, latest_id, latest_value,
     latest_qualifier, latest_on) = row  # fmt: skip
    percent = progress(baseline_value, latest_value, target_value, direction)
    return {
        "id": indicator_id,
        "url": f"{_local.host}/api/v1/indicators/{indicator_id}/",
        "slug": slug,
        "name": name,
        "description": description or None,
        "commitment": code,
        "pillar": pillar,
        "is_context": commitment_id is None,
        "unit": unit,
        "unit_label": unit_other if unit == "other" else UNIT_LABELS[unit],
        "unit_other": unit_other or None,
        "measure": measure,
        "direction": direction or None,
        "baseline": {
            "value": figure(baseline_value),
            "qualifier": baseline_qualifier,
            "date": baseline_date,
            "phrase": phrase(baseline_value, baseline_qualifier, unit, unit_other),
            "document": document,
            "paragraph": paragraph,
            "quote": quote or None,
        },
        "target": {
            "value": figure(target_value),
            "qualifier": target_qualifier,
            "date": target_date,
            "phrase": phrase(target_value, target_qualifier, unit, unit_other),
        },
        "latest_value": figure(latest_value),
        "latest_qualifier": latest_qualifier or None,
        "latest_date": latest_on,
        "latest_phrase": phrase(latest_value, latest_qualifier, unit, unit_other),
        "latest_value_url": None
        if latest_id is None
        else f"{_local.host}/api/v1/indicator-values/{latest_id}/",
        "progress": None if percent is None else str(percent),
        "values_url": f"{_local.host}/api/v1/indicators/{indicator_id}/values/",
    }


def cursor_link(**tokens):
    """A link to a page of the feed, with Django REST framework's cursor: `p`, a position (the
    created_at of an update), and `r=1` to read back from it."""
    cursor = base64.b64encode(urllib.parse.urlencode(tokens).encode()).decode()
    return f"{_local.host}/api/v1/updates/?{urllib.parse.urlencode({'cursor': cursor})}"


def feed(queries, query):
    """Newest first, 50 a page; the cursor is Django REST framework's (`p` is a position)."""
    position = None
    if "cursor" in query:
        decoded = base64.b64decode(query["cursor"][0]).decode()
        position = urllib.parse.parse_qs(decoded)["p"][0]
    rows = queries.all(
        f"{UPDATE_SELECT} WHERE %(position)s::timestamptz IS NULL OR u.created_at < %(position)s"
        " ORDER BY u.created_at DESC, u.id DESC LIMIT %(limit)s",
        {"position": position, "limit": PAGE_SIZE + 1},
    )
    results = with_evidence(queries, [update_json(row) for row in rows[:PAGE_SIZE]])
    following = cursor_link(p=results[-1]["created_at"]) if len(rows) > PAGE_SIZE else None
    # A page reached by a cursor links back to the one before it.
    previous = cursor_link(r=1, p=results[0]["created_at"]) if position and results else None
    return {"next": following, "previous": previous, "results": results}


def summary(queries, query):
    day = as_of_day(query)
    if day is None:
        rows = queries.all(
            """
            SELECT p.slug, p.name, p.description, p.display_order, c.current_status,
                   count(c.id), count(c.id) FILTER (WHERE c.current_as_of IS NULL OR
                   c.current_as_of + coalesce(c.update_cadence_days, %(days)s) < current_date),
                   sum(c.current_progress), count(c.current_progress), max(c.last_recorded_at)
            FROM commitments_pillar p LEFT JOIN commitments_commitment c ON c.pillar_id = p.id
            GROUP BY p.id, c.current_status ORDER BY p.display_order, p.name
            """,
            {"days": STALE_AFTER_DAYS},
        )
    else:
        stale = STALE_THEN.format(alias="s", cadence="c.update_cadence_days", day="%(day)s")
        rows = queries.all(
            f"""
            SELECT p.slug, p.name, p.description, p.display_order,
                   CASE WHEN c.id IS NULL THEN NULL ELSE coalesce(s.status, 'not_assessed') END,
                   count(c.id), count(c.id) FILTER (WHERE {stale}), sum(s.progress),
                   count(s.progress), max(s.created_at)
            FROM commitments_pillar p LEFT JOIN commitments_commitment c ON c.pillar_id = p.id
                AND c.created_at < %(day)s::date + 1
            {STATE_ON.format(day="%(day)s", alias="s")}
            GROUP BY p.id, 5 ORDER BY p.display_order, p.name
            """,
            {"days": STALE_AFTER_DAYS, "day": day},
        )

    overall, pillars, latest = empty_counts(), {}, None
    for slug, name, description, order, status, total, stale, progress, reported, last in rows:
        pillar = pillars.setdefault(slug, {"slug": slug, "name": name, "description": description or None,
                                           "display_order": order, "commitments": empty_counts()})  # fmt: skip
        if status is None:
            continue
        for group in (pillar["commitments"], overall):
            add_counts(group, status, total, stale, progress, reported)
        if last is not None and (latest is None or last > latest):
            latest = last

    for pillar in pillars.values():
        finish_counts(pillar["commitments"])
    day_sql = "current_date" if day is None else "%(day)s"
    ((on_b2_evidence,),) = queries.all(
        ON_B2_EVIDENCE.format(state=STATE_ON.format(day=day_sql, alias="s"), day=day_sql),
        {"day": day},
    )
    return {
        "generated_at": datetime.datetime.now(datetime.UTC),
        **finish_counts(overall),
        "assessed_on_b2_evidence": on_b2_evidence,
        "latest_update_at": latest,
        "pillars": list(pillars.values()),
    }


def counts_on(queries, days):
    """{day: counts} of every commitment on each of `days`: one query, a lateral read of the
    update in effect per commitment and day."""
    stale = STALE_THEN.format(alias="s", cadence="c.update_cadence_days", day="d.day")
    stale = stale.replace("%(days)s", "%(stale)s")
    rows = queries.all(
        f"""
        SELECT d.day, coalesce(s.status, 'not_assessed'), count(*),
               count(*) FILTER (WHERE {stale}),
               sum(s.progress), count(s.progress)
        FROM unnest(%(days)s::date[]) d(day)
        JOIN commitments_commitment c ON c.created_at < d.day + 1
        {STATE_ON.format(day="d.day", alias="s")}
        GROUP BY 1, 2
        """,
        {"days": days, "stale": STALE_AFTER_DAYS},
    )
    counts = {day: empty_counts() for day in days}
    for day, status, total, stale_count, progress, reported in rows:
        add_counts(counts[day], status, total, stale_count, progress, reported)
    return {day: finish_counts(group) for day, group in counts.items()}


def empty_counts():
    """The counts of a group of commitments (the Roadmap, a pillar, a day), before any row;
    "sum" and "reported" make the average progress and are gone once finished."""
    return {"total": 0, "by_status": dict.fromkeys(LABELS, 0), "stale": 0, "sum": 0, "reported": 0}


def add_counts(group, status, total, stale, progress, reported):
    group["total"] += total
    group["by_status"][status] += total
    group["stale"] += stale
    group["sum"] += progress or 0
    group["reported"] += reported


def finish_counts(group):
    """The counts as the API answers them: the average progress and how many commitments it
    is the average of, in place of its parts."""
    reported, total = group.pop("reported"), group.pop("sum")
    mean = Decimal(total) / Decimal(reported) if reported else None
    group["average_progress"] = (
        float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) if reported else None
    )
    group["progress_reported"] = reported
    return group


def month_ends(start, end):
    ends, year, month = [], start.year, start.month
    while (year, month) < (end.year, end.month):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        ends.append(datetime.date(year, month, 1) - datetime.timedelta(days=1))
    return [*ends, end]


def timeline(queries, query):
    start = datetime.date.fromisoformat(query["from"][0])
    end = datetime.date.fromisoformat(query["to"][0])
    counts = counts_on(queries, month_ends(start, end))
    return {
        "from": start,
        "to": end,
        "known_on": None,
        "interval": "month",
        "points": [{"date": day, **group} for day, group in counts.items()],
    }


RANK = {"off_track": 1, "at_risk": 2, "on_track": 3, "completed": 4}
CHANGE_LABELS = {
    "improved": "Improved",
    "worsened": "Worsened",
    "changed": "Status changed",
    "progress_moved": "Progress moved",
    "newly_assessed": "Newly assessed",
    "became_stale": "Became stale",
}


def change_of(before, after):
    if before[0] == "not_assessed":
        return "newly_assessed" if after[0] != "not_assessed" else None
    if before[0] != after[0]:
        if before[0] not in RANK or after[0] not in RANK:
            return "changed"
        return "improved" if RANK[after[0]] > RANK[before[0]] else "worsened"
    if before[1] != after[1]:
        return "progress_moved"
    return "became_stale" if after[3] and not before[3] else None


def changes(queries, query):
    start = datetime.date.fromisoformat(query["from"][0])
    end = datetime.date.fromisoformat(query["to"][0])

    def state(alias, day):
        stale = STALE_THEN.format(alias=alias, cadence="c.update_cadence_days", day=day)
        return (
            f"coalesce({alias}.status, 'not_assessed'), {alias}.progress, {alias}.as_of,"
            f" {stale.replace('%(days)s', '%(stale)s')}"
        )

    rows = queries.all(
        f"""
        SELECT c.id, c.code, c.title, p.slug, p.name, c.created_at < %(start)s::date + 1,
               {state("a", "%(start)s")}, {state("b", "%(end)s")}
        FROM commitments_commitment c JOIN commitments_pillar p ON p.id = c.pillar_id
        {STATE_ON.format(day="%(start)s", alias="a")}
        {STATE_ON.format(day="%(end)s", alias="b")}
        WHERE c.created_at < %(end)s::date + 1
        ORDER BY c.source_document_id, c.paragraph, c.code
        """,
        {"start": start, "end": end, "stale": STALE_AFTER_DAYS},
    )
    moved = {}
    for row in rows:
        existed = row[5]
        before = row[6:10] if existed else ("not_assessed", None, None, True)
        after = row[10:14]
        change = change_of(before, after)
        if change is None:
            continue

        def shown(values):
            return {"status": values[0], "status_label": LABELS[values[0]],
                    "progress": values[1], "as_of": values[2], "is_stale": values[3]}  # fmt: skip

        moved[row[0]] = {
            "code": row[1],
            "url": f"{_local.host}/api/v1/commitments/{urllib.parse.quote(row[1])}/",
            "title": row[2],
            "pillar": {"slug": row[3], "name": row[4]},
            "change": change,
            "change_label": CHANGE_LABELS[change],
            "before": shown(before),
            "after": shown(after),
            "created_since": not existed,
            "updates": [],
        }
    if moved:
        updates = queries.all(
            f"{UPDATE_SELECT} WHERE u.commitment_id = ANY(%(ids)s) AND u.as_of > %(start)s"
            " AND u.as_of <= %(end)s ORDER BY u.as_of DESC, u.created_at DESC, u.id DESC",
            {"ids": list(moved), "start": start, "end": end},
        )
        by_code = {change["code"]: change for change in moved.values()}
        for row in updates:
            by_code[row[1]]["updates"].append(update_json(row))
        with_evidence(
            queries, [update for change in moved.values() for update in change["updates"]]
        )
    counts = counts_on(queries, [start, end])
    before, after = counts[start], counts[end]
    by_change = dict.fromkeys(CHANGE_LABELS, 0)
    for change in moved.values():
        by_change[change["change"]] += 1
    return {
        "from": start,
        "to": end,
        "known_on": None,
        "summary": {
            "before": before,
            "after": after,
            "difference": {
                "total": after["total"] - before["total"],
                "by_status": {s: after["by_status"][s] - before["by_status"][s] for s in LABELS},
                "average_progress": None
                if before["average_progress"] is None or after["average_progress"] is None
                else round(after["average_progress"] - before["average_progress"], 1),
                "stale": after["stale"] - before["stale"],
            },
            "by_change": by_change,
        },
        "changes": list(moved.values()),
    }


def application(environ, start_response):
    _local.host = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}"
    path = environ["PATH_INFO"]
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if path == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    queries = Queries()
    if path == "/api/v1/commitments/":
        data = commitment_list(queries, query)
    elif path.startswith("/api/v1/commitments/"):
        data = commitment_detail(queries, urllib.parse.unquote(path.split("/")[4]))
    elif path == "/api/v1/updates/":
        data = feed(queries, query)
    elif path == "/api/v1/summary/":
        data = summary(queries, query)
    elif path == "/api/v1/summary/timeline/":
        data = timeline(queries, query)
    elif path == "/api/v1/changes/":
        data = changes(queries, query)
    else:
        data = None
    queries.cursor.close()
    if data is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail": "Not found."}']
    # Times in UTC end in Z, as Django REST framework writes them.
    body = orjson.dumps(data, option=orjson.OPT_UTC_Z)
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Queries", str(queries.count)),
        ],
    )
    return [body]
