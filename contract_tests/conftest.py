"""Registers the contract suite's pytest plugin (``contract_tests/plugin/``); everything else lives there."""

pytest_plugins = ["contract_tests.plugin"]
