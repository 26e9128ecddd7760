"""Webhooks: Editors register endpoints (URL, event types, clearance, active), read each one's
signing secret, send it a test event, and follow its delivery log (status code, duration,
attempt, next retry), from which they redeliver."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from commitments.clearance import may_mark
from commitments.models import (
    SUBSCRIBABLE_EVENT_TYPES,
    Releasability,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.services.webhooks import (
    RedeliveryRefused,
    clearance_refusal,
    redeliver,
    save_webhook_endpoint,
    send_test_event,
)

# django-tasks-db's list of queued tasks: the delivery log says what each task did, for the
# Editors who read it; operators read the queue's table itself.
admin.site.unregister(DBTaskResult)


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE_EVENT_TYPES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every public event, including types added later."),
    )

    clearance = forms.ChoiceField(
        choices=Releasability.choices,
        required=False,
        help_text=WebhookEndpoint._meta.get_field("clearance").help_text,
    )

    # Who registers or changes it: set by WebhookEndpointAdmin.get_form.
    user = None

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "clearance", "active", "owner"]
        field_classes = {"url": partial(forms.URLField, assume_scheme="https")}

    def clean_clearance(self):
        # Public when none is chosen, as before endpoints had one.
        clearance = self.cleaned_data["clearance"] or Releasability.PUBLIC
        if not may_mark(self.user, clearance):
            raise forms.ValidationError(clearance_refusal(self.user))
        return clearance


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = [
        "url",
        "description",
        "clearance",
        "owner",
        "active",
        "consecutive_failures",
        "log_link",
    ]
    list_filter = ["active", "clearance"]
    list_select_related = ["owner"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "secret",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "log_link",
    ]
    actions = ["send_test_event"]

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        save_webhook_endpoint(obj, by=request.user)

    @admin.display(description=_("delivery log"))
    def log_link(self, endpoint):
        if endpoint.pk is None:
            return "-"  # not saved yet
        url = reverse("admin:commitments_webhookdelivery_changelist")
        query = urlencode({"endpoint__id__exact": endpoint.pk})
        return format_html('<a href="{}?{}">{}</a>', url, query, gettext("Deliveries"))

    @admin.action(description=_("Send a test event"), permissions=["change"])
    def send_test_event(self, request, queryset):
        for endpoint in queryset:
            send_test_event(endpoint, by=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "A test event is on its way to %(count)s endpoint(s).",
                "A test event is on its way to %(count)s endpoint(s).",
                count,
            )
            % {"count": count},
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "endpoint",
        "event",
        "message_id",
        "attempt",
        "status",
        "response_status",
        "duration_ms",
        "next_retry_at",
        "error",
    ]
    list_filter = ["status", "endpoint"]
    list_select_related = ["endpoint", "event"]
    search_fields = ["message_id"]
    actions = ["redeliver"]

    # The log is written by the deliveries themselves: read-only to everyone.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_redeliver_permission(self, request):
        return request.user.has_perm("commitments.change_webhookendpoint")

    @admin.action(description=_("Redeliver"), permissions=["redeliver"])
    def redeliver(self, request, queryset):
        for delivery in queryset.select_related("endpoint"):
            try:
                redeliver(delivery, by=request.user)
            except RedeliveryRefused as refusal:
                self.message_user(request, str(refusal), messages.WARNING)
            else:
                self.message_user(
                    request,
                    gettext("%(message_id)s is delivered again.")
                    % {"message_id": delivery.message_id},
                )
