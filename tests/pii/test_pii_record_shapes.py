"""Shapes from real schemas and untuned domains that the record, not a word, decides.

Own fixtures that reproduce the shapes (nothing copied from the real trees): the cookie
names of an OAuth2 filter config, a switch on a piece of lab equipment, a polling place's
accessibility, measurements with units in a fertility clinic's records.
"""

from __future__ import annotations

from pii_helpers import analyze, result

from pii_detector.levels import PiiType, Sensitivity


def test_a_message_of_names_holds_cookie_names_not_tokens() -> None:
    analysis = analyze(
        """
        message OAuthCredentials {
          string client_id = 1;
          CookieNames cookie_names = 2;
          message CookieNames {
            string bearer_token = 1;   // name of the cookie that holds the access token
            string refresh_token = 2;
            string id_token = 3;
          }
        }
        """
    )
    for token in ("bearer_token", "refresh_token", "id_token"):
        found = result(analysis, f"OAuthCredentials.CookieNames.{token}")
        assert found.sensitivity == Sensitivity.PUBLIC, token
        assert found.rule == "NAMES_RECORD"
    assert result(analysis, "OAuthCredentials.cookie_names").sensitivity == Sensitivity.PUBLIC


def test_a_token_outside_a_message_of_names_is_still_a_secret() -> None:
    analysis = analyze("message CallCredentials { string refresh_token = 1; }")
    assert result(analysis, "CallCredentials.refresh_token").sensitivity == Sensitivity.HIGH


def test_flags_on_a_thing_that_points_at_nobody_describe_the_thing() -> None:
    analysis = analyze(
        """
        // Equipment of the embryology lab.
        message Incubator {
          string incubator_id = 1;
          float co2_percent = 2;
          bool disabled = 3;
        }
        message PollingPlace {
          string polling_place_id = 1;
          string name = 2;
          bool wheelchair_accessible = 3;
        }
        """
    )
    assert result(analysis, "Incubator.disabled").sensitivity == Sensitivity.PUBLIC
    assert result(analysis, "PollingPlace.wheelchair_accessible").sensitivity == Sensitivity.PUBLIC


def test_the_same_flags_on_a_person_are_the_fact() -> None:
    analysis = analyze(
        """
        message Voter {
          string voter_id = 1;
          string first_name = 2;
          string email = 3;
          bool disabled = 4;
          bool wheelchair_user = 5;
        }
        """
    )
    assert result(analysis, "Voter.disabled").sensitivity == Sensitivity.HIGH
    assert result(analysis, "Voter.wheelchair_user").sensitivity == Sensitivity.HIGH


def test_a_measurement_with_a_unit_in_a_health_record_is_a_fact_about_the_patient() -> None:
    analysis = analyze(
        """
        // One ultrasound scan of a patient during treatment.
        message PatientScan {
          string scan_id = 1;
          string patient_id = 2;
          float endometrium_mm = 3;
          float e2_pmol_l = 4;
          int32 scan_count = 5;
        }
        """
    )
    for name in ("endometrium_mm", "e2_pmol_l"):
        found = result(analysis, f"PatientScan.{name}")
        assert found.sensitivity == Sensitivity.HIGH, name
        assert found.pii_type == PiiType.SPECIAL_CATEGORY
    assert result(analysis, "PatientScan.scan_count").sensitivity == Sensitivity.PUBLIC


def test_a_measurement_with_a_unit_on_a_thing_is_public() -> None:
    analysis = analyze("message Incubator { string incubator_id = 1; float temperature_mm = 2; }")
    assert result(analysis, "Incubator.temperature_mm").sensitivity == Sensitivity.PUBLIC


def test_an_ad_targeting_criterion_selects_a_group_not_a_person() -> None:
    analysis = analyze(
        """
        // Targeting criteria of an ad group.
        message AdGroupCriterion {
          string resource_name = 1;
          IncomeRangeInfo income_range = 2;
          AgeRangeInfo age_range = 3;
          GenderInfo gender = 4;
          bool disabled = 5;
        }
        message IncomeRangeInfo { IncomeRangeType type = 1; }
        enum IncomeRangeType { INCOME_RANGE_TYPE_UNSPECIFIED = 0; INCOME_RANGE_TOP_10 = 1; }
        message AgeRangeInfo { AgeRangeType type = 1; }
        enum AgeRangeType { AGE_RANGE_TYPE_UNSPECIFIED = 0; }
        message GenderInfo { GenderType type = 1; }
        enum GenderType { GENDER_TYPE_UNSPECIFIED = 0; }
        """
    )
    for name in ("resource_name", "income_range", "disabled"):
        assert result(analysis, f"AdGroupCriterion.{name}").sensitivity == Sensitivity.PUBLIC, name


def test_an_income_range_on_a_person_is_still_financial() -> None:
    analysis = analyze(
        """
        message Applicant {
          string first_name = 1;
          string email = 2;
          IncomeRange income_range = 3;
        }
        message IncomeRange { int64 min_cents = 1; int64 max_cents = 2; }
        """
    )
    assert result(analysis, "Applicant.income_range").sensitivity == Sensitivity.HIGH


def test_a_bare_fingerprint_on_a_thing_is_a_hash_and_on_a_person_biometric() -> None:
    analysis = analyze(
        """
        // A virtual machine; the fingerprint detects concurrent changes.
        message Instance { string instance_id = 1; string fingerprint = 2; }
        message TlsInspection { bytes fingerprint = 1; }
        message Enrollee { string first_name = 1; string email = 2; bytes fingerprint = 3; }
        message Enrollment { string enrollment_id = 1; bytes fingerprint_template = 2; }
        """
    )
    assert result(analysis, "Instance.fingerprint").sensitivity == Sensitivity.PUBLIC
    assert result(analysis, "TlsInspection.fingerprint").sensitivity == Sensitivity.PUBLIC
    assert result(analysis, "Enrollee.fingerprint").pii_type == PiiType.BIOMETRIC
    assert result(analysis, "Enrollment.fingerprint_template").pii_type == PiiType.BIOMETRIC
