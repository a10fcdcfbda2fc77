from __future__ import annotations

from enum import StrEnum


class DenyReason(StrEnum):
    """Why a token was refused: the same words in logs, metrics and tests."""

    MISSING_TOKEN = "missing_token"
    TOKEN_TOO_LARGE = "token_too_large"
    MALFORMED = "malformed"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    UNSUPPORTED_CRIT = "unsupported_crit"
    WRONG_TYP = "wrong_typ"
    MISSING_KID = "missing_kid"
    UNKNOWN_KID = "unknown_kid"
    KEY_MISMATCH = "key_mismatch"
    JWKS_UNAVAILABLE = "jwks_unavailable"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    CLIENT_NOT_ALLOWED = "client_not_allowed"
    WRONG_TOKEN_USE = "wrong_token_use"
    MISSING_CLAIM = "missing_claim"
    INVALID_CLAIM = "invalid_claim"
    CONFIGURATION_ERROR = "configuration_error"
    INTERNAL_ERROR = "internal_error"


class TokenRejectedError(Exception):
    """A token failed verification. `detail` is for logs: it never contains the token."""

    def __init__(self, reason: DenyReason, detail: str = "", *, hint: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail
        self.hint = hint
