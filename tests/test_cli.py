from click.testing import CliRunner

import kinechain
from kinechain.cli import main


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert kinechain.__version__ in result.output


def test_demo_prints_chain():
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    for word in ("thigh", "hip_centre_r", "l5s1_disc_centre", "pelvic_incidence"):
        assert word in result.output


def test_demo_bad_subject():
    result = CliRunner().invoke(main, ["demo", "--mass", "-3"])
    assert result.exit_code != 0
    assert "mass must be within" in result.output
