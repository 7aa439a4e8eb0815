"""Root pytest hooks: ``--runslow`` and the ``slow`` marker."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow timing test: run with `make test-slow` on a quiet machine")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
