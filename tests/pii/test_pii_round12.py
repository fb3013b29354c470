"""Round 12 of issue 14 (POLICY.md rules 39-42), one own-written fixture per mechanism.

A record named after a thing links to a person's sensitive record through an id it carries
(as a doubt), never by being held; German and Dutch compounds are read by their head; people
in a role and a few whole classes of personal-data words are read in the six languages; a
care professional's own record holds no patient's facts; money on one person's pension or
benefit record is theirs. Each test also pins what must stay quiet.
"""

from __future__ import annotations

from pii_helpers import tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.names import words
from pii_detector.results import FieldResult, PiiAnalysis


def _in(package: str, body: str) -> PiiAnalysis:
    name = package.split(".")[1]
    header = (
        f'syntax = "proto3";\n\npackage {package};\n\n'
        'import "google/protobuf/timestamp.proto";\nimport "google/type/money.proto";\n\n'
    )
    return analyze_tree(tree_of(body, path=f"acme/{name}/v1/{name}.proto", header=header))


def _of(analysis: PiiAnalysis, element: str) -> FieldResult:
    found = analysis.field(element)
    assert found is not None, element
    return found


def test_a_thing_named_record_links_through_the_id_it_carries_not_by_being_held() -> None:
    analysis = _in(
        "acme.clinic.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
          string email = 3;
        }
        // A vaccination consultation before a trip.
        message Consultation {
          string consultation_id = 1;
          string patient_id = 2;
          repeated string symptoms = 3;
        }
        enum Pathogen {
          PATHOGEN_UNSPECIFIED = 0;
          PATHOGEN_TUBERCULOSIS = 1;
          PATHOGEN_HEPATITIS = 2;
        }
        message Result {
          string result_id = 1;
          string consultation_id = 2;
          Pathogen pathogen = 3;
          string lab_code = 4;
        }
        message Test {
          string test_id = 1;
          string display_name = 2;
          Pathogen pathogen = 3;
        }
        message Order {
          string consultation_id = 1;
          repeated Test tests = 2;
        }
        """,
    )
    pathogen = _of(analysis, "acme.clinic.v1.Result.pathogen")
    assert pathogen.sensitivity == Sensitivity.HIGH and pathogen.needs_review
    # The result's own plumbing is a doubt at most, never raised.
    assert _of(analysis, "acme.clinic.v1.Result.lab_code").sensitivity == Sensitivity.PUBLIC
    # A catalog test held by an order names nobody: its category stays a kind of test.
    catalog = _of(analysis, "acme.clinic.v1.Test.pathogen")
    assert catalog.sensitivity == Sensitivity.PUBLIC


def test_germanic_compounds_are_read_by_their_head() -> None:
    assert words("netto_maandinkomen") == ("netto", "maand", "income")
    assert words("monatslohn") == ("monat", "wage")
    assert words("kontaktperson") == ("kontakt", "person")
    # English words and names the lists know are left whole.
    assert words("salesperson") == ("sales", "person")
    assert words("geburtsdatum") == ("date", "of", "birth")
    assert words("checksum") == ("checksum",)
    assert words("metronome") == ("metronome",)


def test_people_in_a_role_and_whole_classes_of_words_in_other_languages() -> None:
    assert words("fiador") == ("guarantor",)
    assert words("locataire") == ("tenant",)
    assert words("werkgever") == ("employer",)
    assert words("beruf") == ("occupation",)
    assert words("casier_judiciaire") == ("criminal", "record")
    assert words("handtekening") == ("signature",)
    analysis = _in(
        "acme.aluguel.v1",
        """
        message Locataire {
          string nom = 1;
          google.type.Money revenu = 2;
          string employeur = 3;
        }
        message Verificacao {
          string verificacao_id = 1;
          bool antecedentes_penales = 2;
        }
        """,
    )
    assert _of(analysis, "acme.aluguel.v1.Locataire.nom").sensitivity == Sensitivity.LOW
    income = _of(analysis, "acme.aluguel.v1.Locataire.revenu")
    assert income.sensitivity == Sensitivity.HIGH
    assert income.pii_type == PiiType.FINANCIAL_INFO
    assert _of(analysis, "acme.aluguel.v1.Locataire.employeur").sensitivity == Sensitivity.LOW


def test_a_care_professionals_own_record_holds_no_patients_facts() -> None:
    analysis = _in(
        "acme.visits.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
          repeated string diagnoses = 3;
          string mobility_aid = 4;
        }
        message Nurse {
          string nurse_id = 1;
          string full_name = 2;
          string registration_body = 3;
        }
        """,
    )
    nurse = _of(analysis, "acme.visits.v1.Nurse.registration_body")
    assert nurse.sensitivity != Sensitivity.HIGH
    # The patient's unfamiliar field is still read as a fact about their care.
    patient = _of(analysis, "acme.visits.v1.Patient.mobility_aid")
    assert patient.sensitivity == Sensitivity.HIGH


def test_money_on_one_persons_pension_record_is_theirs_a_payment_is_not() -> None:
    analysis = _in(
        "acme.pension.v1",
        """
        message Member {
          string member_id = 1;
          string full_name = 2;
          Entitlement entitlement = 3;
        }
        message Entitlement {
          google.type.Money annual_amount = 1;
          google.protobuf.Timestamp starts_at = 2;
        }
        """,
    )
    amount = _of(analysis, "acme.pension.v1.Entitlement.annual_amount")
    assert amount.sensitivity == Sensitivity.HIGH
    assert amount.pii_type == PiiType.FINANCIAL_INFO
    # Certain, so the member's record holding it is HIGH too.
    assert _of(analysis, "acme.pension.v1.Member.entitlement").sensitivity == Sensitivity.HIGH
    shop = _in(
        "acme.shop.v1",
        """
        message Customer {
          string customer_id = 1;
          string full_name = 2;
        }
        message Payment {
          string customer_id = 1;
          google.type.Money amount = 2;
        }
        """,
    )
    assert _of(shop, "acme.shop.v1.Payment.amount").sensitivity == Sensitivity.PUBLIC


def test_a_part_that_only_a_persons_sensitive_record_holds_is_about_that_person() -> None:
    analysis = _in(
        "acme.clinic.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
        }
        message Visit {
          string visit_id = 1;
          string patient_id = 2;
          repeated string symptoms = 3;
          Screen screen = 4;
        }
        message Screen {
          bool completed = 1;
          bool carer_present = 2;
        }
        """,
    )
    flag = _of(analysis, "acme.clinic.v1.Screen.carer_present")
    assert flag.needs_review
    assert next(
        m for m in analysis.messages if m.element == "acme.clinic.v1.Screen"
    ).record_evidence.startswith("a part of Visit")


def test_a_flag_or_a_date_named_after_sex_is_about_sexual_life_a_category_is_the_sex() -> None:
    analysis = _in(
        "acme.clinic.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
          string sex = 3;
          bool paid_for_sex = 4;
          google.protobuf.Timestamp first_sex = 5;
          bool sex_consent = 6;
        }
        message Product {
          string product_id = 1;
          bool unisex = 2;
          bool sex_specific = 3;
        }
        """,
    )
    for name in ("paid_for_sex", "first_sex"):
        found = _of(analysis, f"acme.clinic.v1.Patient.{name}")
        assert found.sensitivity == Sensitivity.HIGH, name
        assert found.pii_type == PiiType.SPECIAL_CATEGORY, name
    assert _of(analysis, "acme.clinic.v1.Patient.sex").sensitivity == Sensitivity.LOW
    assert _of(analysis, "acme.clinic.v1.Patient.sex_consent").sensitivity != Sensitivity.HIGH
    assert _of(analysis, "acme.clinic.v1.Product.sex_specific").sensitivity == Sensitivity.PUBLIC


def test_test_outcomes_and_criminal_proceedings_in_a_categorys_values() -> None:
    analysis = _in(
        "acme.clinic.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
        }
        enum Screen {
          SCREEN_UNSPECIFIED = 0;
          SCREEN_NEGATIVE = 1;
          SCREEN_POSITIVE = 2;
        }
        enum Slot {
          SLOT_UNSPECIFIED = 0;
          SLOT_MORNING = 1;
        }
        message Swab {
          string swab_id = 1;
          string patient_id = 2;
          repeated string symptoms = 3;
          Screen screen = 4;
          Slot slot = 5;
        }
        """,
    )
    screen = _of(analysis, "acme.clinic.v1.Swab.screen")
    assert screen.sensitivity == Sensitivity.HIGH and screen.needs_review
    assert _of(analysis, "acme.clinic.v1.Swab.slot").sensitivity == Sensitivity.PUBLIC
    court = _in(
        "acme.court.v1",
        """
        message Offender {
          string offender_id = 1;
          string full_name = 2;
          repeated string convictions = 3;
          bool arrest_warrant = 4;
        }
        enum Step {
          STEP_UNSPECIFIED = 0;
          STEP_INDICTMENT = 1;
          STEP_SENTENCING = 2;
        }
        message Hearing {
          string hearing_id = 1;
          string offender_id = 2;
          Step step = 3;
        }
        """,
    )
    step = _of(court, "acme.court.v1.Hearing.step")
    assert step.sensitivity == Sensitivity.HIGH and step.needs_review
    warrant = _of(court, "acme.court.v1.Offender.arrest_warrant")
    assert warrant.sensitivity == Sensitivity.HIGH


def test_an_employees_probation_is_a_trial_period_not_a_sentence() -> None:
    analysis = _in(
        "acme.hr.v1",
        """
        message Employee {
          string employee_id = 1;
          string full_name = 2;
          google.type.Money salary = 3;
          bool on_probation = 4;
        }
        """,
    )
    assert _of(analysis, "acme.hr.v1.Employee.on_probation").sensitivity == Sensitivity.PUBLIC


def test_a_persons_number_at_a_sensitive_institution_is_a_record_number() -> None:
    analysis = _in(
        "acme.clinic.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
          repeated string diagnoses = 3;
          string ward_number = 4;
          string ward_code = 5;
        }
        """,
    )
    number = _of(analysis, "acme.clinic.v1.Patient.ward_number")
    assert number.sensitivity == Sensitivity.HIGH and number.needs_review
    assert number.pii_type == PiiType.MEDICAL_RECORD
    # A code is a category of the record, only a doubt.
    code = _of(analysis, "acme.clinic.v1.Patient.ward_code")
    assert code.sensitivity == Sensitivity.PUBLIC and code.needs_review
    shop = _in(
        "acme.shop.v1",
        """
        message Customer {
          string customer_id = 1;
          string full_name = 2;
          string loyalty_number = 3;
        }
        """,
    )
    assert _of(shop, "acme.shop.v1.Customer.loyalty_number").sensitivity != Sensitivity.HIGH
