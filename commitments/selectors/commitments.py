"""Reads of a page of commitments: the rows related to each (themes, places, partners,
children), in one query. Filters, search and as-of reads of commitments are CommitmentQuerySet's
(models); counts by status are summary's.
"""

from django.db import connections, router

from commitments.models import Commitment, Partner, Place, Theme
from commitments.models.languages import LANGUAGE_CODES, language_columns
from commitments.selectors.raw_sql import execute_prepared


def _in(table, field=None):
    """The SQL of a translated field's language columns (or as many NULLs, for none)."""
    if field is None:
        return ", ".join("NULL" for _ in LANGUAGE_CODES)
    return ", ".join(f"{table}{column}" for column in language_columns(field))


def _related_sql(vendor, ids):
    """Themes, places, partners (each by name) and children (by code) of the commitments `ids`,
    as (kind, commitment id, slug or code, name or title, its language columns, role) rows; the role is a partner's,
    null for the others; with its parameters. On PostgreSQL the ids are one array, the same
    statement for any number of them, prepared once per connection (planning four IN lists of
    50 values took longer than running them); SQLite has no arrays."""
    if vendor == "postgresql":
        among, params = "= ANY(%s)", [ids]
    else:
        among, params = "IN ({})".format(", ".join(["%s"] * len(ids))), ids
    table = Commitment._meta.db_table
    # A partner's name has no translations: it stands in every language's place.
    parts = [
        f"SELECT '{kind}', link.commitment_id, tag.slug, tag.name, {names}, {role}"
        f" FROM {through._meta.db_table} link"
        f" JOIN {model._meta.db_table} tag ON tag.id = link.{model._meta.model_name}_id"
        f" WHERE link.commitment_id {among}"
        for kind, model, through, role, names in [
            ("themes", Theme, Commitment.themes.through, "NULL", _in("tag.", "name")),
            ("places", Place, Commitment.places.through, "NULL", _in("tag.", "name")),
            ("partners", Partner, Commitment.partners.through, "link.role", _in("tag.")),
        ]
    ]
    parts.append(
        f"SELECT 'children', parent_id, code, title, {_in('', 'title')}, NULL"
        f" FROM {table} WHERE parent_id {among}"
    )
    return " UNION ALL ".join(parts), params * len(parts)


def attach_related(rows):
    """Adds to each of a page of commitment rows (dicts of `.values()`, with their "id") the
    lists of rows related to it, shaped as `.values()` would give them: "themes" and "places"
    ({slug, name} and name's language columns, name_fr, ...), "partners" ({slug, name}) and
    "partner_links" ({partner__slug, partner__name, role}), "children" ({code, title} and
    title's language columns). One query, a UNION over the three link
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
    for kind, commitment_id, slug, name, *texts, role in sorted(found, key=_related_order):
        row = by_id[commitment_id]
        if kind == "children":
            row["children"].append(
                {"code": slug, "title": name, **dict(zip(TITLE_COLUMNS, texts, strict=True))}
            )
        elif kind == "partners":
            row["partners"].append({"slug": slug, "name": name})
            row["partner_links"].append(
                {"partner__slug": slug, "partner__name": name, "role": role}
            )
        else:
            row[kind].append(
                {"slug": slug, "name": name, **dict(zip(NAME_COLUMNS, texts, strict=True))}
            )
    return rows


TITLE_COLUMNS, NAME_COLUMNS = language_columns("title"), language_columns("name")


def _related_order(found):
    kind, _, slug, name, *_ = found
    return slug if kind == "children" else name
