"""The OpenAPI schema's account of what every operation of the API does over HTTP, beyond its
200/201 body: errors and their bodies, conditional requests and their headers, anonymous reads,
the CSV and XLSX forms of lists. The views behave this way for every operation, so it is stated here once
(a drf-spectacular postprocessing hook) instead of on each view; tests/test_api_contract.py and
the response validation of the whole test suite hold both to it."""

from django.conf import settings
from drf_spectacular import openapi

from commitments import languages
from commitments.api import problems
from commitments.api.renderers import XLSXRenderer

XLSX = XLSXRenderer.media_type

# Error bodies: a problem (RFC 9457, commitments.api.problems), for every error.
PROBLEM = {
    "type": "object",
    "description": "What went wrong (RFC 9457): `code` says which kind of error, for a program; "
    "`detail` says it to a person.",
    "properties": {
        "type": {
            "type": "string",
            "description": "`about:blank`: the problem is what its status says.",
        },
        "title": {"type": "string", "description": "The status's phrase (Bad Request)."},
        "status": {"type": "integer", "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {
            "type": "string",
            "description": "The kind of error, stable: invalid, unknown_parameter, parse_error, "
            "not_authenticated, authentication_failed, permission_denied, not_found, "
            "method_not_allowed, not_acceptable, conflict, precondition_failed, "
            "precondition_required, request_too_large, unsupported_media_type, "
            "idempotency_key_reused, throttled, server_error, database_unavailable, "
            "database_busy, disk_full.",
        },
        "errors": {
            "type": "object",
            "description": "A 400's messages per field or query parameter "
            "(`non_field_errors` for the request as a whole).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "current_version": {
            "type": "integer",
            "nullable": True,
            "description": "A 412's: the commitment's version now, when the If-Match named an "
            "older one.",
        },
        "request_id": {
            "type": "string",
            "description": "The request's id, as in the X-Request-ID header: quote it to the "
            "operators, whose log lines of this request carry it.",
        },
    },
    "required": ["type", "title", "status", "detail", "code", "request_id"],
}
PROBLEM_MEDIA_TYPE = problems.MEDIA_TYPE

HEADERS = {
    "ETag": {
        "description": "Identifies this representation: send it in If-None-Match to revalidate, "
        "and, for a commitment, in If-Match to change it.",
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "When the data last changed (or the day began: staleness moves at "
        "midnight); send it in If-Modified-Since to revalidate.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`no-cache`: a copy may be kept but is revalidated (If-None-Match) before "
        "each use. `private, no-cache, no-store` for a signed-in user or token holder: no "
        "cache keeps it.",
        "schema": {"type": "string"},
    },
    "Location": {"description": "The URL of what was created.", "schema": {"type": "string"}},
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'The next and previous pages (RFC 8288): `<url>; rel="next"`, '
        '`<url>; rel="prev"`, the same as the body\'s `next` and `previous`; absent on a '
        "single page.",
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'The rate limit that counts this client (IETF draft): `"anon";q=120;w=60` '
        "is 120 requests a 60-second window for anonymous clients (`user`: signed in).",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'Where this client stands in it: `"anon";r=87;t=23` is 87 requests '
        "left, for 23 seconds more.",
        "schema": {"type": "string"},
    },
    "X-Request-ID": {
        "description": "This request's id, which every log line of it carries (and a problem's "
        "`request_id`): quote it when asking about a response.",
        "schema": {"type": "string"},
    },
    "Content-Language": {
        "description": "The language the response's words are in (its messages, labels and "
        "names): `lang`, else the language the token's or session's user chose, else "
        "Accept-Language, else `en-gb`. Codes, field names and enum values are the same in "
        "every language.",
        "schema": {"type": "string", "enum": [code for code, _name in settings.LANGUAGES]},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the response to an earlier request with the same "
        "Idempotency-Key, given again: nothing was written this time.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

PARAMETERS = {
    "lang": {
        "in": "query",
        "name": languages.QUERY_PARAMETER,
        "required": False,
        "schema": {"type": "string", "enum": [code for code, _name in settings.LANGUAGES]},
        "description": "The language of the response's words (see Content-Language), whatever "
        "Accept-Language and your user's own setting say. Another value is a 400 that lists "
        "these.",
    },
    "Accept-Language": {
        "in": "header",
        "name": "Accept-Language",
        "required": False,
        "schema": {"type": "string"},
        "description": "The languages you read, as browsers send them (`fr, en;q=0.5`): the "
        "first the API speaks is used, unless `lang` or your user's own setting says another.",
    },
    "If-None-Match": {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": "The ETag of your copy: 304 without a body when it is still current.",
    },
    "If-Modified-Since": {
        "in": "header",
        "name": "If-Modified-Since",
        "required": False,
        "schema": {"type": "string"},
        "description": "The Last-Modified of your copy (an HTTP date): 304 when nothing changed "
        "since. If-None-Match, when sent too, decides.",
    },
    "Idempotency-Key": {
        "in": "header",
        "name": "Idempotency-Key",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": "A key of your choosing (a new UUID per request) that makes a retry "
        "safe: the same key with the same request within 24 hours gets the first response "
        "again (with `Idempotent-Replayed: true`) instead of writing twice. Only a success "
        "spends a key. The same key with another request is a 422; while the first is still "
        "being processed, a 409. Keys are your own: another user's are not yours.",
    },
    "If-Match": {
        "in": "header",
        "name": "If-Match",
        "required": True,
        "schema": {"type": "string"},
        "description": "The ETag of your last GET of this commitment, exactly as received. A "
        "change since then is a 412; `*` is not accepted (428).",
    },
}


def _error(description, headers=()):
    response = {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = {name: HEADERS[name] for name in headers}
    return response


COMMON_ERRORS = {
    "401": _error("The token or session is not valid."),
    "403": _error(
        "Not allowed: reads need a signed-in user where the deployment keeps them private; "
        "writes need the role's permission."
    ),
    "404": _error("No such resource, or no such page."),
    "406": _error("The Accept header asks for a representation the API does not give."),
    "429": _error("Too many requests from this client.", headers=["Retry-After"]),
    "500": _error("An error on the server's side; it has been logged."),
    "503": _error("The database is unavailable for a moment.", headers=["Retry-After"]),
}
WRITE_ERRORS = {
    "413": _error("The body is larger than the server accepts."),
    "415": _error("The body is not JSON."),
}
PATCH_ERRORS = {
    "412": _error(
        "If-Match is not an ETag of this commitment, or the commitment changed since "
        "(`current_version`)."
    ),
    "428": _error("If-Match is missing (or `*`)."),
}
NOT_MODIFIED = {
    "description": "Your copy (If-None-Match or If-Modified-Since) is current; no body.",
    "headers": {name: HEADERS[name] for name in ("ETag", "Cache-Control")},
}


# On every response of every operation (throttling.RateLimitHeadersMiddleware and
# request_log.RequestLogMiddleware): declared once, as components, and referred to.
# Content-Language: Django's LocaleMiddleware, with the language commitments.languages chose.
EVERY_RESPONSE = ("RateLimit-Policy", "RateLimit", "X-Request-ID", "Content-Language")
EVERY_RESPONSE_HEADERS = {name: {"$ref": f"#/components/headers/{name}"} for name in EVERY_RESPONSE}


def _is_page(media):
    """Whether a JSON body is a page of a list (drf-spectacular's Paginated… components)."""
    return media.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Paginated")


class AutoSchema(openapi.AutoSchema):
    """Operations are described by what their views declare with extend_schema, written for
    the developers of clients. drf-spectacular would otherwise publish the views' docstrings,
    which are written for the maintainers of this code."""

    def get_description(self):
        return ""


def declare_http_contract(result, generator, request, public):
    """drf-spectacular postprocessing hook: see the module's docstring."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    result["components"].setdefault("headers", {}).update(
        {name: HEADERS[name] for name in EVERY_RESPONSE}
    )
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            _declare(operation, method, path)
    return result


def _declare(operation, method, path):
    responses = operation.setdefault("responses", {})
    parameters = operation.setdefault("parameters", [])
    for parameter in parameters:
        # Several values are sent by repeating the parameter, which the server accepts for every
        # list parameter (ordering takes commas as well).
        if parameter.get("in") == "query" and parameter["schema"].get("type") == "array":
            parameter.update(style="form", explode=True)
    for status, response in responses.items():
        content = response.get("content", {})
        # Lists that also come as CSV: the CSV is text, not the paginated JSON.
        if "text/csv" in content:
            content["text/csv"] = {
                "schema": {
                    "type": "string",
                    "description": "Every matching row (not paged), one line per row, a header "
                    "line first.",
                }
            }
        if XLSX in content:
            content[XLSX] = {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "description": "The CSV's rows and columns as an Excel workbook: a bold "
                    "header row, dates and numbers typed.",
                }
            }
        if method == "get" and status == "200":
            response["headers"] = {
                name: HEADERS[name] for name in ("ETag", "Last-Modified", "Cache-Control")
            }
            if _is_page(content.get("application/json", {})):
                response["headers"]["Link"] = HEADERS["Link"]
        if status == "201":
            response["headers"] = {
                name: HEADERS[name] for name in ("Location", "Idempotent-Replayed")
            }
        if method == "patch" and status == "200":
            response["headers"] = {"ETag": HEADERS["ETag"]}
    parameters += [PARAMETERS["lang"], PARAMETERS["Accept-Language"]]
    responses.update(COMMON_ERRORS)
    responses["400"] = _error(
        "A parameter or the body is not valid (`invalid`; a `lang` the API does not speak "
        "too), a query parameter the operation does not take (`unknown_parameter`), or the "
        "body is not JSON (`parse_error`): `errors` names each."
    )
    if method == "get":
        responses["304"] = NOT_MODIFIED
        parameters += [PARAMETERS["If-None-Match"], PARAMETERS["If-Modified-Since"]]
        # Reads are public unless the deployment says otherwise: no credentials is an option.
        security = operation.setdefault("security", [])
        if {} not in security:
            security.append({})
    else:
        responses.update(WRITE_ERRORS)
    if method == "post":
        parameters.append(PARAMETERS["Idempotency-Key"])
        in_progress = "a request with this Idempotency-Key is still being processed"
        if path.endswith("/review/"):
            conflict = f"It already has a decision (a decision is final), or {in_progress}."
        else:
            conflict = f"{in_progress[0].upper()}{in_progress[1:]}: retry after Retry-After."
        responses["409"] = _error(conflict, headers=["Retry-After"])
        responses["422"] = _error(
            "The Idempotency-Key was used for another request (another address or body) in the "
            "last 24 hours."
        )
    if method == "patch":
        responses.update(PATCH_ERRORS)
        parameters.append(PARAMETERS["If-Match"])
    operation["responses"] = {
        status: {**response, "headers": {**response.get("headers", {}), **EVERY_RESPONSE_HEADERS}}
        for status, response in sorted(responses.items())
    }
