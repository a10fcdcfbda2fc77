from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.local_api import LocalApi, running_local_api

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def authorizer_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("authorizer") / "calls.log"
    path.touch()
    return path


@pytest.fixture(scope="module")
def fidelity_api(tmp_path_factory: pytest.TempPathFactory, authorizer_log: Path) -> Iterator[LocalApi]:
    """The fixture template's two APIs, served; the fixture authorizer logs its calls to `authorizer_log`."""
    workdir = tmp_path_factory.mktemp("fidelity")
    with running_local_api(workdir, FIXTURES / "fidelity.yaml", {"AUTHORIZER_LOG": str(authorizer_log)}) as api:
        yield api


@pytest.fixture(scope="module")
def project_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    """The project's template.yaml, served with the embedded development issuer."""
    with running_local_api(tmp_path_factory.mktemp("project")) as api:
        yield api


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
