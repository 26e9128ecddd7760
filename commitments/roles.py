"""The analysts' roles, as Django groups with exactly these permissions.

Staff users (is_staff) get their rights from one of these groups. No role may change or delete
a status update, an indicator value, a key message of the briefing pack, a review decision or a
contribution: history is append-only, and the admin refuses it even to superusers. Analysts and
Editors record contributions, indicator values and the briefing pack's key messages; Editors
manage partners (their kind: who is a Coalition member) with the rest of the reference data,
and define indicators, and register webhook endpoints. Reviewers and Editors decide on other people's updates, indicator values
and key messages (add_review), never on their own.
"""

from django.contrib.auth.models import Group, Permission

REFERENCE_MODELS = ["sourcedocument", "pillar", "theme", "place", "partner"]
ALL_MODELS = [
    "commitment",
    "statusupdate",
    "review",
    "contribution",
    "evidence",
    "indicator",
    "indicatorvalue",
    "indicatorvaluereview",
    "briefingmessage",
    "briefingmessagereview",
    "dependency",
    "release",  # a record released to a wider audience; proposed by who records its kind
    "releasereview",
    "event",  # the events stream's review work in progress (EventQuerySet.visible_to)
    *REFERENCE_MODELS,
]

VIEWER = "Viewer"
ANALYST = "Analyst"
EDITOR = "Editor"
REVIEWER = "Reviewer"

_view = [f"view_{model}" for model in ALL_MODELS]
ROLE_PERMISSIONS = {
    VIEWER: _view,
    ANALYST: [
        *_view,
        "add_statusupdate",
        "add_contribution",
        "add_indicatorvalue",
        "add_briefingmessage",
        # The graded evidence their records cite (never changed: a new grade is a new piece).
        "add_evidence",
    ],
    # Approves or returns other people's status updates, indicator values and key messages
    # (add_review); never their own.
    REVIEWER: [*_view, "add_review"],
    EDITOR: [
        *_view,
        "add_statusupdate",
        "add_contribution",
        "add_indicatorvalue",
        "add_briefingmessage",
        "add_evidence",
        "add_review",
        "add_commitment",
        "change_commitment",
        # Editors say which commitments depend on which (removals are kept in the history).
        "add_dependency",
        "delete_dependency",
        # Editors define what measures a commitment; values are recorded, never changed.
        *(f"{action}_indicator" for action in ("add", "change", "delete")),
        *(f"{action}_{model}" for model in REFERENCE_MODELS for action in ("add", "change")),
        # Editors register webhook endpoints (whose signing secret they read), see their
        # delivery log and redeliver from it (change_webhookendpoint). Other roles see none.
        *(f"{action}_webhookendpoint" for action in ("view", "add", "change", "delete")),
        "view_webhookdelivery",
    ],
}


# Clearance groups: what a reader may read of the records' releasabilities (commitments.clearance),
# whatever their role. A Coalition member's staff read what is released to the coalition; the
# secretariat reads everything. A user of neither reads what is public, as anyone does.
COALITION = "Coalition"
SECRETARIAT = "Secretariat"
CLEARANCE_PERMISSIONS = {
    COALITION: ["read_coalition"],
    SECRETARIAT: ["read_coalition", "read_secretariat"],
}


def roles_with(codename):
    """The names of the roles granted a permission, e.g. ["Reviewer", "Editor"] for
    "add_review"."""
    return [role for role, codenames in ROLE_PERMISSIONS.items() if codename in codenames]


def sync_roles():
    """Creates the role groups and the clearance groups and sets their permissions to exactly
    ROLE_PERMISSIONS and CLEARANCE_PERMISSIONS. Idempotent; permissions granted to a role by hand are removed."""
    for name, codenames in {**ROLE_PERMISSIONS, **CLEARANCE_PERMISSIONS}.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="commitments", codename__in=codenames
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise LookupError(f"Role {name} names unknown permissions: {sorted(missing)}")
        group.permissions.set(permissions)


def sync_roles_after_migrate(sender, using="default", plan=None, **kwargs):
    # Migrating backwards leaves the models of later migrations, and their permissions, out
    # (to zero: none at all); the roles are synced again when migrating forward.
    if any(backwards for _, backwards in plan or []):
        return
    if Permission.objects.using(using).filter(content_type__app_label="commitments").exists():
        sync_roles()
