"""Code messages: locales, the origin-bound line, the app hash, encodings and segments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringfence.verify import MessageTooLong, compose
from ringfence.verify.composer import TEMPLATES

LOCALES = ["en", "es", "fr", "de", "pt", "ar", "hi", "zh"]
DO_NOT_SHARE = {
    "en": "Do not share",
    "es": "No compartas",
    "fr": "Ne le communiquez",
    "de": "Geben Sie diesen Code an niemanden",
    "pt": "Não partilhe",
    "ar": "لا تشارك",
    "hi": "साझा न करें",
    "zh": "请勿向任何人透露",
}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_names_the_code_and_warns_not_to_share_it(locale: str) -> None:
    message = compose("123456", locale=locale, app_name="Acme")
    assert "123456" in message.body and "Acme" in message.body
    assert DO_NOT_SHARE[locale] in message.body
    assert message.locale == locale
    assert set(TEMPLATES) >= set(LOCALES)


@pytest.mark.parametrize(
    ("locale", "chosen"), [("fr-CA", "fr"), ("pt_BR", "pt"), ("xx", "en"), (None, "en")]
)
def test_locale_falls_back_to_language_then_english(locale: str | None, chosen: str) -> None:
    assert compose("123456", locale=locale).locale == chosen


def test_origin_bound_line_is_last_and_app_hash_precedes_it() -> None:
    body = compose("654321", domain="example.com", app_hash="FA+9qCX9VSu").body
    lines = body.split("\n")
    assert lines[-1] == "@example.com #654321"
    assert lines[-2] == "FA+9qCX9VSu"


@pytest.mark.parametrize(
    ("locale", "encoding", "segments"),
    [
        ("en", "GSM-7", 1),
        ("fr", "GSM-7", 1),
        ("de", "GSM-7", 1),  # ä, ö, ü and ß are in GSM 03.38
        ("es", "UCS-2", 2),  # ó is not
        ("zh", "UCS-2", 1),
        ("ar", "UCS-2", 2),
    ],
)
def test_encoding_and_segments(locale: str, encoding: str, segments: int) -> None:
    message = compose("123456", locale=locale, app_name="Acme")
    assert (message.encoding, message.segments) == (encoding, segments)


def test_segment_counts_match_the_gsm_and_ucs2_rules() -> None:
    # 160 GSM-7 septets fit one segment; an extension character (€) costs two septets.
    from ringfence.verify.composer import segments_of

    assert segments_of("a" * 160) == ("GSM-7", 1)
    assert segments_of("a" * 161) == ("GSM-7", 2)
    assert segments_of("€" * 80) == ("GSM-7", 1)
    assert segments_of("€" * 81) == ("GSM-7", 2)
    assert segments_of("中" * 70) == ("UCS-2", 1)
    assert segments_of("中" * 71) == ("UCS-2", 2)
    assert segments_of("ç" + "a" * 69) == ("UCS-2", 1)  # ç is not in GSM 03.38, Ç is
    assert segments_of("Ç" + "a" * 159) == ("GSM-7", 1)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_with_both_trailer_lines_fits_the_default_budget(locale: str) -> None:
    from ringfence.verify import DEFAULT_POLICY

    message = compose(
        "123456", locale=locale, domain="accounts.example.com", app_hash="FA+9qCX9VSu"
    )
    assert message.segments <= DEFAULT_POLICY.segment_budget


def test_message_beyond_the_segment_budget_is_refused() -> None:
    with pytest.raises(MessageTooLong) as refused:
        compose("123456", locale="ar", segment_budget=1)
    assert refused.value.reason == "message_too_long"


def test_repr_hides_the_code() -> None:
    assert "123456" not in repr(compose("123456"))


@given(st.text(max_size=400))
def test_segments_never_below_one_and_grow_with_length(text: str) -> None:
    from ringfence.verify.composer import segments_of

    encoding, count = segments_of(text)
    assert encoding in ("GSM-7", "UCS-2") and count >= 1
    assert segments_of(text + text)[1] >= count


@pytest.mark.parametrize("locale", LOCALES)
def test_voice_messages_read_the_code_digit_by_digit_twice(locale: str) -> None:
    from ringfence.verify.composer import compose_voice

    language, text = compose_voice("908172", locale=locale, app_name="Acme")
    assert text.count("9, 0, 8, 1, 7, 2") == 2 and "Acme" in text
    assert language.split("-")[0] in (locale, "cmn")
