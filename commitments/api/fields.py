"""Serializer fields and helpers that several resource families share: optional text sent as
null and taken as null, the write serializer that refuses what it does not accept, a reference
by slug and name, people named by person_name's rule, figures as decimal strings. Reads and
writes have serializers of their own (in each family's module), so that the documentation shows
dashboards exactly what they get and scripts exactly what they may send."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from rest_framework import serializers

from commitments.api.representation import FromRow, RowMethodField
from commitments.models import RELEASABILITY_MEANING, Releasability, ReviewState
from commitments.models.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_CODES,
    active_language,
    in_language,
    language_columns,
)
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


def _in_active_language(*texts):
    """A translated text in the active language, or English: `texts` by LANGUAGE_CODES."""
    return in_language(dict(zip(LANGUAGE_CODES, texts, strict=True)), active_language())[0]


TRANSLATED_HELP = (
    "In the language of the response, or in English where it has no translation (then listed "
    "in in_english)."
)


class TranslatedCharField(FromRow, serializers.CharField):
    """A text Editors may translate (commitments/translation.py): in the language of the
    response, or in English where it has none, which the representation's `in_english` says.
    Read off a row from its language columns; off a model instance, modeltranslation's attribute
    gives the same."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", TRANSLATED_HELP)
        super().__init__(columns=(), from_row=_in_active_language, read_only=True, **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.columns = tuple(language_columns("__".join(self.source_attrs)))


IN_ENGLISH_HELP = (
    "JSON Pointers (RFC 6901), relative to this object, to its texts that are in English for "
    "lack of a translation into the language of the response (Content-Language); empty in "
    "English. The Roadmap's adopted text and quotes from sources are always English, as "
    "adopted, and are not listed."
)


class InEnglishField(RowMethodField):
    """The `in_english` of a representation: pointers to its translated texts shown in English
    for lack of a translation. `texts`: {pointer: path of the translated field in the row};
    `lists`: {list name: (the field of each item, its pointer within the item)}. The
    serializer's `in_english_of(row)` (MarksEnglish) gives them."""

    def __init__(self, *, texts, lists=None, **kwargs):
        self.texts = {pointer: language_columns(path) for pointer, path in texts.items()}
        self.list_texts = {
            name: (language_columns(field), pointer)
            for name, (field, pointer) in (lists or {}).items()
        }
        super().__init__(
            columns=[column for columns in self.texts.values() for column in columns],
            lists={name: columns for name, (columns, _) in self.list_texts.items()},
            method_name="in_english_of",
            help_text=IN_ENGLISH_HELP,
            **kwargs,
        )

    def pointers(self, row):
        language = active_language()
        if language == DEFAULT_LANGUAGE:
            return []
        index = LANGUAGE_CODES.index(language)
        found = [pointer for pointer, columns in self.texts.items() if not row[columns[index]]]
        for name, (columns, pointer) in self.list_texts.items():
            found += [
                f"/{name}/{position}{pointer}"
                for position, item in enumerate(row[name])
                if not item[columns[index]]
            ]
        return found


class MarksEnglish:
    """A serializer with an InEnglishField named in_english."""

    def in_english_of(self, row) -> list[str]:
        return self.fields["in_english"].pointers(row)


class RefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = TranslatedCharField()


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
