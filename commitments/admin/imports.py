"""The admin's import of status updates from a CSV file, in two steps: a dry run, which checks
every row and writes nothing, then a confirmation, which imports exactly the file checked.

The file is read and written by the same code as `manage.py import_updates`
(commitments.imports.parse_csv, check_rows, and services.import_status_updates), so the rules,
the messages, the all-or-nothing write and the refusal of a file imported already are the
command's. The dry run also warns of what the command takes without a word: rows that repeat an
update already recorded.

Between the steps the file waits in the user's session, which is server-side, the user's own and
ended by signing out; the confirmation the page posts back is signed, names the file by its
SHA-256 and expires, so that what is imported is the file the user was shown, checked, and
nothing else.
"""

import base64
import hashlib
import secrets
from collections import Counter

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import marking_badge
from commitments.imports import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TEMPLATE_EXAMPLES,
    ImportRefused,
    check_rows,
    column_help,
    parse_csv,
    repeated_rows,
    template,
)
from commitments.models import Commitment, ImportReceipt, Status
from commitments.services import AlreadyImported, import_confirmed

SESSION_KEY = "commitments.import"
# The module's name before the admin became a package, kept: a confirmation signed before a
# deploy still verifies after it.
SALT = "commitments.admin_import"
# Long enough to read the dry run; short enough that the data it was checked against (the
# commitments, today's date) has not moved far. The confirmation checks the rows again anyway.
CONFIRM_WITHIN_SECONDS = 30 * 60
PREVIEW_ROWS = 10
# Bad rows (and warnings) listed on the page; the rest are counted. A file is fixed a screenful
# at a time.
BAD_ROWS_LISTED = 100
# The first bytes of a zip file: a spreadsheet's workbook (.xlsx, .ods) rather than its CSV.
ZIP_MAGIC = b"PK\x03\x04"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), allow_empty_file=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ADMIN_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext(
                    "This file is %(size)s; the admin takes files of up to %(limit)s. Split it, "
                    "or ask an administrator to import it with manage.py import_updates."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        data = upload.read()
        if data.startswith(ZIP_MAGIC):
            raise forms.ValidationError(
                gettext(
                    "This is a spreadsheet workbook, not a CSV file: in the spreadsheet, save it "
                    "as “CSV UTF-8” and upload that."
                )
            )
        return upload.name, data


def import_view(model_admin, request):
    """The import page. GET: the upload form. POST: the dry run of an uploaded file, or the
    confirmation of the one checked last (or its cancellation)."""
    # Both steps, and the form itself: the confirmation writes, the dry run shows the data.
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    if request.method == "POST" and "_cancel" in request.POST:
        request.session.pop(SESSION_KEY, None)
        model_admin.message_user(request, gettext("Nothing imported."), messages.INFO)
        return HttpResponseRedirect(request.path)
    if request.method == "POST" and "confirmation" in request.POST:
        return _confirm(model_admin, request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if not form.is_valid():
        return _page(model_admin, request, form=form)
    name, data = form.cleaned_data["file"]
    try:
        table = parse_csv(data, name=name)
        updates = check_rows(table, importer=request.user)
    except ImportRefused as refused:
        return _page(model_admin, request, form=UploadForm(), refused=_refusal(refused))
    return _page(
        model_admin,
        request,
        form=UploadForm(),
        checked=_dry_run(updates, table),
        confirmation=_stage(request, name, data),
    )


def template_view(model_admin, request):
    """A CSV file to start from, for whoever may import: every column, and two example rows
    of real commitments, as of today."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    codes = Commitment.objects.order_by("code").values_list("code", flat=True)
    return HttpResponse(
        template(codes[: len(TEMPLATE_EXAMPLES)], timezone.localdate()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="status-updates.csv"'},
    )


def _confirm(model_admin, request):
    staged = request.session.pop(SESSION_KEY, None)
    problem = None
    try:
        signed = signing.loads(
            request.POST["confirmation"], salt=SALT, max_age=CONFIRM_WITHIN_SECONDS
        )
    except signing.SignatureExpired:
        problem = gettext(
            "This check is more than %(minutes)s minutes old. Nothing was imported: upload the "
            "file again to check it against the data as it is now."
        ) % {"minutes": CONFIRM_WITHIN_SECONDS // 60}
    except signing.BadSignature:
        problem = gettext(
            "This confirmation is not valid. Nothing was imported: upload the file again."
        )
    else:
        if not (
            staged
            and signed["user"] == request.user.pk
            and secrets.compare_digest(signed["token"], staged["token"])
            and signed["sha256"] == staged["sha256"] == _digest(_staged_bytes(staged))
        ):
            problem = gettext(
                "This file is no longer waiting to be imported: it was imported or cancelled "
                "already, or another file was checked since. Nothing was imported: upload the "
                "file again."
            )
    if problem:
        model_admin.message_user(request, problem, messages.ERROR)
        return HttpResponseRedirect(request.path)
    data = _staged_bytes(staged)
    try:
        result = import_confirmed(
            parse_csv(data, name=staged["name"]), author=request.user, token=staged["token"]
        )
    except ImportRefused as refused:
        # The data changed since the dry run (a commitment removed, say): nothing was written.
        return _page(model_admin, request, form=UploadForm(), refused=_refusal(refused))
    except AlreadyImported:
        # The same confirmation, posted twice before the session forgot the file.
        model_admin.message_user(
            request,
            gettext("This file was imported already; nothing was imported again."),
            messages.ERROR,
        )
        return HttpResponseRedirect(request.path)
    imported = _imported(result)
    # The importer's "Recent actions" on the admin's home page: the import, by its receipt.
    receipt = ImportReceipt.objects.get(token=staged["token"])
    model_admin.log_addition(request, receipt, f"{staged['name']}: {imported}")
    model_admin.message_user(request, imported, messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:commitments_statusupdate_changelist"))


def _stage(request, name, data):
    """Keeps the checked file in the session, and returns the confirmation that names it."""
    token = secrets.token_urlsafe(16)
    digest = _digest(data)
    request.session[SESSION_KEY] = {
        "name": name,
        # The session is JSON: the very bytes checked, whatever their encoding, in Base64.
        "base64": base64.b64encode(data).decode(),
        "sha256": digest,
        "token": token,
    }
    return signing.dumps({"user": request.user.pk, "token": token, "sha256": digest}, salt=SALT)


def _staged_bytes(staged):
    # A file staged before its bytes were kept in Base64 has none: no longer waiting, as its
    # digest then says.
    return base64.b64decode(staged.get("base64", ""))


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _dry_run(updates, table):
    """What importing the checked rows would create: counts, and the first rows as read."""
    codes = dict(
        Commitment.objects.filter(pk__in=updates.commitment_id[:PREVIEW_ROWS]).values_list(
            "pk", "code"
        )
    )
    by_status = Counter(updates.status)
    warnings = [*table.warnings, *repeated_rows(table, updates)]
    return {
        "name": table.name,
        "warnings": warnings[:BAD_ROWS_LISTED],
        "more_warnings": max(len(warnings) - BAD_ROWS_LISTED, 0),
        "updates": len(updates),
        "commitments": len(set(updates.commitment_id)),
        "by_status": [
            (label, by_status[value]) for value, label in Status.choices if by_status[value]
        ],
        "preview": [
            {
                "line": line,
                "commitment": codes[commitment_id],
                "status": Status(status).label,
                "progress": progress,
                "as_of": as_of,
                "summary": summary,
                "marking": marking_badge(marking),
            }
            for line, commitment_id, status, progress, as_of, summary, marking in zip(
                table.lines,
                updates.commitment_id,
                updates.status,
                updates.progress,
                updates.as_of,
                updates.summary,
                updates.releasability,
                strict=False,
            )
        ][:PREVIEW_ROWS],
        "more": max(len(updates) - PREVIEW_ROWS, 0),
    }


def _refusal(refused):
    """The refusal as the page shows it: the command's message, and each bad cell by line and
    column (the first BAD_ROWS_LISTED rows'), when the rows are at fault."""
    bad_lines = list(dict.fromkeys(cell.line for cell in refused.bad_cells))
    listed = set(bad_lines[:BAD_ROWS_LISTED])
    return {
        "message": str(refused) if not refused.bad_cells else None,
        "bad_rows": len(bad_lines),
        "cells": [cell for cell in refused.bad_cells if cell.line in listed],
        "unlisted": max(len(bad_lines) - BAD_ROWS_LISTED, 0),
    }


def _imported(result):
    updates = ngettext("%(count)s update", "%(count)s updates", result.updates) % {
        "count": result.updates
    }
    commitments = ngettext("%(count)s commitment", "%(count)s commitments", result.commitments) % {
        "count": result.commitments
    }
    state = gettext("pending review") if settings.REVIEW_REQUIRED else gettext("approved")
    # The import's rows: the importer's, recorded from the first to the last.
    url = (
        reverse("admin:commitments_statusupdate_changelist")
        + "?"
        + urlencode(
            {
                "created_at__gte": result.first_recorded_at.isoformat(),
                "created_at__lte": result.last_recorded_at.isoformat(),
            }
        )
    )
    imported = gettext("%(updates)s imported for %(commitments)s; %(state)s.") % {
        "updates": updates,
        "commitments": commitments,
        "state": state,
    }
    return format_html('{} <a href="{}">{}</a>.', imported, url, gettext("See them"))


def _page(model_admin, request, *, form, checked=None, confirmation=None, refused=None):
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Import status updates"),
        "opts": opts,
        "form": form,
        "checked": checked,
        "confirmation": confirmation,
        "refused": refused,
        "max_size": filesizeformat(settings.ADMIN_IMPORT_MAX_BYTES),
        "required_columns": REQUIRED_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS,
        "columns": [
            (column, column in REQUIRED_COLUMNS, takes) for column, takes in column_help().items()
        ],
        "review_required": settings.REVIEW_REQUIRED,
        "confirm_within_minutes": CONFIRM_WITHIN_SECONDS // 60,
    }
    return TemplateResponse(request, "admin/commitments/statusupdate/import.html", context)
