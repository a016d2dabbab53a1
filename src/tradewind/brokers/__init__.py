"""Broker adapters behind the engine's ``Broker`` protocol: the simulator (more to come)."""
