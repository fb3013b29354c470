"""The policy's examples and traps (pii_detector/POLICY.md), one assertion each."""

from __future__ import annotations

import pytest
from pii_helpers import analyze, result

from pii_detector.levels import PiiType, Sensitivity

H, M, L, P = Sensitivity.HIGH, Sensitivity.MEDIUM, Sensitivity.LOW, Sensitivity.PUBLIC
T = PiiType

IMPORTS = 'import "google/protobuf/timestamp.proto";\nimport "google/type/date.proto";\n\n'


def level_of(body: str, path: str) -> tuple[Sensitivity, PiiType | None]:
    found = result(analyze(IMPORTS + body), path)
    return found.sensitivity, found.pii_type


@pytest.mark.parametrize(
    ("body", "path", "level", "pii_type"),
    [
        # The message decides ambiguous names.
        ("message Customer { string name = 1; }", "Customer.name", L, T.NAME),
        ("message Product { string name = 1; }", "Product.name", P, None),
        ("message Project { string name = 1; }", "Project.name", P, None),
        ("message Region { string name = 1; }", "Region.name", P, None),
        ("message Customer { string id = 1; }", "Customer.id", L, T.CUSTOMER_ID),
        ("message User { string id = 1; }", "User.id", L, T.CUSTOMER_ID),
        ("message Account { string id = 1; }", "Account.id", L, T.CUSTOMER_ID),
        ("message Patient { string id = 1; }", "Patient.id", L, T.CUSTOMER_ID),
        ("message Employee { string id = 1; }", "Employee.id", L, T.CUSTOMER_ID),
        ("message Order { string id = 1; }", "Order.id", P, None),
        ("message Task { string id = 1; }", "Task.id", P, None),
        ("message Config { string id = 1; }", "Config.id", P, None),
        ("message IpConfig { string address = 1; }", "IpConfig.address", M, T.IP_ADDRESS),
        ("message Network { string address = 1; }", "Network.address", M, T.IP_ADDRESS),
        ("message Customer { string address = 1; }", "Customer.address", M, T.ADDRESS_HOME),
        (
            "message Network { string email_address = 1; }",
            "Network.email_address",
            M,
            T.EMAIL_PERSONAL,
        ),
        # Substrings lie.
        ("message User { string passport = 1; }", "User.passport", H, T.PASSPORT),
        ("message User { string password = 1; }", "User.password", H, T.PASSWORD),
        ("message User { string statement = 1; }", "User.statement", P, None),
        ("message User { string ip_address = 1; }", "User.ip_address", M, T.IP_ADDRESS),
        ("message User { bool email_verified = 1; }", "User.email_verified", P, None),
        ("message User { int32 phone_count = 1; }", "User.phone_count", P, None),
        ("message User { string zip_file = 1; }", "User.zip_file", P, None),
        ("message User { string zip = 1; }", "User.zip", M, T.ADDRESS_HOME),
        # Types matter.
        (
            "message User { google.protobuf.Timestamp date_of_birth = 1; }",
            "User.date_of_birth",
            M,
            T.DATE_OF_BIRTH,
        ),
        (
            "message User { google.type.Date date_of_birth = 1; }",
            "User.date_of_birth",
            M,
            T.DATE_OF_BIRTH,
        ),
        ("message User { google.protobuf.Timestamp created_at = 1; }", "User.created_at", P, None),
        (
            "message User { google.protobuf.Timestamp ssn_verified_at = 1; }",
            "User.ssn_verified_at",
            P,
            None,
        ),
        ("message User { bool has_ssn = 1; }", "User.has_ssn", P, None),
        (
            "message User { Status status = 1; } enum Status { STATUS_UNSPECIFIED = 0; }",
            "User.status",
            P,
            None,
        ),
        # Work versus personal.
        ("message User { string work_email = 1; }", "User.work_email", L, T.EMAIL_WORK),
        ("message User { string work_phone = 1; }", "User.work_phone", L, T.PHONE_WORK),
        ("message User { string office_address = 1; }", "User.office_address", L, T.ADDRESS_WORK),
        ("message User { string email = 1; }", "User.email", M, T.EMAIL_PERSONAL),
        ("message User { string phone = 1; }", "User.phone", M, T.PHONE_PERSONAL),
        # The level table, one example per row.
        ("message User { string ssn = 1; }", "User.ssn", H, T.SSN),
        ("message User { string iban = 1; }", "User.iban", H, T.BANK_ACCOUNT),
        ("message User { string routing_number = 1; }", "User.routing_number", H, T.ROUTING_NUMBER),
        ("message User { string card_number = 1; }", "User.card_number", H, T.CREDIT_CARD),
        ("message User { string cvv = 1; }", "User.cvv", H, T.CREDIT_CARD),
        ("message User { double salary = 1; }", "User.salary", H, T.FINANCIAL_INFO),
        ("message User { int32 credit_score = 1; }", "User.credit_score", H, T.FINANCIAL_INFO),
        ("message User { string mrn = 1; }", "User.mrn", H, T.MEDICAL_RECORD),
        ("message User { string insurance_id = 1; }", "User.insurance_id", H, T.HEALTH_INSURANCE),
        ("message User { string diagnosis = 1; }", "User.diagnosis", H, T.SPECIAL_CATEGORY),
        ("message User { string password_hash = 1; }", "User.password_hash", H, T.PASSWORD),
        ("message User { string security_answer = 1; }", "User.security_answer", H, T.AUTH_SECRET),
        ("message User { string api_key = 1; }", "User.api_key", H, T.API_KEY),
        ("message User { string refresh_token = 1; }", "User.refresh_token", H, T.AUTH_SECRET),
        ("message User { bytes private_key = 1; }", "User.private_key", H, T.AUTH_SECRET),
        (
            "message User { bytes fingerprint_template = 1; }",
            "User.fingerprint_template",
            H,
            T.BIOMETRIC,
        ),
        ("message User { string religion = 1; }", "User.religion", H, T.SPECIAL_CATEGORY),
        (
            "message User { string sexual_orientation = 1; }",
            "User.sexual_orientation",
            H,
            T.SPECIAL_CATEGORY,
        ),
        ("message User { double latitude = 1; }", "User.latitude", M, T.GEOLOCATION),
        ("message User { string imei = 1; }", "User.imei", M, T.DEVICE_ID),
        ("message User { string mac_address = 1; }", "User.mac_address", M, T.DEVICE_ID),
        ("message User { string username = 1; }", "User.username", M, T.USERNAME),
        ("message User { string employee_id = 1; }", "User.employee_id", M, T.EMPLOYEE_ID),
        ("message User { string notes = 1; }", "User.notes", M, T.FREE_TEXT),
        ("message User { string postal_code = 1; }", "User.postal_code", M, T.ADDRESS_HOME),
        ("message User { string first_name = 1; }", "User.first_name", L, T.NAME),
        ("message User { string gender = 1; }", "User.gender", L, T.GENDER),
        ("message User { string job_title = 1; }", "User.job_title", L, None),
        ("message User { string city = 1; }", "User.city", L, None),
        ("message User { string user_agent = 1; }", "User.user_agent", L, T.DEVICE_ID),
        ("message Order { string customer_id = 1; }", "Order.customer_id", L, T.CUSTOMER_ID),
        (
            "message Order { string order_id = 1; int64 total_cents = 2; }",
            "Order.order_id",
            P,
            None,
        ),
        ("message Product { int64 price = 1; }", "Product.price", P, None),
        ("message Product { string company_name = 1; }", "Product.company_name", P, None),
        ("message Product { string image_url = 1; }", "Product.image_url", P, None),
        (
            "message ListThingsRequest { string page_token = 1; }",
            "ListThingsRequest.page_token",
            P,
            None,
        ),
        # Abbreviations and camelCase.
        ("message User { string dob = 1; }", "User.dob", M, T.DATE_OF_BIRTH),
        ("message User { string homeAddr = 1; }", "User.homeAddr", M, T.ADDRESS_HOME),
        ("message User { string SSNLast4 = 1; }", "User.SSNLast4", H, T.SSN),
        ("message User { string tin = 1; }", "User.tin", H, T.TAX_ID),
        ("message User { string bic = 1; }", "User.bic", H, T.ROUTING_NUMBER),
        ("message User { string cvv2 = 1; }", "User.cvv2", H, T.CREDIT_CARD),
        ("message User { string msisdn = 1; }", "User.msisdn", M, T.PHONE_PERSONAL),
        ("message User { string ipv6 = 1; }", "User.ipv6", M, T.IP_ADDRESS),
        ("message User { string passport_no = 1; }", "User.passport_no", H, T.PASSPORT),
        # Property words, limits and record ids.
        ("message User { string address_type = 1; }", "User.address_type", P, None),
        ("message User { string email_template = 1; }", "User.email_template", P, None),
        ("message Config { string password_policy = 1; }", "Config.password_policy", P, None),
        ("message Config { int32 max_age_days = 1; }", "Config.max_age_days", P, None),
        ("message Visit { string prescription_id = 1; }", "Visit.prescription_id", P, None),
        ("message User { string salary_currency = 1; }", "User.salary_currency", P, None),
        ("message Key { string key_id = 1; string idempotency_key = 2; }", "Key.key_id", P, None),
        ("message Call { string idempotency_key = 1; }", "Call.idempotency_key", P, None),
        ("message Ingest { string write_key = 1; }", "Ingest.write_key", H, T.API_KEY),
        ("message Tokens { string token_type = 1; }", "Tokens.token_type", P, None),
        # Health context and facts.
        ("message Patient { bool is_smoker = 1; }", "Patient.is_smoker", H, T.SPECIAL_CATEGORY),
        ("message Patient { double weight_kg = 1; }", "Patient.weight_kg", H, T.SPECIAL_CATEGORY),
        ("message Parcel { double weight_kg = 1; }", "Parcel.weight_kg", P, None),
        # Organisations and cards.
        (
            "message Merchant { string support_email = 1; }",
            "Merchant.support_email",
            L,
            T.EMAIL_WORK,
        ),
        (
            "message Card { string number = 1; int32 exp_month = 2; }",
            "Card.number",
            H,
            T.CREDIT_CARD,
        ),
        (
            "message Card { string number = 1; int32 exp_month = 2; }",
            "Card.exp_month",
            M,
            T.CREDIT_CARD,
        ),
        ("message Invoice { string number = 1; }", "Invoice.number", P, None),
        # Requests.
        ("message GetUserRequest { string name = 1; }", "GetUserRequest.name", L, T.CUSTOMER_ID),
        ("message GetProductRequest { string name = 1; }", "GetProductRequest.name", P, None),
    ],
)
def test_policy_example(body: str, path: str, level: Sensitivity, pii_type: PiiType | None) -> None:
    assert level_of(body, path) == (level, pii_type)


def test_comment_names_the_data_of_a_generic_field() -> None:
    body = """
message Record {
  // The subject's social security number, encrypted at rest.
  bytes value = 1;
  // Not an SSN: an internal reference.
  string ref = 2;
  // Never holds credentials.
  string blob = 3;
}
"""
    assert level_of(body, "Record.value") == (H, T.SSN)
    assert level_of(body, "Record.ref") == (P, None)
    assert level_of(body, "Record.blob") == (P, None)


def test_a_comment_never_lowers_a_level() -> None:
    body = "message User {\n  // Public, not personal data at all.\n  string ssn = 1;\n}\n"
    assert level_of(body, "User.ssn") == (H, T.SSN)


def test_every_field_names_the_rule_that_decided() -> None:
    analysis = analyze(
        IMPORTS + "message User { string ssn = 1; bool email_verified = 2; Profile profile = 3;"
        " google.protobuf.Timestamp created_at = 4; string color = 5; }\n"
        "message Profile { string email = 1; }\n"
    )
    from pii_detector.classifier import RULES

    for field in analysis.fields:
        assert field.rule in RULES, field
        assert field.reasoning.startswith(field.rule + ":"), field
    assert result(analysis, "User.profile").rule == "MESSAGE_CONTENT"
    assert result(analysis, "User.email_verified").rule == "BOOL_FLAG"
    assert result(analysis, "User.created_at").rule == "TEMPORAL_TYPE"
    assert result(analysis, "User.color").rule == "NO_SIGNAL"


def test_round_6_an_animal_is_no_person() -> None:
    body = """message Pet {
  string id = 1;
  string owner_id = 2;
  string name = 3;
  string sex = 4;
  google.protobuf.Timestamp date_of_birth = 5;
  repeated string allergies = 6;
  string pet_insurance_policy_no = 7;
  string microchip_number = 8;
  repeated string diagnosis_codes = 9;
}
message Visit { string pet_id = 1; }
message FindNearestClinicRequest { double latitude = 1; double longitude = 2; }
"""
    for field in ("id", "name", "sex", "date_of_birth", "allergies", "diagnosis_codes"):
        assert level_of(body, f"Pet.{field}") == (P, None), field
    assert level_of(body, "Pet.owner_id") == (L, T.CUSTOMER_ID)
    assert level_of(body, "Pet.pet_insurance_policy_no") == (M, T.CUSTOMER_ID)
    assert level_of(body, "Pet.microchip_number") == (M, T.DEVICE_ID)
    assert level_of(body, "Visit.pet_id") == (P, None)
    assert level_of(body, "FindNearestClinicRequest.latitude") == (M, T.GEOLOCATION)


def test_round_6_a_person_with_the_same_words_keeps_them() -> None:
    body = """message Patient {
  string name = 1;
  string sex = 2;
  repeated string allergies = 3;
  string maternal_haplogroup = 4;
  bytes genotype_blob = 5;
}
"""
    assert level_of(body, "Patient.name") == (L, T.NAME)
    assert level_of(body, "Patient.sex") == (L, T.GENDER)
    assert level_of(body, "Patient.allergies") == (H, T.SPECIAL_CATEGORY)
    assert level_of(body, "Patient.maternal_haplogroup") == (H, T.SPECIAL_CATEGORY)
    assert level_of(body, "Patient.genotype_blob") == (H, T.BIOMETRIC)
