"""The live API server fixture, for the role matrix."""

from tests.api.conftest import live_server  # noqa: F401
