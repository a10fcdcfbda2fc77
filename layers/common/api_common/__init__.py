"""What the route handlers share: settings, the resolver with CORS, the scope check."""

from api_common.http import create_resolver, require_scopes
from api_common.scopes import granted_scopes, missing_scopes
from api_common.settings import HandlerSettings

__all__ = ["HandlerSettings", "create_resolver", "granted_scopes", "missing_scopes", "require_scopes"]
