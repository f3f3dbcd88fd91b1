"""Mechanics over a batch of postures: forward kinematics, clinical angles, muscle paths,
external and joint loads, and muscle force sharing."""
