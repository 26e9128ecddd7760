"""Fuzzing from the OpenAPI schema: schemathesis against gunicorn, with the Roadmap loaded and
an Editor's token, bounded in examples and time. Fails on any 5xx and on any answer that
breaks the schema.

Run by .ci/run (make fuzz).
"""

import subprocess
import sys

from server import BIN, ROOT, environment, gunicorn, prepare

DATABASE = "roadmap_fuzz"
PORT = 8766
EXAMPLES = 25
SECONDS = 600


def main():
    env = environment(DATABASE)
    token = prepare(DATABASE, env, role="Editor")
    with gunicorn(env, PORT, "fuzz-gunicorn.log") as base:
        result = subprocess.run(
            [
                str(BIN / "schemathesis"), "run", f"{base}/api/v1/schema/",
                "--url", base,
                "--header", f"Authorization: Token {token}",
                "--checks", "not_a_server_error,response_schema_conformance",
                "--max-examples", str(EXAMPLES),
                "--seed", "2019",
                "--generation-deterministic",
                "--report", "junit",
                "--report-dir", str(ROOT / "var" / "fuzz"),
            ],
            cwd=ROOT, timeout=SECONDS,
        )  # fmt: skip
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
