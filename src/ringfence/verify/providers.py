"""HTTP adapters for SMS providers: Twilio Messaging, Vonage SMS and AWS SNS. Each speaks
its provider's real request and response format; each is a channel plugin registered like
the built-ins, configured by its own ``RINGFENCE_<PROVIDER>_*`` settings.

Transient failures (HTTP 429, 5xx, network errors, a provider's "throttled") are retried
with exponential backoff (tenacity); a refusal (bad number, bad credentials) is not. Either
way a final failure raises :class:`ChannelError`, and the next channel is tried.
Errors name the provider's code only, never its message (it may quote the number).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from ringfence.errors import ConfigurationError
from ringfence.verify.channels import (
    ChannelContext,
    ChannelError,
    DeliveryChannel,
    DeliveryReceipt,
    OutgoingMessage,
    register_channel,
)
from ringfence.verify.composer import segments_of
from ringfence.verify.model import Channel

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class TransientError(ChannelError):
    """Worth another try (rate limited, server error, network)."""


class ProviderSettings(BaseSettings):
    """Retry policy shared by the adapters."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    attempts: int = 3
    backoff_seconds: float = 0.5


class TwilioSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_TWILIO_", extra="ignore")

    account_sid: str
    auth_token: SecretStr
    from_number: str | None = None
    messaging_service_sid: str | None = None
    base_url: str = "https://api.twilio.com"
    status_callback: str | None = None
    # the public URL of /v1/inbound/twilio as Twilio calls it (signatures cover the URL)
    inbound_url: str | None = None


class VonageSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_VONAGE_", extra="ignore")

    api_key: str
    api_secret: SecretStr
    from_name: str = "ringfence"
    base_url: str = "https://rest.nexmo.com"
    callback: str | None = None


class SnsSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_SNS_", extra="ignore")

    access_key_id: str
    secret_access_key: SecretStr
    region: str = "us-east-1"
    base_url: str | None = None
    sender_id: str | None = None


class _HttpChannel:
    """Shared plumbing: one HTTP client, retries on transient errors."""

    name = "http"

    def __init__(self, settings: ProviderSettings, transport: httpx.BaseTransport | None) -> None:
        self._settings = settings
        self._client = httpx.Client(timeout=TIMEOUT, transport=transport)

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        retrying = Retrying(
            stop=stop_after_attempt(self._settings.attempts),
            wait=wait_exponential(multiplier=self._settings.backoff_seconds),
            retry=retry_if_exception_type(TransientError),
            reraise=True,
        )
        provider_id: str = retrying(self._send_once, message)
        return DeliveryReceipt(channel=self.name, provider_id=provider_id)

    supports: tuple[Channel, ...] = (Channel.SMS,)

    def _send_once(self, message: OutgoingMessage) -> str:
        if message.channel not in self.supports:
            raise ChannelError(f"{self.name} cannot deliver by {message.channel.value}")
        try:
            return self._post(message)
        except httpx.TransportError as exc:
            raise TransientError(f"{self.name}: {type(exc).__name__}") from None

    def _post(self, message: OutgoingMessage) -> str:
        raise NotImplementedError

    def _fail(self, status: int, code: object) -> ChannelError:
        kind = TransientError if status == 429 or status >= 500 else ChannelError
        return kind(f"{self.name} refused the message: HTTP {status}, code {code}")


class TwilioChannel(_HttpChannel):
    """Twilio Programmable Messaging: ``POST /2010-04-01/Accounts/{Sid}/Messages.json``."""

    name = "twilio"
    supports = (Channel.SMS, Channel.WHATSAPP, Channel.VOICE)

    def __init__(self, settings: TwilioSettings, transport: httpx.BaseTransport | None = None):
        if not (settings.from_number or settings.messaging_service_sid):
            raise ConfigurationError(
                "set RINGFENCE_TWILIO_FROM_NUMBER or RINGFENCE_TWILIO_MESSAGING_SERVICE_SID"
            )
        super().__init__(settings, transport)
        self.settings = settings

    def _post(self, message: OutgoingMessage) -> str:
        s = self.settings
        if message.channel is Channel.VOICE:  # a call that reads the code, inline TwiML
            if not s.from_number:
                raise ChannelError("twilio voice calls need RINGFENCE_TWILIO_FROM_NUMBER")
            language = escape(message.language or "en-US", {'"': "&quot;"})
            twiml = f'<Response><Say language="{language}">{escape(message.body)}</Say></Response>'
            return self._create(
                "Calls", {"To": message.to.e164, "From": s.from_number, "Twiml": twiml}
            )
        # WhatsApp goes through the messaging API, with both addresses prefixed.
        prefix = "whatsapp:" if message.channel is Channel.WHATSAPP else ""
        data = {"To": prefix + message.to.e164, "Body": message.body}
        if s.messaging_service_sid:
            data["MessagingServiceSid"] = s.messaging_service_sid
        else:
            data["From"] = prefix + str(s.from_number)
        return self._create("Messages", data)

    def _create(self, resource: str, data: dict[str, str]) -> str:
        """POST a Messages or Calls resource; returns its sid."""
        s = self.settings
        if s.status_callback:
            data["StatusCallback"] = s.status_callback
        response = self._client.post(
            f"{s.base_url}/2010-04-01/Accounts/{s.account_sid}/{resource}.json",
            data=data,
            auth=(s.account_sid, s.auth_token.get_secret_value()),
        )
        body = _json(response)
        if response.status_code != 201 or not body.get("sid"):
            raise self._fail(response.status_code, body.get("code"))
        return str(body["sid"])


class VonageChannel(_HttpChannel):
    """Vonage SMS API: ``POST /sms/json``; status ``0`` is success, ``1`` is throttled."""

    name = "vonage"

    def __init__(self, settings: VonageSettings, transport: httpx.BaseTransport | None = None):
        super().__init__(settings, transport)
        self.settings = settings

    def _post(self, message: OutgoingMessage) -> str:
        s = self.settings
        data = {
            "api_key": s.api_key,
            "api_secret": s.api_secret.get_secret_value(),
            "from": s.from_name,
            "to": message.to.e164.lstrip("+"),
            "text": message.body,
            "type": "unicode" if segments_of(message.body)[0] == "UCS-2" else "text",
        }
        if s.callback:
            data["callback"] = s.callback
        response = self._client.post(f"{s.base_url}/sms/json", data=data)
        body = _json(response)
        if response.status_code != 200:
            raise self._fail(response.status_code, None)
        parts = body.get("messages") or [{}]
        failed = [p for p in parts if p.get("status") != "0"]
        if failed:
            status = failed[0].get("status")
            raise self._fail(429 if status == "1" else 400, status)
        return str(parts[0].get("message-id"))


class SnsChannel(_HttpChannel):
    """AWS SNS ``Publish`` to a phone number (query protocol, Signature Version 4).
    SNS reports delivery to CloudWatch Logs, not to an HTTP callback."""

    name = "sns"

    def __init__(self, settings: SnsSettings, transport: httpx.BaseTransport | None = None):
        from httpx_auth import AWS4Auth

        super().__init__(settings, transport)
        self.settings = settings
        self.url = settings.base_url or f"https://sns.{settings.region}.amazonaws.com"
        self._auth = AWS4Auth(
            access_id=settings.access_key_id,
            secret_key=settings.secret_access_key.get_secret_value(),
            region=settings.region,
            service="sns",
        )

    def _post(self, message: OutgoingMessage) -> str:
        data = {
            "Action": "Publish",
            "Version": "2010-03-31",
            "PhoneNumber": message.to.e164,
            "Message": message.body,
            "MessageAttributes.entry.1.Name": "AWS.SNS.SMS.SMSType",
            "MessageAttributes.entry.1.Value.DataType": "String",
            "MessageAttributes.entry.1.Value.StringValue": "Transactional",
        }
        if self.settings.sender_id:
            data["MessageAttributes.entry.2.Name"] = "AWS.SNS.SMS.SenderID"
            data["MessageAttributes.entry.2.Value.DataType"] = "String"
            data["MessageAttributes.entry.2.Value.StringValue"] = self.settings.sender_id
        response = self._client.post(self.url + "/", data=data, auth=self._auth)
        root = _xml(response.text)
        if response.status_code != 200:
            code = _find(root, "Code")
            status = 429 if code == "Throttling" else response.status_code
            raise self._fail(status, code)
        message_id = _find(root, "MessageId")
        if not message_id:
            raise self._fail(response.status_code, "no MessageId")
        return message_id


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _xml(text: str) -> ET.Element | None:
    try:
        return ET.fromstring(text)  # noqa: S314  (the provider's answer, not user input)
    except ET.ParseError:
        return None


def _find(root: ET.Element | None, tag: str) -> str | None:
    if root is None:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == tag:
            return element.text
    return None


def _factory(channel: type[_HttpChannel], settings: type[ProviderSettings]) -> Any:
    def build(_context: ChannelContext) -> DeliveryChannel:
        from pydantic import ValidationError

        try:
            loaded = settings()
        except ValidationError as exc:
            names = sorted({str(e["loc"][0]) for e in exc.errors()})
            raise ConfigurationError(
                f"the {channel.name} channel needs settings: "
                + ", ".join(f"{settings.model_config.get('env_prefix')}{n.upper()}" for n in names)
            ) from None
        return channel(loaded)  # type: ignore[call-arg]

    return build


register_channel("twilio", _factory(TwilioChannel, TwilioSettings))
register_channel("vonage", _factory(VonageChannel, VonageSettings))
register_channel("sns", _factory(SnsChannel, SnsSettings))
