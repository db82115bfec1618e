"""Email notices over SMTP, against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from ringfence.verify.email import EmailFailed, SmtpEmailSender, SmtpSettings
from tests.servers import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def sender(port: int) -> SmtpEmailSender:
    return SmtpEmailSender(
        SmtpSettings(host="127.0.0.1", port=port, sender="security@example.com", starttls=False)
    )


def test_notice_reaches_the_smtp_server(smtp) -> None:
    inbox, port = smtp
    sender(port).send_email("ada@example.com", "Your phone number was changed.")
    [(mail_from, to, content)] = inbox.messages
    assert (mail_from, to) == ("security@example.com", ["ada@example.com"])
    message = message_from_bytes(content)
    assert message["Subject"] == "Security notice"
    assert "was changed" in message.get_payload()


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(EmailFailed) as failed:
        sender(1).send_email("ada@example.com", "x")
    assert failed.value.reason == "email_failed" and "ada@" not in str(failed.value)


def test_phone_change_notices_go_over_smtp(service, smtp, monkeypatch) -> None:
    from ringfence.verify.accounts import AccountBindings, ReauthProof
    from ringfence.verify.totp import TotpFactors
    from tests.verify.conftest import MOBILE
    from tests.verify.test_phone_change import ACCOUNT, approved

    inbox, port = smtp
    monkeypatch.setenv("RINGFENCE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RINGFENCE_SMTP_PORT", str(port))
    monkeypatch.setenv("RINGFENCE_SMTP_STARTTLS", "false")
    bindings = AccountBindings(
        service, TotpFactors(service.engine, service.keyring, clock=service.clock)
    )
    bindings.bind_phone(ACCOUNT, approved(service, MOBILE, "signup"))
    bindings.add_email(ACCOUNT, "ada@example.com")
    reauth = approved(service, MOBILE, "step_up")
    new = approved(service, "+33698765432", "phone_change")
    changed = bindings.change_phone(
        ACCOUNT, verification_id=new, reauth=ReauthProof(verification_id=reauth)
    )
    assert changed.notified_emails == 1
    assert [to for _, to, _ in inbox.messages] == [["ada@example.com"]]
