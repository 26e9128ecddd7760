"""Who may read and write what through the API, and the visibility class of a reader: what,
of all the API could show, they may see."""

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from commitments.clearance import clearance_of
from commitments.models.events import may_see_private_events
from commitments.models.vocabulary import Releasability
from commitments.people import may_see_login_names


def may_read(request):
    return settings.ROADMAP_PUBLIC_READ or bool(request.user and request.user.is_authenticated)


def may_see_unapproved(user):
    """Pending and returned updates are for staff who may view status updates (every role)."""
    return bool(user and user.is_authenticated and user.has_perm("commitments.view_statusupdate"))


def may_review(user):
    """Reviewers and Editors. Whose updates they may decide is the service's rule (four eyes)."""
    return bool(user and user.is_authenticated and user.has_perm("commitments.add_review"))


# The rights that change what a reader is shown, each the very rule the views and serializers
# apply, by the short name it adds to a reader's visibility class. A new one (a clearance, for
# releasability) is one more line.
VISIBILITY_RIGHTS = {
    # People named by login (people.person_name); owner=<login> and group_by=owner.
    "names": may_see_login_names,
    # Pending and returned records, and their review queue's version in ETags and cache keys.
    "unapproved": may_see_unapproved,
    # The events stream's review work in progress (EventQuerySet.visible_to).
    "events": may_see_private_events,
    # Clearances (commitments.clearance): the records released to the coalition, and to the
    # secretariat, and what they make of a commitment (CommitmentQuerySet.seen_by); with the
    # data version of such records in ETags and cache keys (selectors.cache.data_version).
    "coalition": lambda user: clearance_of(user).rank >= Releasability.COALITION.rank,
    "secretariat": lambda user: clearance_of(user) == Releasability.SECRETARIAT,
}


def visibility_class(user):
    """What `user` may see of the API, as a short string: "anonymous", "public" (signed in,
    with none of VISIBILITY_RIGHTS), or the rights they hold ("names+unapproved+events" for
    every staff role). Two readers of one class are answered the same body by every GET the
    response cache keeps (commitments.api.response_cache), which keys bodies by it.

    Why these are all: every GET reads its user only through the rules above, or through
    may_read, or for what is one reader's alone. may_read is why anonymous is a class of its
    own: where reads need signing in (ROADMAP_PUBLIC_READ=false) it sees nothing; it is also
    answered `Cache-Control: no-cache` where a signed-in reader gets `private, no-store`
    (freshness). What is one reader's alone is kept by no cache (response_cache.is_personal):
    owner=me, reviewable (four eyes: the updates others wrote, which may_review gates), and the
    browsable HTML page, which names its user. Writes are not kept either. A right that a
    representation, a filter or a refusal of a GET comes to depend on must be added above: a
    refusal too, or a body of one class would answer another that the view refuses."""
    if not (user and user.is_authenticated):
        return "anonymous"
    rights = [name for name, holds in VISIBILITY_RIGHTS.items() if holds(user)]
    return "+".join(rights) or "public"


def holds(visibility, right):
    """Whether readers of the visibility class `visibility` hold `right`, a name of
    VISIBILITY_RIGHTS: what a class says without its user at hand (a token reader that the
    response cache remembers, commitments.api.readers)."""
    return right in visibility.split("+")


def clearance_of_class(visibility):
    """The clearance of readers of the visibility class `visibility` (a Releasability): what a
    class says without its user at hand, as holds() does."""
    if holds(visibility, "secretariat"):
        return Releasability.SECRETARIAT
    if holds(visibility, "coalition"):
        return Releasability.COALITION
    return Releasability.PUBLIC


class MayReview(BasePermission):
    """Reviewers and Editors, on a view of reviewed records, which its refusal names."""

    def has_permission(self, request, view):
        records = view.queryset.model._meta.verbose_name_plural
        self.message = gettext("Only Reviewers and Editors may approve or return %(records)s.") % {
            "records": records
        }
        return may_review(request.user)


class MayRecord(BasePermission):
    """Who may record the view's model (add_<model>): the only ones who may withdraw one of
    theirs."""

    message = _("Only those who record them may withdraw one of their own.")

    def has_permission(self, request, view):
        opts = view.queryset.model._meta
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")


class ReadOrModelPermission(DjangoModelPermissions):
    """Reads are public, or need any authenticated user when ROADMAP_PUBLIC_READ is off.
    Writes need the model permission of the view's model: add_statusupdate to record a status
    update (Analysts, Editors), add/change_commitment to maintain commitments (Editors).

    A method the resource does not allow at all is let through to whoever may read it, so that
    they learn it with a 405 (and its Allow header), not a 403 that suggests another role could."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or request.method not in view.allowed_methods:
            return may_read(request)
        return super().has_permission(request, view)
