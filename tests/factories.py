"""Factories for test data. Codes and slugs are sequences: tests never rely on primary keys."""

import datetime

import factory
from django.contrib.auth import get_user_model

from commitments.models import Commitment, Partner, Pillar, Place, SourceDocument, Theme
from commitments.services import save_commitment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")
    is_staff = True


class SourceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDocument

    slug = factory.Sequence(lambda n: f"document-{n}")
    short_name = factory.Sequence(lambda n: f"Document {n}")
    title = factory.LazyAttribute(lambda document: f"The {document.short_name}")
    issuer = "Political Directors"
    issued_on = datetime.date(2019, 6, 25)


class PillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pillar

    slug = factory.Sequence(lambda n: f"pillar-{n}")
    name = factory.Sequence(lambda n: f"Pillar {n}")
    display_order = factory.Sequence(int)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Theme {n}")


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    slug = factory.Sequence(lambda n: f"place-{n}")
    name = factory.Sequence(lambda n: f"Place {n}")
    kind = Place.Kind.COUNTRY


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = Partner.Kind.INTERNATIONAL_ORGANISATION


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    code = factory.Sequence(lambda n: f"TST-{n + 1}")
    title = factory.Sequence(lambda n: f"Commitment {n}")
    text = "We must do what we said we would do."
    source_document = factory.SubFactory(SourceDocumentFactory)
    paragraph = 6
    pillar = factory.SubFactory(PillarFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Made as the services make every commitment, search vector included; unvalidated, so
        # that a test may make one that an editor could not (a code such as A-3).
        return save_commitment(model_class(*args, **kwargs), validated=True)
