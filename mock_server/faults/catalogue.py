"""The catalogue: every fault, in the order ``--list-faults`` prints them, with what it breaks and who catches it.

Each entry names its override, which lives in the module of the part it breaks (``handlers``, ``matching``,
``wire``, ``auth`` for authentication and validation, ``store``). ``caught_by`` names the ``x-rules`` ids of the
spec or the ``test_*`` functions of ``contract_tests`` expected to catch it.
"""

from __future__ import annotations

from mock_server.faults import auth, handlers, matching, store, wire
from mock_server.faults.registry import Fault

# The "success without effect" faults: each write operation, and the rule whose postcondition catches it.
NOOP_RULES = (
    ("import", "import.codes-new"),
    ("attach", "attach.code-free"),
    ("detach", "detach.code-attached"),
    ("activate", "activate.code-attached"),
    ("update", "update.activate"),
)

CATALOGUE: tuple[Fault, ...] = (
    Fault(
        "restricted-reattach",
        "attach of a personal code held by another profile succeeds and moves the code",
        part="handler:attach",
        caught_by=("attach.code-attached-restricted", "test_concurrent_attach_has_one_winner"),
        override=handlers.restricted_reattach,
    ),
    Fault(
        "unknown-code-rejected",
        "attach with a code the program does not hold errs instead of importing it",
        part="handler:attach",
        caught_by=("attach.code-unknown",),
        override=handlers.unknown_code_rejected,
    ),
    Fault(
        "universal-single-use",
        "a universal code held by one profile cannot be attached to another",
        part="handler:attach",
        caught_by=("attach.code-attached-universal",),
        override=handlers.universal_single_use,
    ),
    Fault(
        "pool-draw-noop",
        "attach without a code answers error 0 but attaches nothing",
        part="handler:attach",
        caught_by=("attach.no-code-free-available",),
        override=handlers.pool_draw_noop,
    ),
    Fault(
        "detach-several-allowed",
        "detach of a code attached to several profiles succeeds",
        part="handler:detach",
        caught_by=("detach.code-attached-several",),
        override=handlers.detach_several_allowed,
    ),
    Fault(
        "detach-without-code-ok",
        "detach without a code answers error 0",
        part="handler:detach",
        caught_by=("detach.code-omitted",),
        override=handlers.detach_without_code_ok,
    ),
    Fault(
        "activate-unattached-ok",
        "activate of a free code succeeds and activates it",
        part="handler:activate",
        caught_by=("activate.code-free",),
        override=handlers.activate_unattached_ok,
    ),
    Fault(
        "activate-wrong-code",
        "activate activates another attached code of the program instead of the requested one",
        part="handler:activate",
        caught_by=("activate.code-attached",),
        override=handlers.activate_wrong_code,
    ),
    Fault(
        "import-duplicate-overwrites",
        "importing a code the program holds resets it to free and counts it as inserted",
        part="handler:import",
        caught_by=("import.codes-duplicate",),
        override=handlers.import_duplicate_overwrites,
    ),
    Fault(
        "get-hides-profile",
        "get omits profile_id and database_id of an attached code",
        part="handler:get",
        caught_by=("get.code-attached", "test_concurrent_attach_has_one_winner"),
        override=handlers.get_hides_profile,
    ),
    Fault(
        "export-omits-activated",
        "export_all never shows activated",
        part="handler:export_all",
        caught_by=("export_all.lists-program", "activate.code-attached"),
        override=handlers.export_omits_activated,
    ),
    Fault(
        "phone-matching-broken",
        "matching by phone picks the first profile of the database",
        part="matching",
        caught_by=("attach.code-free",),
        override=matching.phone_matching_broken,
    ),
    Fault(
        "custom-matching-ignores-name",
        "custom matching compares field_value with every custom field, ignoring field_name",
        part="matching",
        caught_by=("attach.code-free",),
        override=matching.custom_matching_ignores_name,
    ),
    Fault(
        "default-matching-profile-id",
        "without matching, the profile is found by profile_id instead of email",
        part="matching",
        caught_by=("attach.matching-default",),
        override=matching.default_matching_profile_id,
    ),
    Fault(
        "db-scope-ignored",
        "matching searches every database, the last one first",
        part="matching",
        caught_by=("attach.code-free",),
        override=matching.db_scope_ignored,
    ),
    Fault(
        "xml-request-rejected",
        "XML request bodies are refused",
        part="wire:decode",
        caught_by=("auth.token-missing", "get.code-free", "test_api"),
        override=wire.xml_request_rejected,
    ),
    Fault(
        "xml-request-last-repeat-only",
        "an XML array (repeated elements, as <codes>) keeps only its last element",
        part="wire:decode",
        caught_by=("import.codes-new",),
        override=wire.xml_request_last_repeat_only,
    ),
    Fault(
        "xml-response-wrong-shape",
        "format=xml writes booleans as 1/0 under a <response> root",
        part="wire:encode",
        caught_by=("auth.token-missing", "get.code-free", "test_api"),
        override=wire.xml_response_wrong_shape,
    ),
    Fault(
        "format-ignored",
        "format=xml answers JSON",
        part="wire:encode",
        caught_by=("import.codes-new", "get.code-free", "test_api"),
        override=wire.format_ignored,
    ),
    Fault(
        "auth-missing-accepted",
        "requests without a token are served",
        part="auth",
        caught_by=("auth.token-missing",),
        override=auth.auth_missing_accepted,
    ),
    Fault(
        "auth-any-token",
        "any non-empty token is accepted",
        part="auth",
        caught_by=("auth.token-wrong",),
        override=auth.auth_any_token,
    ),
    Fault(
        "auth-prefix-token",
        "a token that the real one starts with, or that starts with the real one, is accepted",
        part="auth",
        caught_by=("auth.token-wrong",),
        override=auth.auth_prefix_token,
    ),
    Fault(
        "auth-header-ignored",
        "v74: the Authorization header is ignored (only the body token counts), as in v72",
        part="auth",
        caught_by=("auth.header-token",),
        override=auth.auth_header_ignored,
        api_version="74",
    ),
    Fault(
        "auth-header-any-token",
        "v74: any non-empty token in the Authorization header is accepted",
        part="auth",
        caught_by=("auth.header-token-wrong",),
        override=auth.auth_header_any_token,
        api_version="74",
    ),
    Fault(
        "auth-header-some-operations",
        f"v74: the Authorization header is honoured on {', '.join(auth.HEADER_OPERATIONS)} only, ignored elsewhere",
        part="auth",
        caught_by=("auth.header-token",),
        override=auth.auth_header_some_operations,
        api_version="74",
    ),
    Fault(
        "update-no-options-ok",
        "update without activated and expire_date answers error 0",
        part="validation",
        caught_by=("update.no-options",),
        override=auth.update_no_options_ok,
    ),
    Fault(
        "attach-race",
        "attach checks and sets without the lock, sleeping 20 ms in between",
        part="store",
        caught_by=("test_concurrent_attach_has_one_winner",),
        override=store.attach_race,
    ),
    # faults of the suite's oracles (issue 9): postconditions, frame, invariants, wire labels
    *(
        Fault(
            f"{op}-noop",
            f"{op} answers error 0 but changes nothing",
            part=f"handler:{op}",
            caught_by=(rule,),
            override=handlers.success_without_effect(op),
        )
        for op, rule in NOOP_RULES
    ),
    Fault(
        "restricted-second-holder",
        "attach of a personal code held by another profile succeeds and adds a second holder",
        part="handler:attach",
        caught_by=("attach.code-attached-restricted", "test_concurrent_attach_has_one_winner"),
        override=handlers.restricted_second_holder,
    ),
    Fault(
        "unknown-db-first-database",
        "attach and detach with a db_id the mock lacks match in the first database instead",
        part="matching",
        caught_by=("test_request_outside_the_target_changes_nothing_else",),
        override=matching.unknown_db_first_database,
    ),
    Fault(
        "program-scope-ignored",
        "a code the named program lacks is looked up in every program",
        part="handler:get",
        caught_by=("test_request_outside_the_target_changes_nothing_else",),
        override=handlers.program_scope_ignored,
    ),
    Fault(
        "json-labelled-text",
        "JSON answers are labelled text/plain",
        part="wire:encode",
        caught_by=("auth.token-missing", "test_api"),
        override=wire.json_labelled_text,
    ),
    Fault(
        "refused-activate-applied",
        "activate of a free code is refused but the code is activated anyway",
        part="handler:activate",
        caught_by=("activate.code-free",),
        override=handlers.refused_activate_applied,
    ),
    Fault(
        "clock-backwards",
        "the clock runs backwards (every timestamp is earlier than the one before)",
        part="store",
        caught_by=("attach.code-free", "test_state_machine"),
        override=store.clock_backwards,
    ),
    Fault(
        "export-respells-markup",
        "export_all lists codes with markup characters HTML-escaped",
        part="handler:export_all",
        caught_by=("export_all.lists-program", "test_state_machine"),
        override=handlers.export_respells_markup,
    ),
)
