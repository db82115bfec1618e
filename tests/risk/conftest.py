"""The verification fixtures, for the tests that run the risk gate inside the service."""

from tests.verify.conftest import clock, service, settings  # noqa: F401
