"""Code messages: per-locale text with a "do not share" line, the Android SMS Retriever app
hash, the origin-bound last line that WebOTP and Apple autofill read, and the SMS encoding
and segment count (GSM-7 or UCS-2, computed by ``smsutil``)."""

from __future__ import annotations

from dataclasses import dataclass

import smsutil

from ringfence.verify.errors import MessageTooLong

# {app}: the sender's name; {code}; {minutes}: the lifetime. Each names the code first (the
# notification preview shows it) and warns that the sender never asks for it.
TEMPLATES: dict[str, str] = {
    "en": "Your {app} code is {code}. It expires in {minutes} minutes. "
    "Do not share this code with anyone: {app} will never ask for it.",
    "es": "Tu código de {app} es {code}. Caduca en {minutes} minutos. "
    "No compartas este código con nadie: {app} nunca te lo pedirá.",
    "fr": "Votre code {app} est {code}. Il expire dans {minutes} minutes. "
    "Ne le communiquez à personne : {app} ne vous le demandera jamais.",
    "de": "Ihr {app}-Code lautet {code}. Er läuft in {minutes} Minuten ab. "
    "Geben Sie diesen Code an niemanden weiter: {app} fragt nie danach.",
    "pt": "O seu código {app} é {code}. Expira em {minutes} minutos. "
    "Não partilhe este código com ninguém: a {app} nunca o pedirá.",
    "ar": "رمز {app} الخاص بك هو {code}. تنتهي صلاحيته خلال {minutes} دقائق. "
    "لا تشارك هذا الرمز مع أي شخص: لن يطلبه {app} منك أبدًا.",
    "hi": "आपका {app} कोड {code} है। यह {minutes} मिनट में समाप्त हो जाएगा। "
    "यह कोड किसी के साथ साझा न करें: {app} इसे कभी नहीं मांगेगा।",
    "zh": "您的{app}验证码是{code}，{minutes}分钟内有效。"
    "请勿向任何人透露此验证码，{app}绝不会向您索取。",
}
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class ComposedMessage:
    """A message ready for a channel.

    Attributes:
        encoding: ``GSM-7`` or ``UCS-2``.
        segments: SMS parts the message takes.
    """

    body: str
    locale: str
    encoding: str
    segments: int

    def __repr__(self) -> str:  # the body holds a code
        return f"ComposedMessage(locale={self.locale!r}, segments={self.segments})"


def resolve_locale(locale: str | None) -> str:
    """The template for ``locale``: exact (``fr``), then its language (``fr-CA``), else English."""
    if not locale:
        return DEFAULT_LOCALE
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in TEMPLATES else DEFAULT_LOCALE


def compose(
    code: str,
    *,
    locale: str | None = None,
    app_name: str = "ringfence",
    minutes: int = 10,
    domain: str | None = None,
    app_hash: str | None = None,
    segment_budget: int = 3,
) -> ComposedMessage:
    """Write the message that carries ``code``.

    Args:
        domain: the site's domain; adds the last line ``@domain #code`` (WebOTP, Apple).
        app_hash: the Android app's 11-character hash for the SMS Retriever API.
        segment_budget: the most SMS segments allowed.

    Raises:
        MessageTooLong: the message needs more segments than ``segment_budget``.
    """
    chosen = resolve_locale(locale)
    body = TEMPLATES[chosen].format(app=app_name, code=code, minutes=minutes)
    trailer = [app_hash] if app_hash else []
    if domain:  # must stay the very last line
        trailer.append(f"@{domain} #{code}")
    if trailer:
        body += "\n\n" + "\n".join(trailer)
    encoding, segments = segments_of(body)
    if segments > segment_budget:
        raise MessageTooLong(
            f"the {chosen} message needs {segments} {encoding} segments, "
            f"more than the budget of {segment_budget}"
        )
    return ComposedMessage(body=body, locale=chosen, encoding=encoding, segments=segments)


def segments_of(text: str) -> tuple[str, int]:
    """The encoding (``GSM-7`` or ``UCS-2``) and the number of SMS segments of ``text``."""
    split = smsutil.split(text)
    encoding = "GSM-7" if split.encoding == "gsm0338" else "UCS-2"
    return encoding, max(1, len(split.parts))


# Spoken messages: the code digit by digit, twice. ``{digits}`` is filled by
# :func:`compose_voice`; the language tag is what text-to-speech engines take.
VOICE_TEMPLATES: dict[str, tuple[str, str]] = {
    "en": ("en-US", "Your {app} code is: {digits}. Again: {digits}."),
    "es": ("es-ES", "Su código de {app} es: {digits}. Repito: {digits}."),
    "fr": ("fr-FR", "Votre code {app} est : {digits}. Je répète : {digits}."),
    "de": ("de-DE", "Ihr {app}-Code lautet: {digits}. Noch einmal: {digits}."),
    "pt": ("pt-PT", "O seu código {app} é: {digits}. Repito: {digits}."),
    "ar": ("ar-XA", "رمز {app} الخاص بك هو: {digits}. أكرر: {digits}."),
    "hi": ("hi-IN", "आपका {app} कोड है: {digits}. फिर से: {digits}."),
    "zh": ("cmn-CN", "您的{app}验证码是：{digits}。再说一遍：{digits}。"),
}


def compose_voice(
    code: str, *, locale: str | None = None, app_name: str = "ringfence"
) -> tuple[str, str]:
    """The spoken message for ``code`` and its language tag (``("fr-FR", "Votre code …")``)."""
    chosen = resolve_locale(locale)
    language, template = VOICE_TEMPLATES[chosen]
    return language, template.format(app=app_name, digits=", ".join(code))
