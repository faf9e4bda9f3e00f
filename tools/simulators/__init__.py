"""Simulators of the systems outside motcua (the SMS gateway, the postal provider): real HTTP servers
started by `make run` and by the tests."""
