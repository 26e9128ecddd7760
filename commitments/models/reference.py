"""The Roadmap's reference data: source documents, pillars, themes, places and partners (and the
slug and ancestry check they share). Not commitments, nor what partners contribute."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.models.bounds import (
    MAX_DISPLAY_ORDER,
    _date_in_range,
    _date_range_message,
    _date_validators,
)


def _ancestor_ids(node):
    """The ids of a node's parent, its parent's parent, and so on. Stops at a cycle, should one
    ever exist, instead of looping."""
    seen = []
    ancestor = node.parent
    while ancestor is not None and ancestor.pk not in seen:
        seen.append(ancestor.pk)
        ancestor = ancestor.parent
    return seen


def _slug_field(**kwargs):
    return models.SlugField(
        max_length=60,
        unique=True,
        help_text=_("Stable identifier used in URLs and the API."),
        **kwargs,
    )


def _parent_field(help_text):
    """The wider one of the same model this one belongs to, in a tree (_ancestor_ids)."""
    return models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=help_text,
    )


class SourceDocument(models.Model):
    slug = _slug_field()
    short_name = models.CharField(max_length=100, help_text=_("How analysts refer to it."))
    title = models.CharField(max_length=300, help_text=_("Full title as published."))
    issuer = models.CharField(max_length=300, help_text=_("Who adopted or published it."))
    issued_on = models.DateField(
        validators=_date_validators(_("The date of adoption")),
        help_text=_("Date of adoption. No status update can be dated before it."),
    )
    url = models.URLField(
        _("URL"), max_length=500, blank=True, help_text=_("Where the text is published.")
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["issued_on", "short_name"]
        verbose_name = _("source document")
        constraints = [
            models.CheckConstraint(
                condition=_date_in_range("issued_on"),
                name="sourcedocument_issued_on_range",
                violation_error_message=_date_range_message(_("The date of adoption")),
            ),
        ]

    def __str__(self):
        return f"{self.short_name} ({self.issued_on:%d %b %Y})"


class Pillar(models.Model):
    """A line of effort of the Roadmap: military, humanitarian, stabilization, ..."""

    slug = _slug_field()
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    display_order = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_DISPLAY_ORDER)],
        help_text=_("Pillars are listed in this order (lowest first)."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(display_order__gte=0, display_order__lte=MAX_DISPLAY_ORDER),
                name="pillar_display_order_range",
                violation_error_message=format_lazy(
                    _("The display order is a number from 0 to {max}."), max=MAX_DISPLAY_ORDER
                ),
            ),
        ]

    def __str__(self):
        return self.name


class Theme(models.Model):
    """A cross-cutting tag, such as foreign terrorist fighters or gender and women's inclusion."""

    slug = _slug_field()
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Place(models.Model):
    class Kind(models.TextChoices):
        GLOBAL = "global", _("Global")
        REGION = "region", _("Region")
        COUNTRY = "country", _("Country")
        AREA = "area", _("Area within a country")

    slug = _slug_field()
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = _parent_field(_("The wider place this one lies in, e.g. Syria for northeast Syria."))
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["global", "region", "country", "area"]),
                name="place_kind_valid",
                violation_error_message=_("Choose a kind of place from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="place_not_own_parent",
                violation_error_message=_("A place cannot lie within itself."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.pk is not None and self.pk in _ancestor_ids(self):
            raise ValidationError({"parent": _("A place cannot lie within itself.")})


class PartnerKind(models.TextChoices):
    MEMBER_STATE = "member_state", _("Coalition member state")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    LOCAL_PARTNER = "local_partner", _("Local partner")
    WORKING_GROUP = "working_group", _("Working group")
    OTHER = "other", _("Other")


class Partner(models.Model):
    """Who works with the Coalition, or within it: a member state, an organisation, a local
    partner, a working group. The Roadmap's own partners come from its data file; members
    are added by Editors, since the Roadmap counts them ("The 80 members") without naming
    them."""

    Kind = PartnerKind

    slug = _slug_field()
    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(
        max_length=30,
        choices=PartnerKind.choices,
        help_text=_(
            "A Coalition member state only where it is known to be a member; a "
            "government the Coalition supports is other."
        ),
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PartnerKind.values),
                name="partner_kind_valid",
                violation_error_message=_("Choose a kind of partner from the list."),
            ),
        ]

    def __str__(self):
        return self.name
