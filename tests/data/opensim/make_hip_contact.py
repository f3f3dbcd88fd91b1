#!/usr/bin/env python3
"""
Hip joint contact force for static poses of the Hamner (2010) full-body model,
computed with OpenSim Static Optimization (SO) + Joint Reaction analysis (JRA).

Regenerates everything in this directory from the model file (path in HAMNER2010_OSIM):
    HAMNER2010_OSIM=path/to/FullBodyModel_Hamner2010_v2_0.osim python make_hip_contact.py
and, with the same tasks and settings on the Rajagopal (2016) model (the muscle set and geometry
kinechain is built from), everything in rajagopal2016/ (path in RAJAGOPAL2016_OSIM):
    RAJAGOPAL2016_OSIM=path/to/Rajagopal2016.osim python make_hip_contact.py rajagopal2016

Tasks (unscaled model, its own mass):
  a_double_stance     all coordinates 0; weight shared equally by both feet,
                      vertical GRF, COP x = whole-body COM x (moment balance).
  b_single_stance     right-leg stance. Left hip flexion 30 deg, left knee 60 deg
                      flexion. Pelvis (tilt/list/rotation = 0) and trunk upright.
                      Right hip adduction solved so that the whole-body COM lies
                      above the right foot's long axis; COP directly below COM.
  b_single_stance_literal  sensitivity variant of (b): the right leg stays
                      vertical (hip_adduction_r = 0) and the COP is put directly
                      below the COM, which then lies ~9 cm medial of the right
                      foot (outside the base of support; not physically
                      realisable, reported only for comparison).
  c_single_leg_squat_trunk20  sensitivity variant of (c): pelvis anteriorly
                      tilted 20 deg (pelvis_tilt = -20 deg, lumbar 0), i.e. trunk
                      inclined 20 deg forward; arms kept vertical
                      (arm_flex = +20 deg); same solve as (c).
  c_single_leg_squat  right knee 60 deg flexion; pelvis and trunk upright;
                      right hip flexion + ankle dorsiflexion solved so the foot
                      is flat (calcn pitch = 0) and the COM is above the
                      midfoot (midpoint of calcn origin and MTP joint);
                      right hip adduction solved to put COM above foot axis.
                      Left leg: hip flexion 30 deg, knee flexion 90 deg.

Model conventions (checked numerically, see README): hip_flexion + = flexion,
hip_adduction + = adduction, knee_angle NEGATIVE = flexion (range -120..+10 deg),
ankle_angle + = dorsiflexion, pelvis_tilt + = posterior tilt,
lumbar_extension + = extension.
"""
import os
import math
import sys

import numpy as np
import opensim as osim

# Per model: file, output directory, the sign of knee flexion in its knee_angle coordinates, and
# the coordinates coupled to each knee angle (Rajagopal's patellofemoral knee_angle_*_beta).
MODELS = {
    'hamner2010': dict(file=os.environ.get('HAMNER2010_OSIM', 'FullBodyModel_Hamner2010_v2_0.osim'),
                       subdir='', knee_flexion_sign=-1, coupled_to_knee='', copy='Hamner2010_with_reserves.osim'),
    'rajagopal2016': dict(file=os.environ.get('RAJAGOPAL2016_OSIM', 'Rajagopal2016.osim'),
                          subdir='rajagopal2016', knee_flexion_sign=+1, coupled_to_knee='_beta',
                          copy='Rajagopal2016_with_reserves.osim'),
}
MODEL = MODELS[sys.argv[1] if len(sys.argv) > 1 else 'hamner2010']
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), MODEL['subdir'])
MODEL_FILE = MODEL['file']
OUT_CSV = os.path.join(HERE, 'hip_contact_opensim.csv')


def knees(**flexion_deg):
    """Knee coordinates (rad) for knee flexion angles in degrees, in the model's sign, with any
    coordinate coupled to the knee angle set equal to it."""
    q = {}
    for name, deg in flexion_deg.items():
        q[name] = MODEL['knee_flexion_sign'] * deg * DEG
        if MODEL['coupled_to_knee']:
            q[name + MODEL['coupled_to_knee']] = q[name]
    return q


DEG = math.pi / 180.0
T0, T1, NFRAMES = 0.0, 0.1, 11          # identical frames 0.00 ... 0.10 s
RESERVE_OPT_FORCE = 1.0                 # N*m (rotations) or N (pelvis translations)

os.makedirs(HERE, exist_ok=True)
osim.Logger.setLevelString('info')
# (OpenSim messages go to the console and to opensim.log)
osim.Logger.addFileSink(os.path.join(HERE, 'opensim.log'))


# ----------------------------------------------------------------------------
# Model with reserve / residual actuators
# ----------------------------------------------------------------------------
def build_model_with_reserves(path_out):
    """Add CoordinateActuators (optimal force 1) for the 6 pelvis DOFs
    (residuals), the 3 lumbar DOFs and the 10 unlocked arm DOFs (which have no
    muscles at all).  Lower-limb coordinates are actuated by muscles only."""
    model = osim.Model(MODEL_FILE)
    reserve_coords = ['pelvis_tilt', 'pelvis_list', 'pelvis_rotation',
                      'pelvis_tx', 'pelvis_ty', 'pelvis_tz',
                      'lumbar_extension', 'lumbar_bending', 'lumbar_rotation']
    for side in 'rl':
        reserve_coords += [f'arm_flex_{side}', f'arm_add_{side}', f'arm_rot_{side}',
                           f'elbow_flex_{side}', f'pro_sup_{side}']
    for cname in reserve_coords:
        act = osim.CoordinateActuator(cname)
        prefix = 'residual_' if cname.startswith('pelvis') else 'reserve_'
        act.setName(prefix + cname)
        act.setOptimalForce(RESERVE_OPT_FORCE)
        act.setMinControl(-1e5)
        act.setMaxControl(1e5)
        model.addForce(act)
    model.finalizeConnections()
    model.printToXML(path_out)
    return path_out


# ----------------------------------------------------------------------------
# Pose utilities (pure kinematics on a plain copy of the model)
# ----------------------------------------------------------------------------
class Kin:
    def __init__(self):
        self.model = osim.Model(MODEL_FILE)
        self.state = self.model.initSystem()
        self.coords = self.model.getCoordinateSet()
        self.bodies = self.model.getBodySet()
        self.mass = self.model.getTotalMass(self.state)
        self.g = -self.model.getGravity().get(1)      # 9.80665

    def set_pose(self, q):
        """q: dict coordinate name -> value (rad or m). All others set to 0.
        Locked coordinates (subtalar, mtp, wrist) are left at their default 0
        (setValue would be ignored on a locked coordinate anyway)."""
        for i in range(self.coords.getSize()):
            c = self.coords.get(i)
            if c.getLocked(self.state):
                assert c.getName() not in q, f'{c.getName()} is locked'
                continue
            c.setValue(self.state, q.get(c.getName(), 0.0), False)
        self.model.realizePosition(self.state)

    def p(self, body, pt=(0.0, 0.0, 0.0)):
        return np.array(self.bodies.get(body).findStationLocationInGround(
            self.state, osim.Vec3(*pt)).to_numpy())

    def com(self):
        return np.array(self.model.calcMassCenterPosition(self.state).to_numpy())

    def foot_pitch(self, side):
        """Sagittal rotation of calcn (rad) w.r.t. ground (0 = flat as in default pose)."""
        R = self.bodies.get('calcn_' + side).getTransformInGround(self.state).R()
        return math.atan2(R.get(1, 0), R.get(0, 0))

    def foot_axis_z(self, side, x):
        """z of the foot long axis (calcn origin -> MTP joint centre) at ground x."""
        heel, mtp = self.p('calcn_' + side), self.p('toes_' + side)
        t = (x - heel[0]) / (mtp[0] - heel[0])
        return heel[2] + t * (mtp[2] - heel[2])

    def midfoot_x(self, side):
        return 0.5 * (self.p('calcn_' + side)[0] + self.p('toes_' + side)[0])


def newton(fun, x0, tol=1e-10, maxit=50, h=1e-6):
    """Tiny finite-difference Newton solver for square systems."""
    x = np.array(x0, float)
    for _ in range(maxit):
        r = np.array(fun(x))
        if np.max(np.abs(r)) < tol:
            return x
        J = np.zeros((len(r), len(x)))
        for j in range(len(x)):
            dx = np.zeros_like(x); dx[j] = h
            J[:, j] = (np.array(fun(x + dx)) - r) / h
        x = x - np.linalg.solve(J, r)
    raise RuntimeError('pose solver did not converge, residual %s' % r)


def put_feet_on_ground(kin, q, stance_sides):
    """Set pelvis_ty so that the calcn origin of the stance foot/feet is at y = 0."""
    q['pelvis_ty'] = 0.0
    kin.set_pose(q)
    y = np.mean([kin.p('calcn_' + s)[1] for s in stance_sides])
    q['pelvis_ty'] = -y
    kin.set_pose(q)
    return q


# ----------------------------------------------------------------------------
# Task definitions: pose + ground reactions in equilibrium with gravity
# ----------------------------------------------------------------------------
def task_a(kin):
    q = put_feet_on_ground(kin, {}, 'rl')
    com = kin.com()
    W = kin.mass * kin.g
    # COP x under the COM (sagittal moment balance); z on each foot's long axis,
    # shifted equally so that mean z = COM z (frontal moment balance).
    zr, zl = kin.foot_axis_z('r', com[0]), kin.foot_axis_z('l', com[0])
    dz = com[2] - 0.5 * (zr + zl)
    loads = {'r': (np.array([0, W / 2, 0]), np.array([com[0], 0, zr + dz])),
             'l': (np.array([0, W / 2, 0]), np.array([com[0], 0, zl + dz]))}
    return q, loads, 'COP_x = COM_x; both feet on ground'


def task_b(kin, literal=False):
    q = {'hip_flexion_l': 30 * DEG, **knees(knee_angle_l=60)}
    if not literal:
        # solve right hip adduction so that COM z lies on the right foot axis
        def res(x):
            qq = dict(q, hip_adduction_r=x[0]); kin.set_pose(qq)
            c = kin.com()
            return [c[2] - kin.foot_axis_z('r', c[0])]
        q['hip_adduction_r'] = newton(res, [0.05])[0]
    q = put_feet_on_ground(kin, q, 'r')
    com = kin.com()
    W = kin.mass * kin.g
    loads = {'r': (np.array([0, W, 0]), np.array([com[0], 0, com[2]]))}
    return q, loads, 'COP directly below COM'


def task_c(kin, trunk_flex_deg=0.0):
    """trunk_flex_deg > 0: whole trunk+pelvis inclined forward via anterior pelvic
    tilt (pelvis_tilt = -trunk_flex_deg; lumbar stays 0)."""
    q = {**knees(knee_angle_r=60), 'hip_flexion_l': 30 * DEG, **knees(knee_angle_l=90)}
    if trunk_flex_deg:
        q['pelvis_tilt'] = -trunk_flex_deg * DEG
        # keep the (muscle-less) arms hanging vertically in ground
        q['arm_flex_r'] = q['arm_flex_l'] = +trunk_flex_deg * DEG
    # unknowns: hip_flexion_r, ankle_angle_r, hip_adduction_r
    def res(x):
        qq = dict(q, hip_flexion_r=x[0], ankle_angle_r=x[1], hip_adduction_r=x[2])
        kin.set_pose(qq)
        c = kin.com()
        return [kin.foot_pitch('r'),                      # right foot flat
                c[0] - kin.midfoot_x('r'),                # COM above midfoot
                c[2] - kin.foot_axis_z('r', c[0])]        # COM above foot axis
    x = newton(res, [35 * DEG, 25 * DEG, 0.05])
    q.update(hip_flexion_r=x[0], ankle_angle_r=x[1], hip_adduction_r=x[2])
    q = put_feet_on_ground(kin, q, 'r')
    com = kin.com()
    W = kin.mass * kin.g
    loads = {'r': (np.array([0, W, 0]), np.array([com[0], 0, com[2]]))}
    return q, loads, 'COP directly below COM (midfoot)'


# ----------------------------------------------------------------------------
# File writers
# ----------------------------------------------------------------------------
def write_sto(path, name, labels, rows, in_degrees):
    with open(path, 'w') as f:
        f.write(f'{name}\nversion=1\nnRows={len(rows)}\nnColumns={len(labels)}\n')
        f.write(f'inDegrees={"yes" if in_degrees else "no"}\nendheader\n')
        f.write('\t'.join(labels) + '\n')
        for r in rows:
            f.write('\t'.join(f'{v:.10f}' for v in r) + '\n')


def write_coordinates_mot(kin, q, path):
    """All coordinates (including locked ones at 0), rotations in degrees."""
    labels, vals = ['time'], []
    for i in range(kin.coords.getSize()):
        c = kin.coords.get(i)
        v = q.get(c.getName(), 0.0)
        if c.getMotionType() == 1:      # rotational
            v = v / DEG
        labels.append(c.getName()); vals.append(v)
    times = np.linspace(T0, T1, NFRAMES)
    write_sto(path, os.path.basename(path), labels, [[t] + vals for t in times], True)


def write_external_loads(loads, grf_path, xml_path):
    labels, vals = ['time'], []
    for side, (F, P) in loads.items():
        labels += [f'ground_force_{side}_v{a}' for a in 'xyz']
        labels += [f'ground_force_{side}_p{a}' for a in 'xyz']
        labels += [f'ground_torque_{side}_{a}' for a in 'xyz']
        vals += list(F) + list(P) + [0.0, 0.0, 0.0]
    times = np.linspace(T0, T1, NFRAMES)
    write_sto(grf_path, os.path.basename(grf_path), labels,
              [[t] + vals for t in times], False)
    el = osim.ExternalLoads()
    el.setDataFileName(os.path.basename(grf_path))
    for side in loads:
        ef = osim.ExternalForce()
        ef.setName(f'grf_{side}')
        ef.setAppliedToBodyName(f'calcn_{side}')
        ef.setForceExpressedInBodyName('ground')
        ef.setPointExpressedInBodyName('ground')
        ef.setForceIdentifier(f'ground_force_{side}_v')
        ef.setPointIdentifier(f'ground_force_{side}_p')
        ef.setTorqueIdentifier(f'ground_torque_{side}_')
        el.cloneAndAppend(ef)
    el.printToXML(xml_path)


# ----------------------------------------------------------------------------
# OpenSim analyses
# ----------------------------------------------------------------------------
def base_tool(model_path, name, outdir, mot, ext_xml):
    tool = osim.AnalyzeTool()
    tool.setName(name)
    tool.setModelFilename(model_path)
    tool.setCoordinatesFileName(mot)
    tool.setLowpassCutoffFrequency(-1)          # static: no filtering
    tool.setExternalLoadsFileName(ext_xml)
    tool.setInitialTime(T0)
    tool.setFinalTime(T1)
    tool.setResultsDir(outdir)
    tool.setReplaceForceSet(False)              # keep muscles + reserves in model
    return tool


def run_static_optimization(model_path, name, outdir, mot, ext_xml):
    tool = base_tool(model_path, name + '_SO', outdir, mot, ext_xml)
    so = osim.StaticOptimization()
    so.setName('StaticOptimization')
    so.setStartTime(T0); so.setEndTime(T1)
    so.setUseModelForceSet(True)
    so.setActivationExponent(2)
    so.setUseMusclePhysiology(True)
    so.setConvergenceCriterion(1e-4)
    so.setMaxIterations(1000)
    tool.getAnalysisSet().cloneAndAppend(so)
    setup = os.path.join(outdir, 'setup_SO.xml')
    tool.printToXML(setup)
    osim.AnalyzeTool(setup).run()              # reload from XML (as from GUI/cmd)
    return os.path.join(outdir, f'{name}_SO_StaticOptimization_force.sto')


def run_joint_reaction(model_path, name, outdir, mot, ext_xml, forces_sto, joints):
    tool = base_tool(model_path, name + '_JR', outdir, mot, ext_xml)
    jr = osim.JointReaction()
    jr.setName('JointReaction')
    jr.setStartTime(T0); jr.setEndTime(T1)
    jr.setForcesFileName(forces_sto)
    names, onb, inf = osim.ArrayStr(), osim.ArrayStr(), osim.ArrayStr()
    for j in joints:
        names.append(j)
    onb.append('child'); inf.append('ground')
    jr.setJointNames(names); jr.setOnBody(onb); jr.setInFrame(inf)
    tool.getAnalysisSet().cloneAndAppend(jr)
    setup = os.path.join(outdir, 'setup_JR.xml')
    tool.printToXML(setup)
    osim.AnalyzeTool(setup).run()
    return os.path.join(outdir, f'{name}_JR_JointReaction_ReactionLoads.sto')


def run_inverse_dynamics(model_path, name, outdir, mot, ext_xml):
    """Independent equilibrium check: InverseDynamicsTool (includes gravity and
    the external loads; muscles and reserve actuators excluded). For a model in
    static equilibrium the 6 pelvis generalized forces must be ~0."""
    idt = osim.InverseDynamicsTool()
    idt.setName(name + '_ID')
    idt.setModelFileName(model_path)
    idt.setCoordinatesFileName(mot)
    idt.setExternalLoadsFileName(ext_xml)
    idt.setLowpassCutoffFrequency(-1)
    idt.setStartTime(T0); idt.setEndTime(T1)
    exc = osim.ArrayStr(); exc.append('Muscles'); exc.append('Actuators')
    idt.setExcludedForces(exc)
    idt.setResultsDir(outdir)
    idt.setOutputGenForceFileName(f'{name}_ID_generalized_forces.sto')
    setup = os.path.join(outdir, 'setup_ID.xml')
    idt.printToXML(setup)
    osim.InverseDynamicsTool(setup).run()
    return os.path.join(outdir, f'{name}_ID_generalized_forces.sto')


def read_sto(path):
    with open(path) as f:
        lines = f.read().splitlines()
    i = next(k for k, l in enumerate(lines) if l.strip() == 'endheader')
    labels = lines[i + 1].split('\t')
    data = np.array([[float(v) for v in l.split('\t')] for l in lines[i + 2:] if l.strip()])
    return labels, data


# ----------------------------------------------------------------------------
def main():
    model_path = build_model_with_reserves(os.path.join(HERE, MODEL['copy']))
    kin = Kin()
    W = kin.mass * kin.g
    print(f'OpenSim {osim.GetVersion()}  model mass {kin.mass:.4f} kg  weight {W:.2f} N')

    tasks = [('a_double_stance', lambda: task_a(kin), ['hip_r', 'hip_l']),
             ('b_single_stance', lambda: task_b(kin), ['hip_r']),
             ('b_single_stance_literal', lambda: task_b(kin, literal=True), ['hip_r']),
             ('c_single_leg_squat', lambda: task_c(kin), ['hip_r']),
             ('c_single_leg_squat_trunk20', lambda: task_c(kin, 20.0), ['hip_r'])]
    rows, report, forces = [], [], []
    for name, fn, joints in tasks:
        outdir = os.path.join(HERE, name); os.makedirs(outdir, exist_ok=True)
        q, loads, load_note = fn()
        kin.set_pose(q)
        com = kin.com()

        # ---- equilibrium check (static: sum F = -m g, sum M about COM = 0)
        Fsum = sum(F for F, P in loads.values())
        Msum = sum(np.cross(P - com, F) for F, P in loads.values())
        assert abs(Fsum[1] - W) < 1e-9 and np.allclose(Fsum[[0, 2]], 0)
        assert np.allclose(Msum, 0, atol=1e-9), Msum

        # ---- geometry facts for the README
        geo = {'com': com, 'pelvis_ty': q['pelvis_ty']}
        for s in 'rl':
            geo[f'ankle_{s}'] = kin.p('talus_' + s)
            geo[f'heel_{s}'] = kin.p('calcn_' + s)
            geo[f'mtp_{s}'] = kin.p('toes_' + s)
            geo[f'hip_{s}'] = kin.p('femur_' + s)
        geo['calcn_r_pitch_deg'] = kin.foot_pitch('r') / DEG
        geo['left_foot_min_y(heel/MTP)'] = min(kin.p('calcn_l')[1], kin.p('toes_l')[1])
        R = kin.bodies.get('calcn_r').getTransformInGround(kin.state).R()
        geo['calcn_r_roll_deg'] = math.degrees(math.atan2(R.get(1, 2), R.get(2, 2)) * -1)

        mot = os.path.join(outdir, f'{name}_coordinates.mot')
        write_coordinates_mot(kin, q, mot)
        grf = os.path.join(outdir, f'{name}_grf.mot')
        ext = os.path.join(outdir, f'{name}_external_loads.xml')
        write_external_loads(loads, grf, ext)

        so_force = run_static_optimization(model_path, name, outdir, mot, ext)
        jr_file = run_joint_reaction(model_path, name, outdir, mot, ext, so_force, joints)
        id_file = run_inverse_dynamics(model_path, name, outdir, mot, ext)
        lab_i, dat_i = read_sto(id_file)
        gen = {l: float(dat_i[:, k].mean()) for k, l in enumerate(lab_i) if l != 'time'}
        pelvis_id = max(abs(v) for l, v in gen.items() if l.startswith('pelvis'))
        assert pelvis_id < 1e-6 * W, f'ID pelvis residual {pelvis_id}'
        geo['ID_max_abs_pelvis_genforce'] = pelvis_id
        for l in ['hip_flexion_r_moment', 'hip_adduction_r_moment', 'hip_rotation_r_moment',
                  'knee_angle_r_moment', 'ankle_angle_r_moment', 'lumbar_extension_moment']:
            geo['ID_' + l] = gen[l]

        # ---- results
        lab_f, dat_f = read_sto(so_force)
        res_cols = [k for k, l in enumerate(lab_f) if l.startswith(('reserve_', 'residual_'))]
        reserves = {lab_f[k]: float(np.max(np.abs(dat_f[:, k]))) for k in res_cols}
        max_res = max(v for k, v in reserves.items() if k.startswith('reserve_'))
        max_resid = max(v for k, v in reserves.items() if k.startswith('residual_'))
        lab_a, dat_a = read_sto(so_force.replace('_force.sto', '_activation.sto'))
        mus = [k for k, l in enumerate(lab_a) if l != 'time' and not l.startswith(('reserve_', 'residual_'))]
        act = {lab_a[k]: float(dat_a[:, k].mean()) for k in mus}
        force = {l: float(dat_f[:, k].mean()) for k, l in enumerate(lab_f) if l != 'time'}
        forces += [(name, m, force[m], a) for m, a in act.items() if m in force]
        top_act = sorted(act.items(), key=lambda kv: -kv[1])[:5]

        lab_j, dat_j = read_sto(jr_file)
        for j in joints:
            child = 'femur_' + j[-1]
            cols = [lab_j.index(f'{j}_on_{child}_in_ground_f{a}') for a in 'xyz']
            F = dat_j[:, cols]
            Fmag = np.linalg.norm(F, axis=1)
            assert np.ptp(Fmag) < 1e-3 * Fmag.mean() + 1e-6, 'frames not identical'
            Fm = F.mean(axis=0)
            notes = (f'{load_note}; F_ground(femur<-pelvis)=({Fm[0]:.1f},{Fm[1]:.1f},{Fm[2]:.1f}) N; '
                     f'max|residual| {max_resid:.2e}; top act '
                     + ' '.join(f'{k}={v:.2f}' for k, v in top_act[:3]))
            rows.append([name, j[-1], float(np.linalg.norm(Fm)), float(np.linalg.norm(Fm) / W),
                         kin.mass, max_res, notes])
        report.append(dict(name=name, q=q, loads=loads, geo=geo, reserves=reserves,
                           top_act=top_act, joints=joints))
        print(f'== {name}: ' + ', '.join(f'{r[1]}: {r[2]:.1f} N = {r[3]:.3f} BW'
                                         for r in rows if r[0] == name)
              + f'   max reserve {max_res:.3f} N*m, max |residual| {max_resid:.2e}')

    # every muscle's (and the model's own torque actuators') SO force and activation, per task
    with open(os.path.join(HERE, 'muscle_forces.csv'), 'w') as f:
        f.write('task,actuator,force_N,activation\n')
        for r in forces:
            f.write(f'{r[0]},{r[1]},{r[2]:.3f},{r[3]:.5f}\n')

    with open(OUT_CSV, 'w') as f:
        f.write('task,side,hip_contact_N,hip_contact_BW,model_mass_kg,max_reserve_Nm,notes\n')
        for r in rows:
            f.write(f'{r[0]},{r[1]},{r[2]:.2f},{r[3]:.4f},{r[4]:.4f},{r[5]:.4f},"{r[6]}"\n')

    # machine-readable details for the README
    with open(os.path.join(HERE, 'details.txt'), 'w') as f:
        for d in report:
            f.write(f"### {d['name']}\n")
            f.write('non-zero coordinates: ' + ', '.join(
                f"{k}={v / DEG:.3f} deg" if k not in ('pelvis_tx', 'pelvis_ty', 'pelvis_tz') else f"{k}={v:.5f} m"
                for k, v in d['q'].items() if abs(v) > 0) + '\n')
            for s, (F, P) in d['loads'].items():
                f.write(f'GRF {s}: F={np.round(F, 3).tolist()} N at P={np.round(P, 5).tolist()} m (ground)\n')
            for k, v in d['geo'].items():
                f.write(f'{k}: {np.round(v, 5).tolist() if isinstance(v, np.ndarray) else round(v, 4)}\n')
            f.write('reserves/residuals max|.|: ' + ', '.join(
                f'{k}={v:.4f}' for k, v in d['reserves'].items()) + '\n')
            f.write('top activations: ' + ', '.join(f'{k}={v:.3f}' for k, v in d['top_act']) + '\n\n')


if __name__ == '__main__':
    main()
