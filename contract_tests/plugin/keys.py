"""What the plugin's modules share through ``config.stash``: one key per fact of the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contract_tests.masking import Masker
from contract_tests.report import Report
from contract_tests.session import Run
from contract_tests.suite import Suite
from contract_tests.target import Target

TARGET_KEY = pytest.StashKey[Target]()  # the target file, its base_url the run's (the embedded mock's port)
MASK_KEY = pytest.StashKey[Masker]()  # the one masker of every output
SUITE_KEY = pytest.StashKey[Suite]()  # the session's Suite, once the fixture made it
RUN_KEY = pytest.StashKey[Run]()  # prefix, seed, base URL: what every process of the run agrees on
REPORT_KEY = pytest.StashKey[Report]()  # this process's report (the controller merges the workers')
STATE_KEY = pytest.StashKey[dict[str, Any]]()  # budget message, start time, paths written
SERVER_KEY = pytest.StashKey[Any]()  # the embedded mock's RunningServer
LOCK_DIR_KEY = pytest.StashKey[Path]()  # the workers' lock directory
