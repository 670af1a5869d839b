"""The ``x-code-identity`` mark (promo_spec.code_identity): read from the spec, checked against the vocabulary."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from promo_spec import Spec, SpecError, load_spec
from promo_spec.code_identity import reading_names

SPEC = load_spec()
AT = "/components/schemas/Code/x-code-identity"


def _spec_with(edit: Any) -> Spec:
    document = copy.deepcopy(SPEC.document)
    edit(document["components"]["schemas"])
    return Spec(SPEC.path, document)


def test_the_spec_takes_the_exact_stance_and_lists_the_other_readings() -> None:
    for spec in (SPEC, load_spec(api_version="74")):
        identity = spec.code_identity
        assert identity is not None and identity.pointer == "/components/schemas/Code"
        assert identity.stance == "exact"
        assert set(identity.readings) == set(reading_names())
        assert "x-code-identity" in spec.document["info"]["description"]


@pytest.mark.parametrize(
    ("edit", "pointer", "words"),
    [
        (lambda s: s["Code"]["x-code-identity"].update(stance="accent-insensitive"), f"{AT}/stance", "vocabulary"),
        (
            lambda s: s["Code"]["x-code-identity"].update({"other-readings": ["trimmed", "exact"]}),
            f"{AT}/other-readings/1",
            "is the stance",
        ),
        (lambda s: s["Code"]["x-code-identity"].pop("source"), AT, "vocabulary"),
        (
            lambda s: s["Format"].update({"x-code-identity": s["Code"]["x-code-identity"]}),
            "/components/schemas/Code/x-code-identity",
            "a second x-code-identity mark",
        ),
        (
            lambda s: s["LoyaltyId"].update({"x-code-identity": s["Code"].pop("x-code-identity")}),
            "/components/schemas/LoyaltyId/x-code-identity",
            "belongs on the string schema of a code",
        ),
    ],
)
def test_a_bad_mark_is_refused_naming_its_location(edit: Any, pointer: str, words: str) -> None:
    with pytest.raises(SpecError) as caught:
        _spec_with(edit)
    assert caught.value.pointer == pointer, caught.value
    assert words in str(caught.value)


def test_a_spec_without_the_mark_loads_without_it() -> None:
    assert _spec_with(lambda s: s["Code"].pop("x-code-identity")).code_identity is None
