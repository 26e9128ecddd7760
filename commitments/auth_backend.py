"""The authentication backend: Django's ModelBackend, with a user's permissions read in one
query instead of two, and a signed-in user read with their Preferences (their language, which
every request of theirs reads: commitments.languages) in the same query.

ModelBackend reads the permissions given to the user and those of their groups in two queries.
Every signed-in or token request to the API reads them (the reader's visibility class,
api.permissions), and a response-cache hit is otherwise little more than that: one query saved
on each. What the backend answers is unchanged: an inactive user holds no permission, a
superuser all of them, anyone else the union of their own and their groups'."""

from django.contrib.auth.backends import ModelBackend, UserModel
from django.contrib.auth.models import Permission
from django.db.models import Q


class PermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("preferences").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            held = Permission.objects.all()
            if not user_obj.is_superuser:
                held = held.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in held.values_list(
                    "content_type__app_label", "codename"
                ).order_by()
            }
        return user_obj._perm_cache
