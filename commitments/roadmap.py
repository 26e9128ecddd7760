"""Loads the Roadmap's reference data, commitments and figures from the reviewed data file.

The data file (commitments/data/paris_roadmap.yaml) holds the Roadmap's own commitments as
published. Loading it creates what is missing; rows that exist are left as analysts and
editors keep them, and where they differ from the file the report says so. With sync=True
(`load_roadmap --sync`) those rows are brought back to the file instead. Loading again changes
nothing; status history is never touched. A file with any error is rejected whole, with every
error named by its entry, and nothing is written.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from commitments.models import (
    Commitment,
    CommitmentPartner,
    Indicator,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    Theme,
    start_of_day,
)
from commitments.services import (
    COMMITMENT_EDITABLE_FIELDS,
    COMMITMENT_SOURCE_FIELDS,
    save_commitment,
)

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "paris_roadmap.yaml"


@dataclass(frozen=True)
class Section:
    name: str
    model: type
    key: str
    fields: tuple[str, ...]
    # file key -> (model field, section it refers to)
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    many: dict[str, str] = field(default_factory=dict)  # many-to-many field -> section
    # Optional lists that pick some of an entry's own many-to-many values:
    # file key -> the many-to-many field they are picked from.
    picks: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self):
        return {self.key, *self.fields, *self.references, *self.many, *self.picks}

    @property
    def required_keys(self):
        return self.keys - set(self.picks)


SECTIONS = (
    Section(
        "documents",
        SourceDocument,
        "slug",
        ("short_name", "title", "issuer", "issued_on", "url", "description"),
    ),
    Section("pillars", Pillar, "slug", ("name", "description", "display_order")),
    Section("themes", Theme, "slug", ("name", "description")),
    Section("places", Place, "slug", ("name", "kind"), references={"parent": ("parent", "places")}),
    Section("partners", Partner, "slug", ("name", "kind", "description")),
    Section(
        "commitments",
        Commitment,
        "code",
        ("title", "text", "paragraph", "target_date", "update_cadence_days"),
        references={
            "document": ("source_document", "documents"),
            "pillar": ("pillar", "pillars"),
            "parent": ("parent", "commitments"),
        },
        many={"themes": "themes", "places": "places", "partners": "partners"},
        # Few commitments say who leads: the others leave the key out.
        picks={"lead_partners": "partners"},
    ),
    # The Roadmap's own figures, each the baseline of an indicator: of the commitment it
    # measures, or (commitment: null) of the Roadmap's context.
    Section(
        "indicators",
        Indicator,
        "slug",
        (
            "name",
            "description",
            *Indicator.MEASURE_FIELDS,
            *Indicator.BASELINE_FIELDS,
            *Indicator.BASELINE_QUOTE_FIELDS,
            *Indicator.TARGET_FIELDS,
        ),
        references={
            "commitment": ("commitment", "commitments"),
            "baseline_document": ("baseline_source", "documents"),
        },
    ),
)


class RoadmapDataError(Exception):
    def __init__(self, path, errors):
        self.errors = errors
        listed = "\n".join(f"  - {error}" for error in errors)
        super().__init__(f"{path} has {len(errors)} error(s); nothing was written:\n{listed}")


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    # Rows left as they are although they differ from the file: "MIL-3 (title, themes)".
    differing: dict = field(default_factory=dict)

    @property
    def changed_anything(self):
        return bool(self.created or self.updated)

    def lines(self):
        for section in SECTIONS:
            name = section.name
            kept = len(self.differing.get(name, []))
            yield (
                f"{name}: {self.created[name]} created, {self.updated[name]} updated, "
                f"{self.unchanged[name]} unchanged"
                + (f", {kept} kept although they differ from the file" if kept else "")
            )
        for name, rows in self.differing.items():
            for row in rows:
                yield f"  kept as edited: {name} {row}"


def load_roadmap(path=DEFAULT_DATA_FILE, *, sync=False) -> LoadReport:
    path = Path(path)
    data = _read(path)
    errors = _check_structure(data)
    if errors:
        raise RoadmapDataError(path, errors)
    report = LoadReport()
    with transaction.atomic():
        errors = _write(data, report, sync)
        if errors:
            # Leaving the block with an exception rolls back everything written so far.
            raise RoadmapDataError(path, errors)
    return report


def _read(path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RoadmapDataError(path, [f"cannot read the file: {error.strerror}"]) from error
    try:
        # libyaml's parser, where PyYAML was built with it, is ten times faster.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise RoadmapDataError(path, [f"not valid YAML: {error}"]) from error
    if not isinstance(data, dict):
        raise RoadmapDataError(path, ["the file must be a mapping of sections"])
    return data


def _label(section, index, entry):
    key = entry.get(section.key) if isinstance(entry, dict) else None
    return f"{section.name}[{index}]" + (f" ({key})" if isinstance(key, str) and key else "")


def _check_structure(data):
    """Checks what the models cannot: the file's shape, duplicate keys and references."""
    errors = []
    unknown_sections = set(data) - {section.name for section in SECTIONS}
    errors += [f"unknown section '{name}'" for name in sorted(unknown_sections)]
    seen = {}
    for section in SECTIONS:
        entries = data.get(section.name)
        if not isinstance(entries, list):
            errors.append(f"section '{section.name}' is missing or is not a list")
            continue
        seen[section.name] = set()
        for index, entry in enumerate(entries):
            label = _label(section, index, entry)
            if not isinstance(entry, dict):
                errors.append(f"{label}: each entry must be a mapping of fields")
                continue
            missing = section.required_keys - set(entry)
            unknown = set(entry) - section.keys
            errors += [f"{label}: missing field '{name}'" for name in sorted(missing)]
            errors += [f"{label}: unknown field '{name}'" for name in sorted(unknown)]
            not_text = [
                name
                for name in [section.key, *section.references]
                if entry.get(name) is not None and not isinstance(entry.get(name), str)
            ] + [
                name
                for name in section.many
                if isinstance(entry.get(name), list)
                and not all(isinstance(value, str) for value in entry[name])
            ]
            not_text += [
                name
                for name in section.picks
                if name in entry
                and not (
                    isinstance(entry[name], list)
                    and all(isinstance(value, str) for value in entry[name])
                )
            ]
            if not_text:
                errors += [f"{label}: {name} must be text (a slug or code)" for name in not_text]
                continue
            key = entry.get(section.key)
            if key in seen[section.name]:
                errors.append(f"{label}: {section.key} '{key}' is listed twice")
            for file_key, (_, target) in section.references.items():
                value = entry.get(file_key)
                if value is not None and value not in seen.get(target, ()):
                    where = "before it" if target == section.name else f"in '{target}'"
                    errors.append(f"{label}: {file_key} '{value}' is not listed {where}")
            for file_key, target in section.many.items():
                values = entry.get(file_key)
                if not isinstance(values, list):
                    errors.append(f"{label}: {file_key} must be a list (may be empty)")
                    continue
                errors += [
                    f"{label}: {file_key} '{value}' is not listed in '{target}'"
                    for value in values
                    if value not in seen.get(target, ())
                ]
            for file_key, among in section.picks.items():
                chosen = entry.get(file_key, [])
                errors += [
                    f"{label}: {file_key} '{value}' is not one of its {among}"
                    for value in chosen
                    if value not in (entry.get(among) or [])
                ]
            seen[section.name].add(key)
    return errors


def _write(data, report, sync):
    """Creates every missing entry and, with sync, updates the ones that differ; collects each
    entry's validation errors."""
    errors = []
    saved = {}  # section name -> key -> saved instance
    for section in SECTIONS:
        saved[section.name] = {}
        existing = section.model.objects.in_bulk(
            [entry[section.key] for entry in data[section.name]], field_name=section.key
        )
        for index, entry in enumerate(data[section.name]):
            key = entry[section.key]
            instance = existing.get(key) or section.model(**{section.key: key})
            wanted = {name: entry[name] for name in section.fields}
            for file_key, (model_field, target) in section.references.items():
                wanted[model_field] = saved[target].get(entry[file_key])
            before = _values(instance, wanted)
            for name, value in wanted.items():
                setattr(instance, name, "" if value is None and _is_text(instance, name) else value)
            # A pick left out of the file picks none (no partner leads).
            targets = {
                **section.many,
                **{name: section.many[among] for name, among in section.picks.items()},
            }
            tags = {
                name: {
                    saved[target][slug].pk for slug in entry.get(name, []) if slug in saved[target]
                }
                for name, target in targets.items()
            }
            try:
                # full_clean converts the file's values to the fields' types, so that an
                # unchanged entry compares equal to its row.
                instance.full_clean(exclude=list(section.many))
            except ValidationError as error:
                errors += _messages(section, index, entry, error)
                continue
            saved[section.name][key] = instance
            if instance.pk is None:
                _save(instance, tags)
                report.created[section.name] += 1
                continue
            differences = [
                name for name in wanted if before[name] != _values(instance, [name])[name]
            ]
            differences += [name for name, pks in tags.items() if _linked(instance, name) != pks]
            if not differences:
                report.unchanged[section.name] += 1
            elif sync:
                _save(instance, tags)
                report.updated[section.name] += 1
            else:
                report.differing.setdefault(section.name, []).append(
                    f"{key} ({', '.join(differences)})"
                )
    return errors


def _messages(section, index, entry, error):
    return [
        f"{_label(section, index, entry)}: "
        + ("" if name == NON_FIELD_ERRORS else f"{name}: ")
        + message
        for name, messages in error.message_dict.items()
        for message in messages
    ]


def _values(instance, names):
    """The instance's values of these fields, foreign keys as ids (which never query)."""
    return {name: getattr(instance, instance._meta.get_field(name).attname) for name in names}


def _linked(instance, name):
    """The ids an entry's many-to-many field (or pick of one) holds in the database."""
    if name == "lead_partners":
        links = CommitmentPartner.objects.filter(commitment=instance).leads()
        return set(links.values_list("partner_id", flat=True))
    return set(getattr(instance, name).values_list("pk", flat=True))


def _is_text(instance, name):
    field_ = instance._meta.get_field(name)
    return not field_.null and field_.get_internal_type() in {"CharField", "TextField", "URLField"}


def _save(instance, tags):
    instance._change_reason = "load_roadmap"  # shown in the object's history
    if isinstance(instance, Commitment):
        save_commitment(
            instance,
            validated=True,
            # A commitment of the file stands from the day its document adopted it, not from
            # the day it was loaded: reads as of a date (the Roadmap at a past meeting) find it
            # from then. Its history still says when it was loaded. (Edits keep the date.)
            created_at=start_of_day(instance.source_document.issued_on),
            fields=[*COMMITMENT_SOURCE_FIELDS, *COMMITMENT_EDITABLE_FIELDS],
            **tags,
        )
    else:
        instance.save()
