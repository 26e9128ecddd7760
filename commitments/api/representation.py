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
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils import timezone
from rest_framework import fields, relations, serializers
from rest_framework.reverse import preserve_builtin_query_params, reverse
from rest_framework.settings import api_settings


class Links:
    """The API's links for one request: each view's URL made once, then filled in per row.
    Reversing three links for each of 50 rows was a large part of a list's time. The path is
    reversed once per process (_path_pattern); each request makes it absolute for its own
    host, with its own `?format=`, as DRF's reverse() would (the API uses no versioning)."""

    PLACEHOLDER = "0-placeholder-0"

    def __init__(self, request):
        self._request = request
        self._patterns = {}

    def url(self, view_name, kwarg, value):
        return self.pattern(view_name, kwarg).format(quoted(value))

    def pattern(self, view_name, kwarg):
        """The URL of `view_name` with "{}" for its argument `kwarg`, for str.format."""
        pattern = self._patterns.get((view_name, kwarg))
        if pattern is None:
            pattern = self._patterns[view_name, kwarg] = self._pattern(view_name, kwarg)
        return pattern

    def _pattern(self, view_name, kwarg):
        request = self._request
        if request is None or getattr(request, "versioning_scheme", None) is not None:
            url = reverse(view_name, kwargs={kwarg: self.PLACEHOLDER}, request=request)
        else:
            urlconf = get_urlconf() or settings.ROOT_URLCONF
            path = _path_pattern(view_name, kwarg, urlconf, get_script_prefix())
            url = preserve_builtin_query_params(request.build_absolute_uri(path), request)
        return url.replace(self.PLACEHOLDER, "{}")


# What Django's reverse() leaves as it is in a path argument (quote()'s safe characters).
_PATH_SAFE = "!$&'()*+,;=/~:@"
_PATH_AS_IS = re.compile(r"[A-Za-z0-9_.\-" + re.escape(_PATH_SAFE) + "]*")


def quoted(value):
    """`value` as Django's reverse() quotes a path argument; a code or an id needs no
    quoting."""
    text = str(value)
    return text if _PATH_AS_IS.fullmatch(text) else quote(text, safe=_PATH_SAFE)


@lru_cache(maxsize=256)
def _path_pattern(view_name, kwarg, urlconf, script_prefix):
    """The path of `view_name` with Links.PLACEHOLDER for `kwarg`: Django's reverse(), which
    reads the thread's URLconf and script prefix (the key, with the view)."""
    return django_reverse(view_name, kwargs={kwarg: Links.PLACEHOLDER}, urlconf=urlconf)


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
    names of the rows' lists of related rows, which the view fills in; `bind(serializer)`,
    the function that makes a row's whole dict for that serializer (one per response).

    Each field compiles to a Python expression of `row` and `rep` (the serializer), reading
    the row's columns by their names, calling what it needs from `names` and reading what is
    the same for every row of a response (the time zone, a link's pattern) once, in
    `bind`: a row is one dict display. A closure per field, nested dicts through closures of
    their own, and the time zone and link patterns looked up for each value cost about a
    fifth of a page of 50 commitments' representation."""

    def __init__(self):
        self.getters, self.columns, self.lists = [], [], []
        self.names, self.per_response = {}, {}
        self.bind = None

    def read(self, column):
        if column not in self.columns:
            self.columns.append(column)
        return column

    def name(self, value):
        """A name for `value` in the compiled code."""
        name = f"_{len(self.names)}"
        self.names[name] = value
        return name

    def once(self, source):
        """A name for the value of `source`, an expression of `rep`, read once a response."""
        name = self.per_response.get(source)
        if name is None:
            name = self.per_response[source] = f"_r{len(self.per_response)}"
        return name

    def compile(self, source):
        """`bind`: the function of a serializer that gives the function of a row that gives
        the expression `source`."""
        lines = ["def bind(rep):"]
        lines += [f"    {name} = {value}" for value, name in self.per_response.items()]
        lines += [f"    return lambda row: {source}"]
        # The source is made here, of identifiers, reprs of names and `names`' names.
        namespace = dict(self.names)
        exec("\n".join(lines), namespace)
        return namespace["bind"]


def _dict_display(entries):
    return "{" + ", ".join(f"{name!r}: {source}" for name, source in entries) + "}"


def compile_plan(serializer):
    plan = Plan()
    model = serializer.Meta.model
    plan.read(model._meta.pk.name)  # the row's identity, which related rows are matched by
    entries = [
        (name, _source(plan, field, prefix="", model=model, row="row"))
        for name, field in serializer.fields.items()
        if not field.write_only
    ]
    plan.getters = [(name, _getter(plan.compile(source))) for name, source in entries]
    plan.bind = plan.compile(_dict_display(entries))
    return plan


def _getter(bind):
    return lambda row, rep: bind(rep)(row)


def _path(prefix, field):
    return prefix + "__".join(field.source_attrs)


def _source(plan, field, *, prefix, model, row):
    """The expression of `field`'s value, read off the values row named `row`."""
    if isinstance(field, RowMethodField | FromRow):
        if prefix:
            raise TypeError(f"{field.field_name}: a computed field nested with a prefix")
        columns = [plan.read(column) for column in field.columns]
        if isinstance(field, RowMethodField):
            plan.lists.extend(name for name in field.lists if name not in plan.lists)
            return f"rep.{field.method_name}({row})"
        values = ", ".join(f"{row}[{column!r}]" for column in columns)
        convert, function = plan.name(field.to_representation), plan.name(field.from_row)
        return f"{convert}({function}({values}))"
    if isinstance(field, serializers.SerializerMethodField):
        raise TypeError(f"{field.field_name}: declare it a RowMethodField, with its columns")
    if isinstance(field, serializers.ListSerializer):
        name, child = _path(prefix, field), field.child
        plan.lists.append(name)
        if isinstance(child, FastRepresentation):
            # Its own plan, and a serializer instance for its computed fields.
            nested = plan.name(_nested_rows(f"_nested_{field.field_name}", child))
            return f"{nested}({row}[{name!r}], rep)"
        item = f"{row}_"
        inner = _inline(Plan(), child, prefix="", row=item)  # columns of the related rows
        return f"[{inner} for {item} in {row}[{name!r}]]"
    if isinstance(field, serializers.Serializer):
        prefix = prefix if field.source == "*" else _path(prefix, field) + "__"
        return _inline(plan, field, prefix=prefix, row=row)
    if isinstance(field, relations.ManyRelatedField):
        name, slug = _path(prefix, field), field.child_relation.slug_field
        plan.lists.append(name)
        item = f"{row}_"
        return f"[{item}[{slug!r}] for {item} in {row}[{name!r}]]"
    if isinstance(field, relations.SlugRelatedField):
        column = plan.read(_path(prefix, field) + "__" + field.slug_field)
        return f"{row}[{column!r}]"
    if isinstance(field, relations.HyperlinkedRelatedField):
        lookup = field.lookup_field
        if lookup == "pk":
            lookup = model._meta.pk.name
        if isinstance(field, relations.HyperlinkedIdentityField):
            column = plan.read(prefix + lookup)
        else:
            column = plan.read(_path(prefix, field) + "__" + lookup)
        view_name, kwarg = field.view_name, field.lookup_url_kwarg
        pattern = plan.once(f"rep.links.pattern({view_name!r}, {kwarg!r})")
        return f"{pattern}.format({plan.name(quoted)}({row}[{column!r}]))"
    attrs = field.source_attrs
    if len(attrs) == 1 and attrs[0].startswith("get_") and attrs[0].endswith("_display"):
        # A choice's label, as Model.get_FOO_display() gives it: in the language of the
        # response, so the labels are made once a response, not once a process.
        column = plan.read(prefix + attrs[0][4:-8])
        model_field = model._meta.get_field(column)
        labels = plan.once(f"{plan.name(_labels)}({plan.name(model_field.flatchoices)})")
        return f"{labels}[{row}[{column!r}]]"
    column = plan.read(_path(prefix, field))
    value = f"{row}[{column!r}]"
    if getattr(field, "as_is", False) or type(field) in _AS_IS:
        return value
    if _iso_8601(field, fields.DateTimeField, api_settings.DATETIME_FORMAT):
        convert = f"{plan.name(_datetime(field))}(_v, {plan.once('rep.time_zone')})"
    elif _iso_8601(field, fields.DateField, api_settings.DATE_FORMAT):
        convert = "_v.isoformat()"
    else:
        convert = f"{plan.name(getattr(field, 'convert', None) or field.to_representation)}(_v)"
    # (_v, bound by :=, is the function's local, read at once: one name serves every field.)
    return f"(None if (_v := {value}) is None else {convert})"


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _nested_rows(key, child):
    def nested_rows(rows, rep):
        inner = rep.__dict__.get(key)
        if inner is None:
            inner = rep.__dict__[key] = type(child)(context=rep.context)
        if hasattr(inner, "read_ahead"):  # what the rows show beside their columns (cited.py)
            inner.read_ahead(rows)
        return [inner.to_representation(item) for item in rows]

    return nested_rows


def _iso_8601(field, kind, default_format):
    """Whether `field` is a `kind` (DRF's DateTimeField or DateField, not a subclass that
    represents values its own way) that writes ISO 8601."""
    return (
        isinstance(field, kind)
        and type(field).to_representation is kind.to_representation
        and str(getattr(field, "format", default_format)).lower() == fields.ISO_8601
        and not hasattr(field, "timezone")
    )


def _datetime(field):
    """DateTimeField.to_representation of a value that is not None, in the time zone of the
    representation (`zone`, read once a response): DRF reads the current time zone for each
    value, through asgiref's context-local storage, which was a third of the time a page of
    commitments took to represent."""

    def represent(value, zone):
        if zone is None or value.tzinfo is None:
            return field.to_representation(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return field.to_representation(value)  # DRF's own error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


def _inline(plan, serializer, *, prefix, row):
    """A nested serializer without computed fields: the dict display of its fields, read
    with `prefix` off `row`."""
    return _dict_display(
        (name, _source(plan, field, prefix=prefix, model=None, row=row))
        for name, field in serializer.fields.items()
    )


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
        if type(row) is not dict and not isinstance(row, Mapping):
            return super().to_representation(row)
        represent = self.__dict__.get("_represent")
        if represent is None:
            represent = self._represent = self.plan().bind(self)
        return represent(row)
