"""Releases in the admin: "Release to a wider audience…" on the page of a status update, an
indicator value or a contribution (ReleasedOnPage, with the record's releases: its history of
markings), a form with the wider marking and the reason (ReleaseAdmin.propose_view, through
services.propose_release); and the releases' own list, pages and review queue, decided through
approve_or_return as every reviewed record is (ReviewQueueMixin)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import BoundedSearch, _readable, html_message, person
from commitments.admin.reviews import (
    AuthorListFilter,
    ReviewQueueMixin,
    ReviewStateListFilter,
    noun_label,
    review_badge,
    who_reviews,
)
from commitments.clearance import clearance_of
from commitments.models import (
    RELEASABILITY_MEANING,
    RELEASED_MODELS,
    Releasability,
    Release,
    ReviewState,
)
from commitments.services import may_release, propose_release


def record_page(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def propose_url(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_release", args=[record.pk])


def proposed(release):
    """What proposing `release` did, in a message."""
    record = release.record
    if release.review_state == ReviewState.APPROVED:
        return gettext("Released %(noun)s #%(id)s to %(marking)s.") % {
            "noun": noun_label(record.noun),
            "id": record.pk,
            "marking": release.get_released_to_display().lower(),
        }
    return gettext(
        "Proposed release #%(release)s: %(who)s other than you approves it before %(noun)s "
        "#%(id)s is read more widely."
    ) % {
        "release": release.pk,
        "who": who_reviews(),
        "noun": noun_label(record.noun),
        "id": record.pk,
    }


def release_line(release):
    """One release as a record's history tells it: from what to what, who proposed it and
    when, the reason, and who decided on it and when."""
    review = getattr(release, "review", None)
    if review is None:
        decided = format_html("{}", review_badge(release))
    elif review.reviewer is None:
        decided = format_html(
            "{} {}", review_badge(release), gettext("on submission (review was not required)")
        )
    else:
        decided = format_html(
            "{} {}",
            review_badge(release),
            html_message(
                gettext("by %(by)s on %(date)s"),
                by=person(review.reviewer),
                date=_readable(review.decided_at),
            ),
        )
    return format_html(
        '<a href="{}">#{}</a> {}',
        reverse("admin:commitments_release_change", args=[release.pk]),
        release.pk,
        html_message(
            gettext(
                "%(from)s → %(to)s: proposed by %(author)s on %(date)s, “%(reason)s”; %(decided)s"
            ),
            **{
                "from": release.get_released_from_display(),
                "to": release.get_released_to_display(),
                "author": person(release.author),
                "date": _readable(release.created_at),
                "reason": release.reason,
                "decided": decided,
            },
        ),
    )


class ReleasedOnPage:
    """For the admin of a record a release may name: its page says its marking, its releases
    (who proposed each, who decided, when, why, from what to what) and, while a wider audience
    remains, links to "Release to a wider audience…"."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is None else [*fields, "releases_display"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "releases_display"]

    def get_urls(self):
        opts = self.model._meta
        # Before the default ones, whose "<path:object_id>/" would take "1/release".
        release = path(
            "<path:object_id>/release/",
            self.admin_site.admin_view(self.release_view),
            name=f"{opts.app_label}_{opts.model_name}_release",
        )
        return [release, *super().get_urls()]

    def release_view(self, request, object_id):
        """ "Release to a wider audience…": the form, and its proposal through
        propose_release, answered with the record's page again."""
        # A record the user may not read is, to them, one that does not exist.
        readable = self.model.objects.readable_by(clearance_of(request.user))
        record = readable.filter(pk=object_id).first()
        if record is None:
            raise Http404
        if not may_release(request.user, record):
            raise PermissionDenied
        if record.releasability == Releasability.PUBLIC:
            self.message_user(
                request, gettext("It is public already: nobody may read it more widely.")
            )
            return HttpResponseRedirect(record_page(record))
        form = ReleaseForm(request.POST or None, record=record)
        if request.method == "POST" and form.is_valid():
            try:
                release = propose_release(record=record, author=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.log_change(
                    request, record, gettext("Proposed release #%(id)s.") % {"id": release.pk}
                )
                self.message_user(request, proposed(release), messages.SUCCESS)
                return HttpResponseRedirect(record_page(record))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Release %(record)s #%(id)s to a wider audience")
            % {"record": record._meta.verbose_name, "id": record.pk},
            "opts": self.model._meta,
            "record": record,
            "record_url": record_page(record),
            "marking": Releasability(record.releasability),
            "form": form,
            "who_reviews": who_reviews(),
        }
        return render(request, "admin/commitments/release/propose.html", context)

    @admin.display(description=_("releases"))
    def releases_display(self, record):
        releases = Release.objects.of(record).for_history()
        history = format_html_join("", "<li>{}</li>", ((release_line(r),) for r in releases))
        marking = Releasability(record.releasability)
        link = (
            format_html(
                ' <a class="button" href="{}">{}</a>',
                propose_url(record),
                gettext("Release to a wider audience…"),
            )
            if marking != Releasability.PUBLIC
            else ""
        )
        listed = (
            format_html("<ul>{}</ul>", history)
            if history
            else gettext("No release: marked so since recorded.")
        )
        return format_html(
            "{}: {}{}<div>{}</div>", marking.label, RELEASABILITY_MEANING[marking], link, listed
        )


def readable_releases(releases, user):
    """The releases of records whose marking, before the release, `user` may read."""
    return releases.readable_by(clearance_of(user))


class ReleaseForm(forms.Form):
    """The wider marking and the reason, as "Release to a wider audience…" posts them;
    propose_release checks the rest."""

    released_to = forms.ChoiceField(label=_("Release to"), widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Why it may now be read more widely: the reviewer reads it, and the history keeps it."
        ),
    )

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        marking = Releasability(record.releasability)
        self.fields["released_to"].choices = [
            (level.value, f"{level.label}: {RELEASABILITY_MEANING[level]}")
            for level in Releasability
            if level.rank < marking.rank
        ]


@admin.register(Release)
class ReleaseAdmin(ReviewQueueMixin, BoundedSearch, admin.ModelAdmin):
    """View only: a release is proposed from its record's page (propose_view), decided on in
    the review queue (ReviewQueueMixin), and never changed or deleted."""

    queue_title = _("Review queue of releases")
    queue_pillar = "commitment__pillar"
    list_display = [
        "record_display",
        "marking_display",
        "reason_display",
        "author_display",
        "created_at",
        "review_state_display",
    ]
    list_display_links = ["reason_display"]
    list_filter = [ReviewStateListFilter, AuthorListFilter, "released_to", "commitment__pillar"]
    list_select_related = ["commitment", "author", "review"]
    search_fields = ["commitment__code", "reason"]
    fields = [
        "record_display",
        "marking_display",
        "reason",
        "author_display",
        "created_at",
        "review_display",
    ]
    readonly_fields = [
        *fields,
        "queue_link_display",
        "withdraw_display",
    ]

    def get_fields(self, request, obj=None):
        shown = list(self.fields)
        if obj is not None and self.may_withdraw(request, obj):
            shown.append("withdraw_display")
        if obj is not None and self.sends_to_queue(request, obj):
            shown.append("queue_link_display")
        return shown

    def get_queryset(self, request):
        return readable_releases(super().get_queryset(request), request.user)

    def queue_of(self, request):
        return readable_releases(Release.objects.all(), request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("record"))
    def record_display(self, release):
        record = release.record
        return format_html(
            '<a href="{}">{} #{}</a> {}',
            record_page(record),
            record._meta.verbose_name,
            record.pk,
            gettext("of %(code)s") % {"code": release.commitment.code},
        )

    @admin.display(description=_("from → to"), ordering="released_to")
    def marking_display(self, release):
        return f"{release.get_released_from_display()} → {release.get_released_to_display()}"

    @admin.display(description=_("reason"))
    def reason_display(self, release):
        return Truncator(release.reason).words(20)

    @admin.display(description=_("author"), ordering="author__last_name")
    def author_display(self, release):
        return person(release.author)

    @admin.display(description=_("review"))
    def review_display(self, release):
        review = getattr(release, "review", None)
        if review is None:
            return format_html(
                "{} — {}",
                review_badge(release),
                gettext("%(who)s other than its author decides.") % {"who": who_reviews()},
            )
        return release_line(release)

    # The review queue (ReviewQueueMixin)

    def queue_records(self, records, limit):
        # Oldest first.
        return (
            records.pending()
            .select_related("commitment", "author", *RELEASED_MODELS)
            .order_by("created_at", "id")[:limit]
        )

    def queue_subject(self, release):
        return release.commitment.code

    def now_shows(self, release):
        return gettext("%(noun)s #%(id)s is now %(marking)s: %(meaning)s") % {
            "noun": capfirst(noun_label(release.record.noun)),
            "id": release.record.pk,
            "marking": release.get_released_to_display().lower(),
            "meaning": RELEASABILITY_MEANING[Releasability(release.released_to)],
        }
