"""Function approximation (lesson 05): tile coding, linear semi-gradient Q-learning on
MountainCar-v0 online, with replay and with a target network, and the lockstep engine."""
