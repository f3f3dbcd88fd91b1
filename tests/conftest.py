import os
from pathlib import Path

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


SOURCE_TREE = Path(__file__).resolve().parents[1]


def pytest_report_header(config):
    return f"kinechain from {Path(kc.__file__).parent}"


def pytest_configure(config):
    # CI sets this: the tests must exercise the installed package, not ./kinechain.
    if os.environ.get("KINECHAIN_TEST_INSTALLED") and Path(kc.__file__).resolve().parent == SOURCE_TREE / "kinechain":
        raise pytest.UsageError(f"kinechain was imported from the source tree ({kc.__file__}), not the installed one")


@pytest.fixture(scope="session")
def client():
    """A dask cluster of two worker processes on the loopback interface."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as c,
        Client(c) as client,
    ):
        yield client
