import os

import pytest
from hypothesis import HealthCheck, settings

import kinechain as kc

# Deterministic: the same examples on every run and machine, no replay of a local example database.
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Exploration: fresh random examples (HYPOTHESIS_PROFILE=explore); failures found here are real.
settings.register_profile("explore", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def model():
    return kc.Model.default()


@pytest.fixture(scope="session")
def client():
    """A dask cluster of two worker processes on the loopback interface."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as c,
        Client(c) as client,
    ):
        yield client
