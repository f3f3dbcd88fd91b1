"""Every example runs as it is, and prints what the library computes."""

import runpy
from pathlib import Path

import numpy as np

import kinechain as kc

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == ["valgus_to_lumbar.py"]


def test_valgus_to_lumbar(model, capsys):
    runpy.run_path(str(EXAMPLES / "valgus_to_lumbar.py"), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    valgus = np.array([0.0, 5.0, 10.0, 15.0])
    for strength in (1.0, 0.3):
        start = lines.index(f"gluteus medius strength {strength}:")
        printed = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in lines[start + 1 : start + 5]}
        pose = kc.propagate(model, knee_valgus_r=valgus, femoral_ir_r=None, strength={"gluteus_medius_r": strength})
        for name, values in printed.items():
            np.testing.assert_allclose(values, pose[name], atol=6e-3, err_msg=f"{name}, strength {strength}")
        assert np.all(np.diff(printed["hip_adduction_r"]) > 0)
    start = lines.index("L5/S1 compression (N) by gluteus medius strength:")
    compression = [float(line.split()[-1]) for line in lines[start + 2 : start + 5]]
    ds = kc.simulate(model, knee_valgus_r=10.0, strength={"gluteus_medius": np.linspace(0.2, 1.0, 3)})
    np.testing.assert_allclose(compression, ds["l5s1_compression"].values, rtol=1e-5)
