"""Schemathesis hooks for the contract test (scripts/contract-test.sh).

The kiosk routes are signed (attend-protocol's `signing` module): HMAC-SHA256, keyed by the
device secret, over

    ATTEND1-HMAC-SHA256\\n{METHOD}\\n{path}\\n{sorted query}\\n{unix time}\\n{nonce}\\n{hex sha256(body)}

Schemathesis generates the four x-attend-* headers from the document like any other header; this
signs the request as sent (after the body is serialised) and replaces the generated values, so
the server sees a real kiosk. Only headers the case carries are replaced: a check that leaves one
out (or a case generated to break the headers) still reaches the server without it.
"""

import ast
import base64
import hashlib
import hmac
import os
import threading
import time
import uuid
from urllib.parse import urlsplit

import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.transport.prepare import get_exclude_headers

# Python 3.11 keeps one AST recursion counter for every thread (CPython issue 106905): when the
# two workers build a syntax tree at once (Hypothesis parses a lambda's source to describe a
# strategy), one of them fails with "AST constructor recursion depth mismatch" and the run counts
# it as an error in the API. One tree at a time; only Hypothesis's descriptions parse, so this
# costs nothing measurable.
_ast_parse = ast.parse
_ast_lock = threading.Lock()


def _parse_one_at_a_time(*args, **kwargs):
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time

BASE_URL = os.environ["CONTRACT_BASE_URL"]
ADMIN_ID = os.environ["CONTRACT_ADMIN_ID"]
STAND_IN_ID = os.environ["CONTRACT_STAND_IN_ID"]
DEVICE_ID = os.environ["CONTRACT_DEVICE_ID"]
SECRET = base64.urlsafe_b64decode(os.environ["CONTRACT_DEVICE_SECRET"] + "=" * 4)
SIGNED_ROUTES = ("/api/v1/device/events", "/api/v1/device/roster")
HEADERS = ("x-attend-device", "x-attend-timestamp", "x-attend-nonce", "x-attend-signature")


def canonical(method: str, path: str, query: str, timestamp: int, nonce: str, body: bytes) -> str:
    params = sorted(p for p in query.split("&") if p)
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join(
        ["ATTEND1-HMAC-SHA256", method.upper(), path, "&".join(params), str(timestamp), nonce, body_hash]
    )


class DeviceSignature(requests.auth.AuthBase):
    """Signs a prepared request: the exact path, query and body bytes that go on the wire."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        present = [h for h in HEADERS if h in request.headers]
        if not present:
            return request
        url = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        timestamp = int(time.time())
        nonce = uuid.uuid4().hex
        text = canonical(request.method, url.path, url.query, timestamp, nonce, body)
        signature = base64.urlsafe_b64encode(hmac.new(SECRET, text.encode(), hashlib.sha256).digest())
        values = {
            "x-attend-device": DEVICE_ID,
            "x-attend-timestamp": str(timestamp),
            "x-attend-nonce": nonce,
            "x-attend-signature": signature.decode().rstrip("="),
        }
        for header in present:
            request.headers[header] = values[header]
        return request


# Attachments are sniffed: a body sent as a PDF must start like one.
schemathesis.openapi.media_type("application/pdf", st.just(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"))


class Bearer(requests.auth.AuthBase):
    """Sends `token` instead of the run's own (the `-H` header), on the request as prepared."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def fresh_admin_token() -> str:
    reply = requests.post(
        f"{BASE_URL}/api/v1/auth/login",
        json={"email": "admin@acme.example", "password": "attend-demo-password"},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()["access_token"]


# Operations that would end or change the run's own admin account: signing out ends the session
# that every other request uses, so it gets a session of its own; ending the admin's sessions or
# editing the admin (disabling it, lowering its role) is done to a stand-in user instead.
SELF_HARM = ("/api/v1/users/{id}/end-sessions", "/api/v1/users/{id}")


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    if path == "/api/v1/auth/logout" and "Authorization" not in get_exclude_headers(case):
        kwargs["auth"] = Bearer(fresh_admin_token())
    if path in SELF_HARM and (case.path_parameters or {}).get("id") == ADMIN_ID:
        case.path_parameters["id"] = STAND_IN_ID
    if path not in SIGNED_ROUTES:
        return
    meta = case.meta
    if meta is not None and meta.is_negative_at(ParameterLocation.HEADER):
        return
    kwargs["auth"] = DeviceSignature()
