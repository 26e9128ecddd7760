"""Serializer fields and helpers that several resource families share: optional text sent as
null and taken as null, the write serializer that refuses what it does not accept, a reference
by slug and name, people named by person_name's rule, figures as decimal strings. Reads and
writes have serializers of their own (in each family's module), so that the documentation shows
dashboards exactly what they get and scripts exactly what they may send."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from rest_framework import serializers

from commitments.api.representation import FromRow
from commitments.models import RELEASABILITY_MEANING, Releasability, ReviewState
from commitments.people import person_name

# Times exactly as the declared fields give them.
_DATETIME = serializers.DateTimeField()


def _reader(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def format_datetime(value):
    return _DATETIME.to_representation(value) if value else None


def blank_as_null(text):
    """Optional text left empty is stored as "" and sent as null: one rule for every optional
    field, so that a typed client never meets an empty string where it expects a URL or a
    choice."""
    return text or None


class BlankAsNull:
    """An optional text field of a read serializer: null when empty, and declared nullable."""

    convert = staticmethod(blank_as_null)  # of a value read from the database

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return blank_as_null(super().to_representation(value) if value else "")


class OptionalCharField(BlankAsNull, serializers.CharField):
    pass


class OptionalURLField(BlankAsNull, serializers.URLField):
    pass


class OptionalChoiceField(BlankAsNull, serializers.ChoiceField):
    pass


class NullAsBlank:
    """An optional text field of a write serializer: null is accepted and stored as "" (the
    way the admin stores an empty field), so that a client may send back what it read."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, required=False, **kwargs)

    def to_internal_value(self, data):
        return "" if data is None else super().to_internal_value(data)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class OptionalURLInput(NullAsBlank, serializers.URLField):
    pass


class OptionalCharInput(NullAsBlank, serializers.CharField):
    pass


class OptionalChoiceInput(NullAsBlank, serializers.ChoiceField):
    pass


class StrictWriteSerializer(serializers.ModelSerializer):
    """Refuses fields it does not accept, instead of silently ignoring them: a client that
    tries to set an author, a code or a version learns that it cannot.

    What the server sets is what the written thing's representation shows (`shown_as`, the
    serializer that answers the write) and this serializer does not take, unless
    `server_set_fields` says otherwise."""

    shown_as = None
    server_set_fields = None

    def to_internal_value(self, data):
        if isinstance(data, dict):
            accepted = {name for name, field in self.fields.items() if not field.read_only}
            unknown = set(data) - accepted
            if unknown:
                server_set = self.server_set_fields
                if server_set is None:
                    server_set = set(self.shown_as().fields) - accepted
                raise serializers.ValidationError(
                    {
                        name: [gettext("This field cannot be set here.")]
                        if name in server_set
                        else [gettext("Unknown field.")]
                        for name in sorted(unknown)
                    }
                )
        return super().to_internal_value(data)


def correction_of(model, *, help_text):
    """The `corrects` of a new record: the id of an earlier record of `model`, if it corrects
    one (the recording service says which it may)."""
    return serializers.PrimaryKeyRelatedField(
        queryset=model.objects.all(), required=False, allow_null=True, help_text=help_text
    )


# What each marking means, as every record's `releasability` documents it.
_MARKINGS = " ".join(f"`{level}`: {RELEASABILITY_MEANING[level]}" for level in Releasability)


def releasability_field():
    """A record's marking, as its representation shows it."""
    return serializers.ChoiceField(
        choices=Releasability.choices,
        read_only=True,
        help_text=f"Who may read it, named by its author. {_MARKINGS}",
    )


def releasability_input(model):
    """The marking of a new record of `model`: optional, the project's default for its kind
    (RELEASABILITY_DEFAULT_<MODEL>) when not given. The recording service refuses one narrower
    than the author's clearance (Record.clean_marking), with nothing written."""
    return serializers.ChoiceField(
        choices=Releasability.choices,
        required=False,
        help_text=f"Who may read it. When not given, the project's default for a {model.noun} "
        f"(RELEASABILITY_DEFAULT_{model._meta.model_name.upper()}, `public` unless configured). "
        "No narrower than your clearance: you may mark a record only as you could read it "
        f"(400 otherwise). {_MARKINGS}",
    )


class RefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ChoiceFromRow(FromRow, serializers.ChoiceField):
    pass


def review_state_field(help_text):
    """A reviewed record's review state, from its decision (a release's too)."""
    return ChoiceFromRow(
        columns=["review__decision"],
        from_row=ReviewState.of,
        choices=ReviewState.choices,
        read_only=True,
        help_text=help_text,
    )


def reviewed_at_field():
    return serializers.DateTimeField(
        source="review.decided_at",
        read_only=True,
        allow_null=True,
        help_text="When it was approved or returned; null while pending.",
    )


PERSON = ("username", "first_name", "last_name")


def person_columns(path):
    """The columns a person is named from, `path` leading to a user."""
    return [f"{path}__{part}" for part in PERSON]


class NamesPeople:
    """Names the people of a row, by person_name's rule, for the serializer's reader."""

    @property
    def reader(self):
        if "_reader" not in self.__dict__:
            self._reader = _reader(self)
        return self._reader

    def name_of(self, row, path, *, acting_as):
        parts = tuple(row[f"{path}__{part}"] for part in PERSON)
        if parts[0] is None:  # nobody: every user has a login name
            return None
        names = self.__dict__.setdefault("_names", {})
        if (parts, acting_as) not in names:
            # A user as the row has them, for the user model's own get_full_name().
            user = get_user_model()(**dict(zip(PERSON, parts, strict=True)))
            names[parts, acting_as] = person_name(user, reader=self.reader, acting_as=acting_as)
        return names[parts, acting_as]


def iso_date(value):
    return None if value is None else value.isoformat()


def figure(value):
    """A decimal as the API writes a figure: a string, without trailing zeros ("7700000",
    "21.5"); never a float."""
    return None if value is None else format(value.normalize(), "f")
