"""The policy's HIGH categories in the words of other domains, and the things that share
those words. The names here were written from POLICY.md's HIGH row and types, not taken
from the labelled evaluation set."""

from __future__ import annotations

import pytest
from pii_helpers import analyze, result, tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.levels import PiiType, Sensitivity

H, P = Sensitivity.HIGH, Sensitivity.PUBLIC

PERSON = """
message Member {
  string religious_denomination = 1;
  string racial_background = 2;
  string sexuality = 3;
  string party_affiliation = 4;
  bool labor_union_member = 5;
  string arrest_record = 6;
  bool is_sex_offender = 7;
  string incarceration_status = 8;
  bytes voice_sample = 9;
  bytes palm_vein_template = 10;
  string disability_type = 11;
  bool has_504_plan = 12;
  float blood_oxygen = 13;
  bool on_medical_leave = 14;
  string cause_of_death = 15;
  string insolvency_status = 16;
  int64 household_income = 17;
  bool receives_benefits = 18;
  string immigration_status = 19;
  string birth_certificate_number = 20;
  string ifsc = 21;
  string unlock_code = 22;
  string mothers_maiden_name = 23;
  string boarding_pass_barcode = 24;
  string driving_licence = 25;
}
"""


@pytest.mark.parametrize(
    ("field", "pii_type"),
    [
        ("religious_denomination", PiiType.SPECIAL_CATEGORY),
        ("racial_background", PiiType.SPECIAL_CATEGORY),
        ("sexuality", PiiType.SPECIAL_CATEGORY),
        ("party_affiliation", PiiType.SPECIAL_CATEGORY),
        ("labor_union_member", PiiType.SPECIAL_CATEGORY),
        ("arrest_record", PiiType.SPECIAL_CATEGORY),
        ("is_sex_offender", PiiType.SPECIAL_CATEGORY),
        ("incarceration_status", PiiType.SPECIAL_CATEGORY),
        ("voice_sample", PiiType.BIOMETRIC),
        ("palm_vein_template", PiiType.BIOMETRIC),
        ("disability_type", PiiType.SPECIAL_CATEGORY),
        ("has_504_plan", PiiType.SPECIAL_CATEGORY),
        ("blood_oxygen", PiiType.SPECIAL_CATEGORY),
        ("on_medical_leave", PiiType.SPECIAL_CATEGORY),
        ("cause_of_death", PiiType.SPECIAL_CATEGORY),
        ("insolvency_status", PiiType.FINANCIAL_INFO),
        ("household_income", PiiType.FINANCIAL_INFO),
        ("receives_benefits", PiiType.FINANCIAL_INFO),
        ("immigration_status", PiiType.SPECIAL_CATEGORY),
        ("birth_certificate_number", PiiType.NATIONAL_ID),
        ("ifsc", PiiType.ROUTING_NUMBER),
        ("unlock_code", PiiType.AUTH_SECRET),
        ("mothers_maiden_name", PiiType.AUTH_SECRET),
        ("boarding_pass_barcode", PiiType.AUTH_SECRET),
        ("driving_licence", PiiType.DRIVERS_LICENSE),
    ],
)
def test_a_sensitive_fact_about_a_person_is_high(field: str, pii_type: PiiType) -> None:
    found = result(analyze(PERSON), f"Member.{field}")
    assert (found.sensitivity, found.pii_type) == (H, pii_type), found.reasoning


THINGS = """
message Server { string health_status = 1; string test_result = 2; }
message MenuItem { repeated string allergens = 1; bool gluten_free = 2; }
message Venue { bool service_animals_allowed = 1; bool wheelchair_accessible = 2; }
message Handset { bool hearing_aid_compatible = 1; }
message Product { string tax_code = 1; }
message Banknote { int32 denomination = 1; }
message Employee { string probation_period = 1; }
message Team { int32 offense_rating = 1; }
message Stat { double std_dev = 1; bool snap_to_grid = 2; }
message Company { int64 total_assets = 1; int64 annual_income = 2; }
message Sensor { double body_temperature_threshold = 1; }
message Driver { string background_check_status = 1; }
"""


@pytest.mark.parametrize(
    "path",
    [
        "Server.health_status",
        "Server.test_result",
        "MenuItem.allergens",
        "MenuItem.gluten_free",
        "Venue.service_animals_allowed",
        "Venue.wheelchair_accessible",
        "Handset.hearing_aid_compatible",
        "Product.tax_code",
        "Banknote.denomination",
        "Employee.probation_period",
        "Team.offense_rating",
        "Stat.std_dev",
        "Stat.snap_to_grid",
        "Company.total_assets",
        "Company.annual_income",
        "Sensor.body_temperature_threshold",
        "Driver.background_check_status",
    ],
)
def test_the_same_words_on_things_are_public(path: str) -> None:
    found = result(analyze(THINGS), path)
    assert found.sensitivity == P, found.reasoning


def test_a_health_flag_on_a_record_about_a_person_still_counts() -> None:
    body = "message Booking { string customer_id = 1; bool needs_wheelchair = 2; }\n"
    assert result(analyze(body), "Booking.needs_wheelchair").sensitivity == H


# Round 5: categories a blind split showed missing, in words other than its fields'.
ROUND_5 = """
message Applicant {
  string first_nm = 1;
  string email = 2;
  string heritage = 3;
  string tobacco_use = 4;
  int64 base_salary_cents = 5;
  float retirement_contribution_pct = 6;
  bytes signature_image = 7;
  string hometown = 8;
  string sex_at_birth = 9;
}
message Escrow { string borrower_id = 1; string escrow_account = 2; int64 escrow_balance = 3; }
message Paycheck { string employee_id = 1; map<string, int64> deductions_by_type = 2; }
message CreditReportSummary { int32 score = 1; int32 derogatory_count_total = 2; }
message HealthPlanCard { string member_id = 1; bytes back_image = 2; string rx_bin = 3; }
message Delivery { string received_by_name = 1; }
"""


@pytest.mark.parametrize(
    ("path", "level", "pii_type"),
    [
        ("Applicant.first_nm", Sensitivity.LOW, PiiType.NAME),
        ("Applicant.heritage", H, PiiType.SPECIAL_CATEGORY),
        ("Applicant.tobacco_use", H, PiiType.SPECIAL_CATEGORY),
        ("Applicant.base_salary_cents", H, PiiType.FINANCIAL_INFO),
        ("Applicant.retirement_contribution_pct", H, PiiType.FINANCIAL_INFO),
        ("Applicant.signature_image", H, PiiType.BIOMETRIC),
        ("Applicant.hometown", Sensitivity.LOW, None),
        ("Applicant.sex_at_birth", Sensitivity.LOW, PiiType.GENDER),
        ("Escrow.escrow_account", H, PiiType.BANK_ACCOUNT),
        ("Escrow.escrow_balance", H, PiiType.FINANCIAL_INFO),
        ("Paycheck.deductions_by_type", H, PiiType.FINANCIAL_INFO),
        ("CreditReportSummary.score", H, PiiType.FINANCIAL_INFO),
        ("HealthPlanCard.back_image", H, PiiType.HEALTH_INSURANCE),
        ("HealthPlanCard.rx_bin", P, None),
        ("Delivery.received_by_name", Sensitivity.LOW, PiiType.NAME),
    ],
)
def test_round_5_categories(path: str, level: Sensitivity, pii_type: PiiType | None) -> None:
    found = result(analyze(ROUND_5), path)
    assert (found.sensitivity, found.pii_type) == (level, pii_type), found.reasoning


def test_a_package_person_noun_makes_its_ids_personal() -> None:
    body = (
        "message Client { string client_id = 1; string full_name = 2; string email = 3; }\n"
        "message Engagement { string client_id = 1; string notes = 2; }\n"
        "message OAuthApp { string client_id = 1; }\n"
    )
    found = analyze(body)
    assert result(found, "Client.client_id").sensitivity == Sensitivity.LOW
    assert result(found, "Engagement.client_id").pii_type == PiiType.CUSTOMER_ID
    assert result(found, "Engagement.notes").sensitivity == Sensitivity.MEDIUM


def test_dating_preferences_are_orientation_only_in_dating() -> None:
    body = (
        "enum Orientation { ORIENTATION_UNSPECIFIED = 0; }\n"
        "message DatingProfile { repeated string interested_in = 1; Orientation orientation = 2; }\n"
        "message JobSeeker { string first_name = 1; string email = 2; string looking_for = 3; }\n"
    )
    found = analyze(body)
    assert result(found, "DatingProfile.interested_in").sensitivity == H
    assert result(found, "DatingProfile.orientation").sensitivity == H
    assert result(found, "JobSeeker.looking_for").sensitivity == P


ROUND_5_THINGS = """
enum ScreenOrientation { SCREEN_ORIENTATION_UNSPECIFIED = 0; }
message DisplaySettings { ScreenOrientation orientation = 1; }
message Playlist { int32 position = 1; }
message Trip { string rider_id = 1; double distance_km = 2; }
message Webhook { string signature = 1; }
message Histogram { int32 bin = 1; }
message Survey { string customer_id = 1; int32 score = 2; }
message Collection { string collection_id = 1; }
message Invoice { string customer_id = 1; int64 billing_rate_cents = 2; }
message Document { string document_id = 1; string matter_id = 2; }
message Order { string order_id = 1; string shipping_name = 2; string shipping_phone = 3; }
message Shipment { string order_id = 1; }
"""


@pytest.mark.parametrize(
    "path",
    [
        "DisplaySettings.orientation",
        "Playlist.position",
        "Trip.distance_km",
        "Webhook.signature",
        "Histogram.bin",
        "Survey.score",
        "Collection.collection_id",
        "Invoice.billing_rate_cents",
        "Document.document_id",
        "Shipment.order_id",
    ],
)
def test_round_5_look_alikes_stay_public(path: str) -> None:
    found = result(analyze(ROUND_5_THINGS), path)
    assert found.sensitivity == P, found.reasoning


def test_a_catalog_thing_in_a_health_package_is_reference_data() -> None:
    body = (
        "message Drug { string ndc = 1; string strength = 2; string dosage_form = 3; }\n"
        "message Prescription { string patient_id = 1; string ndc = 2; string sig = 3; }\n"
    )
    found = analyze_tree(tree_of(body, header='syntax = "proto3";\npackage acme.pharmacy.v1;\n'))

    def level(path: str) -> Sensitivity:
        field = found.field(f"acme.pharmacy.v1.{path}")
        assert field is not None, path
        return field.sensitivity

    for path in ("Drug.ndc", "Drug.strength", "Drug.dosage_form"):
        assert level(path) == P, path
    assert level("Prescription.ndc") == H
    assert level("Prescription.sig") == H
