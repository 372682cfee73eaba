"""Segment's payload rules ("Spec: Common fields" and the page of each call): ``validate`` and ``serve`` accept
every well-formed payload those pages show, and refuse what they say is invalid, one test per rule.

The pages' examples are test data (``tests/data/segment-spec/{common,track,identify,group,page,screen,
alias}.yaml``); the plan of their calls is ``tests/data/segment-spec/plan/spec-calls.yaml``.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cdpctl.loader import load_plan
from cdpctl.serve.runner import BackgroundServer, ServeOptions
from cdpctl.validation import Validator
from tests.spec_examples import DATA, ROOT, Example, pages_of

CALL_PLAN = DATA / "plan" / "spec-calls.yaml"
ENVELOPE_ONLY = ROOT / "plans" / "b2b-saas.yaml"
"""A plan without identify, group, pages or screens sections: those calls meet only the envelope rules."""
CALL_PAGES = pages_of("spec-calls")
EXAMPLES = [example for page in CALL_PAGES for example in page.examples]
BY_SECTION = {(example.page, example.section): example for example in EXAMPLES}


def example(page: str, section: str = "Example") -> dict[str, Any]:
    """A complete example of a page (the message as the page shows it)."""
    found = BY_SECTION.get((page, section))
    assert found is not None and found.form == "payload", (page, section)
    return found.message()


TRACK = "Spec: Track"
IDENTIFY = "Spec: Identify"
GROUP = "Spec: Group"
PAGE = "Spec: Page"
SCREEN = "Spec: Screen"
ALIAS = "Spec: Alias"
COMMON = "Spec: Common fields"


@pytest.fixture(scope="module", params=[True, False], ids=["fast", "reference"])
def check(request: pytest.FixtureRequest) -> Any:
    return Validator(load_plan(CALL_PLAN), fast=bool(request.param)).check


@pytest.fixture(scope="module", params=[True, False], ids=["fast", "reference"])
def envelope_only(request: pytest.FixtureRequest) -> Any:
    return Validator(load_plan(ENVELOPE_ONLY), fast=bool(request.param)).check


def codes(found: list[Any]) -> list[tuple[str, str]]:
    return sorted((violation.code, violation.path) for violation in found)


def test_the_call_pages_give_a_complete_example_of_every_call() -> None:
    complete = {example.message()["type"] for example in EXAMPLES if example.form == "payload"}
    assert complete == {"track", "identify", "group", "page", "screen", "alias"}
    assert {page.title for page in CALL_PAGES} == {COMMON, TRACK, IDENTIFY, GROUP, PAGE, SCREEN, ALIAS}


@pytest.mark.parametrize("item", EXAMPLES, ids=[item.label for item in EXAMPLES])
def test_every_example_of_the_call_pages_is_accepted(item: Example, check: Any) -> None:
    assert check(item.message()) == []


ABRIDGED = [item for item in EXAMPLES if item.form == "abridged"]


@pytest.mark.parametrize("item", ABRIDGED, ids=[item.label for item in ABRIDGED])
def test_an_abridged_example_is_not_a_payload_it_lacks_only_the_identity(item: Example, check: Any) -> None:
    """The pages' "typical" calls have most common fields removed: all they miss is a userId or anonymousId."""
    written = item.as_written()
    assert written is not None
    expected = [] if "userId" in written or "anonymousId" in written else [("invalid_envelope", "userId")]
    assert codes(check(written)) == expected


# "Spec: Identify", Identities: every call must have a User ID or an Anonymous ID (the common fields'
# table: userId "required; optional if anonymousID is set instead", and the reverse).
def test_an_anonymous_id_alone_or_a_user_id_alone_identifies_a_message(check: Any) -> None:
    message = example(IDENTIFY)  # the page's example has both
    assert check(message) == []
    assert check({key: value for key, value in message.items() if key != "userId"}) == []
    assert check({key: value for key, value in message.items() if key != "anonymousId"}) == []


def test_a_message_with_neither_user_id_nor_anonymous_id_is_refused(check: Any) -> None:
    for page in (TRACK, IDENTIFY, GROUP, PAGE, SCREEN):
        message = {key: value for key, value in example(page).items() if key not in ("userId", "anonymousId")}
        assert codes(check(message)) == [("invalid_envelope", "userId")], page
        assert codes(check({**message, "userId": "", "anonymousId": ""})) == [("invalid_envelope", "userId")], page


def test_an_id_may_be_a_number_as_the_sdks_send_it(check: Any) -> None:
    """The pages type ids as strings; SDKs (analytics-node, analytics-python) also send numbers: accepted."""
    assert check({**example(TRACK), "userId": 97980}) == []


# The common fields' table: type is "identify", "group", "track", "page", "screen" or "alias".
def test_the_type_is_one_of_the_six_calls(check: Any) -> None:
    message = example(TRACK)
    assert codes(check({**message, "type": "click"})) == [("invalid_envelope", "type")]
    assert codes(check({key: value for key, value in message.items() if key != "type"})) == [("invalid_envelope", "type")]


# "Spec: Track": event is required, a string.
def test_a_track_call_needs_an_event_name(check: Any) -> None:
    message = example(TRACK)
    assert codes(check({key: value for key, value in message.items() if key != "event"})) == [("invalid_envelope", "event")]
    assert codes(check({**message, "event": ""})) == [("invalid_envelope", "event")]


# "Spec: Group": groupId is required.
def test_a_group_call_needs_a_group_id(check: Any, envelope_only: Any) -> None:
    message = example(GROUP)
    without = {key: value for key, value in message.items() if key != "groupId"}
    for checker in (check, envelope_only):
        assert checker(message) == []
        assert codes(checker(without)) == [("invalid_envelope", "groupId")]
        assert codes(checker({**message, "groupId": ""})) == [("invalid_envelope", "groupId")]
        assert codes(checker({**message, "groupId": None})) == [("invalid_envelope", "groupId")]


# "Spec: Alias": previousId is required (the payload's; analytics.js fills it in for the call).
def test_an_alias_call_needs_a_previous_id(check: Any) -> None:
    message = example(ALIAS, "Examples")
    assert check(message) == []
    without = {key: value for key, value in message.items() if key != "previousId"}
    assert codes(check(without)) == [("invalid_envelope", "previousId")]


# "Spec: Common fields": messageId is a string, "limited to 100 characters".
def test_a_message_id_is_a_string_of_at_most_100_characters(check: Any, envelope_only: Any) -> None:
    for page in (TRACK, IDENTIFY, PAGE):
        message = example(page)
        assert check({**message, "messageId": "m" * 100}) == []
        for bad in ("m" * 101, 12345, None):
            assert codes(check({**message, "messageId": bad})) == [("invalid_envelope", "messageId")], (page, bad)
    assert codes(envelope_only({**example(IDENTIFY), "messageId": "m" * 101})) == [("invalid_envelope", "messageId")]


# "Spec: Common fields", Timestamps: all four are ISO-8601 date strings.
@pytest.mark.parametrize("field", ["timestamp", "sentAt", "originalTimestamp", "receivedAt"])
def test_each_timestamp_is_an_iso_8601_date_time(field: str, check: Any, envelope_only: Any) -> None:
    message = example(TRACK)  # has all four
    assert field in message
    assert check({**message, field: "2015-12-12T20:11:01.266+01:00"}) == []
    for bad in ("yesterday", "2015-12-12", 1449947461):
        assert codes(check({**message, field: bad})) == [("invalid_envelope", field)], bad
    assert codes(envelope_only({**example(PAGE), field: "yesterday"})) == [("invalid_envelope", field)]


# RFC 3339, which JSON Schema's date-time names: a T between date and time (a space is an application's
# choice that jsonschema-rs and Go's RFC 3339 parser refuse); null is not a date string.
@pytest.mark.parametrize("field", ["timestamp", "sentAt", "originalTimestamp", "receivedAt"])
def test_a_timestamp_with_a_space_or_null_is_refused_whatever_the_plan_governs(
    field: str, check: Any, envelope_only: Any
) -> None:
    for page in (TRACK, IDENTIFY, GROUP, PAGE, SCREEN, ALIAS):
        for bad in ("2015-12-12 20:11:01.266Z", None):
            message = {**full_example(page), field: bad}
            assert codes(check(message)) == [("invalid_envelope", field)], (page, bad)
            assert envelope_codes(envelope_only(message)) == [("invalid_envelope", field)], (page, bad)
        assert check({**full_example(page), field: "2015-12-12t20:11:01.266z"}) == []


# null is not an object: the verdict on a null context, traits or properties is the same whether or not
# the plan has a section for the call (it was accepted when the plan had none).
@pytest.mark.parametrize("field", ["context", "integrations", "properties", "traits"])
@pytest.mark.parametrize("page", [IDENTIFY, GROUP, PAGE, SCREEN, ALIAS, TRACK])
def test_a_null_object_field_is_refused_whatever_the_plan_governs(
    page: str, field: str, check: Any, envelope_only: Any
) -> None:
    message = {**full_example(page), field: None}
    assert codes(check(message)) == [("invalid_envelope", field)]
    assert envelope_codes(envelope_only(message)) == [("invalid_envelope", field)]


def full_example(page: str) -> dict[str, Any]:
    """The complete example of a page (the alias page titles it "Examples")."""
    return example(page, "Examples" if page == ALIAS else "Example")


def envelope_codes(found: list[Any]) -> list[tuple[str, str]]:
    """The envelope's violations (a plan without the call's event also reports it unplanned)."""
    return [item for item in codes(found) if item[0] == "invalid_envelope"]


# The common fields' table: context and integrations are objects; the call pages: properties and traits too.
@pytest.mark.parametrize(("page", "field"), [(TRACK, "context"), (TRACK, "integrations"), (TRACK, "properties"),
                                              (IDENTIFY, "traits"), (GROUP, "traits"), (PAGE, "properties"),
                                              (SCREEN, "properties")])
def test_context_integrations_properties_and_traits_are_objects(page: str, field: str, check: Any) -> None:
    message = example(page)
    assert isinstance(message[field], dict)
    found = codes(check({**message, field: ["not", "an", "object"]}))
    assert found == [("invalid_envelope", field)]


# "Spec: Page" and "Spec: Screen": name is optional.
def test_a_page_or_screen_call_without_a_name_is_well_formed(envelope_only: Any) -> None:
    for page in (PAGE, SCREEN):
        message = {key: value for key, value in example(page).items() if key != "name"}
        assert envelope_only(message) == []


# "Spec: Page" and "Spec: Screen": name is a string.
def test_a_page_or_screen_name_is_a_string(check: Any, envelope_only: Any) -> None:
    for page in (PAGE, SCREEN):
        message = {**example(page), "name": 404}
        assert codes(envelope_only(message)) == [("invalid_envelope", "name")]
        assert ("invalid_envelope", "name") in codes(check(message))  # and a page the plan does not have


# Fields Segment sets itself ("implicit"): the pages show version as 2 and as "1.1", channel as a string.
def test_fields_segment_sets_itself_are_accepted_as_the_pages_show_them(check: Any) -> None:
    assert check(example(COMMON, "Structure")) == []
    assert example(COMMON, "Structure")["version"] == 2 and example(IDENTIFY)["version"] == "1.1"
    assert check({**example(TRACK), "version": "1.1", "channel": "server"}) == []


def test_the_context_fields_of_the_common_page_and_traits_in_context_are_accepted(check: Any) -> None:
    common = example(COMMON, "Structure")
    assert {"app", "campaign", "device", "library", "network", "os", "page", "screen", "userAgentData"} <= set(common["context"])
    assert check(common) == []
    traits = example(TRACK, "Sending Traits in a Track Call - Destination Actions")
    assert traits["context"]["traits"] == {"username": "testing-123"} and check(traits) == []


BROKEN: list[tuple[str, dict[str, Any], str]] = [
    ("no id", {"type": "track", "event": "Course Clicked"}, "userId"),
    ("no groupId", {"type": "group", "userId": "u", "traits": {}}, "groupId"),
    ("no previousId", {"type": "alias", "userId": "u"}, "previousId"),
    ("long messageId", {"type": "identify", "userId": "u", "messageId": "m" * 101}, "messageId"),
    ("bad receivedAt", {"type": "page", "userId": "u", "name": "Home", "receivedAt": "now"}, "receivedAt"),
]


def test_serve_accepts_the_pages_payloads_and_refuses_each_broken_rule() -> None:
    payloads = [item.message() for item in EXAMPLES]
    with BackgroundServer(load_plan(CALL_PLAN), ServeOptions(port=0, keep=50)) as server:
        batch = {"batch": [*payloads, *(copy.deepcopy(message) for _, message, _ in BROKEN)], "writeKey": "spec"}
        response = httpx.post(server.url + "/v1/batch", content=orjson.dumps(batch), timeout=30)
        assert response.status_code == 200, response.text
        for single, body in (("/v1/identify", example(IDENTIFY)), ("/v1/group", example(GROUP)),
                             ("/v1/alias", example(ALIAS, "Examples"))):
            assert httpx.post(server.url + single, content=orjson.dumps(body), timeout=30).status_code == 200
        summary = httpx.get(server.url + "/summary", timeout=30).json()
        groups = httpx.get(server.url + "/violations", timeout=30).json()
    total = len(payloads) + len(BROKEN) + 3
    assert (summary["events"], summary["valid"], summary["invalid"]) == (total, total - len(BROKEN), len(BROKEN))
    assert {group["code"] for group in groups} == {"invalid_envelope"}


def test_validate_command_accepts_the_pages_payloads_and_refuses_each_broken_rule(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    lines = [orjson.dumps(item.message()) for item in EXAMPLES] + [orjson.dumps(message) for _, message, _ in BROKEN]
    events.write_bytes(b"\n".join(lines) + b"\n")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(events), "--plan", str(CALL_PLAN), "--format", "json"],
        capture_output=True, cwd=ROOT, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stderr.decode()
    report = json.loads(done.stdout)
    assert (report["summary"]["events"], report["summary"]["invalid"]) == (len(lines), len(BROKEN))
