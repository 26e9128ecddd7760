"""Every admin page, for every role, with GET and POST: the only writes that succeed are the
ones the role matrix allows (README, "Roles"; commitments.roles.ROLE_PERMISSIONS).

The pages are found, not listed: every URL pattern of the admin site and of each registered
ModelAdmin, filled in with a real row of its model (and its latest version, for a history
version page), so a page added later is walked without anyone adding it here. A write is
what changes the database, not a status code: every row of the apps in SNAPSHOT_APPS is
compared before and after each request, and each request is rolled back after, so that every
request meets the same database. A POST carries the form that a superuser is shown on the
page, with a field changed, so that a page which forgot to check a permission would save it; a
page that saves in two steps (the import of status updates: a dry run, then its confirmation) is
posted both, as a browser would.
"""

import functools
import itertools
from typing import NamedTuple

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import quote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import SESSION_KEY, get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_history_manager_for_model

from commitments.models import (
    BriefingMessage,
    BriefingMessageReview,
    Contribution,
    DataVersion,
    IndicatorValue,
    IndicatorValueReview,
    Release,
    ReleaseReview,
    Review,
    StatusUpdate,
)
from commitments.roles import ANALYST, EDITOR, REVIEWER, ROLE_PERMISSIONS, VIEWER

pytestmark = pytest.mark.django_db

ROLES = ["viewer", "analyst", "reviewer", "editor", "superuser", "not_staff", "anonymous"]
ROLE_GROUPS = {"viewer": VIEWER, "analyst": ANALYST, "reviewer": REVIEWER, "editor": EDITOR}
STAFF = {"viewer", "analyst", "reviewer", "editor", "superuser"}

# Historical models and many-to-many tables included. Sessions are left out: signing in and
# out writes them, and they hold no data of the app.
SNAPSHOT_APPS = ["commitments", "auth", "knox", "axes"]
# Database triggers bump it on any write; the write itself shows in its own table.
NOT_SNAPSHOT = {DataVersion}

# What a page does, from the end of its URL name, when POSTed its form. Not listed here:
# a page that saves nothing, for anyone (and any write through it is a finding).
ACTION_OF_PAGE = {
    "add": "add",
    "change": "change",
    "password_change": "change",  # UserAdmin's page that sets a user's password
    "delete": "delete",
    "history": "history",
    "simple_history": "history",
    "import": "add",  # status updates, from a CSV file
    "withdraw": "withdraw",  # a pending record, by its author
}
# What the admin site's own pages do: a signed-in staff user may change their own password,
# and sign out, which stamps their sign-in record (django-axes' access log) with the time.
OWN_PASSWORD, SIGN_OUT = "change own password", "sign out"
# The review queue's Approve and Return: a decision (a Review) on someone else's pending update,
# and, on approval, the commitment's current status derived again.
DECIDE = "decide"
WITHDRAW = "withdraw"
# A decision's event (the events stream) and its webhook deliveries come with it.
DECISION_EVENTS = {"commitments.Event", "commitments.WebhookDelivery"}
DECISION_WRITES = {"commitments.Review", "commitments.Commitment", *DECISION_EVENTS}
# The same for indicator values and key messages: a decision on someone else's pending one,
# nothing else.
DECISION_WRITES_OF = {
    StatusUpdate: DECISION_WRITES,
    IndicatorValue: {"commitments.IndicatorValueReview", *DECISION_EVENTS},
    BriefingMessage: {"commitments.BriefingMessageReview"},
    # Approving a release widens its record (and derives its commitment's status again).
    Release: {"commitments.ReleaseReview", "commitments.StatusUpdate", "commitments.Commitment"},
}
# What each review queue posts the decided row as.
DECIDED_FIELD = {
    StatusUpdate: "update",
    IndicatorValue: "value",
    BriefingMessage: "message",
    Release: "release",
}
# Rows decided on from their own page ("<id>/decide/", its Approve and Return), not a queue.
DECIDED_ON_THEIR_PAGE = {BriefingMessage}
ACTION_OF_SITE_PAGE = {"password_change": OWN_PASSWORD, "logout": SIGN_OUT}
# Server errors that are not ours to fix, with where they are tracked: (model, action).
# (model label, action) of third-party admin pages known to fail, with the reason; none now
# (axes' "Clean up expired attempts" is given what it lacked, in commitments/admin/access.py).
KNOWN_SERVER_ERRORS = set()

# Typed into the password fields that a page shows empty. The login form is left empty:
# signing in is proving who you are, not a right of a role.
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
NEW_PASSWORD = "a brand new passphrase, 42"
TYPED = {
    "old_password": PASSWORD,
    "new_password1": NEW_PASSWORD,
    "new_password2": NEW_PASSWORD,
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
}


class Post(NamedTuple):
    action: str | None
    data: dict
    # Where a superuser's POST of this data saves something, if it does: proof that the data
    # would be saved by a page that let anyone through.
    saves_at: str | None = None
    # Posted first, to the same page, by the same user, when the page saves in two steps; the
    # answer's confirmation, if it gives one, is posted back with `data`.
    first: dict | None = None
    # The primary key of the row a decision is on.
    decided: int | None = None


class Page(NamedTuple):
    url: str
    kind: str
    model: type[models.Model] | None
    posts: list[Post]


def may(role, action, model):
    """What the role matrix lets `role` do (view, add, change, delete) to rows of `model`."""
    if action not in {"view", "add", "change", "delete"}:
        return False  # history pages never write, nor do pages that are not forms
    if role == "superuser":
        # History is append-only: not even a superuser changes or deletes a status update, an
        # indicator value, a key message, a decision on one, or a contribution.
        appended = {
            StatusUpdate,
            Review,
            Contribution,
            IndicatorValue,
            IndicatorValueReview,
            BriefingMessage,
            BriefingMessageReview,
            Release,
            ReleaseReview,
        }
        return not (model in appended and action in {"change", "delete"})
    if role not in ROLE_GROUPS or model._meta.app_label != "commitments":
        return False
    return get_permission_codename(action, model._meta) in ROLE_PERMISSIONS[ROLE_GROUPS[role]]


def allowed(role, user, post, model, written):
    if post.action == OWN_PASSWORD:
        return role in STAFF and set(written) == {(user._meta.label, str(user.pk))}
    if post.action == SIGN_OUT:
        return role in STAFF and {label for label, _ in written} == {"axes.AccessLog"}
    if post.action == DECIDE:
        # Four eyes: whoever may review, on anyone's update but their own.
        author = model.objects.values_list("author", flat=True).get(pk=post.decided)
        return (
            may(role, "add", Review)
            and author != user.pk
            and {label for label, _ in written} <= DECISION_WRITES_OF[model]
        )
    if post.action == WITHDRAW:
        # Its author's own pending record, and no one else's (services.review.withdraw).
        author = model.objects.values_list("author", flat=True).get(pk=post.decided)
        return author == user.pk and {label for label, _ in written} <= DECISION_WRITES_OF[model]
    return may(role, post.action, model)


def known_server_error(page, post):
    return page.model is not None and (
        (page.model._meta.label, post.data.get("action")) in KNOWN_SERVER_ERRORS
    )


def snapshot():
    """Every row of every model of SNAPSHOT_APPS, by (model label, primary key as text)."""
    # Plain SQL, as the walk takes a snapshot per request and the ORM would take most of its
    # time; on PostgreSQL, where each query is a round trip, one query for all the tables.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT '{label}', CAST(t.{pk} AS TEXT), CAST(t AS TEXT) FROM {table} t"
                    for label, table, pk in snapshot_tables()
                )
            )
            return {(label, pk): row for label, pk, row in cursor.fetchall()}
        rows = {}
        for label, table, pk in snapshot_tables():
            cursor.execute(f"SELECT CAST({pk} AS TEXT), * FROM {table}")
            rows.update(((label, row[0]), row[1:]) for row in cursor.fetchall())
        return rows


@functools.cache
def snapshot_tables():
    """(model label, table, primary key column) of every model of SNAPSHOT_APPS, quoted."""
    quote_name = connection.ops.quote_name
    return [
        (model._meta.label, quote_name(model._meta.db_table), quote_name(model._meta.pk.column))
        for app in SNAPSHOT_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if model not in NOT_SNAPSHOT
    ]


def written_since(before):
    after = snapshot()
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


# Finding the pages.


def fill_in(pattern, rows, model=None):
    """Every way of filling in the parameters of a URL pattern with real rows: (args, kwargs)."""
    regex = pattern.pattern.regex
    named = list(regex.groupindex)
    positional = regex.groups - len(named)
    if model is not None:
        row = rows[model]
        values = {"object_id": [quote(row.pk)], "id": [quote(row.pk)]}
        args = []
        if positional == 2:  # SimpleHistoryAdmin's version page: the object and a version
            version = get_history_manager_for_model(row).latest("history_date", "history_id")
            args = [quote(row.pk), version.history_id]
    else:
        shown = next(row for row in rows.values() if hasattr(row, "get_absolute_url"))
        values = {
            "app_label": sorted({model._meta.app_label for model in admin.site._registry}),
            "content_type_id": [ContentType.objects.get_for_model(shown).pk],
            "object_id": [shown.pk],
            "url": ["no-such-page/"],
        }
        args = []
    unknown = [name for name in named if name not in values]
    if unknown or positional != len(args):
        raise LookupError(f"The walk does not know how to fill in {pattern.pattern}: teach it.")
    for combination in itertools.product(*(values[name] for name in named)):
        yield args, dict(zip(named, combination, strict=True))


def path_of(pattern, args, kwargs):
    """The URL of one pattern, relative to where it is included (it may have no name)."""
    return URLResolver(RegexPattern(r"^"), [pattern]).reverse(pattern.callback, *args, **kwargs)


def find_pages(rows):
    pages = []
    site = reverse("admin:index")
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern):  # the others include the ModelAdmins' URLs, below
            for args, kwargs in fill_in(pattern, rows):
                pages.append((site + path_of(pattern, args, kwargs), pattern.name or "", None))
    for model, model_admin in admin.site._registry.items():
        assert model in rows, f"tests/conftest.py::one_of_each has no row of {model._meta.label}"
        opts = model._meta
        prefix = reverse(admin_urlname(opts, "changelist"))
        for pattern in model_admin.get_urls():
            kind = (pattern.name or "").removeprefix(f"{opts.app_label}_{opts.model_name}_")
            for args, kwargs in fill_in(pattern, rows, model):
                pages.append((prefix + path_of(pattern, args, kwargs), kind, model))
    return pages


# What a browser would send back.


def posted(bound):
    """The data a browser sends for a field as the page shows it."""
    if bound.field.disabled:
        return {}
    widget, value = bound.field.widget, bound.value()
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.CheckboxInput):
        return {bound.html_name: "on"} if widget.check_test(value) else {}
    if isinstance(widget, forms.MultiWidget):
        subwidgets = widget.get_context(bound.html_name, value, {})["widget"]["subwidgets"]
        return {sub["name"]: sub["value"] or "" for sub in subwidgets}
    formatted = widget.format_value(value)
    return {bound.html_name: "" if formatted is None else formatted}


def form_data(form):
    data = {}
    for bound in form:
        data.update(posted(bound))
    for name, value in TYPED.items():
        if name in form.fields:
            data[form[name].html_name] = value
    return data


def formset_data(formset):
    data = form_data(formset.management_form)
    for form in formset.forms:
        data.update(form_data(form))
    return data


def model_field(form, name):
    try:
        return form._meta.model._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        return None


def change_a_field(form, data, *, adding=False):
    """Changes the first text or number field of the form, and every unique one when adding,
    so that the new row does not collide with the one it is copied from. Returns whether it
    changed anything."""
    changed = False
    for name in form.fields:
        field = model_field(form, name)
        key = form[name].html_name
        if field is None or field.primary_key or field.choices or key not in data:
            continue
        if isinstance(field, models.CharField | models.TextField):
            # A digit keeps codes, slugs, usernames and names valid.
            if not changed or (adding and field.unique):
                data[key] = f"{data[key]}9"
                changed = True
        elif isinstance(field, models.IntegerField) and not changed:
            data[key] = str(int(data[key] or 0) + 1)
            changed = True
    return changed


def posts_of(response, kind, rows, model):
    """What to POST to a page, from the page as a superuser sees it."""
    context = response.context or {}
    action = ACTION_OF_PAGE.get(kind) if model else ACTION_OF_SITE_PAGE.get(kind)
    # The delete page's confirmation; the pages that have no form ignore it.
    confirm = [Post(action, {"post": "yes"})]
    if "cl" in context:
        return changelist_posts(context, rows[model]) or confirm
    if kind == "review":
        return decision_posts(context, response.wsgi_request.path, DECIDED_FIELD[model])
    if kind == "decide":
        return page_decision_posts(response.wsgi_request, rows[model])
    if kind == "import":
        return import_posts(response, rows[model], action)
    if kind == "withdraw":
        row = rows[model]
        mine = row.author_id == response.wsgi_request.user.pk
        return [Post(WITHDRAW, {}, response.wsgi_request.path if mine else None, decided=row.pk)]
    adminform = context.get("adminform") or context.get("adminForm")
    form = adminform.form if adminform else context.get("form")
    if kind == "delete" and response.status_code == 200:
        deletes = not (context["perms_lacking"] or context["protected"])
        return [Post(action, confirm[0].data, response.wsgi_request.path if deletes else None)]
    if form is None and kind == "simple_history":
        # A version is shown as a read-only record, with no form; what simple_history's own
        # page posted was the change form filled in with the version: post that.
        model_admin = admin.site._registry[model]
        form = model_admin.get_form(response.wsgi_request, rows[model])(instance=rows[model])
    if form is None:
        return confirm
    view_only = kind == "change" and not form.fields
    if kind == "add":
        # An add page's form starts empty: fill it in with the values of an existing row.
        form = type(form)(instance=rows[model])
    elif view_only:
        # Not even a superuser may change it (a status update): post the fields of its add
        # form, which a page that let someone change it after all would save.
        add_form = admin.site._registry[model].get_form(response.wsgi_request)
        form = add_form(instance=rows[model])
    data = {**form_data(form), "_save": "Save"}
    for inline in context.get("inline_admin_formsets", []):
        data.update(formset_data(inline.formset))
    changed = change_a_field(form, data, adding=kind == "add")
    saves = not view_only and (
        kind == "add" or changed or any(name in form.fields for name in TYPED)
    )
    saves_at = response.wsgi_request.path
    if kind == "simple_history":
        # A version's form is the change form, filled in with the version.
        saves_at = reverse(admin_urlname(model._meta, "change"), args=[quote(rows[model].pk)])
    return [Post(action, data, saves_at if saves else None)]


def decision_posts(context, queue, field="update"):
    """Approve and Return (with a comment) on every update (or value) of a review queue; a
    superuser's own is listed without its buttons, and a decision on it saves nothing."""
    return [
        Post(
            DECIDE,
            {field: row["record"].pk, "decision": decision, "comment": "Checked."},
            None if row["mine"] else queue,
            decided=row["record"].pk,
        )
        for row in context["rows"]
        for decision in (Review.Decision.APPROVE, Review.Decision.RETURN)
    ]


def page_decision_posts(request, row):
    """Approve and Return (with a comment) on a row's own decision page (it answers POST
    only); a decision on the superuser's own row would save nothing."""
    return [
        Post(
            DECIDE,
            {"decision": decision, "comment": "Checked."},
            None if row.author_id == request.user.pk else request.path,
            decided=row.pk,
        )
        for decision in (Review.Decision.APPROVE, Review.Decision.RETURN)
    ]


def import_posts(response, update, action):
    """The import page's two steps, with a file of one row that it would import: the dry run,
    which saves nothing, and its confirmation (the superuser's own, which a user who did not run
    the dry run posts as it is)."""
    row = [update.commitment.code, "on_track", f"{timezone.localdate()}", "Imported."]
    upload = {"file": f"commitment,status,as_of,summary\n{','.join(row)}\n".encode()}
    checked = response.client.post(response.wsgi_request.path, files(upload))
    confirmation = {"confirmation": checked.context["confirmation"]}
    return [
        Post(action, upload),
        Post(action, confirmation, response.wsgi_request.path, first=upload),
    ]


def files(data):
    """The data as a browser posts it, with a file for each content in bytes."""
    return {
        name: SimpleUploadedFile(f"{name}.csv", value) if isinstance(value, bytes) else value
        for name, value in data.items()
    }


def changelist_posts(context, row):
    posts = []
    formset = context["cl"].formset
    if formset is not None:  # list_editable
        data = {**formset_data(formset), "_save": "Save"}
        saves = change_a_field(formset.forms[0], data)
        posts.append(Post("change", data, context["request"].path if saves else None))
    action_form = context.get("action_form")
    for name, _ in action_form.fields["action"].choices if action_form else []:
        if name:
            selected = {"index": "0", "select_across": "0", "_selected_action": [row.pk]}
            data = {"action": name, **selected, "post": "yes"}
            posts.append(Post("delete" if name == "delete_selected" else "change", data))
    return posts


@pytest.fixture(scope="module")
def pages(one_of_each, django_db_blocker):
    """Every admin page, with what to POST to it, as a superuser is shown it."""
    client = Client(raise_request_exception=False)
    found = []
    with django_db_blocker.unblock():
        client.force_login(one_of_each.users["superuser"])
        for url, kind, model in find_pages(one_of_each.rows):
            response = client.get(url)
            found.append(Page(url, kind, model, posts_of(response, kind, one_of_each.rows, model)))
    return found


def request_rolled_back(client, method, url, data, before, first=None):
    """Requests a page (after posting it `first`, if given), and returns the answer and the rows
    it wrote since `before` (None after a database error that the page let through), then rolls
    its writes back."""
    with transaction.atomic():
        if first is not None:
            checked = client.post(url, files(first))
            if confirmation := (checked.context or {}).get("confirmation"):
                data = {**data, "confirmation": confirmation}
        response = getattr(client, method)(url, files(data) if data else data)
        written = None if connection.needs_rollback else written_since(before)
        transaction.set_rollback(True)
    return response, written


def signed_in(client, user):
    """Signs in again if a page signed the user out (logout, or a password change, whose new
    session the rollback took away)."""
    if user is not None and SESSION_KEY not in client.session:
        client.force_login(user)
        return True
    return False


# The tests.


def test_the_walk_reaches_every_page_of_every_registered_model(pages):
    kinds = {(page.model, page.kind) for page in pages}
    missing = []
    for model, model_admin in admin.site._registry.items():
        expected = ["changelist", "add", "change", "delete", "history"]
        if isinstance(model_admin, SimpleHistoryAdmin):
            expected.append("simple_history")
        missing += [(model._meta.label, kind) for kind in expected if (model, kind) not in kinds]
    for kind in ["index", "login", "logout", "password_change", "autocomplete"]:
        if (None, kind) not in kinds:
            missing.append(("admin site", kind))
    for model in DECIDED_FIELD:
        if (model, "review") not in kinds:
            missing.append((model._meta.label, "review"))
    for model in DECIDED_ON_THEIR_PAGE:
        if (model, "decide") not in kinds:
            missing.append((model._meta.label, "decide"))
    assert missing == []


def test_the_walk_decides_on_every_pending_update_and_the_superuser_on_none_of_their_own(
    one_of_each, pages
):
    [queue] = [page for page in pages if page.kind == "review" and page.model is StatusUpdate]
    decided = {
        (post.data["update"], post.data["decision"], bool(post.saves_at)) for post in queue.posts
    }

    editors, superusers = one_of_each.pending
    assert decided == {
        (editors.pk, "approve", True),
        (editors.pk, "return", True),
        (superusers.pk, "approve", False),
        (superusers.pk, "return", False),
    }


def test_every_history_version_is_posted_its_form_with_a_field_changed(pages):
    versions = [page for page in pages if page.kind == "simple_history"]

    assert {page.model for page in versions} == {
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    }
    assert all(post.saves_at for page in versions for post in page.posts)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", ROLES)
def test_no_admin_page_writes_more_than_the_role_may(one_of_each, pages, role, method):
    user = one_of_each.users[role]
    client = Client(raise_request_exception=False)
    signed_in(client, user)
    before = snapshot()
    findings = []
    for page in pages:
        for post in page.posts if method == "post" else [Post(None, {})]:
            data, first = (post.data, post.first) if method == "post" else (None, None)
            response, written = request_rolled_back(client, method, page.url, data, before, first)
            what = post.data.get("action") or post.action
            request = f"{method.upper()} {page.url}" + (f" ({what})" if what else "")
            if response.status_code >= 500 and not known_server_error(page, post):
                findings.append(f"{request}: {response.status_code}")
            if written is None:
                findings.append(f"{request}: a database error it did not handle")
            elif written and not allowed(role, user, post, page.model, written):
                findings.append(f"{request}: wrote {written}")
            if signed_in(client, user):
                before = snapshot()

    assert not findings, "\n".join(findings)


def test_a_superuser_saves_what_the_walk_posts(one_of_each, pages):
    client = Client(raise_request_exception=False)
    client.force_login(one_of_each.users["superuser"])
    # A version's form is the change form without its inlines: the change page's own data
    # brings their management forms.
    posted_to = {page.url: post.data for page in pages for post in page.posts}
    before = snapshot()
    unsaved = []
    for page in pages:
        for post in page.posts:
            if post.saves_at is None:
                continue
            data = {**posted_to[post.saves_at], **post.data}
            _, written = request_rolled_back(
                client, "post", post.saves_at, data, before, post.first
            )
            if not written:
                unsaved.append((page.url, post.saves_at))
            if signed_in(client, one_of_each.users["superuser"]):
                before = snapshot()

    assert unsaved == []


def kept_history(pages):
    """The history list and a version of every model whose admin keeps its history."""
    return [
        page
        for page in pages
        if page.kind in {"history", "simple_history"}
        and isinstance(admin.site._registry[page.model], SimpleHistoryAdmin)
    ]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_history_pages_refuse_every_method_but_get_and_head(one_of_each, pages, method):
    client = Client()
    client.force_login(one_of_each.users["superuser"])
    before = snapshot()

    answers = {
        page.url: getattr(client, method)(page.url).status_code for page in kept_history(pages)
    }

    assert set(answers.values()) == {405}
    assert written_since(before) == []


def test_history_pages_answer_head_as_they_answer_get(one_of_each, pages):
    client = Client()
    client.force_login(one_of_each.users["superuser"])

    answers = {page.url: client.head(page.url).status_code for page in kept_history(pages)}

    assert set(answers.values()) == {200}


@pytest.mark.parametrize("role", ["viewer", "analyst", "reviewer", "editor", "superuser"])
def test_history_pages_open_to_whoever_may_view_the_object(one_of_each, pages, role):
    client = Client()
    client.force_login(one_of_each.users[role])

    answers = {page.url: client.get(page.url).status_code for page in kept_history(pages)}

    assert answers == {
        page.url: 200 if may(role, "view", page.model) else 403 for page in kept_history(pages)
    }


def test_the_import_of_status_updates_is_walked_through_its_dry_run_and_confirmation(pages):
    imports = [page for page in pages if page.kind == "import"]

    assert [(page.model, len(page.posts)) for page in imports] == [(StatusUpdate, 2)]
    dry_run, confirmation = imports[0].posts
    assert (dry_run.action, dry_run.saves_at) == ("add", None)
    assert (confirmation.action, confirmation.first) == ("add", dry_run.data)
    assert confirmation.saves_at == imports[0].url
