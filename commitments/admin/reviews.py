"""Review as status updates, indicator values and key messages share it: the review badge, who
may review, the list filters, the review queue (ReviewQueueMixin, which each record's admin
fills in: assessments.py, indicators.py, briefing.py) with its claims ("I'll take it"); and the
read-only list of decisions (ReviewAdmin)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from commitments.admin.base import (
    BoundedSearch,
    is_marked,
    marking_badge,
    marking_banner,
    own_page,
    person,
    person_name,
    readable_in_admin,
)
from commitments.admin.citations import evidence_list
from commitments.clearance import clearance_of
from commitments.models import Pillar, Review, ReviewClaim, ReviewDecision, ReviewState
from commitments.models.records import REVIEWER_DECISIONS
from commitments.roles import roles_with
from commitments.services import (
    EVIDENCE_BELOW_THRESHOLD,
    ReviewRefused,
    approve_or_return,
    claim,
    release,
    return_for_evidence,
    withdraw,
)

# Text is always shown next to the colour here too.
REVIEW_COLOURS = {
    ReviewState.PENDING: "#b45309",
    ReviewState.APPROVED: "#15803d",
    ReviewState.RETURNED: "#b91c1c",
    ReviewState.WITHDRAWN: "#57534e",
}


def review_badge(record):
    state = record.review_state
    return format_html(
        '<span class="review-badge" style="color:{}">{}</span>', REVIEW_COLOURS[state], state.label
    )


def queue_url(model, record=None, pillar=None):
    """The review queue of a reviewed record's `model`, at `record`'s place in it when given,
    filtered to `pillar` (an id, as a queue's form posts it back) when given."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_review")
    if pillar and str(pillar).isdigit():
        url = f"{url}?pillar={pillar}"
    return f"{url}#{model.noun}-{record.pk}" if record is not None else url


def may_review(user):
    return user.has_perm("commitments.add_review")


# A reviewed record's noun (Record.noun: "update", "value", ...) as the admin's words say it,
# alone and with its indefinite article; the noun itself stays an identifier (ids, form fields).
NOUNS = {
    "update": pgettext_lazy("reviewed record", "update"),
    "value": pgettext_lazy("reviewed record", "value"),
    "message": pgettext_lazy("reviewed record", "message"),
    "release": pgettext_lazy("reviewed record", "release"),
    "contribution": pgettext_lazy("reviewed record", "contribution"),
    "record": pgettext_lazy("reviewed record", "record"),
}
WITH_ARTICLE = {
    "update": _("an update"),
    "value": _("a value"),
    "message": _("a message"),
    "release": _("a release"),
    "contribution": _("a contribution"),
    "record": _("a record"),
    # The roles (commitments.roles), as who_reviews names them.
    "Reviewer": _("a Reviewer"),
    "Editor": _("an Editor"),
    "Analyst": _("an Analyst"),
    "Viewer": _("a Viewer"),
}


# "2 pending updates": the count, and the noun it agrees with, in the user's language.
PENDING = {
    "update": lambda n: ngettext("%(count)s pending update", "%(count)s pending updates", n),
    "value": lambda n: ngettext("%(count)s pending value", "%(count)s pending values", n),
    "message": lambda n: ngettext("%(count)s pending message", "%(count)s pending messages", n),
    "release": lambda n: ngettext("%(count)s pending release", "%(count)s pending releases", n),
}


def queue_total(noun, pending, yours, shown):
    """The queue's count: "12 pending updates, 2 of them yours; the 10 oldest are shown." """
    counted = PENDING.get(noun)
    if counted is None:
        total = f"{pending} pending {noun}{'' if pending == 1 else 's'}"
    else:
        total = counted(pending) % {"count": pending}
    if yours:
        total += gettext(", %(count)s of them yours") % {"count": yours}
    if pending > shown:
        total += gettext("; the %(count)s oldest are shown") % {"count": shown}
    return f"{total}."


def noun_label(noun):
    """A record's noun in the user's language: "update", « mise à jour »."""
    return str(NOUNS.get(noun, noun))


def with_article(noun):
    """The noun with its indefinite article: "an update", "a value", "a Reviewer"."""
    if noun in WITH_ARTICLE:
        return str(WITH_ARTICLE[noun])
    return f"{'an' if noun[0] in 'aeiouAEIOU' else 'a'} {noun}"


def who_reviews():
    """The roles that decide on records, in words: "a Reviewer or an Editor"."""
    *others, last = [with_article(role) for role in roles_with("add_review")]
    if not others:
        return last
    return gettext("%(some)s or %(last)s") % {"some": ", ".join(others), "last": last}


class ReviewStateListFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return ReviewState.choices

    def queryset(self, request, queryset):
        if self.value() in ReviewState.values:
            return queryset.in_review_state(self.value())
        return queryset


class AuthorListFilter(admin.SimpleListFilter):
    """Your own updates: what an analyst follows through review."""

    title = _("author")
    parameter_name = "author"

    def lookups(self, request, model_admin):
        return [("me", _("Me"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(author=request.user)
        return queryset


# A review queue shows this many of the oldest pending records: a bulk import of thousands
# is still one page, and the oldest wait longest.
QUEUE_LENGTH = 100


def corrects_note(record):
    """What approving `record` does to the record it corrects, as that one stands: an approved
    one stops counting; a returned one never counted, and this answers it."""
    state = record.corrects.review_state
    if state == ReviewState.APPROVED:
        return gettext("which no longer counts once this is approved")
    if state == ReviewState.RETURNED:
        return gettext("which was returned to its author and never counted: this answers it")
    if state == ReviewState.WITHDRAWN:
        return gettext("which its author withdrew: it never counted")
    return gettext("which is pending review itself: it does not count yet")


class QueueItemForm(forms.Form):
    """What a queue item posts: its record among `records`, named by its noun ("update",
    "value", "message")."""

    def __init__(self, data, *, records):
        super().__init__(data)
        self.noun = records.model.noun
        self.fields[self.noun] = forms.ModelChoiceField(queryset=records)

    @property
    def record(self):
        return self.cleaned_data[self.noun]


class ReviewDecisionForm(QueueItemForm):
    """One decision, as a review queue posts it: the record, the decision and a comment;
    approve_or_return checks the rest."""

    decision = forms.ChoiceField(choices=REVIEWER_DECISIONS, required=False)
    comment = forms.CharField(required=False)
    # "Return: evidence below C3": a return, worded by return_for_evidence.
    reason = forms.ChoiceField(choices=[("", ""), (EVIDENCE_BELOW_THRESHOLD, "")], required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason"):
            cleaned["decision"] = ReviewDecision.Decision.RETURN
        elif not cleaned.get("decision"):
            raise forms.ValidationError(gettext("Choose Approve or Return."))
        return cleaned


class ClaimForm(QueueItemForm):
    """ "I'll take it" or "Release it" on the record, as a queue item posts it."""

    action = forms.ChoiceField(choices=[("claim", _("I'll take it")), ("release", _("Release it"))])


class ReviewQueueMixin:
    """The review queue of a reviewed record's admin, at review/ (URL name
    "<app>_<model>_review"): the oldest pending records, each beside what approving it would
    change, with Approve and Return for those the user may decide (everyone's but their own).
    A decision is a POST, through approve_or_return, answered with a message and the queue
    again. The page is admin/commitments/review_queue.html, whose blocks the model's own
    admin/<app>/<model>/review_queue.html fills in.

    A reviewer may take a record ("I'll take it", at claim/, through services.claim): the
    others see who took it and since when, for a day. The queue is filtered by pillar
    (?pillar=<id>) along `queue_pillar`, the path from a record to its pillar.

    The admin says what differs: queue_records(records, limit), the oldest pending of
    `records` with what their rows show; queue_row(record), what a row shows beside the
    record; queue_subject(record), what a message names the record's subject by;
    now_shows(record), what readers see once it is approved (or _decided, the whole message). Its records' pages link to their place in the queue (queue_link_display) for
    whoever may decide on them (sends_to_queue)."""

    queue_title = _("Review queue")
    queue_pillar = ""

    def get_urls(self):
        withdrawal = self.admin_site.admin_view(self.withdraw_view)
        return [
            own_page(self, "review", self.review_queue_view),
            own_page(self, "claim", self.claim_view),
            # Before the default ones, whose "<path:object_id>/" would take "1/withdraw".
            path(
                "<path:object_id>/withdraw/",
                withdrawal,
                name=f"{self.model._meta.app_label}_{self.model._meta.model_name}_withdraw",
            ),
            *super().get_urls(),
        ]

    def may_withdraw(self, request, record):
        """Its author, while it is pending (services.withdraw)."""
        return record.review_state == ReviewState.PENDING and record.author_id == request.user.pk

    @admin.display(description=_("withdraw"))
    def withdraw_display(self, record):
        # A button of the page's own form (which carries the CSRF token), posting elsewhere.
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_withdraw", args=[record.pk])
        return format_html(
            '<button type="submit" formaction="{}" class="button" name="withdraw">{}</button> '
            '<button type="submit" formaction="{}" class="button" name="again">{}</button>'
            '<div class="help">{}</div>',
            url,
            gettext("Withdraw it"),
            url,
            gettext("Withdraw it and record another from it"),
            gettext(
                "It stays in the history as withdrawn, never counts and is never public; no "
                "reviewer is needed."
            ),
        )

    @method_decorator(require_http_methods(["POST"]))
    def withdraw_view(self, request, object_id):
        record = get_object_or_404(self.readable(request), pk=object_id)
        opts = self.model._meta
        page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        try:
            withdraw(record, author=request.user)
        except ReviewRefused as refusal:
            self.message_user(
                request,
                gettext("Nothing was withdrawn. %(refusal)s") % {"refusal": refusal},
                messages.ERROR,
            )
            return HttpResponseRedirect(page)
        withdrawn = gettext(
            "Withdrew %(noun)s #%(id)s: it stays in the history as withdrawn and never counts."
        ) % {"noun": noun_label(record.noun), "id": record.pk}
        self.log_change(request, record, withdrawn)
        self.message_user(request, withdrawn, messages.SUCCESS)
        if "again" in request.POST:
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            return HttpResponseRedirect(f"{add}?start_from={record.pk}")
        return HttpResponseRedirect(page)

    def readable(self, request):
        """The records of this queue the user's clearance may read: the queue, its claims and
        its decisions are of those only (a record beyond it is as one that does not exist)."""
        return readable_in_admin(request.user, self.model.objects.all())

    def queue_records(self, records, limit):
        raise NotImplementedError

    def queue_of(self, request):
        """The records the queue of `request`'s user is made of: those their clearance reads,
        unless the admin says otherwise (releases: of the records their clearance reads)."""
        return self.readable(request)

    def queue_row(self, record):
        return {}

    def queue_subject(self, record):
        return str(getattr(record, record.subject))

    def now_shows(self, record):
        raise NotImplementedError

    def sends_to_queue(self, request, record):
        """Whether a record's page links to its place in the queue: while it is pending, for
        whoever may decide on it (four eyes: not its author)."""
        return (
            record.review_state == ReviewState.PENDING
            and may_review(request.user)
            and record.author_id != request.user.pk
        )

    @admin.display(description=_("review"))
    def queue_link_display(self, record):
        return format_html(
            '<a href="{}">{}</a>', queue_url(self.model, record), gettext("Review it in the queue")
        )

    @admin.display(description=_("review"))
    def review_state_display(self, record):
        return review_badge(record)

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def review_queue_view(self, request):
        if not may_review(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return self._decide(request)
        pillars = list(Pillar.objects.all())
        pillar = next((p for p in pillars if str(p.pk) == request.GET.get("pillar")), None)
        records = self.queue_of(request)
        if pillar is not None:
            records = records.filter(**{self.queue_pillar: pillar})
        queued = list(self.queue_records(records, QUEUE_LENGTH))
        # The record each one corrects, with its decision: what approving this does to it.
        prefetch_related_objects(queued, "corrects__review")
        cites = self.model.evidence_cited is not None
        if cites:
            # The evidence each one cites, with its grade: one query for the page.
            citation = self.model._meta.get_field("evidence").remote_field.through
            cited = citation.objects.select_related("evidence")
            prefetch_related_objects(queued, Prefetch("citations", queryset=cited))
        threshold = settings.EVIDENCE_GRADE_THRESHOLD
        clearance = clearance_of(request.user)
        claims = {
            c.object_id: c
            for c in ReviewClaim.objects.on(queued).active().select_related("reviewer")
        }
        rows = [
            {
                "record": record,
                "mine": record.author_id == request.user.pk,
                "author": person(record.author),
                "claim": claims.get(record.pk),
                "corrects_note": corrects_note(record) if record.corrects_id else "",
                "marking": marking_badge(record.releasability) if is_marked(self.model) else "",
                # What the user may read of it; the flag below weighs all it cites.
                "evidence": evidence_list(record, clearance) if cites else None,
                "evidence_below": cites and record.evidence_below(threshold)[0],
                **self.queue_row(record),
            }
            for record in queued
        ]
        pending = records.pending()
        pending_total = pending.count()
        yours_total = pending.filter(author=request.user).count()
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": self.queue_title,
            "opts": opts,
            "noun": self.model.noun,
            "noun_label": noun_label(self.model.noun),
            "rows": rows,
            "threshold": threshold,
            "pending_total": pending_total,
            "yours_total": yours_total,
            "queue_total": queue_total(
                self.model.noun, pending=pending_total, yours=yours_total, shown=len(rows)
            ),
            "who_reviews": who_reviews(),
            "pillars": pillars,
            "pillar": pillar,
            "claim_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_claim"),
        }
        return render(
            request, f"admin/{opts.app_label}/{opts.model_name}/review_queue.html", context
        )

    @method_decorator(require_http_methods(["POST"]))
    def claim_view(self, request):
        """Takes or releases a record of the queue (services.claim, release), answered with a
        message and the queue again, at the record."""
        if not may_review(request.user):
            raise PermissionDenied
        form = ClaimForm(request.POST, records=self.readable(request).pending())
        if not form.is_valid():
            which = with_article(self.model.noun)
            self.message_user(
                request,
                gettext(
                    "Nothing was taken: choose %(which)s of the queue (it may have been decided)."
                )
                % {"which": which},
                messages.ERROR,
            )
            return HttpResponseRedirect(queue_url(self.model))
        record = form.record
        taking = form.cleaned_data["action"] == "claim"
        try:
            (claim if taking else release)(record, reviewer=request.user)
        except ReviewRefused as refusal:
            self.message_user(
                request,
                gettext("Nothing changed. %(refusal)s") % {"refusal": refusal},
                messages.ERROR,
            )
        else:
            done = (
                gettext(
                    "You took %(noun)s #%(id)s: the other reviewers see it is yours for a day, or "
                    "until you release it."
                )
                if taking
                else gettext("You released %(noun)s #%(id)s: another reviewer may take it.")
            ) % {"noun": noun_label(record.noun), "id": record.pk}
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(queue_url(self.model, record, request.POST.get("pillar")))

    def _decide(self, request):
        records = self.readable(request).select_related(self.model.subject, "author")
        form = ReviewDecisionForm(request.POST, records=records)
        if not form.is_valid():
            which = with_article(self.model.noun)
            self.message_user(
                request,
                gettext(
                    "Nothing was decided: choose Approve or Return on %(which)s of the queue (it "
                    "may no longer exist)."
                )
                % {"which": which},
                messages.ERROR,
            )
            return HttpResponseRedirect(queue_url(self.model))
        record = form.record
        decided = self.decide_on(
            request,
            record,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            reason=form.cleaned_data["reason"],
        )
        # Not decided: back at the record, whose comment may need writing again.
        back_to = None if decided else record
        return HttpResponseRedirect(queue_url(self.model, back_to, request.POST.get("pillar")))

    def decide_on(self, request, record, *, decision, comment, reason=""):
        """Takes the user's decision on `record` through approve_or_return (return_for_evidence
        for a return for its evidence), and says how it went in a message (_decided's words
        when it was taken). Returns whether it was."""
        try:
            if reason == EVIDENCE_BELOW_THRESHOLD:
                return_for_evidence(record, reviewer=request.user, comment=comment)
            else:
                approve_or_return(record, reviewer=request.user, decision=decision, comment=comment)
        except ReviewRefused as refusal:
            self.message_user(
                request,
                gettext("Nothing was decided. %(refusal)s") % {"refusal": refusal},
                messages.ERROR,
            )
            return False
        except ValidationError as error:
            self.message_user(
                request,
                gettext("%(noun)s #%(id)s was not decided: %(reasons)s")
                % {
                    "noun": capfirst(noun_label(record.noun)),
                    "id": record.pk,
                    "reasons": " ".join(error.messages),
                },
                messages.ERROR,
            )
            return False
        decided = self._decided(record, decision)
        # The reviewer's "Recent actions" on the admin's home page, and the record's history.
        self.log_change(request, record, decided)
        self.message_user(request, decided, messages.SUCCESS)
        return True

    def _decided(self, record, decision):
        which = gettext("%(noun)s #%(id)s of %(subject)s") % {
            "noun": noun_label(record.noun),
            "id": record.pk,
            "subject": self.queue_subject(record),
        }
        if decision == ReviewDecision.Decision.RETURN:
            return gettext(
                "Returned %(which)s to %(author)s with your comment. It does not count; its "
                "author can answer it with a correction."
            ) % {"which": which, "author": person_name(record.author)}
        return gettext("Approved %(which)s. %(now_shows)s") % {
            "which": which,
            "now_shows": self.now_shows(record),
        }


@admin.register(Review)
class ReviewAdmin(BoundedSearch, admin.ModelAdmin):
    """Decisions, read-only: a decision is taken in the review queue (approve_or_return), once,
    and never changed or deleted, by anyone (as status updates)."""

    list_display = [
        "update_display",
        "marking_display",
        "decision",
        "reviewer_display",
        "decided_at",
        "comment",
    ]
    list_filter = ["update__releasability", "decision", "decided_at"]
    list_select_related = ["update__commitment", "reviewer"]
    search_fields = ["update__commitment__code", "comment"]
    date_hierarchy = "decided_at"
    fields = [
        "update_display",
        "marking_display",
        "decision",
        "reviewer_display",
        "comment",
        "decided_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/commitments/marked_change_form.html"

    def get_queryset(self, request):
        """Decisions on the updates the user's clearance may read, as the updates' own list."""
        readable = clearance_of(request.user).readable()
        return super().get_queryset(request).filter(update__releasability__in=readable)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["marking"] = marking_banner(obj.update.releasability)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("marking"), ordering="update__releasability")
    def marking_display(self, review):
        return marking_badge(review.update.releasability)

    @admin.display(description=_("update"), ordering="update_id")
    def update_display(self, review):
        url = reverse("admin:commitments_statusupdate_change", args=[review.update_id])
        return format_html('<a href="{}">#{} {}</a>', url, review.update_id, review.update)

    @admin.display(description=_("reviewer"), ordering="reviewer__last_name")
    def reviewer_display(self, review):
        if review.reviewer is None:
            return gettext("Nobody: approved on submission")
        return person(review.reviewer)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
