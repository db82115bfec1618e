"""Field encryption, blind indexes and key providers."""

from __future__ import annotations

import base64
import json
import logging
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence import ConfigurationError
from ringfence.crypto import (
    BlindIndexer,
    DecryptionError,
    FieldCipher,
    Keyring,
    get_key_provider,
    load_keyring,
    register_key_provider,
)
from ringfence.crypto.providers import EnvKeyProvider, FileKeyProvider
from ringfence.settings import load_settings

RING = Keyring({1: bytes(32), 2: bytes([7]) * 32})
WHERE = {"table": "t", "column": "c", "row_id": "1"}


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_seal_open_round_trip(text):
    cipher = FieldCipher(RING)
    sealed = cipher.seal(text, **WHERE)
    assert cipher.open(sealed, **WHERE) == text
    assert len(text.encode()) < 8 or text.encode() not in sealed


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=255))
@settings(max_examples=200)
def test_any_flipped_byte_fails_to_open(position, flip):
    cipher = FieldCipher(RING)
    sealed = bytearray(cipher.seal("+16502530000", **WHERE))
    sealed[position % len(sealed)] ^= flip
    with pytest.raises(DecryptionError):
        cipher.open(bytes(sealed), **WHERE)


@pytest.mark.parametrize(
    "where",
    [
        {"table": "t", "column": "c", "row_id": "2"},
        {"table": "t", "column": "d", "row_id": "1"},
        {"table": "u", "column": "c", "row_id": "1"},
    ],
)
def test_ciphertext_is_bound_to_its_row(where):
    cipher = FieldCipher(RING)
    sealed = cipher.seal("+16502530000", **WHERE)
    with pytest.raises(DecryptionError) as caught:
        cipher.open(sealed, **where)
    assert str(caught.value) == "the value could not be decrypted"


def test_old_versions_still_open_and_unknown_versions_do_not():
    old = FieldCipher(Keyring({1: bytes(32)})).seal("x", **WHERE)
    assert FieldCipher(RING).open(old, **WHERE) == "x"
    newer = FieldCipher(RING).seal("x", **WHERE)
    with pytest.raises(DecryptionError):
        FieldCipher(Keyring({1: bytes(32)})).open(newer, **WHERE)
    for junk in (b"", b"\x01", b"\x02" + bytes(40)):
        with pytest.raises(DecryptionError):
            FieldCipher(RING).open(junk, **WHERE)


def test_keyring_refuses_weak_keys_and_hides_material():
    with pytest.raises(ConfigurationError):
        Keyring({1: bytes(16)})
    with pytest.raises(ConfigurationError):
        Keyring({})
    with pytest.raises(ConfigurationError):
        Keyring({0: bytes(32)})
    assert repr(RING) == "Keyring(versions=[1, 2], current=2)"


def test_indexes_differ_per_version_and_number():
    indexer = BlindIndexer(RING)
    assert indexer.exact("+16502530000", 1) != indexer.exact("+16502530000", 2)
    assert indexer.exact("+16502530000") != indexer.exact("+16502530001")
    assert len(indexer.exact_all_versions("+16502530000")) == 2
    tokens = indexer.suffixes("0000")
    assert tokens[4] is not None
    assert tokens[6] is None
    assert 0 <= tokens[4] < 2**11
    with pytest.raises(ValueError):
        indexer.suffix("12", 4)


def test_suffix_tokens_are_truncated_so_many_suffixes_share_one():
    indexer = BlindIndexer(RING)
    tokens = {indexer.suffix(f"{n:04d}", 4) for n in range(10_000)}
    assert len(tokens) <= 2**11  # about five suffixes per token


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def test_env_provider_single_and_versioned(monkeypatch):
    monkeypatch.setenv("RINGFENCE_ROOT_KEY", _b64(bytes(32)))
    assert load_keyring(load_settings()).versions == (1,)
    monkeypatch.setenv("RINGFENCE_ROOT_KEY", f"1:{_b64(bytes(32))},3:{_b64(bytes([1]) * 32)}")
    ring = load_keyring(load_settings())
    assert ring.versions == (1, 3) and ring.current == 3
    with pytest.raises(ConfigurationError) as caught:
        get_key_provider(load_settings()).add_version()
    assert caught.value.reason == "rotation_unsupported"


@pytest.mark.parametrize("value", ["not base64!", _b64(bytes(16)), "x:abc", "1:"])
def test_env_provider_refuses_bad_keys_without_echoing_them(monkeypatch, value):
    monkeypatch.setenv("RINGFENCE_ROOT_KEY", value)
    with pytest.raises(ConfigurationError) as caught:
        load_keyring(load_settings())
    if len(value) > 4:
        assert value not in str(caught.value)


def test_settings_repr_redacts_the_root_key(monkeypatch):
    secret = _b64(bytes([9]) * 32)
    monkeypatch.setenv("RINGFENCE_ROOT_KEY", secret)
    assert secret not in repr(load_settings())


def test_file_provider_init_rotate(tmp_path):
    provider = FileKeyProvider(tmp_path / "keys" / "root.key")
    provider.create()
    assert stat.S_IMODE(provider.path.stat().st_mode) == 0o600
    with pytest.raises(ConfigurationError) as caught:
        provider.create()
    assert caught.value.reason == "key_file_exists"
    first = provider.load()
    assert provider.add_version() == 2
    assert provider.load()[1] == first[1] and len(provider.load()) == 2
    assert stat.S_IMODE(provider.path.stat().st_mode) == 0o600
    assert not provider.is_development_key


def test_file_provider_refuses_garbage(tmp_path):
    path = tmp_path / "root.key"
    for content in ("", "{}", json.dumps({"format": "ringfence-keyring/1", "keys": {}})):
        path.write_text(content)
        with pytest.raises(ConfigurationError):
            FileKeyProvider(path).load()


def test_dev_key_is_created_with_a_warning_and_refused_in_production(tmp_path, caplog):
    key_file = tmp_path / ".ringfence" / "root.key"
    with caplog.at_level(logging.WARNING):
        ring = load_keyring(load_settings(key_file=key_file))
    assert ring.versions == (1,)
    assert "DEVELOPMENT KEY" in caplog.text
    assert FileKeyProvider(key_file).is_development_key
    with pytest.raises(ConfigurationError) as caught:
        load_keyring(load_settings(key_file=key_file, env="production"))
    assert caught.value.reason == "development_key_in_production"


def test_production_never_creates_a_key(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        load_keyring(load_settings(key_file=tmp_path / "none.key", env="production"))
    assert caught.value.reason == "no_root_key"
    assert not (tmp_path / "none.key").exists()


def test_custom_provider_registers_like_the_builtins(monkeypatch):
    class VaultLike:
        name = "vault-like"
        is_development_key = False

        def load(self):
            return {5: bytes([5]) * 32}

        def add_version(self):
            return 6

    register_key_provider("vault-like", lambda settings: VaultLike())
    monkeypatch.setenv("RINGFENCE_KEY_PROVIDER", "vault-like")
    assert load_keyring(load_settings()).versions == (5,)
    monkeypatch.setenv("RINGFENCE_KEY_PROVIDER", "nope")
    with pytest.raises(ConfigurationError) as caught:
        load_keyring(load_settings())
    assert caught.value.reason == "unknown_key_provider"


def test_env_provider_needs_a_value():
    with pytest.raises(ConfigurationError):
        EnvKeyProvider.from_settings(load_settings(key_provider="env"))
