"""Fixtures of the end-to-end script tests."""

import pytest

from tests.experiments.explore_runs import ExploreRuns


@pytest.fixture(scope="session")
def explore_runs(tiny_run, chairs_data_dir, tmp_path_factory):
    """The explore scripts' runs on the tiny run (`explore_runs.ARGS`),
    started together on first use."""
    runs = ExploreRuns(
        tiny_run, str(tmp_path_factory.mktemp("explore")), chairs_data_dir
    )
    yield runs
    runs.close()
