from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

CORS_ALLOW_ORIGIN = "CORS_ALLOW_ORIGIN"
REQUIRED_SCOPES = "REQUIRED_SCOPES"


@dataclass(frozen=True)
class HandlerSettings:
    """A handler's configuration, read once from its environment (set in template.yaml)."""

    cors_allow_origin: str = "*"
    required_scopes: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HandlerSettings:
        env = os.environ if environ is None else environ
        return cls(
            cors_allow_origin=env.get(CORS_ALLOW_ORIGIN, "").strip() or "*",
            required_scopes=tuple(env.get(REQUIRED_SCOPES, "").replace(",", " ").split()),
        )
