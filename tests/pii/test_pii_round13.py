"""Round 13 of issue 14 (POLICY.md rules 46-51), one own-written fixture per mechanism.

What an API's services say it serves reaches the records about people its own words place
nowhere, as a doubt; a record filed under a person's government or medical number points at
that person; what a person's record holds is not infrastructure by a system's word in its
name; a sensitive record held by a record of what happened to a person is that person's;
what a request naming a person fetches in a sensitive API is theirs, as a doubt. Whole
classes of topic words were added (reproductive health; violence and victim services and
family maintenance; social-services words in the six languages). Each test also pins what
must stay quiet.
"""

from __future__ import annotations

from pii_helpers import tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.levels import Sensitivity
from pii_detector.names import words
from pii_detector.records import Domain, domain_of
from pii_detector.results import FieldResult, PiiAnalysis


def _in(package: str, body: str) -> PiiAnalysis:
    name = package.split(".")[1]
    header = (
        f'syntax = "proto3";\n\npackage {package};\n\nimport "google/protobuf/timestamp.proto";\n\n'
    )
    return analyze_tree(tree_of(body, path=f"acme/{name}/v1/{name}.proto", header=header))


def _of(analysis: PiiAnalysis, element: str) -> FieldResult:
    found = analysis.field(element)
    assert found is not None, element
    return found


_HOTLINE = """
    %s
    service HotlineService {
      rpc OpenCall(Caller) returns (Caller);
    }
    message Caller {
      string caller_id = 1;
      string full_name = 2;
      string mobile = 3;
    }
    // One follow-up a volunteer arranges.
    message FollowUp {
      string follow_up_id = 1;
      string caller_id = 2;
      bool safety_plan = 3;
      string shelter_area = 4;
      int32 callbacks_made = 5;
    }
"""


def test_an_apis_headline_puts_its_records_about_people_in_its_domain_as_a_doubt() -> None:
    headline = "// Helpline for survivors of trafficking and forced labour: calls and follow-ups."
    analysis = _in("acme.hotline.v1", _HOTLINE % headline)
    flag = _of(analysis, "acme.hotline.v1.FollowUp.safety_plan")
    # A doubt, not a level: nothing it cannot place is raised, but a reviewer sees it.
    assert flag.sensitivity == Sensitivity.PUBLIC and flag.needs_review
    assert _of(analysis, "acme.hotline.v1.FollowUp.shelter_area").sensitivity != Sensitivity.HIGH


def test_without_a_sensitive_headline_the_same_records_stay_as_they_were() -> None:
    analysis = _in("acme.hotline.v1", _HOTLINE % "// Call centre scheduling.")
    flag = _of(analysis, "acme.hotline.v1.FollowUp.safety_plan")
    assert flag.sensitivity == Sensitivity.PUBLIC and not flag.needs_review


def test_topic_classes_reproductive_health_abuse_services_and_foreign_welfare_words() -> None:
    assert domain_of({"package": ("fertility",)})[0] == Domain.HEALTH
    assert domain_of({"package": ("contraception",)})[0] == Domain.HEALTH
    assert domain_of({"package": ("violence", "refuge")})[0] == Domain.SOCIAL_SERVICES
    assert domain_of({"package": ("paternity",)})[0] == Domain.SOCIAL_SERVICES
    # A topic of two words is read as one; each word alone is no topic.
    assert domain_of({"package": ("spousal", "support")})[0] == Domain.SOCIAL_SERVICES
    assert domain_of({"package": ("support", "ticket")})[0] == Domain.GENERAL
    assert domain_of({"package": ("watchlist",)})[0] == Domain.CRIMINAL_JUSTICE
    assert words("sozialhilfe_antrag")[0] == "welfare"
    assert words("uitkering") == ("benefit",)
    assert domain_of({"package": words("prestacion_discapacidad")})[0] == Domain.SOCIAL_SERVICES


def test_a_record_filed_under_a_persons_national_number_points_at_them() -> None:
    analysis = _in(
        "acme.registry.v1",
        """
        message Dossier {
          string dossier_ref = 1;
          string national_id = 2;
          bool eviction_notice = 3;
        }
        message Supplier {
          string supplier_id = 1;
          string tax_id = 2;
          bool preferred = 3;
        }
        """,
    )
    # Keyed by a person: its flag may state a fact about them.
    assert _of(analysis, "acme.registry.v1.Dossier.eviction_notice").needs_review
    # A company's tax id is no person's key.
    assert not _of(analysis, "acme.registry.v1.Supplier.preferred").needs_review


def test_what_a_persons_record_holds_is_not_infrastructure_by_a_word_of_its_name() -> None:
    analysis = _in(
        "acme.veterans.v1",
        """
        message Sailor {
          string sailor_id = 1;
          string full_name = 2;
          string email = 3;
          repeated ServiceSpell service_spells = 4;
        }
        message ServiceSpell {
          string employer = 1;
          repeated string deployments = 2;
          LeavingReason leaving_reason = 3;
        }
        enum LeavingReason {
          LEAVING_REASON_UNSPECIFIED = 0;
          LEAVING_REASON_ILL_HEALTH = 1;
          LEAVING_REASON_RETIRED = 2;
        }
        message ServiceEndpoint {
          string host = 1;
          repeated string deployments = 2;
        }
        """,
    )
    reason = _of(analysis, "acme.veterans.v1.ServiceSpell.leaving_reason")
    assert reason.needs_review
    # A system's record of the same package keeps its technical reading.
    assert not _of(analysis, "acme.veterans.v1.ServiceEndpoint.deployments").needs_review


# A ferry boarding holds its passenger and what the warrant check found: `%s` is the
# boarding's third field, then the message it holds.
_BOARDING = """
    message Passenger {
      string passenger_id = 1;
      string full_name = 2;
      string email = 3;
    }
    message Boarding {
      string boarding_id = 1;
      Passenger passenger = 2;
      %s
    }
    %s
"""


def test_a_sensitive_record_held_by_what_happened_to_a_person_is_theirs() -> None:
    held = """// A hit on the police warrant list.
    message WarrantHit {
      bool wanted = 1;
    }"""
    analysis = _in("acme.ferry.v1", _BOARDING % ("WarrantHit warrant = 3;", held))
    assert _of(analysis, "acme.ferry.v1.WarrantHit.wanted").needs_review


def test_a_result_without_an_identity_held_by_what_happened_to_a_person_is_theirs() -> None:
    held = """// The outcome of the police warrant check.
    message WarrantResult {
      bool extradition = 1;
    }"""
    analysis = _in("acme.ferry.v1", _BOARDING % ("WarrantResult check = 3;", held))
    # Named after a thing, without an identity of its own: a part of the boarding.
    assert _of(analysis, "acme.ferry.v1.WarrantResult.extradition").needs_review


def test_a_result_with_an_identity_of_its_own_is_a_catalogues_entry() -> None:
    held = """// One entry of the police warrant catalogue, shared by every check.
    message WarrantResult {
      string id = 1;
      bool extradition = 2;
    }"""
    analysis = _in("acme.ferry.v1", _BOARDING % ("WarrantResult listed_as = 3;", held))
    assert not _of(analysis, "acme.ferry.v1.WarrantResult.extradition").needs_review


def test_what_a_request_naming_a_person_fetches_in_a_sensitive_api_is_theirs() -> None:
    analysis = _in(
        "acme.sleepclinic.v1",
        """
        // Home sleep apnoea testing for a sleep clinic: nights recorded by the patient.
        service NightService {
          rpc ListNights(ListNightsRequest) returns (ListNightsResponse);
          rpc ListRooms(ListRoomsRequest) returns (ListRoomsResponse);
        }
        message ListNightsRequest {
          string patient_id = 1;
        }
        message ListNightsResponse {
          repeated Night nights = 1;
        }
        message Night {
          string night_id = 1;
          bool interrupted = 2;
          string apnoea_grade = 3;
        }
        message ListRoomsRequest {
          string ward = 1;
        }
        message ListRoomsResponse {
          repeated Room rooms = 1;
        }
        message Room {
          string room_id = 1;
          bool interrupted = 2;
        }
        """,
    )
    night = _of(analysis, "acme.sleepclinic.v1.Night.interrupted")
    # A doubt: the request's person is evidence about the call, not about the record.
    assert night.sensitivity == Sensitivity.PUBLIC and night.needs_review
    # What a request that names nobody fetches stays a thing.
    assert not _of(analysis, "acme.sleepclinic.v1.Room.interrupted").needs_review


def test_a_digest_of_free_text_is_not_the_text() -> None:
    analysis = _in(
        "acme.helpdesk.v1",
        """
        message Complaint {
          string complaint_id = 1;
          string customer_id = 2;
          string body = 3;
          string body_sha256 = 4;
        }
        """,
    )
    assert _of(analysis, "acme.helpdesk.v1.Complaint.body").sensitivity == Sensitivity.MEDIUM
    digest = _of(analysis, "acme.helpdesk.v1.Complaint.body_sha256")
    assert digest.sensitivity == Sensitivity.PUBLIC
