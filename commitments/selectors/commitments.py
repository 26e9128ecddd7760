"""Reads of a page of commitments: the rows related to each (themes, places, partners,
children), in one query. Filters, search and as-of reads of commitments are CommitmentQuerySet's
(models); counts by status are summary's.
"""

from django.db import connections, router

from commitments.models import Commitment, Partner, Place, Theme
from commitments.selectors.raw_sql import execute_prepared


def _related_sql(vendor, ids):
    """Themes, places, partners (each by name) and children (by code) of the commitments `ids`,
    as (kind, commitment id, slug or code, name or title, role) rows; the role is a partner's,
    null for the others; with its parameters. On PostgreSQL the ids are one array, the same
    statement for any number of them, prepared once per connection (planning four IN lists of
    50 values took longer than running them); SQLite has no arrays."""
    if vendor == "postgresql":
        among, params = "= ANY(%s)", [ids]
    else:
        among, params = "IN ({})".format(", ".join(["%s"] * len(ids))), ids
    table = Commitment._meta.db_table
    parts = [
        f"SELECT '{kind}', link.commitment_id, tag.slug, tag.name, {role}"
        f" FROM {through._meta.db_table} link"
        f" JOIN {model._meta.db_table} tag ON tag.id = link.{model._meta.model_name}_id"
        f" WHERE link.commitment_id {among}"
        for kind, model, through, role in [
            ("themes", Theme, Commitment.themes.through, "NULL"),
            ("places", Place, Commitment.places.through, "NULL"),
            ("partners", Partner, Commitment.partners.through, "link.role"),
        ]
    ]
    parts.append(
        f"SELECT 'children', parent_id, code, title, NULL FROM {table} WHERE parent_id {among}"
    )
    return " UNION ALL ".join(parts), params * len(parts)


def attach_related(rows):
    """Adds to each of a page of commitment rows (dicts of `.values()`, with their "id") the
    lists of rows related to it, shaped as `.values()` would give them: "themes" and "places"
    ({slug, name}), "partners" ({slug, name}) and "partner_links" ({partner__slug,
    partner__name, role}), "children" ({code, title}). One query, a UNION over the three link
    tables and the children, where one query per relation would take four; the SQL is written
    out, as the ORM's UNION took longer than the query."""
    rows = list(rows)
    if not rows:
        return rows
    by_id = {}
    for row in rows:
        row.update(themes=[], places=[], partners=[], partner_links=[], children=[])
        by_id[row["id"]] = row
    # Where the ORM reads commitments: a replica, for an anonymous read when there are any.
    connection = connections[router.db_for_read(Commitment)]
    sql, params = _related_sql(connection.vendor, list(by_id))
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        found = cursor.fetchall()
    # In each list's order: tags by name (their Meta.ordering), children by code.
    for kind, commitment_id, slug, name, role in sorted(found, key=_related_order):
        row = by_id[commitment_id]
        if kind == "children":
            row["children"].append({"code": slug, "title": name})
        elif kind == "partners":
            row["partners"].append({"slug": slug, "name": name})
            row["partner_links"].append(
                {"partner__slug": slug, "partner__name": name, "role": role}
            )
        else:
            row[kind].append({"slug": slug, "name": name})
    return rows


def _related_order(found):
    kind, _, slug, name, _ = found
    return slug if kind == "children" else name
