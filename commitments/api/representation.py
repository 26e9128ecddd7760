"""The fast read path: rows of `.values()`, represented by a plan compiled from the declared
serializer fields, once per serializer class.

A serializer's declared fields are the one description of what the API sends: drf-spectacular
documents them, and `compile_plan` derives from each one how to read its value off a values row
(the column its `source` names, converted as the field would convert it). DRF's generic walk
over the same fields, an attribute lookup, a callable check and a nested serializer per field,
cost about 0.7 ms a row, most of a 50-row page; model instances for each row and its joined
rows cost as much again. tests/test_api_representation.py proves both paths give the same JSON.

A field whose value is computed declares the columns it reads, on the field itself:
`RowMethodField(columns=...)` (whose `get_<name>` method takes the row), or a field class
mixing in `FromRow` (a function of those columns, which the model uses too).
"""

import re
from collections.abc import Mapping
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from rest_framework import fields, relations, serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings


class Links:
    """The API's links for one request: each view's URL reversed once, then filled in per
    row. Reversing three links for each of 50 rows was a large part of a list's time."""

    PLACEHOLDER = "0-placeholder-0"

    def __init__(self, request):
        self._request = request
        self._patterns = {}

    # What Django's reverse() leaves as it is in a path argument (quote()'s safe characters).
    _SAFE = "!$&'()*+,;=/~:@"
    _AS_IS = re.compile(r"[A-Za-z0-9_.\-" + re.escape(_SAFE) + "]*")

    @classmethod
    def _quoted(cls, value):
        # As Django's reverse() quotes a path argument; a code or an id needs no quoting.
        text = str(value)
        return text if cls._AS_IS.fullmatch(text) else quote(text, safe=cls._SAFE)

    def url(self, view_name, kwarg, value):
        pattern = self._patterns.get((view_name, kwarg))
        if pattern is None:
            pattern = reverse(
                view_name, kwargs={kwarg: self.PLACEHOLDER}, request=self._request
            ).replace(self.PLACEHOLDER, "{}")
            self._patterns[view_name, kwarg] = pattern
        return pattern.format(self._quoted(value))


class FromRow:
    """A field whose value is a function of some columns of its row: `from_row(*values)`. The
    model computes the same attribute with the same function, which DRF's walk reads."""

    def __init__(self, *args, columns, from_row, **kwargs):
        self.columns, self.from_row = tuple(columns), from_row
        super().__init__(*args, **kwargs)


class RowMethodField(serializers.SerializerMethodField):
    """A computed field: `get_<name>(row)` on the serializer makes its value from `columns`
    of a values row. Given a model instance instead (DRF's generic walk), the same columns
    are read off it by their paths, so the method is written once, for rows."""

    def __init__(self, *, columns, lists=None, **kwargs):
        # lists: {name: columns} of lists of related rows it reads, such as selectors.
        # attach_related fills in.
        self.columns, self.lists = tuple(columns), dict(lists or {})
        super().__init__(**kwargs)

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            row = instance
        else:
            row = row_of(instance, self.columns)
            for name, columns in self.lists.items():
                row[name] = [row_of(item, columns) for item in getattr(instance, name).all()]
        return getattr(self.parent, self.method_name)(row)


def row_of(instance, columns):
    """The values row `columns` would give for a model instance: each path followed through
    its relations, None past a missing one."""
    return {column: _follow(instance, column.split("__")) for column in columns}


def _follow(value, attrs):
    for attr in attrs:
        try:
            value = getattr(value, attr)
        except ObjectDoesNotExist:
            return None
        if value is None:
            return None
    return value


# Fields whose representation of a value read from the database is the value itself.
_AS_IS = {
    fields.CharField,
    fields.SlugField,
    fields.IntegerField,
    fields.BooleanField,
    fields.ChoiceField,
    fields.URLField,
}


class Plan:
    """How one serializer class represents a row: `getters`, (name, getter(row, serializer))
    pairs in the declared order; `columns`, the `.values()` paths they read; `lists`, the
    names of the rows' lists of related rows, which the view fills in."""

    def __init__(self):
        self.getters, self.columns, self.lists = [], [], []

    def read(self, column):
        if column not in self.columns:
            self.columns.append(column)
        return column


def compile_plan(serializer):
    plan = Plan()
    model = serializer.Meta.model
    plan.read(model._meta.pk.name)  # the row's identity, which related rows are matched by
    for name, field in serializer.fields.items():
        if not field.write_only:
            plan.getters.append((name, _getter(plan, field, prefix="", model=model)))
    return plan


def _path(prefix, field):
    return prefix + "__".join(field.source_attrs)


def _getter(plan, field, *, prefix, model):
    if isinstance(field, RowMethodField | FromRow):
        if prefix:
            raise TypeError(f"{field.field_name}: a computed field nested with a prefix")
        columns = [plan.read(column) for column in field.columns]
        if isinstance(field, RowMethodField):
            plan.lists.extend(name for name in field.lists if name not in plan.lists)
            method_name = field.method_name
            return lambda row, rep: getattr(rep, method_name)(row)
        function, convert = field.from_row, field.to_representation
        return lambda row, rep: convert(function(*[row[column] for column in columns]))
    if isinstance(field, serializers.SerializerMethodField):
        raise TypeError(f"{field.field_name}: declare it a RowMethodField, with its columns")
    if isinstance(field, serializers.ListSerializer):
        name, child = _path(prefix, field), field.child
        plan.lists.append(name)
        if isinstance(child, FastRepresentation):
            # Its own plan, and a serializer instance for its computed fields.
            key = f"_nested_{field.field_name}"

            def nested_rows(row, rep):
                inner = rep.__dict__.get(key)
                if inner is None:
                    inner = rep.__dict__[key] = type(child)(context=rep.context)
                return [inner.to_representation(item) for item in row[name]]

            return nested_rows
        inner = _inline(Plan(), child, prefix="")  # columns of the related rows
        return lambda row, rep: [inner(item, rep) for item in row[name]]
    if isinstance(field, serializers.Serializer):
        return _inline(
            plan, field, prefix=prefix if field.source == "*" else _path(prefix, field) + "__"
        )
    if isinstance(field, relations.ManyRelatedField):
        name, slug = _path(prefix, field), field.child_relation.slug_field
        plan.lists.append(name)
        return lambda row, rep: [item[slug] for item in row[name]]
    if isinstance(field, relations.SlugRelatedField):
        return _column(plan.read(_path(prefix, field) + "__" + field.slug_field))
    if isinstance(field, relations.HyperlinkedRelatedField):
        lookup = field.lookup_field
        if lookup == "pk":
            lookup = model._meta.pk.name
        if isinstance(field, relations.HyperlinkedIdentityField):
            column = plan.read(prefix + lookup)
        else:
            column = plan.read(_path(prefix, field) + "__" + lookup)
        view_name, kwarg = field.view_name, field.lookup_url_kwarg
        return lambda row, rep: rep.links.url(view_name, kwarg, row[column])
    attrs = field.source_attrs
    if len(attrs) == 1 and attrs[0].startswith("get_") and attrs[0].endswith("_display"):
        # A choice's label, as Model.get_FOO_display() gives it.
        column = plan.read(prefix + attrs[0][4:-8])
        model_field = model._meta.get_field(column)
        labels = {value: str(label) for value, label in model_field.flatchoices}
        return lambda row, rep: labels[row[column]]
    column = plan.read(_path(prefix, field))
    if getattr(field, "as_is", False) or type(field) in _AS_IS:
        return _column(column)
    if _iso_8601(field, fields.DateTimeField, api_settings.DATETIME_FORMAT):
        return _datetime(column, field)
    if _iso_8601(field, fields.DateField, api_settings.DATE_FORMAT):
        return lambda row, rep: None if (value := row[column]) is None else value.isoformat()
    convert = getattr(field, "convert", None) or field.to_representation
    return lambda row, rep: None if (value := row[column]) is None else convert(value)


def _iso_8601(field, kind, default_format):
    """Whether `field` is a `kind` (DRF's DateTimeField or DateField, not a subclass that
    represents values its own way) that writes ISO 8601."""
    return (
        isinstance(field, kind)
        and type(field).to_representation is kind.to_representation
        and str(getattr(field, "format", default_format)).lower() == fields.ISO_8601
        and not hasattr(field, "timezone")
    )


def _datetime(column, field):
    """DateTimeField.to_representation, in the time zone of the representation (`rep`) read
    once: DRF reads the current time zone for each value, through asgiref's context-local
    storage, which was a third of the time a page of commitments took to represent."""

    def represent(row, rep):
        value = row[column]
        if value is None:
            return None
        zone = rep.time_zone
        if zone is None or value.tzinfo is None:
            return field.to_representation(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return field.to_representation(value)  # DRF's own error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


def _column(column):
    return lambda row, rep: row[column]


def _inline(plan, serializer, *, prefix):
    """A nested serializer without computed fields: its getters, read with `prefix`."""
    getters = [
        (name, _getter(plan, field, prefix=prefix, model=None))
        for name, field in serializer.fields.items()
    ]
    return lambda row, rep: {name: getter(row, rep) for name, getter in getters}


class FastRepresentation:
    """Represents a values row by the plan compiled from the serializer's declared fields (see
    the module's docstring). A model instance, as DRF's own views and the tests may pass,
    gets DRF's generic representation of the same fields."""

    _plans = {}

    @classmethod
    def plan(cls):
        plan = FastRepresentation._plans.get(cls)
        if plan is None:
            plan = FastRepresentation._plans[cls] = compile_plan(cls())
        return plan

    @classmethod
    def columns(cls):
        return cls.plan().columns

    @property
    def time_zone(self):
        """The time zone times are given in, as DateTimeField's default_timezone(): the
        current one, the same for every row of a response."""
        if "_time_zone" not in self.__dict__:
            self._time_zone = timezone.get_current_timezone() if settings.USE_TZ else None
        return self._time_zone

    @property
    def links(self):
        if "_links" not in self.__dict__:
            self._links = Links(self.context.get("request"))
        return self._links

    def to_representation(self, row):
        if not isinstance(row, Mapping):
            return super().to_representation(row)
        return {name: getter(row, self) for name, getter in self.plan().getters}
