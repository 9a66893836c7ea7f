"""The account check every authenticated route makes after verifying the token."""

from authz.principal import Principal
from authz.vocabulary import Role
from gateway.auth import AuthError
from resolvers.store import Document, Store


async def active_account(store: Store, principal: Principal) -> Document | None:
    """An account holder's token stops working once the account is closed or closing (§7).
    Staff are not documents: None for them."""
    if principal.role is not Role.USER:
        return None
    account = await store["users"].find_one({"_id": principal.sub})
    if account is None or account.get("status", "ACTIVE") != "ACTIVE":
        raise AuthError("account closed or unknown")
    return account
