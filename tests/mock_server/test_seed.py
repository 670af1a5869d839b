"""The seed file: the default seed, the target file that describes it, and clear errors for bad seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mock_server.seed import Seed, SeedError, default_seed_path, load_seed
from mock_server.store import Store

TARGET = Path(__file__).resolve().parents[2] / "contract_tests" / "targets" / "mock.yaml"

GOOD = """
databases:
  - id: 1
    profiles:
      - {profile_id: "p1", email: "a@example.com", phone: "+7001", custom: {CRM_ID: "A-1"}}
      - {profile_id: "p2"}
programs:
  - id: 5
    kind: universal
    codes:
      - "C-1"
      - {code: "C-2", attached_to: [{db_id: 1, profile_id: "p1"}, {db_id: 1, profile_id: "p2"}]}
"""


def test_default_seed_path_is_inside_the_package() -> None:
    assert default_seed_path().name == "default_seed.yaml"
    assert default_seed_path().parent.name == "mock_server"


def test_target_file_agrees_with_the_default_seed(seed: Seed) -> None:
    target = yaml.safe_load(TARGET.read_text(encoding="utf-8"))
    assert target["token_env"] == "ALTCRAFT_TOKEN"
    db = {d.id: d for d in seed.databases}[target["db_id"]]
    by_id = {p.profile_id: p for p in db.profiles}
    assert len(target["profiles"]) >= 2
    for entry in target["profiles"]:
        profile = by_id[entry["profile_id"]]
        assert profile.email == entry["email"]
        assert profile.phone == entry["phone"]
        assert profile.custom[entry["custom"]["field_name"]] == entry["custom"]["field_value"]
    programs = {p.id: p for p in seed.programs}
    kinds = target["loyalty_programs"]
    assert programs[kinds["personal"]].kind == "personal"
    assert programs[kinds["universal"]].kind == "universal"
    exhausted = Store.from_seed(seed).programs[kinds["exhausted"]]
    assert exhausted.codes and exhausted.draw() is None
    for kind in ("personal", "universal"):
        assert Store.from_seed(seed).programs[kinds[kind]].draw() is not None


def test_default_seed_scopes_a_shared_email_to_its_database(seed: Seed) -> None:
    emails = [{p.email for p in db.profiles} for db in seed.databases]
    assert len(seed.databases) >= 2 and emails[0] & emails[1]
    assert len(seed.databases[0].profiles) >= 3
    assert all(p.email and p.phone and p.custom for p in seed.databases[0].profiles)


def test_a_good_seed_loads(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(GOOD, encoding="utf-8")
    loaded = load_seed(path)
    assert loaded.programs[0].codes[1].holders == ((1, "p1"), (1, "p2"))
    assert loaded.databases[0].profiles[0].custom == {"CRM_ID": "A-1"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("kind: universal", "kind: shared"),
            "seed.yaml: programs[0].kind: must be 'personal' or 'universal'",
        ),
        (GOOD.replace("  - id: 5\n", "  - idd: 5\n"), "seed.yaml: programs[0].idd: unknown key"),
        (GOOD.replace("- id: 1\n", "- id: one\n"), "seed.yaml: databases[0].id: must be an integer"),
        (
            GOOD.replace('profile_id: "p2"', 'profile_id: "p1"'),
            "seed.yaml: databases[0].profiles[1].profile_id: 'p1' is already used",
        ),
        (
            GOOD.replace('{profile_id: "p2"}', '{profile_id: "p2", email: "A@example.com"}'),
            "databases[0].profiles[1].email",
        ),
        (GOOD.replace('"+7001"', "+7001"), "seed.yaml: databases[0].profiles[0].phone: must be a non-empty string"),
        (
            GOOD.replace("kind: universal", "kind: personal"),
            "seed.yaml: programs[0].codes[1].attached_to: a personal code",
        ),
        (
            GOOD.replace('profile_id: "p2"}]', 'profile_id: "p9"}]'),
            "seed.yaml: programs[0].codes[1].attached_to[1]: no profile 'p9'",
        ),
        (GOOD.replace('- "C-1"', '- "C-2"'), "seed.yaml: programs[0].codes[1]: code 'C-2' is listed twice"),
        (GOOD.replace("programs:", "programz:"), "seed.yaml: programz: unknown key"),
        ("databases: [\n", "seed.yaml: invalid YAML at line"),
        ("- 1\n", "seed.yaml: must be a mapping"),
        (
            GOOD.replace('- "C-1"', '- {code: "C-1", activated: "2024-01-01T00:00:00Z"}'),
            "programs[0].codes[0].activated: needs attached_to",
        ),
        (
            GOOD.replace('- "C-1"', '- {code: "C-1", created: "yesterday"}'),
            "programs[0].codes[0].created: must be an RFC 3339 time",
        ),
    ],
)
def test_a_bad_seed_names_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        load_seed(path)
    assert expected in str(caught.value).replace(str(tmp_path) + "/", "")


def test_a_missing_or_binary_seed_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read the seed file"):
        load_seed(tmp_path / "absent.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SeedError, match="not UTF-8"):
        load_seed(binary)


def test_the_readme_lists_every_own_choice_and_fault() -> None:
    from mock_server.errors import OWN_CHOICES
    from mock_server.faults import FAULTS

    readme = (Path(__file__).resolve().parents[2] / "mock_server" / "README.md").read_text(encoding="utf-8")
    for _, failure in OWN_CHOICES:
        assert f'{failure.code} "{failure.text}' in readme, failure
    for name in FAULTS:
        assert f"| `{name}` |" in readme, name


def test_a_seed_typo_gets_the_closest_key(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(GOOD.replace("programs:", "programz:"), encoding="utf-8")
    with pytest.raises(SeedError, match=r"programz: unknown key \(did you mean 'programs'\?\)"):
        load_seed(path)
