"""Logons shared by SMB2 SESSION_SETUP and DCE/RPC authentication: who the server says it is in
NTLM, where accounts come from, and how an NTLM outcome becomes a principal or the NTSTATUS
Windows answers (MS-NLMP 3.2.5.1.2; MS-SMB2 3.3.5.5.3)."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from smbemu import events
from smbemu.auth.ntlm import NtlmAccount, NtlmAcceptor, NtlmResult, Outcome, ServerIdentity
from smbemu.directory import logon_hours
from smbemu.errors import SmbStatusError
from smbemu.policy.protected import policy_groups
from smbemu.principal import ANONYMOUS_SID, Principal, PrincipalKind
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.directory import User

log = logging.getLogger("smbemu.session")
_EMPTY_NT_HASH = bytes.fromhex("31d6cfe0d16ae931b73c59d7e0c089c0")


def server_identity(config: ServerConfig) -> ServerIdentity:
    """What the NTLM CHALLENGE says about this server (MS-NLMP 2.2.1.2, 3.2.5.1.1; reference §4.3).

    A workgroup (standalone) machine names itself where a joined one names its domain: TargetName
    and MsvAvNbDomainName are the computer name with NTLMSSP_TARGET_TYPE_SERVER, MsvAvDnsDomainName
    is its DNS host name -- the same string as MsvAvDnsComputerName, case and all -- and there is no
    MsvAvDnsTreeName. So a workgroup XP (tests/captures/winxp-smb1-raw-ntlm.pcap: "TEST-F7DFBC3FE9",
    DNS "test-f7dfbc3fe9" twice) and a workgroup 2019 (tests/captures/win2019-smb1.pcap:
    "WIN-MV8B5VI0FAL" four times), both TargetType SERVER without a tree name."""
    cached: ServerIdentity | None = config.cache.get("ntlm_identity")
    if cached is not None:
        return cached
    profile = config.profile
    directory = config.directory
    machine = directory.machine
    domain = directory.domain if profile.role != "standalone" else None  # the domain joined
    identity = ServerIdentity(
        netbios_computer=machine.netbios_name.upper(),
        netbios_domain=(domain.name if domain else machine.netbios_name).upper(),
        dns_computer=machine.dns_name or None,
        dns_domain=(domain.dns_name if domain else machine.dns_name) or None,
        dns_tree=(domain.dns_name if domain and profile.identity.ntlm_dns_tree else None) or None,
        target_is_domain=domain is not None,
        send_timestamp=profile.identity.ntlm_timestamp,
        version=profile.identity.ntlm_version,
        av_flags=profile.identity.ntlm.av_flags,
    )
    config.cache["ntlm_identity"] = identity
    return identity


def account_lookup(config: ServerConfig) -> Callable[[str], NtlmAccount | None]:
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


class LogonFailure(SmbStatusError):
    """A refused logon: ``status`` is what the client is answered; ``sub_status`` the detail the
    4625 event carries (None: derived from ``status`` as Windows does); ``locked_out`` the user
    this very failure locked out (a 4740 follows the 4625)."""

    def __init__(self, status: int, message: str, *, sub_status: int | None = None,
                 locked_out: User | None = None) -> None:
        super().__init__(status, message)
        self.sub_status = sub_status
        self.locked_out = locked_out


def principal_for(config: ServerConfig, result: NtlmResult, *,
                  peer: tuple[str, int] | None = None) -> tuple[Principal, User | None]:
    """Map the NTLM outcome to who the caller is, or raise the status Windows returns.

    A failure is bookkept and reported here, for SMB2 SESSION_SETUP and DCE/RPC authentication
    alike: a wrong password raises the account's bad-password count (the lockout policy may lock
    it: `events.AccountLockedOut`, the audit log's 4740), and every refusal is an
    `events.LogonFailed` (4625, with Windows' Status / SubStatus). A locked-out account
    is refused with STATUS_ACCOUNT_LOCKED_OUT whatever the password. The success side (logon
    count, last logon, 4624) is `logon_succeeded`, once the caller has accepted the exchange.
    """
    try:
        return _principal_for(config, result)
    except LogonFailure as failure:
        if config.observers:
            config.observers.emit(events.LogonFailed(
                user_name=result.user_name, domain_name=result.domain_name,
                workstation=result.workstation, status=failure.status,
                sub_status=failure.sub_status, peer=peer))
        user = failure.locked_out
        if user is not None:
            log.warning("account %s locked out after %d bad passwords (from %s, workstation %r)",
                        user.name, config.directory.state(user).bad_password_count,
                        peer[0] if peer else "?", result.workstation)
            if config.observers:
                config.observers.emit(events.AccountLockedOut(
                    user_name=user.name, user_sid=str(user.sid), workstation=result.workstation))
        raise


def _principal_for(config: ServerConfig, result: NtlmResult) -> tuple[Principal, User | None]:
    directory = config.directory
    profile = config.profile

    def logged_on(kind: PrincipalKind, user_name: str, sid: str | None) -> Principal:
        return Principal(kind, user_name, result.domain_name, result.workstation, result.package, sid)

    if result.outcome is Outcome.ANONYMOUS:
        return Principal(PrincipalKind.ANONYMOUS, workstation=result.workstation, sid=ANONYMOUS_SID), None
    if result.outcome is Outcome.NO_SUCH_USER:
        if profile.smb.guest_account_enabled:
            # An unknown name maps to Guest while the Guest account is enabled (MS-SMB2 <107>).
            return logged_on(PrincipalKind.GUEST, "Guest", None), None
        raise LogonFailure(NtStatus.LOGON_FAILURE, f"no such user {result.user_name!r}",
                           sub_status=NtStatus.NO_SUCH_USER)
    user = directory.find_user(result.user_name)
    if result.outcome is not Outcome.AUTHENTICATED or user is None:
        if user is not None and directory.is_locked(user):
            raise LogonFailure(NtStatus.ACCOUNT_LOCKED_OUT, f"{user.name} is locked out")
        if user is not None and result.outcome is Outcome.WRONG_PASSWORD:
            locked = directory.record_bad_password(user)
            raise LogonFailure(NtStatus.LOGON_FAILURE, f"wrong password for {user.name!r}",
                               sub_status=NtStatus.WRONG_PASSWORD, locked_out=user if locked else None)
        raise LogonFailure(NtStatus.LOGON_FAILURE, f"logon failure for {result.user_name!r}",
                           sub_status=0)
    if user.rid == 501:
        if not profile.smb.guest_account_enabled:
            raise LogonFailure(NtStatus.ACCOUNT_DISABLED, "the Guest account is disabled")
        return logged_on(PrincipalKind.GUEST, user.name, str(user.sid)), user
    if user.disabled:
        raise LogonFailure(NtStatus.ACCOUNT_DISABLED, f"{user.name} is disabled")
    if directory.is_locked(user):
        raise LogonFailure(NtStatus.ACCOUNT_LOCKED_OUT, f"{user.name} is locked out")
    _check_restrictions(config, user, result.workstation)
    kind = PrincipalKind.ADMINISTRATOR if directory.is_administrator(user) else PrincipalKind.USER
    principal = logged_on(kind, user.name, str(user.sid))
    # The token's groups the policy decides on besides the kind (BUILTIN\\Account Operators,
    # which exists on DCs only): smbemu.policy.protected
    groups = policy_groups(directory.token_sids(user))
    return (dataclasses.replace(principal, groups=groups) if groups else principal), user


def _check_restrictions(config: ServerConfig, user: User, workstation: str) -> None:
    """The account restrictions of a logon whose password was right (every network logon: SMB2,
    SMB1, DCE/RPC).  The client is answered the reason itself, which the 4625 carries as
    SubStatus under Status STATUS_ACCOUNT_RESTRICTION (event 4625 docs, "Windows logon status
    codes"; ``smbemu.audit``).  Order: the blank-password rule of msv1_0's password check first,
    then the SAM account restrictions in msv1_0's order (ReactOS msv1_0 MsvpValidate...: password
    must change / expired, logon hours, workstations; U for Windows itself)."""
    profile = config.profile
    # "Accounts: Limit local account use of blank passwords to console logon only"
    # (LimitBlankPasswordUse, XP / 2003+): a network logon of a local account with a blank
    # password fails with STATUS_ACCOUNT_RESTRICTION; domain accounts (a DC's) are not local.
    if (profile.smb.limit_blank_password_use and profile.role != "dc"
            and (user.nt_hash is None or user.nt_hash == _EMPTY_NT_HASH)):
        raise LogonFailure(NtStatus.ACCOUNT_RESTRICTION,
                           f"{user.name} has a blank password (LimitBlankPasswordUse)")
    if user.must_change_password:
        raise LogonFailure(NtStatus.PASSWORD_MUST_CHANGE, f"{user.name} must change the password")
    if user.password_expired:
        raise LogonFailure(NtStatus.PASSWORD_EXPIRED, f"the password of {user.name} has expired")
    if user.logon_hours is not None and not logon_hours.allows(user.logon_hours, config.directory.clock()):
        raise LogonFailure(NtStatus.INVALID_LOGON_HOURS, f"{user.name} may not log on at this hour")
    allowed = [name.strip().upper() for name in user.workstations.split(",") if name.strip()]
    if allowed and (workstation or "").strip().upper() not in allowed:
        # MS-SAMR 2.2.7.6 WorkStations: the NetBIOS names the account may log on from; a client
        # that names no workstation matches none of them
        raise LogonFailure(NtStatus.INVALID_WORKSTATION,
                           f"{user.name} may log on from {user.workstations} only")


_rpc_logon_ids = itertools.count(0x10000)


def new_rpc_logon_id() -> int:
    """A TargetLogonId for a DCE/RPC logon (no SMB session's id to use)."""
    return next(_rpc_logon_ids)


def logon_succeeded(config: ServerConfig, principal: Principal, account: User | None, *,
                    session_id: int | None = None, key_length: int = 0,
                    peer: tuple[str, int] | None = None) -> None:
    """A logon the server accepted: count it and stamp the account (the logon count and last
    logon SAMR shows; the bad-password count restarts), and tell the observers (the audit log's
    4624). ``session_id`` is the TargetLogonId (SMB2 SessionId; a DCE/RPC logon gets a number of
    its own)."""
    if account is not None and hasattr(config.directory, "record_logon"):
        config.directory.record_logon(account)
    if session_id is None:
        session_id = next(_rpc_logon_ids)
    if config.observers:
        config.observers.emit(events.LogonSucceeded(
            principal=principal, session_id=session_id, key_length=key_length, peer=peer))


class RpcLogons:
    """This server's logons for DCE/RPC authentication (`smbemu.rpc.auth_ntlm.RpcLogons`): the
    same two calls SMB2 SESSION_SETUP makes, handed to the RPC runtime when the IPC layer builds
    its auth factory.  A DCE/RPC logon gets a TargetLogonId of its own (no SMB session): a fresh
    one, or ``logon_id`` -- an ncacn_ip_tcp connection's, which logs the logon off (4634) when
    it closes (`smbemu.rpc_tcp`); ``peer`` is the client's address for the 4624 when known."""

    __slots__ = ("config", "logon_id", "peer")

    def __init__(self, config: ServerConfig, *, logon_id: int | None = None,
                 peer: tuple[str, int] | None = None) -> None:
        self.config = config
        self.logon_id = logon_id
        self.peer = peer

    def new_acceptor(self) -> NtlmAcceptor:
        return new_acceptor(self.config)

    def logon(self, result: NtlmResult) -> Principal:
        principal, account = principal_for(self.config, result)
        logon_succeeded(self.config, principal, account, key_length=128 if result.session_key else 0,
                        session_id=self.logon_id, peer=self.peer)
        return principal
