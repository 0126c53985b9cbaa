"""Fixtures shared by the tests of the Rasa server's parts."""
import pytest
from rasa.shared.core.domain import Domain

from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain():
    """The assistant's domain (domain.yml), loaded once per test module."""
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))
