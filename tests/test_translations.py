"""The French and Arabic catalogs are complete and are what is served: every string the code
marks is in them (makemessages finds none missing), translated (each plural form of it), none
fuzzy or obsolete, with its placeholders kept (msgfmt --check-format), and the committed .mo
files are the .po files compiled. A string marked without `make messages` and its translation
fails here, naming it."""

import gettext
import shutil
import subprocess
from contextlib import chdir

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = settings.BASE_DIR / "locale"
LANGUAGES = ["fr", "ar"]
# The Makefile's `messages` target: the same sources, the same options.
IGNORED = ["node_modules", "tests", "bench", "reliability", "docs", "var"]
DOMAINS = {"django": IGNORED, "djangojs": [*IGNORED, "static/vendor"]}


def catalog_path(language, domain, suffix="po", locale=LOCALE):
    return locale / language / "LC_MESSAGES" / f"{domain}.{suffix}"


def committed():
    """(language, domain) of every committed catalog: django's always, djangojs's once there
    are strings in the JavaScript."""
    return [
        (language, domain)
        for language in LANGUAGES
        for domain in DOMAINS
        if domain == "django" or catalog_path(language, domain).exists()
    ]


def named(entry):
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


@pytest.fixture(params=committed(), ids="-".join)
def catalog(request):
    language, domain = request.param
    return language, domain, polib.pofile(str(catalog_path(language, domain)))


def test_every_entry_is_translated(catalog):
    language, _domain, po = catalog
    untranslated = [
        named(entry)
        for entry in po
        if not entry.obsolete
        and (
            not all(entry.msgstr_plural.values()) or len(entry.msgstr_plural) != _plural_forms(po)
            if entry.msgid_plural
            else not entry.msgstr
        )
    ]
    assert untranslated == [], f"Not translated into {language}: {untranslated}"


def _plural_forms(po):
    return int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])


def test_no_entry_is_fuzzy_or_obsolete(catalog):
    _language, _domain, po = catalog
    assert [named(entry) for entry in po if entry.fuzzy] == []
    assert [named(entry) for entry in po if entry.obsolete] == []


def test_every_translation_keeps_its_placeholders(catalog):
    language, domain, _po = catalog
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed: make system-libraries installs it"
    checked = subprocess.run(
        [msgfmt, "--check-format", "-o", "/dev/null", catalog_path(language, domain)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_committed_mo_is_the_po_compiled(catalog):
    """What Django serves (the .mo) says what the .po says: `make messages` compiled it."""
    language, domain, po = catalog
    with open(catalog_path(language, domain, "mo"), "rb") as mo_file:
        mo = gettext.GNUTranslations(mo_file)._catalog
    expected = {}
    for entry in po.translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            expected |= {(key, int(n)): text for n, text in entry.msgstr_plural.items()}
        else:
            expected[key] = entry.msgstr
    compiled = {key: text for key, text in mo.items() if key != ""}  # "" is the header
    assert compiled == expected


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogs as `make messages` would make them of the code now, made in a copy of
    locale/: {(language, domain): their entries' names}. makemessages writes into the `locale`
    directory of the tree it walks, so it walks a tree of its own: links to the project's
    sources beside the copy of locale/."""
    tree = tmp_path_factory.mktemp("tree")
    for source in settings.BASE_DIR.iterdir():
        if source.name != "locale" and not source.name.startswith("."):
            (tree / source.name).symlink_to(source)
    shutil.copytree(LOCALE, tree / "locale")
    with chdir(tree), override_settings(LOCALE_PATHS=[tree / "locale"]):
        for domain, ignored in DOMAINS.items():
            call_command(
                "makemessages",
                locale=LANGUAGES,
                domain=domain,
                add_location="file",
                no_obsolete=True,
                ignore_patterns=ignored,
                symlinks=True,
                verbosity=0,
            )
    found = {}
    for language in LANGUAGES:
        for domain in DOMAINS:
            path = catalog_path(language, domain, locale=tree / "locale")
            po = polib.pofile(str(path)) if path.exists() else []
            found[(language, domain)] = {named(entry) for entry in po if not entry.obsolete}
    return found


def _committed_names(language, domain):
    path = catalog_path(language, domain)
    if not path.exists():
        return set()
    return {named(entry) for entry in polib.pofile(str(path)) if not entry.obsolete}


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_the_code_marks_is_in_the_catalog(extracted, language, domain):
    missing = sorted(extracted[(language, domain)] - _committed_names(language, domain))
    assert missing == [], f"Run make messages and translate into {language}: {missing}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_holds_nothing_the_code_no_longer_marks(extracted, language, domain):
    gone = sorted(_committed_names(language, domain) - extracted[(language, domain)])
    assert gone == [], f"Run make messages, which makes these obsolete, and remove them: {gone}"
