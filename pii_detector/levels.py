"""Sensitivity levels and PII types, numbered exactly as in ``proto/pii/v1/pii.proto``.

The numbers matter: annotated protos store them on the wire, so the first 25 PII types keep
the original design's numbers and new types are only ever appended.
"""

from __future__ import annotations

from enum import StrEnum


class Sensitivity(StrEnum):
    """Ordered from PUBLIC to HIGH; compare with ``rank`` (or ``max_level``)."""

    PUBLIC = "PUBLIC"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def number(self) -> int:
        """The value of ``pii.v1.SensitivityLevel`` (0 is SENSITIVITY_UNSPECIFIED)."""
        return _RANK[self] + 1

    def at_least(self, other: Sensitivity) -> bool:
        return self.rank >= other.rank

    @property
    def is_pii(self) -> bool:
        return self is not Sensitivity.PUBLIC


_RANK = {level: i for i, level in enumerate(Sensitivity)}


def max_level(*levels: Sensitivity) -> Sensitivity:
    return max(levels, key=lambda level: level.rank, default=Sensitivity.PUBLIC)


class PiiType(StrEnum):
    NAME = "NAME"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    GENDER = "GENDER"
    EMAIL_PERSONAL = "EMAIL_PERSONAL"
    EMAIL_WORK = "EMAIL_WORK"
    PHONE_PERSONAL = "PHONE_PERSONAL"
    PHONE_WORK = "PHONE_WORK"
    ADDRESS_HOME = "ADDRESS_HOME"
    ADDRESS_WORK = "ADDRESS_WORK"
    SSN = "SSN"
    TAX_ID = "TAX_ID"
    PASSPORT = "PASSPORT"
    DRIVERS_LICENSE = "DRIVERS_LICENSE"
    NATIONAL_ID = "NATIONAL_ID"
    BANK_ACCOUNT = "BANK_ACCOUNT"
    CREDIT_CARD = "CREDIT_CARD"
    ROUTING_NUMBER = "ROUTING_NUMBER"
    MEDICAL_RECORD = "MEDICAL_RECORD"
    HEALTH_INSURANCE = "HEALTH_INSURANCE"
    PASSWORD = "PASSWORD"
    API_KEY = "API_KEY"
    IP_ADDRESS = "IP_ADDRESS"
    DEVICE_ID = "DEVICE_ID"
    USERNAME = "USERNAME"
    CUSTOMER_ID = "CUSTOMER_ID"
    # Added after the original 25 (numbers 26+), see POLICY.md.
    GEOLOCATION = "GEOLOCATION"
    FINANCIAL_INFO = "FINANCIAL_INFO"
    BIOMETRIC = "BIOMETRIC"
    SPECIAL_CATEGORY = "SPECIAL_CATEGORY"
    AUTH_SECRET = "AUTH_SECRET"
    EMPLOYEE_ID = "EMPLOYEE_ID"
    FREE_TEXT = "FREE_TEXT"

    @property
    def number(self) -> int:
        """The value of ``pii.v1.PiiType`` (0 is PII_TYPE_UNSPECIFIED)."""
        return _TYPE_NUMBER[self]


_TYPE_NUMBER = {pii_type: i + 1 for i, pii_type in enumerate(PiiType)}


def parse_level(text: str) -> Sensitivity:
    """A level from user input (case-insensitive); ValueError names the valid choices."""
    try:
        return Sensitivity(text.strip().upper())
    except ValueError:
        choices = ", ".join(level.value for level in Sensitivity)
        raise ValueError(f"unknown sensitivity {text!r} (choose one of {choices})") from None


def parse_type(text: str | None) -> PiiType | None:
    """A PII type from user input; empty, ``none`` and ``null`` mean no type."""
    if text is None or text.strip().lower() in {"", "none", "null"}:
        return None
    try:
        return PiiType(text.strip().upper())
    except ValueError:
        raise ValueError(f"unknown PII type {text!r} (see pii_detector/POLICY.md)") from None
