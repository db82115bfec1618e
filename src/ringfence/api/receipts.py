"""Delivery receipts from SMS providers: ``/v1/delivery-receipts/{provider}``.

Twilio's receipts are authenticated by their ``X-Twilio-Signature`` (HMAC-SHA1 under the
auth token, over the callback URL and the parameters). Vonage's are authenticated by a
secret token in the callback URL (``RINGFENCE_VONAGE_CALLBACK`` ends with
``/v1/delivery-receipts/vonage/<RINGFENCE_VONAGE_CALLBACK_TOKEN>``). SNS reports to
CloudWatch Logs, not over HTTP. A forged or unknown receipt changes nothing. The access
log redacts the token (see ``ringfence.api.access_log``).
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, HTTPException, Request, Response
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.compliance.consent import ConsentLedger
from ringfence.compliance.optout import honour_opt_out
from ringfence.crypto.tokens import twilio_signature_matches
from ringfence.errors import InvalidPhoneNumber, RingfenceError
from ringfence.phone import normalize
from ringfence.verify import VerificationService
from ringfence.verify.deliveries import record_receipt
from ringfence.verify.providers import TwilioSettings

router = APIRouter(prefix="/v1/delivery-receipts", tags=["delivery receipts"])
log = logging.getLogger("ringfence.api")


class VonageReceiptSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_VONAGE_", extra="ignore")

    callback_token: SecretStr


def _apply(
    request: Request,
    background: BackgroundTasks,
    channel: str,
    provider_id: str,
    status: str,
    error: str | None,
) -> None:
    """Record the receipt; a message that newly failed gets a new code through the next
    channel, after the answer (the provider's callback is not kept waiting)."""
    service: VerificationService = request.app.state.verifications
    with service.engine.begin() as connection:
        receipt = record_receipt(
            connection,
            channel=channel,
            provider_id=provider_id[:100],
            provider_status=status[:32],
            error_code=error,
            at=service.clock.now(),
        )
    if receipt is not None and receipt.newly_failed and receipt.verification_id:
        background.add_task(_fail_over, service, receipt.verification_id, channel)


def _fail_over(service: VerificationService, verification_id: str, channel: str) -> None:
    try:
        service.fail_over(verification_id, channel)
    except RingfenceError as exc:  # gone meanwhile, or no channel took it: logged, no retry
        log.warning("no failover for verification %s: %s", verification_id, exc.reason_code)


async def _params(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value)[:1000] for key, value in form.items()}


async def _signed_twilio_params(
    request: Request, signature: str | None, configured_url: str | None
) -> dict[str, str]:
    """The form of a Twilio webhook, once its ``X-Twilio-Signature`` checks out (404 when
    Twilio is not configured, 403 for a forged or unsigned request). ``configured_url`` is
    the public URL Twilio signed, when it differs from the one the server sees."""
    try:
        settings = TwilioSettings()  # type: ignore[call-arg]
    except ValidationError:
        raise HTTPException(404, "the twilio channel is not configured") from None
    params = await _params(request)
    url = configured_url or str(request.url)
    token = settings.auth_token.get_secret_value()
    if not signature or not twilio_signature_matches(token, url, params, signature):
        raise HTTPException(403, "bad or missing X-Twilio-Signature")
    return params


def _twilio_url(name: str) -> str | None:
    """A configured callback URL (``status_callback`` or ``inbound_url``), if Twilio is set up."""
    try:
        return getattr(TwilioSettings(), name)  # type: ignore[call-arg,no-any-return]
    except ValidationError:
        return None


@router.post("/twilio", status_code=204)
async def twilio_receipt(
    request: Request,
    background: BackgroundTasks,
    signature: Annotated[str | None, Header(alias="X-Twilio-Signature", max_length=200)] = None,
) -> Response:
    """A Twilio message status callback."""
    params = await _signed_twilio_params(request, signature, _twilio_url("status_callback"))
    sid, status = params.get("MessageSid"), params.get("MessageStatus")
    if sid and status:
        _apply(request, background, "twilio", sid, status, params.get("ErrorCode"))
    return Response(status_code=204)


inbound = APIRouter(prefix="/v1/inbound", tags=["inbound messages"])
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@inbound.post("/twilio")
async def twilio_inbound(
    request: Request,
    signature: Annotated[str | None, Header(alias="X-Twilio-Signature", max_length=200)] = None,
) -> Response:
    """An SMS received on a Twilio number (its messaging webhook, signed): an opt-out
    keyword (STOP, UNSUBSCRIBE, ...) revokes every SMS consent of the sender at once."""
    params = await _signed_twilio_params(request, signature, _twilio_url("inbound_url"))
    service: VerificationService = request.app.state.verifications
    sender, body = params.get("From", ""), params.get("Body", "")
    try:
        number = normalize(sender)
    except InvalidPhoneNumber:
        return Response(EMPTY_TWIML, media_type="application/xml")
    ledger = ConsentLedger(service.engine, service.keyring, clock=service.clock)
    revoked = honour_opt_out(ledger, number, body[:200], source="twilio")
    if revoked is not None:
        log.info("an opt-out keyword revoked %d consents of %s", revoked, number.masked())
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/vonage/{token}", status_code=204)
async def vonage_receipt(token: str, request: Request, background: BackgroundTasks) -> Response:
    """A Vonage delivery receipt (POST form or JSON; set the account's receipt method to
    POST: a GET would put the recipient's number in the URL)."""
    try:
        expected = VonageReceiptSettings().callback_token.get_secret_value()  # type: ignore[call-arg]
    except ValidationError:
        raise HTTPException(404, "vonage receipts are not configured") from None
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(403, "bad callback token")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise HTTPException(400, "the receipt is not JSON") from None
        params = {k: str(v)[:1000] for k, v in body.items()} if isinstance(body, dict) else {}
    else:
        params = await _params(request)
    message_id, status = params.get("messageId"), params.get("status")
    if message_id and status:
        _apply(request, background, "vonage", message_id, status, params.get("err-code"))
    return Response(status_code=204)
