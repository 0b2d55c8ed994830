"""The WhatsApp channel's settings: ``channels.whatsapp`` in config.yml, secrets from the environment.

```yaml
channels:
  whatsapp:
    phone_numbers:
      - {phone_number_id: "1234567890", display_number: "+20 100 000 0000", catalog_id: "998877"}
    api_version: v25.0
    messages_per_second: 80
    window_template: {name: reopen_conversation, language: en}   # sent when the 24-hour window is closed
```

``WHATSAPP_ACCESS_TOKEN``, ``WHATSAPP_APP_SECRET`` and ``WHATSAPP_VERIFY_TOKEN`` come only from the
environment, and ``WHATSAPP_API_BASE_URL`` replaces Meta's address (the fake Graph API, a proxy).
With no access token and no app secret the channel runs as the local simulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError

META_BASE_URL = "https://graph.facebook.com"
SECRETS = ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")
# Words that stop business-initiated messages, in each language (matched on the whole message).
OPT_OUT_WORDS = (
    "stop", "unsubscribe", "stop all", "opt out", "optout",
    "توقف", "وقف", "الغاء الاشتراك", "إلغاء الاشتراك", "الغاء", "ايقاف", "إيقاف",
    "退订", "取消订阅", "停止",
)
OPT_IN_WORDS = ("start", "subscribe", "اشتراك", "ابدأ", "订阅")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhoneNumber(_Options):
    """One business phone number."""

    phone_number_id: str = Field(min_length=1)
    display_number: str | None = None
    catalog_id: str | None = None


class TemplateRef(_Options):
    """A pre-approved template; ``body_text`` puts the refused message's text in its first body parameter."""

    name: str = Field(min_length=1)
    language: str = "en"
    body_text: bool = True


class WhatsAppOptions(_Options):
    """``channels.whatsapp`` in config.yml."""

    phone_numbers: list[PhoneNumber] = Field(default_factory=list)
    api_version: str = Field(default="v25.0", pattern=r"^v\d+\.\d+$")
    messages_per_second: float = Field(default=80.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    send_timeout_seconds: float = Field(default=10.0, gt=0)
    #: Connections kept open to the Graph API (sends wait for a free one; few busy ones cost less CPU).
    max_connections: int = Field(default=16, ge=1, le=1000)
    window_hours: float = Field(default=24.0, gt=0)
    window_template: TemplateRef | None = None
    #: Seconds between tries to one customer after WhatsApp's pair rate limit (131056).
    pair_retry_seconds: float = Field(default=6.0, gt=0)
    #: Hours without marketing to a customer after WhatsApp held one back (131049).
    marketing_hold_hours: float = Field(default=24.0, ge=0)
    opt_out_words: list[str] = Field(default_factory=lambda: list(OPT_OUT_WORDS))
    opt_in_words: list[str] = Field(default_factory=lambda: list(OPT_IN_WORDS))
    mark_read: bool = True


@dataclass(frozen=True, slots=True)
class Secrets:
    """The channel's secrets (never logged)."""

    access_token: str | None
    app_secret: str | None
    verify_token: str | None
    api_base_url: str

    @property
    def simulated(self) -> bool:
        """No credentials at all: run against the local simulator."""
        return not self.access_token and not self.app_secret

    def __repr__(self) -> str:
        return f"Secrets(access_token={'***' if self.access_token else None}, api_base_url={self.api_base_url!r})"


def read_options(raw: Mapping[str, Any]) -> WhatsAppOptions:
    """The options, or a ConfigError listing every problem with its path."""
    try:
        return WhatsAppOptions.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError([f"channels.whatsapp.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None


def read_secrets(environ: Mapping[str, str], options: WhatsAppOptions) -> Secrets:
    """Secrets from the environment; a half-configured channel is an error that says what is missing."""
    token, secret, verify = (environ.get(name) or None for name in SECRETS)
    base = (environ.get("WHATSAPP_API_BASE_URL") or META_BASE_URL).rstrip("/")
    secrets = Secrets(token, secret, verify, base)
    if secrets.simulated:
        return secrets
    missing = [name for name, value in zip(SECRETS, (token, secret, verify), strict=True) if not value]
    if missing:
        raise ConfigError([(f"the WhatsApp channel needs {', '.join(missing)} in the environment "
                            f"(set all of {', '.join(SECRETS)}, or none to run the local simulator)")], source="environment")
    if not options.phone_numbers:
        raise ConfigError([("channels.whatsapp.phone_numbers is empty: list your business numbers, e.g. "
                            "[{phone_number_id: '1234567890', display_number: '+20 100 000 0000'}]")])
    return secrets
