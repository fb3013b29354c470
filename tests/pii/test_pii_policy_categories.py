"""The policy's HIGH categories in the words of other domains, and the things that share
those words. The names here were written from POLICY.md's HIGH row and types, not taken
from the labelled evaluation set."""

from __future__ import annotations

import pytest
from pii_helpers import analyze, result

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
