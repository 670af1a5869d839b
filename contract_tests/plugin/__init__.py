"""The contract suite's pytest plugin: ``contract_tests/conftest.py`` registers it, and nothing else.

One module per job, each a pytest plugin of its own:

| module | job |
| --- | --- |
| ``options`` | ``--target``, ``--profile``, ``--report-dir``, ``--trace-requests``; markers; Hypothesis profiles |
| ``startup`` | the target file, the embedded mock, the preflight, the run's facts (controller), joining it (worker) |
| ``workers`` | pytest-xdist: the run handed to each worker, the workers' reports and traces merged |
| ``ordering`` | the rule cases of the target's API version; the order (pool draws first, cheap and sharp next); smoke |
| ``scheduling`` | pytest-xdist: the drawing tests as one chunk on one worker, the pool drain before any other test |
| ``selection`` | ``--oracle TAG``: only the tests that can name an oracle, stopping at the first failure naming it |
| ``verdict`` | a contract violation the preflight saw (``[preflight] <kind>``): the run's one test, failing (exit 1) |
| ``fixtures`` | the ``suite`` fixture, cleanup, the workers' lock, requests per test, frame checks per batch |
| ``outcomes`` | tool errors (target unreachable, timed out) reported as ERROR, exit 6, apart from contract failures |
| ``reporting`` | failures recorded with their reproduce command, the report files, the terminal summary |
| ``masking`` | the token masked in every failure and captured output, after every other plugin |
| ``keys`` | the ``config.stash`` keys the modules share |
"""

from __future__ import annotations

pytest_plugins = [
    "contract_tests.plugin.options",
    "contract_tests.plugin.startup",
    "contract_tests.plugin.workers",
    "contract_tests.plugin.ordering",
    "contract_tests.plugin.scheduling",
    "contract_tests.plugin.selection",
    "contract_tests.plugin.verdict",
    "contract_tests.plugin.fixtures",
    "contract_tests.plugin.outcomes",
    "contract_tests.plugin.reporting",
    "contract_tests.plugin.masking",
]
