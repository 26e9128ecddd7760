"""How people are named to readers: the API, the feeds and the emails share one rule."""

from django.utils.translation import pgettext_lazy

# The roles a person without a name is named by, in the reader's language where words are read
# (the feed, the emails); the API names them in English, as data.
ROLE_WORDS = {
    "Analyst": pgettext_lazy("a person's role", "Analyst"),
    "Reviewer": pgettext_lazy("a person's role", "Reviewer"),
}


def may_see_login_names(reader):
    """Signed-in staff: login names are half of a login, and no business of the public."""
    return reader is not None and reader.is_authenticated and reader.is_staff


def person_name(user, *, reader, acting_as):
    """How a person is named to `reader`: by their full name. Without one, staff readers
    see the login name and everyone else the role the person acted in (`acting_as`)."""
    name = user.get_full_name()
    if name:
        return name
    if may_see_login_names(reader):
        return user.get_username()
    return acting_as
