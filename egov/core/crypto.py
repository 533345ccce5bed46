"""Field encryption, blind indexes and masking for personal identifiers (rule 6 of ARCHITECTURE.md).

A resident registration number must never sit in the database in clear, yet officials
must find a resident by it. So each such value is stored twice (ADR 0012):

- encrypted with AES-256-GCM under ``settings.FIELD_ENCRYPTION_KEY`` (base64 of 32
  bytes), in a versioned text token ``v1.<key id>.<base64url(nonce || ciphertext || tag)>``.
  The key id (derived from the key itself) lets keys rotate: the current key
  encrypts, and the keys listed in ``settings.FIELD_ENCRYPTION_OLD_KEYS`` (optional,
  base64 too) still decrypt until every token has been re-encrypted with
  :func:`reencrypt`. A random 96-bit nonce per value means equal numbers give
  different tokens. An optional ``context`` is bound as associated data so that a
  token copied into another column does not decrypt there.
- as an HMAC-SHA256 blind index under ``settings.BLIND_INDEX_KEY`` of the normalised
  value (dashes and spaces removed), for exact lookup only. The ``kind`` is part of the
  HMAC input, so the index of the same digits as a resident number and as a phone
  number differ.

What people see is masked: ``mask_rrn("9001011234567") == "900101-1******"``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import unicodedata
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Lookup, Transform

__all__ = [
    "BlindIndexField",
    "DecryptionError",
    "Encryptor",
    "EncryptedCharField",
    "EncryptedTextField",
    "blind_index",
    "decrypt",
    "encrypt",
    "field_key_id",
    "mask",
    "mask_email",
    "mask_name",
    "mask_phone",
    "mask_rrn",
    "normalise_identifier",
    "reencrypt",
]

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A token that is malformed, was altered, or was made with a key we no longer hold."""


def _decode_key(raw: str, setting: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{setting} must be base64 of 32 random bytes") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{setting} must be base64 of 32 bytes, got {len(key)} bytes")
    return key


def field_key_id(key: bytes) -> str:
    """A short public name for a field key: it travels in every token, so rotation knows which key to use."""
    return hashlib.sha256(b"egov field key id\x00" + key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keyring(current: str, old: tuple[str, ...]) -> tuple[str, dict[str, AESGCM]]:
    keys = [_decode_key(current, "FIELD_ENCRYPTION_KEY")]
    keys += [_decode_key(raw, "FIELD_ENCRYPTION_OLD_KEYS") for raw in old]
    ring = {field_key_id(key): AESGCM(key) for key in keys}
    return field_key_id(keys[0]), ring


def _current_keyring() -> tuple[str, dict[str, AESGCM]]:
    old = tuple(getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", ()) or ())
    return _keyring(settings.FIELD_ENCRYPTION_KEY, old)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(plaintext: str, *, context: str = "") -> str:
    """Encrypt under the current field key; the token names the key and carries a fresh nonce."""
    kid, ring = _current_keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring[kid].encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8") or None)
    return f"{FORMAT_VERSION}.{kid}.{_b64encode(nonce + sealed)}"


class Encryptor:
    """:func:`encrypt` for many values in a row (a bulk load encrypts millions).

    The tokens are :func:`encrypt`'s. What is saved is its per-call overhead, which is
    larger than the encryption: the current key is found once, not per value, and the
    random nonces are drawn from the operating system a thousand at a time and used
    once each (as unpredictable as one system call per nonce). The drawn nonces
    belong to the process that drew them: after a fork the child draws its own, so no
    nonce is used twice under the key.
    """

    _POOL_NONCES = 1024

    def __init__(self, *, context: str = "") -> None:
        kid, ring = _current_keyring()
        self._cipher = ring[kid]
        self._aad = context.encode("utf-8") or None
        self._prefix = f"{FORMAT_VERSION}.{kid}."
        self._lock = threading.Lock()
        self._pool = b""
        self._next = 0
        self._pid = 0

    def _nonce(self) -> bytes:
        with self._lock:
            start = self._next
            if start >= len(self._pool) or self._pid != os.getpid():
                self._pool = os.urandom(NONCE_BYTES * self._POOL_NONCES)
                self._pid = os.getpid()
                start = 0
            self._next = start + NONCE_BYTES
            return self._pool[start:start + NONCE_BYTES]

    def __call__(self, plaintext: str) -> str:
        nonce = self._nonce()
        return self._prefix + _b64encode(nonce + self._cipher.encrypt(nonce, plaintext.encode("utf-8"), self._aad))


def decrypt(token: str, *, context: str = "") -> str:
    """Decrypt a token made by :func:`encrypt` with the current or an old key; refuse anything altered."""
    version, _sep, rest = token.partition(".")
    kid, _sep2, body = rest.partition(".")
    if version != FORMAT_VERSION or not kid or not body:
        raise DecryptionError("not an encrypted field token")
    _current, ring = _current_keyring()
    cipher = ring.get(kid)
    if cipher is None:
        raise DecryptionError(f"the token was made with field key {kid}, which is not configured")
    try:
        raw = _b64decode(body)
    except (binascii.Error, ValueError):
        raise DecryptionError("the token is not valid base64") from None
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("the token is too short")
    try:
        plaintext = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8") or None)
    except InvalidTag:
        raise DecryptionError("the token was altered or belongs to another field") from None
    return plaintext.decode("utf-8")


def reencrypt(token: str, *, context: str = "") -> str:
    """The same value under the current key (for key rotation); unchanged if it already is."""
    current, _ring = _current_keyring()
    if token.split(".", 2)[1:2] == [current]:
        return token
    return encrypt(decrypt(token, context=context), context=context)


def normalise_identifier(value: str) -> str:
    """The form identifiers are indexed in: NFKC, no spaces or dashes, upper case.

    ``900101-1234567``, ``9001011234567`` and ``９００１０１－１２３４５６７`` (full-width)
    are the same resident number and must find the same person.
    """
    if value.isascii() and value.isalnum():
        return value.upper()  # the usual case (digits alone): nothing to normalise or remove
    text = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-‐‑‒–—―").upper()


@lru_cache(maxsize=4)
def _index_key(raw: str) -> bytes:
    return _decode_key(raw, "BLIND_INDEX_KEY")


def blind_index(value: str, *, kind: str) -> str:
    """HMAC-SHA256 of the normalised value (hex): stable, for exact lookup, useless without the key."""
    message = kind.encode("utf-8") + b"\x00" + normalise_identifier(value).encode("utf-8")
    return hmac.new(_index_key(settings.BLIND_INDEX_KEY), message, hashlib.sha256).hexdigest()


class _EncryptedMixin:
    """Encrypts on the way into the database and decrypts on the way out.

    Only ``isnull`` can be looked up: any other lookup on ciphertext would silently
    find nothing, so it is refused (use the blind index for exact matches).
    """

    def __init__(self, *args: Any, context: str = "", **kwargs: Any) -> None:
        self.encryption_context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        if self.encryption_context:
            kwargs["context"] = self.encryption_context
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, context=self.encryption_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value is None or value == "":
            return value
        return encrypt(str(value), context=self.encryption_context)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)  # type: ignore[misc, no-any-return]

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None


class EncryptedTextField(_EncryptedMixin, models.TextField):  # type: ignore[type-arg]
    """A text value stored AES-GCM encrypted (see the module docstring)."""


class EncryptedCharField(_EncryptedMixin, models.TextField):  # type: ignore[type-arg]
    """A short value (an identifier) stored encrypted; ``max_length`` limits the plaintext in forms.

    The column is text, because the token is longer than the value it hides.
    """

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {"max_length": self.max_length, "widget": forms.TextInput}
        defaults.update(kwargs)
        return super().formfield(form_class=form_class, choices_form_class=choices_form_class, **defaults)


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """Holds :func:`blind_index` of a sibling encrypted field; indexed for exact lookup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def mask(value: str, *, keep_start: int = 1, keep_end: int = 0, char: str = "*") -> str:
    """Hide all but the first ``keep_start`` and last ``keep_end`` characters, keeping the length."""
    length = len(value)
    if length == 0:
        return value
    keep_start = min(keep_start, length)
    keep_end = min(keep_end, length - keep_start)
    hidden = length - keep_start - keep_end
    return value[:keep_start] + char * hidden + (value[length - keep_end :] if keep_end else "")


def mask_rrn(value: str) -> str:
    """``900101-1******``: birth date and the sex/century digit stay, the rest is hidden."""
    digits = normalise_identifier(value)
    if len(digits) != 13 or not digits.isdigit():
        return mask(digits, keep_start=0)
    return f"{digits[:6]}-{digits[6]}******"


def mask_name(value: str) -> str:
    """Korean convention: ``홍길동`` → ``홍*동``, ``김철`` → ``김*``; longer names keep first and last."""
    name = value.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return mask(name, keep_start=1, keep_end=1)


def mask_phone(value: str) -> str:
    """``010-1234-5678`` → ``010-****-5678``: the middle group is hidden."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())
    if len(digits) < 7:
        return mask(digits, keep_start=0)
    head = 2 if digits.startswith("02") else 3
    middle = len(digits) - head - 4
    return f"{digits[:head]}-{'*' * middle}-{digits[-4:]}"


def mask_email(value: str) -> str:
    """``alice@example.org`` → ``a****@example.org``."""
    local, at, domain = value.partition("@")
    if not at:
        return mask(value)
    return mask(local, keep_start=1) + "@" + domain
