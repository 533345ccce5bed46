"""Personal identifiers are encrypted at rest, found by blind index, and shown masked."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured

from egov.core.crypto import (
    BlindIndexField,
    DecryptionError,
    EncryptedCharField,
    blind_index,
    decrypt,
    encrypt,
    field_key_id,
    mask,
    mask_email,
    mask_name,
    mask_phone,
    mask_rrn,
    reencrypt,
)

RRN = "900101-1234567"
OTHER_KEY = base64.b64encode(bytes(range(32))).decode()


def test_an_encrypted_value_decrypts_to_itself() -> None:
    assert decrypt(encrypt(RRN)) == RRN
    assert decrypt(encrypt("홍길동")) == "홍길동"


def test_the_token_shows_neither_the_value_nor_any_part_of_it() -> None:
    token = encrypt(RRN)
    assert "900101" not in token and "1234567" not in token
    version, key_id, _body = token.split(".")
    assert version == "v1"
    assert len(key_id) == 8


def test_the_same_value_encrypts_differently_each_time() -> None:
    assert encrypt(RRN) != encrypt(RRN)


def test_an_altered_token_is_refused() -> None:
    token = encrypt(RRN)
    version, key_id, body = token.split(".")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(DecryptionError):
        decrypt(f"{version}.{key_id}.{flipped}")
    with pytest.raises(DecryptionError):
        decrypt(token[:-4])
    with pytest.raises(DecryptionError):
        decrypt("900101-1234567")


def test_a_token_does_not_decrypt_in_another_column() -> None:
    token = encrypt(RRN, context="registries.resident.rrn")
    assert decrypt(token, context="registries.resident.rrn") == RRN
    with pytest.raises(DecryptionError):
        decrypt(token, context="accounts.user.phone")


def test_after_a_key_rotation_old_tokens_still_decrypt_and_can_be_re_encrypted(settings: object) -> None:
    old_token = encrypt(RRN)
    old_key = settings.FIELD_ENCRYPTION_KEY  # type: ignore[attr-defined]
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY  # type: ignore[attr-defined]
    settings.FIELD_ENCRYPTION_OLD_KEYS = [old_key]  # type: ignore[attr-defined]

    assert decrypt(old_token) == RRN
    new_token = reencrypt(old_token)
    assert new_token.split(".")[1] == field_key_id(base64.b64decode(OTHER_KEY))
    assert reencrypt(new_token) == new_token

    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # type: ignore[attr-defined]
    assert decrypt(new_token) == RRN
    with pytest.raises(DecryptionError, match="not configured"):
        decrypt(old_token)


def test_a_key_of_the_wrong_size_is_a_configuration_error(settings: object) -> None:
    settings.FIELD_ENCRYPTION_KEY = base64.b64encode(b"short").decode()  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured):
        encrypt(RRN)


def test_the_blind_index_is_stable_and_ignores_dashes_and_full_width_digits() -> None:
    index = blind_index(RRN, kind="rrn")
    assert index == blind_index("9001011234567", kind="rrn")
    assert index == blind_index(" ９００１０１－１２３４５６７ ", kind="rrn")
    assert len(index) == 64
    assert index != blind_index("9001011234568", kind="rrn")


def test_the_blind_index_differs_by_kind_and_by_key(settings: object) -> None:
    index = blind_index(RRN, kind="rrn")
    assert index != blind_index(RRN, kind="passport")
    settings.BLIND_INDEX_KEY = OTHER_KEY  # type: ignore[attr-defined]
    assert index != blind_index(RRN, kind="rrn")


def test_the_model_field_stores_ciphertext_and_gives_back_the_value() -> None:
    field = EncryptedCharField(max_length=14, context="registries.resident.rrn")
    stored = field.get_prep_value(RRN)
    assert stored != RRN and stored.startswith("v1.")
    assert field.from_db_value(stored, None, None) == RRN
    assert field.get_prep_value("") == "" and field.get_prep_value(None) is None
    assert field.deconstruct()[3]["context"] == "registries.resident.rrn"


def test_the_model_field_refuses_lookups_that_could_never_match() -> None:
    field = EncryptedCharField(max_length=14)
    assert field.get_lookup("exact") is None
    assert field.get_lookup("icontains") is None
    assert field.get_lookup("isnull") is not None


def test_a_blind_index_field_is_an_indexed_64_character_column() -> None:
    field = BlindIndexField()
    assert field.max_length == 64
    assert field.db_index


@pytest.mark.parametrize(
    ("value", "masked"),
    [("9001011234567", "900101-1******"), ("900101-1234567", "900101-1******"), ("12345", "*****")],
)
def test_resident_numbers_are_shown_masked(value: str, masked: str) -> None:
    assert mask_rrn(value) == masked


def test_the_other_masks_hide_what_they_should() -> None:
    assert mask("ABCDEFGH", keep_start=2, keep_end=2) == "AB****GH"
    assert mask("AB", keep_start=3) == "AB"
    assert mask("") == ""
    assert mask_name("홍길동") == "홍*동"
    assert mask_name("김철") == "김*"
    assert mask_name("남궁민수") == "남**수"
    assert mask_phone("010-1234-5678") == "010-****-5678"
    assert mask_phone("02-123-4567") == "02-***-4567"
    assert mask_email("alice@example.org") == "a****@example.org"
