"""Meta's webhook checks: the subscription handshake (GET) and ``X-Hub-Signature-256`` (POST).

The signature is HMAC-SHA256 of the raw request bytes keyed with the app secret; it is checked
before the body is parsed, and compared in constant time, as is the verify token.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from bot.errors import MessageError

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


class SignatureMissing(MessageError):
    """The POST has no ``X-Hub-Signature-256`` header (answered 401)."""


class SignatureInvalid(MessageError):
    """The signature does not match the body (answered 403)."""


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends for ``body`` (also used by the simulator and tests)."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(body: bytes, header: str | None, app_secret: str) -> None:
    """Raise unless ``header`` is the signature of exactly these bytes."""
    if not header:
        raise SignatureMissing(f"missing {SIGNATURE_HEADER} header; Meta signs every webhook with the app secret")
    if not header.startswith(_PREFIX):
        raise SignatureInvalid(f"{SIGNATURE_HEADER} must look like 'sha256=<hex>'")
    if not hmac.compare_digest(header.encode(), sign(body, app_secret).encode()):
        raise SignatureInvalid(f"{SIGNATURE_HEADER} does not match the body (is WHATSAPP_APP_SECRET the app's secret?)")


def handshake(params: Mapping[str, str], verify_token: str | None) -> str | None:
    """The challenge to echo if the GET is Meta's subscription check with our token, else None."""
    token = params.get("hub.verify_token") or ""
    if params.get("hub.mode") != "subscribe" or not verify_token:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge") or ""
