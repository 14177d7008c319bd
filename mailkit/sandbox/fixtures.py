"""pytest fixtures for the sandbox (registered as a pytest plugin by the package's entry point).

``sandbox`` is one sandbox per test session (start-up is cheap, but demo mail is shared);
``fresh_sandbox`` a new empty one per test, for tests that change the world.
"""

from __future__ import annotations

import pytest

from .world import Sandbox


@pytest.fixture(scope="session")
def sandbox():
    with Sandbox() as world:  # a temporary folder, removed with everything in it
        yield world


@pytest.fixture
def fresh_sandbox():
    with Sandbox(demo_mail=0) as world:
        yield world
