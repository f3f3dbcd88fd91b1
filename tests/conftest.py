import os

import pytest
from hypothesis import HealthCheck, settings

import kinechain as kc

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def model():
    return kc.Model.default()
