"""Fixtures of the end-to-end script tests."""

import os

import pytest

from tests.experiments.explore_runs import ExploreRuns


@pytest.fixture(scope="session")
def explore_runs(tiny_run, chairs_data_dir, tmp_path_factory):
    """The explore scripts' runs on the tiny run (`explore_runs.ARGS`),
    started together on first use, each made once for all pytest-xdist
    workers."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this session
    root = root / "explore"
    root.mkdir(exist_ok=True)
    runs = ExploreRuns(tiny_run, str(root), chairs_data_dir)
    yield runs
    runs.close()
