"""The Twilio, Vonage and SNS adapters against local fakes of each provider's wire format:
success, refusals, retries of transient errors, and failover to the next channel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from ringfence.errors import ConfigurationError
from ringfence.phone import normalize
from ringfence.verify import ChannelError, DeliveryFailed, OutgoingMessage, compose
from ringfence.verify.channels import deliver
from ringfence.verify.model import Channel
from ringfence.verify.providers import (
    SnsChannel,
    SnsSettings,
    TwilioChannel,
    TwilioSettings,
    VonageChannel,
    VonageSettings,
)
from tests.fakes.providers import (
    SNS_KEY_ID,
    SNS_SECRET,
    TWILIO_SID,
    TWILIO_TOKEN,
    VONAGE_KEY,
    VONAGE_SECRET,
    FakeSns,
    FakeTwilio,
    FakeVonage,
)
from tests.servers import serving

MESSAGE = OutgoingMessage(normalize("+33612345678"), compose("123456").body, Channel.SMS, "VE1")
UNICODE = OutgoingMessage(
    normalize("+33612345678"), compose("123456", locale="zh").body, Channel.SMS, "VE2"
)
NO_WAIT = {"backoff_seconds": 0.0}


@pytest.fixture
def twilio() -> Iterator[tuple[FakeTwilio, TwilioChannel]]:
    fake = FakeTwilio()
    with serving(fake.app) as url:
        settings = TwilioSettings(
            account_sid=TWILIO_SID,
            auth_token=TWILIO_TOKEN,
            from_number="+15005550006",
            base_url=url,
            **NO_WAIT,
        )
        channel = TwilioChannel(settings)
        yield fake, channel
        channel.close()


@pytest.fixture
def vonage() -> Iterator[tuple[FakeVonage, VonageChannel]]:
    fake = FakeVonage()
    with serving(fake.app) as url:
        settings = VonageSettings(
            api_key=VONAGE_KEY, api_secret=VONAGE_SECRET, base_url=url, **NO_WAIT
        )
        channel = VonageChannel(settings)
        yield fake, channel
        channel.close()


@pytest.fixture
def sns() -> Iterator[tuple[FakeSns, SnsChannel]]:
    fake = FakeSns(region="eu-west-1")
    with serving(fake.app) as url:
        settings = SnsSettings(
            access_key_id=SNS_KEY_ID,
            secret_access_key=SNS_SECRET,
            region="eu-west-1",
            base_url=url,
            **NO_WAIT,
        )
        channel = SnsChannel(settings)
        yield fake, channel
        channel.close()


def test_twilio_sends_in_its_format(twilio) -> None:
    fake, channel = twilio
    receipt = channel.send(MESSAGE)
    assert receipt.channel == "twilio" and receipt.provider_id.startswith("SM")
    [form] = fake.received
    assert form["To"] == "+33612345678" and form["From"] == "+15005550006"
    assert form["Body"] == MESSAGE.body


def test_vonage_sends_digits_and_unicode_type(vonage) -> None:
    fake, channel = vonage
    channel.send(MESSAGE)
    channel.send(UNICODE)
    assert [f["to"] for f in fake.received] == ["33612345678", "33612345678"]
    assert [f["type"] for f in fake.received] == ["text", "unicode"]


def test_sns_publishes_signed_with_sigv4(sns) -> None:
    fake, channel = sns
    receipt = channel.send(MESSAGE)
    assert receipt.provider_id.endswith("444444444444")
    [form] = fake.received
    assert form["PhoneNumber"] == "+33612345678"
    assert form["MessageAttributes.entry.1.Value.StringValue"] == "Transactional"


@pytest.mark.parametrize(
    ("provider", "status", "code"),
    [("twilio", 400, "21211"), ("vonage", 200, "6"), ("sns", 400, "InvalidParameter")],
)
def test_refusals_are_not_retried(request, provider, status, code) -> None:
    fake, channel = request.getfixturevalue(provider)
    fake.fail_next(status, code, times=3)
    with pytest.raises(ChannelError) as refused:
        channel.send(MESSAGE)
    assert code in str(refused.value) and "612345678" not in str(refused.value)
    assert len(fake.failures) == 2  # one attempt only


@pytest.mark.parametrize(
    ("provider", "status", "code"),
    [
        ("twilio", 429, "20429"),
        ("twilio", 503, "20500"),
        ("vonage", 200, "1"),
        ("vonage", 503, "-"),
        ("sns", 400, "Throttling"),
        ("sns", 500, "InternalError"),
    ],
)
def test_transient_errors_are_retried(request, provider, status, code) -> None:
    fake, channel = request.getfixturevalue(provider)
    fake.fail_next(status, code, times=2)
    assert channel.send(MESSAGE).provider_id
    assert len(fake.received) == 1


def test_transient_errors_give_up_after_three_attempts(twilio) -> None:
    fake, channel = twilio
    fake.fail_next(503, "20500", times=3)
    with pytest.raises(ChannelError):
        channel.send(MESSAGE)
    assert not fake.received and not fake.failures


def test_bad_credentials_are_refused(twilio, vonage) -> None:
    for _fake, channel in (twilio, vonage):
        channel.settings = channel.settings.model_copy(
            update={"auth_token" if channel.name == "twilio" else "api_secret": SecretStr("no")}
        )
        with pytest.raises(ChannelError):
            channel.send(MESSAGE)


def test_unreachable_provider_is_a_channel_error() -> None:
    settings = TwilioSettings(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        from_number="+15005550006",
        base_url="http://127.0.0.1:1",
        attempts=2,
        backoff_seconds=0.0,
    )
    channel = TwilioChannel(settings)
    with pytest.raises(ChannelError):
        channel.send(MESSAGE)
    channel.close()


def test_failover_to_the_next_channel(twilio, vonage) -> None:
    twilio_fake, twilio_channel = twilio
    vonage_fake, vonage_channel = vonage
    twilio_fake.fail_next(400, "21610")  # unsubscribed recipient
    receipt = deliver([twilio_channel, vonage_channel], MESSAGE)
    assert receipt.channel == "vonage" and len(vonage_fake.received) == 1
    vonage_fake.fail_next(200, "6")
    twilio_fake.fail_next(400, "21610")
    with pytest.raises(DeliveryFailed):
        deliver([twilio_channel, vonage_channel], MESSAGE)


def test_missing_settings_name_the_variables(monkeypatch) -> None:
    from ringfence.settings import load_settings
    from ringfence.verify.channels import ChannelContext, build_channels

    for name in ("ACCOUNT_SID", "AUTH_TOKEN"):
        monkeypatch.delenv(f"RINGFENCE_TWILIO_{name}", raising=False)
    context = ChannelContext(settings=load_settings(), engine=None, keyring=None, clock=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as missing:
        build_channels("twilio", context)
    assert "RINGFENCE_TWILIO_ACCOUNT_SID" in str(missing.value)


def test_twilio_sends_whatsapp_with_prefixed_addresses(twilio) -> None:
    fake, channel = twilio
    channel.send(OutgoingMessage(MESSAGE.to, MESSAGE.body, Channel.WHATSAPP))
    assert fake.received[0]["To"] == "whatsapp:+33612345678"
    assert fake.received[0]["From"] == "whatsapp:+15005550006"


def test_channels_refuse_what_they_cannot_carry(vonage, sns) -> None:
    voice = OutgoingMessage(MESSAGE.to, MESSAGE.body, Channel.VOICE)
    for fake, channel in (vonage, sns):
        with pytest.raises(ChannelError):
            channel.send(voice)
        assert not fake.received
    with pytest.raises(ChannelError):
        vonage[1].send(OutgoingMessage(MESSAGE.to, MESSAGE.body, Channel.WHATSAPP))


def test_twilio_places_a_voice_call_that_reads_the_code(twilio) -> None:
    import xml.etree.ElementTree as ET

    from ringfence.verify.composer import compose_voice

    fake, channel = twilio
    language, text = compose_voice("120034", locale="fr", app_name="A&B <Co>")
    receipt = channel.send(OutgoingMessage(MESSAGE.to, text, Channel.VOICE, "VE3", language))
    assert receipt.provider_id.startswith("CA") and not fake.received
    [call] = fake.calls
    say = ET.fromstring(call["Twiml"]).find("Say")
    assert say is not None and say.get("language") == "fr-FR"
    assert "1, 2, 0, 0, 3, 4" in (say.text or "") and "A&B <Co>" in (say.text or "")
