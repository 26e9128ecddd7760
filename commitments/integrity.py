"""Unique-constraint violations, told as the validation errors they are.

Every check for a duplicate before a write (a serializer's, a form's, full_clean's) misses a
row that another transaction commits after the check ran. Two clients creating the same code
at the same moment both pass it, and the database's unique constraint refuses the second at
INSERT, as an IntegrityError. That is the client's mistake, not a fault of ours, so it is
refused with the error the check would have given: the same message, keyed by the same field.

The model, the constraint and the columns are read from the database's error, so this holds for
every model's unique fields and UniqueConstraints without a list to keep up to date.
"""

import re
from contextlib import contextmanager

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models import UniqueConstraint

# PostgreSQL's SQLSTATE for unique_violation; its detail names the columns:
# 'Key (code)=(MIL-1) already exists.'
POSTGRESQL_UNIQUE_VIOLATION = "23505"
POSTGRESQL_KEY = re.compile(r"^Key \((?P<columns>.+?)\)=\(")
# SQLite names the columns ("UNIQUE constraint failed: commitments_commitment.code", several
# separated by ", "), or the index when it is on expressions ("... failed: index 'name'").
SQLITE_UNIQUE = re.compile(
    r"^UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<columns>.+))$"
)


class UniqueViolation(ValidationError):
    """A write refused by a unique constraint, with the error full_clean gives a duplicate."""


def unique_violation(error: IntegrityError) -> UniqueViolation | None:
    """The validation error that `error` stands for, or None when it is not a unique-constraint
    violation on the table of a model of ours whose fields can be told."""
    cause = error.__cause__
    if getattr(cause, "pgcode", None) == POSTGRESQL_UNIQUE_VIOLATION:
        match = POSTGRESQL_KEY.match(cause.diag.message_detail or "")
        columns = match["columns"].replace('"', "").split(", ") if match else []
        return _refusal(cause.diag.table_name, cause.diag.constraint_name, columns)
    if match := SQLITE_UNIQUE.match(str(error)):
        if match["index"]:
            return _refusal(None, match["index"], [])
        names = [name.partition(".") for name in match["columns"].split(", ")]
        return _refusal(names[0][0], None, [column for _, _, column in names])
    return None


@contextmanager
def unique_violations_refused():
    """Turns a unique-constraint violation raised inside into a UniqueViolation. Put it around
    a transaction.atomic block rather than inside one: a deferred constraint fails on commit."""
    try:
        yield
    except IntegrityError as error:
        refusal = unique_violation(error)
        if refusal is None:
            raise
        raise refusal from error


def _refusal(table, constraint_name, columns):
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if table in (None, model._meta.db_table) and not model._meta.proxy
    ]
    for model in models:
        for constraint in model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.name == constraint_name:
                return _constraint_refusal(model, constraint)
    if len(models) != 1:
        return None
    model = models[0]
    fields = {field.column: field.name for field in model._meta.concrete_fields}
    if not columns or any(column not in fields for column in columns):
        return None
    return _fields_refusal(model, [fields[column] for column in columns])


def _constraint_refusal(model, constraint):
    # As UniqueConstraint.validate words it: the fields' message unless it says its own.
    if (
        constraint.fields
        and constraint.condition is None
        and constraint.violation_error_message == constraint.default_violation_error_message
    ):
        return _fields_refusal(model, list(constraint.fields))
    return UniqueViolation({NON_FIELD_ERRORS: [constraint.get_violation_error_message()]})


def _fields_refusal(model, fields):
    # As Model.validate_unique words it and keys it: one field is named, several are not.
    key = fields[0] if len(fields) == 1 else NON_FIELD_ERRORS
    return UniqueViolation({key: [model().unique_error_message(model, tuple(fields))]})
