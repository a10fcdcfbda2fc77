"""Every token of the corpus (tests/authorizer/corpus.py) is a 401: exactly `Exception("Unauthorized")`."""

from __future__ import annotations

import pytest

from tests.authorizer.corpus import CASES, Case, Material
from tests.authorizer.harness import UNAUTHORIZED, Authorizer
from tests.support.jwks_server import JwksServer
from tests.support.keys import ISSUER

pytestmark = [
    pytest.mark.integration,
    # Minting the 1024-bit-key case warns, as it should.
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def test_corpus_holds_at_least_sixty_distinct_cases() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_token_is_unauthorized_with_its_reason(
    case: Case, material: Material, corpus_authorizer: Authorizer, trap_server: JwksServer
) -> None:
    # Given a warm container (its keys already fetched)
    assert corpus_authorizer.bearer(material.valid()) is not UNAUTHORIZED

    # When the bad token arrives
    answer = corpus_authorizer.decide(case.authorization(material))

    # Then API Gateway gets its 401, the denial says why, and no key was sought where the token said
    assert case.answer == "Unauthorized"
    assert answer is UNAUTHORIZED
    assert corpus_authorizer.last_reason() == case.reason
    assert len(corpus_authorizer.denials()) == 1
    assert sum(trap_server.hits.values()) == 0


def test_the_corpus_authorizer_allows_a_valid_token_of_each_algorithm(
    material: Material, corpus_authorizer: Authorizer
) -> None:
    assert corpus_authorizer.bearer(material.valid())["principalId"] == "m2m-client@clients"
    assert corpus_authorizer.bearer(material.ec_key.sign())["context"]["scope"] == "read:messages"
    assert corpus_authorizer.validator.keys[ISSUER].fetch_count == 1
