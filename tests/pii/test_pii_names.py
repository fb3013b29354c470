"""Reading identifiers as words."""

from __future__ import annotations

import pytest

from pii_detector.names import words


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("home_address", ("home", "address")),
        ("homeAddress", ("home", "address")),
        ("HomeAddress", ("home", "address")),
        ("homeAddr2", ("home", "address", "2")),
        ("address_line_1", ("address", "line", "1")),
        ("SSNLast4", ("ssn", "last", "4")),
        ("userID", ("user", "id")),
        ("ipv4Address", ("ipv4", "address")),
        ("cvv2", ("cvv2",)),
        ("dob", ("date", "of", "birth")),
        ("e_mail", ("email",)),
        ("emails", ("email",)),
        ("phone_numbers", ("phone", "number")),
        ("addresses", ("address",)),
        ("diagnoses", ("diagnosis",)),
        ("status", ("status",)),
        ("passport_no", ("passport", "number")),
        ("drivers_licence_number", ("driver", "license", "number")),
        ("postcode", ("postal", "code")),
        ("msisdn", ("msisdn",)),
        ("statement", ("statement",)),
        ("IpConfig", ("ip", "config")),
        ("HTTPServer", ("http", "server")),
    ],
)
def test_words(identifier: str, expected: tuple[str, ...]) -> None:
    assert words(identifier) == expected
