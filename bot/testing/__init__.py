"""Canned question tests: the YAML format of the contract, a runner, recording, pytest plugin."""
