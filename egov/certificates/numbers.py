"""Confirmation numbers: 16 digits, the last a Luhn check digit, the other 15 from the CSPRNG.

Fifteen random digits are 10^15 possibilities: with the rate limit on verification,
guessing a number someone holds is hopeless, and the check digit catches a mistyped
digit or two swapped neighbours before the database is asked.
"""

from __future__ import annotations

import secrets

LENGTH = 16


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_number() -> str:
    body = "".join(str(secrets.randbelow(10)) for _ in range(LENGTH - 1))
    return body + luhn_digit(body)


def normalise(text: str) -> str:
    """The digits of a number as typed (spaces and dashes dropped)."""
    return "".join(character for character in text if not character.isspace() and character != "-")


def is_well_formed(number: str) -> bool:
    return (
        len(number) == LENGTH
        and number.isascii()
        and number.isdigit()
        and luhn_digit(number[:-1]) == number[-1]
    )
