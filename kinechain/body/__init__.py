"""What the body is: anthropometry, names and topology of the chain, rotations, the symbolic
chain and its generated kinematics, the muscles, the Model and the tasks."""
