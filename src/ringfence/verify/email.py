"""Email notices (a phone change, told to every address of the account) over SMTP with the
standard library. Configured by ``RINGFENCE_SMTP_*``; without it, the development outbox
keeps the notices when it is a configured channel."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.errors import RingfenceError


class EmailFailed(RingfenceError):
    """The SMTP server did not take the message."""

    default_reason = "email_failed"


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_SMTP_", extra="ignore", frozen=True)

    host: str
    port: int = 587
    sender: str = "no-reply@localhost"
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    timeout: float = 10.0


class SmtpEmailSender:
    """Sends plain-text notices; STARTTLS and login when configured."""

    def __init__(self, settings: SmtpSettings, subject: str = "Security notice") -> None:
        self.settings = settings
        self.subject = subject

    def send_email(self, address: str, body: str) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.sender, address, self.subject
        message.set_content(body)
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username and s.password:
                    smtp.login(s.username, s.password.get_secret_value())
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailFailed(
                f"the SMTP server refused the notice ({type(exc).__name__})"
            ) from None


def smtp_from_env() -> SmtpEmailSender | None:
    """The SMTP sender when ``RINGFENCE_SMTP_HOST`` is set, else ``None``."""
    from pydantic import ValidationError

    try:
        return SmtpEmailSender(SmtpSettings())  # type: ignore[call-arg]
    except ValidationError:
        return None
