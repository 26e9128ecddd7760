"""The committed OpenAPI schema, docs/openapi.yaml, is the one the code generates: it is the
file that is linted (make lint) and that clients are generated from (make clients), so it
must never drift from the API."""

import difflib
import io
from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"


def test_the_committed_schema_is_the_one_the_code_generates():
    generated = io.StringIO()
    call_command("spectacular", stdout=generated)

    difference = list(
        difflib.unified_diff(
            COMMITTED.read_text().splitlines(),
            generated.getvalue().splitlines(),
            "docs/openapi.yaml",
            "the schema of the code",
            lineterm="",
        )
    )
    assert not difference, (
        "docs/openapi.yaml is not the schema the code generates: run `make schema` and commit "
        "it.\n" + "\n".join(difference[:80])
    )
