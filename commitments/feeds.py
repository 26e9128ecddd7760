"""The Atom feed of approved status updates, for feed readers: /feeds/updates/, optionally of one
pillar (?pillar=<slug>). Each reader is given the updates their clearance may read: the public's
to anyone, and to a signed-in member of a clearance group theirs too, each marked. Its words are
in the request's language (LocaleMiddleware's, which Content-Language and the feed's xml:lang
say); the analysts' summaries, as written."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from commitments.api.permissions import may_read
from commitments.clearance import clearance_of
from commitments.freshness import revalidate_each_time
from commitments.models import Pillar, Releasability, StatusUpdate
from commitments.people import ROLE_WORDS, person_name
from commitments.prose import day

FEED_ENTRIES = 50


class TextSummaryAtom1Feed(Atom1Feed):
    """Atom whose entries' summaries are text. Django's Atom1Feed declares a summary HTML,
    and an analyst's text is never HTML: a reader would render their "<" and "&" as markup."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("summary", item["summary_text"], {"type": "text"})


class UpdatesFeed(Feed):
    """Made for one request (see updates_feed), whose address makes the ids absolute."""

    feed_type = TextSummaryAtom1Feed
    subtitle = description = gettext_lazy(
        "Approved assessments of the Paris Roadmap's commitments, most recently approved first."
    )

    def __init__(self, request):
        super().__init__()
        self.request = request
        self.clearance = clearance_of(request.user)

    def get_object(self, request):
        slug = request.GET.get("pillar")
        return get_object_or_404(Pillar, slug=slug) if slug else None

    def title(self, pillar):
        if pillar is None:
            return gettext("Paris Roadmap tracker: status updates")
        return gettext("Paris Roadmap tracker: status updates, %(pillar)s") % {
            "pillar": pillar.name
        }

    def link(self, pillar):
        return _with_pillar(reverse("dashboard"), pillar)

    def feed_url(self, pillar):
        return _with_pillar(reverse("feed-updates"), pillar)

    def feed_guid(self, pillar):
        return self.request.build_absolute_uri(self.feed_url(pillar))

    def items(self, pillar):
        # Approved, and as the reader's clearance may read them: a feed reader carries no token,
        # so beyond the public's only a signed-in member's browser is given more (marked, and
        # never kept by a shared cache: updates_feed).
        updates = StatusUpdate.objects.readable_by(self.clearance).approved()
        if pillar is not None:
            updates = updates.filter(commitment__pillar=pillar)
        shown = ["status", "as_of", "summary", "created_at", "releasability", "commitment__code"]
        author = ["author__username", "author__first_name", "author__last_name"]
        return (
            updates.select_related("commitment", "author", "review")
            .only(*shown, *author, "review__decided_at")
            # Most recently approved first: what a reader has not seen yet (review_decided_idx).
            .order_by("-review__decided_at", "-review__id")[:FEED_ENTRIES]
        )

    def item_title(self, update):
        title = gettext("%(code)s: %(status)s (as of %(day)s)") % {
            "code": update.commitment.code,
            "status": update.get_status_display(),
            "day": day(update.as_of, short=True),
        }
        if update.releasability != Releasability.PUBLIC:
            return f"{title} · {update.releasability.upper()}"
        return title

    def item_categories(self, update):
        # Its marking, for a reader that files entries by category; a public entry has none.
        return [update.releasability] if update.releasability != Releasability.PUBLIC else []

    def item_description(self, update):
        return None  # the summary is written as text (TextSummaryAtom1Feed)

    def item_extra_kwargs(self, update):
        return {"summary_text": update.summary}

    def item_link(self, update):
        return update.commitment.get_absolute_url()

    def item_guid(self, update):
        # The update's own address in the API: unique, and the same for ever.
        return self.request.build_absolute_uri(reverse("api:update-detail", args=[update.pk]))

    def item_updateddate(self, update):
        # Public from its approval, which may come days after it was recorded.
        return update.review.decided_at

    def item_author_name(self, update):
        # As the API names authors to the public, whoever reads: never a login name.
        return person_name(update.author, reader=None, acting_as=ROLE_WORDS["Analyst"])


def _with_pillar(path, pillar):
    return f"{path}?{urlencode({'pillar': pillar.slug})}" if pillar else path


def updates_feed(request):
    """The feed, to whoever may read the Roadmap: everyone, or with ROADMAP_PUBLIC_READ off
    signed-in users only (a feed reader cannot sign in, so the others get a 403, not a
    login page)."""
    if not may_read(request):
        raise PermissionDenied
    feed = UpdatesFeed(request)
    response = feed(request)
    # Its Last-Modified would otherwise let a reader reuse it for hours after an approval; and
    # a member's feed, or any with the Roadmap private, is kept by no shared cache.
    personal = not settings.ROADMAP_PUBLIC_READ or feed.clearance != Releasability.PUBLIC
    revalidate_each_time(response, personal=personal)
    return response
