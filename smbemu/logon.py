"""Logons shared by SMB2 SESSION_SETUP and DCE/RPC authentication: who the server says it is in
NTLM, where accounts come from, and how an NTLM outcome becomes a principal or the NTSTATUS
Windows answers (MS-NLMP 3.2.5.1.2; MS-SMB2 3.3.5.5.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smbemu.auth.ntlm import NtlmAccount, NtlmAcceptor, Outcome, ServerIdentity
from smbemu.errors import SmbStatusError
from smbemu.smb2.constants import NtStatus
from smbemu.state import Principal, PrincipalKind

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

_EMPTY_NT_HASH = bytes.fromhex("31d6cfe0d16ae931b73c59d7e0c089c0")


def server_identity(config: ServerConfig) -> ServerIdentity:
    """What the NTLM CHALLENGE says about this server (MS-NLMP 2.2.1.2; reference §4.3)."""
    cached: ServerIdentity | None = config.cache.get("ntlm_identity")
    if cached is not None:
        return cached
    profile = config.profile
    directory = config.directory
    machine = directory.machine
    joined = profile.role != "standalone"
    domain = directory.domain
    identity = ServerIdentity(
        netbios_computer=machine.netbios_name.upper(),
        netbios_domain=(domain.name if joined else machine.netbios_name).upper(),
        dns_computer=machine.dns_name or None,
        dns_domain=(domain.dns_name if joined else None) or None,
        dns_tree=(domain.dns_name if joined and profile.identity.ntlm_dns_tree else None) or None,
        target_is_domain=joined,
        send_timestamp=profile.identity.ntlm_timestamp,
        version=profile.identity.ntlm_version,
    )
    config.cache["ntlm_identity"] = identity
    return identity


def account_lookup(config: ServerConfig) -> Any:
    directory = config.directory

    def lookup(name: str) -> NtlmAccount | None:
        user = directory.find_user(name)
        if user is None:
            return None
        return NtlmAccount(name=user.name, nt_hash=user.nt_hash or _EMPTY_NT_HASH, lm_hash=user.lm_hash)

    return lookup


def new_acceptor(config: ServerConfig) -> NtlmAcceptor:
    """A fresh NTLM acceptor speaking for this server."""
    return NtlmAcceptor(
        server_identity(config),
        account_lookup(config),
        lm_compatibility_level=config.profile.smb.lm_compatibility_level,
    )


def principal_for(config: ServerConfig, result: Any) -> tuple[Principal, Any]:
    """Map the NTLM outcome to who the caller is, or raise the status Windows returns."""
    directory = config.directory
    profile = config.profile
    base = dict(domain_name=result.domain_name, workstation=result.workstation, package=result.package)
    if result.outcome is Outcome.ANONYMOUS:
        return Principal(PrincipalKind.ANONYMOUS, workstation=result.workstation), None
    if result.outcome is Outcome.NO_SUCH_USER:
        if profile.smb.guest_account_enabled:
            # An unknown name maps to Guest while the Guest account is enabled (MS-SMB2 <107>).
            return Principal(PrincipalKind.GUEST, user_name="Guest", **base), None
        raise SmbStatusError(NtStatus.LOGON_FAILURE, f"no such user {result.user_name!r}")
    user = directory.find_user(result.user_name)
    if result.outcome is not Outcome.AUTHENTICATED or user is None:
        if user is not None and directory.is_locked(user):
            raise SmbStatusError(NtStatus.ACCOUNT_LOCKED_OUT, f"{user.name} is locked out")
        raise SmbStatusError(NtStatus.LOGON_FAILURE, f"logon failure for {result.user_name!r}")
    if user.rid == 501:
        if not profile.smb.guest_account_enabled:
            raise SmbStatusError(NtStatus.ACCOUNT_DISABLED, "the Guest account is disabled")
        return Principal(PrincipalKind.GUEST, user_name=user.name, **base), user
    if user.disabled:
        raise SmbStatusError(NtStatus.ACCOUNT_DISABLED, f"{user.name} is disabled")
    if directory.is_locked(user):
        raise SmbStatusError(NtStatus.ACCOUNT_LOCKED_OUT, f"{user.name} is locked out")
    kind = PrincipalKind.ADMINISTRATOR if directory.is_administrator(user) else PrincipalKind.USER
    return Principal(kind, user_name=user.name, **base), user
