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


def reference_data_factory(model, **declarations):
    """A factory of `model`'s reference data: a slug and a name numbered after the model
    ("place-3", "Place 3"), and `declarations` for its other fields."""
    word = model.__name__
    return factory.make_factory(
        model,
        FACTORY_CLASS=factory.django.DjangoModelFactory,
        slug=factory.Sequence(lambda n: f"{word.lower()}-{n}"),
        name=factory.Sequence(lambda n: f"{word} {n}"),
        **declarations,
    )


PillarFactory = reference_data_factory(Pillar, display_order=factory.Sequence(int))
ThemeFactory = reference_data_factory(Theme)
PlaceFactory = reference_data_factory(Place, kind=Place.Kind.COUNTRY)
PartnerFactory = reference_data_factory(Partner, kind=Partner.Kind.INTERNATIONAL_ORGANISATION)


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
