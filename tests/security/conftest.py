"""The page-test fixtures (demo city, signed-in clients) are shared with the security tests."""

from tests.web.conftest import demo_city, login, make_incident

__all__ = ["demo_city", "login", "make_incident"]
