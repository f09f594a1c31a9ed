"""The RAP commands served: one handler per opcode, and the table that names them.

Each handler reads its parameters from the :class:`~smbemu.rap.wire.RapRequest`, asks the
policy its RPC twin's questions (:func:`smbemu.rap.access.decide`), and answers a
:class:`Reply`: the Win32 status, the command's output words (MS-RAP 2.5.2 RAPOutParams) and
the packed data.  Info levels are checked before access, as MS-RAP 3.2.5.x lists the steps;
a refusal or an invalid level still carries the command's output words, zero (what Samba's
lanman.c sends too: the full RAPOutParams whatever the status).

The request's DataDesc is not checked: the layout follows the info level, as Windows does
after Windows 2000 (MS-RAP Appendix A <5>: "ignores the DataDesc field").  No command served
takes RAPInData (MS-RAP 2.5.1: only NetPrintJobSetInfo does), so the TRANSACTION's data is
unused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Final

from smbemu.filetime import FILETIME_UNIX_EPOCH
from smbemu.policy import Decision
from smbemu.rap import access
from smbemu.rap.browse import browse_list
from smbemu.rap.wire import RapRequest, Record, pack_records
from smbemu.sid import BUILTIN_GUESTS
from smbemu.status import (
    ERROR_INVALID_LEVEL,
    ERROR_MORE_DATA,
    NERR_NET_NAME_NOT_FOUND,
    NERR_SUCCESS,
)

if TYPE_CHECKING:
    from smbemu.config import ServerConfig
    from smbemu.directory.model import Share, User
    from smbemu.principal import Principal

__all__ = ["Call", "Reply", "Command", "COMMANDS"]


@dataclass(slots=True)
class Call:
    """One RAP call being served: the server, the caller, the SMB limit on the data returned
    (the TRANSACTION's MaxDataCount), and the decision taken (for the audit event)."""

    config: ServerConfig
    principal: Principal
    max_data_count: int
    level: int | None = None
    decision: Decision | None = None

    def buffer(self, receive_buffer_size: int) -> int:
        """The receive buffer to fill: the client's ReceiveBufferSize (MS-RAP 2.5.11), never
        more than the transaction may carry."""
        return min(receive_buffer_size, self.max_data_count)

    def decide(self, command: str, level: int) -> Decision:
        self.decision = access.decide(self.config, self.principal, command, level)
        return self.decision


@dataclass(frozen=True, slots=True)
class Reply:
    """A RAP response: Win32ErrorCode, the output words, the data and its converter."""

    status: int
    words: tuple[int, ...] = ()
    data: bytes = b""
    converter: int = 0


Handler = Callable[[Call, RapRequest], Reply]


@dataclass(frozen=True, slots=True)
class Command:
    """A RAP command: its name, the ParamDesc strings accepted for it (MS-RAP Appendix A <4>:
    Windows checks the ParamDesc against the opcode), its handler, and the last Windows
    version whose server answers it (None: every version)."""

    name: str
    param_descs: frozenset[str]
    handler: Handler = field(repr=False)
    last_version: tuple[int, int] | None


# ---------------------------------------------------------------------------------- helpers


def _enum_reply(status: int) -> Reply:
    return Reply(status, (0, 0))


def _info_reply(status: int) -> Reply:
    return Reply(status, (0,))


def _get_info(descriptor: str, record: Record, buffer_size: int) -> Reply:
    """A GetInfo answer (one record): TotalBytesAvailable is what the whole record needs;
    ERROR_MORE_DATA when a string did not fit, NERR_BufTooSmall and no data when the fixed
    part did not (MS-RAP 2.5.11, 3.2.5.3)."""
    packed = pack_records(descriptor, [record], buffer_size)
    return Reply(packed.status, (min(packed.needed, 0xFFFF),), packed.data, packed.converter)


def _enum(descriptor: str, records: list[Record], available: int, buffer_size: int) -> Reply:
    """An Enum answer: EntriesReturned, EntriesAvailable; ERROR_MORE_DATA when fewer than the
    available entries were returned (MS-RAP 3.2.5.1 / 3.2.5.12)."""
    packed = pack_records(descriptor, records, buffer_size)
    status = packed.status
    if status == NERR_SUCCESS and packed.returned < len(records):
        status = ERROR_MORE_DATA
    return Reply(status, (packed.returned, min(available, 0xFFFF)), packed.data,
                 packed.converter)


# ---------------------------------------------------------------------------------- shares

#: NetShareInfo0/1/2 data descriptors (MS-RAP 2.5.6.1.1).
_SHARE_LEVELS: Final = {0: "B13", 1: "B13BWz", 2: "B13BWzWWWzB9B"}
#: MS-RAP 2.5.6.3.1: a name longer than 12 characters does not fit NetworkName.
_SHARE_NAME_MAX: Final = 12


def _share_uses(config: ServerConfig, name: str) -> int:
    lowered = name.lower()
    return sum(1 for session in config.sessions.values()
               for tree in session.tree_connects.values() if tree.share_name.lower() == lowered)


def _share_record(config: ServerConfig, share: Share, level: int) -> Record:
    name, stype, remark = share.name, share.stype, share.comment
    if level == 0:
        return (name,)
    # Type is 16 bits: STYPE_SPECIAL (0x80000000) does not travel (MS-RAP 4.1: IPC$ is 3).
    if level == 1:
        return (name, 0, stype & 0xFFFF, remark)
    # Level 2 as SHARE_INFO_2 (MS-RAP 3.2.5.1 mapping): permissions 0 under user-level
    # security (MS-SRVS 2.2.4.24), max uses unlimited (SHI_USES_UNLIMITED, 16 bits), the
    # password empty (MS-RAP 2.5.6.3.3 "SHOULD be set to an empty string").
    return (name, 0, stype & 0xFFFF, remark, 0, 0xFFFF, _share_uses(config, name),
            share.path, "", 0)


def net_share_enum(call: Call, request: RapRequest) -> Reply:
    """MS-RAP 3.2.5.1 NetShareEnum: every share NetrShareEnum lists at the same level (IPC$
    and the administrative shares included, as Windows sends them: MS-RAP 4.1)."""
    level, receive = request.word(), request.word()
    call.level = level
    descriptor = _SHARE_LEVELS.get(level)
    if descriptor is None:
        return _enum_reply(ERROR_INVALID_LEVEL)
    decision = call.decide("NetShareEnum", level)
    if not decision.allowed:
        return _enum_reply(decision.status)
    shares = call.config.directory.shares_in_order(call.config.profile.identity.srvsvc.share_order)
    # MS-RAP Appendix A <68>: longer names are skipped but counted in EntriesAvailable, and
    # do not by themselves make the answer ERROR_MORE_DATA.
    listed = [s for s in shares if len(s.name) <= _SHARE_NAME_MAX]
    return _enum(descriptor, [_share_record(call.config, s, level) for s in listed],
                 len(shares), call.buffer(receive))


def net_share_get_info(call: Call, request: RapRequest) -> Reply:
    """MS-RAP 3.2.5.2 NetShareGetInfo: one share, as NetrShareGetInfo answers it (an unknown
    name is NERR_NetNameNotFound, checked before access as the srvsvc handler does)."""
    name, level, receive = request.string(), request.word(), request.word()
    call.level = level
    descriptor = _SHARE_LEVELS.get(level)
    if descriptor is None:
        return _info_reply(ERROR_INVALID_LEVEL)
    share = call.config.directory.share(name)
    if share is None:
        return _info_reply(NERR_NET_NAME_NOT_FOUND)
    decision = call.decide("NetShareGetInfo", level)
    if not decision.allowed:
        return _info_reply(decision.status)
    return _get_info(descriptor, _share_record(call.config, share, level), call.buffer(receive))


# ---------------------------------------------------------------------------------- server, workstation

#: NetServerInfo0 / 1 (MS-RAP 2.5.5.4).
_SERVER_LEVELS: Final = {0: "B16", 1: "B16BBDz"}


def net_server_get_info(call: Call, request: RapRequest) -> Reply:
    """MS-RAP 3.2.5.3 NetServerGetInfo: SERVER_INFO_101's name, version, type and comment."""
    level, receive = request.word(), request.word()
    call.level = level
    descriptor = _SERVER_LEVELS.get(level)
    if descriptor is None:
        return _info_reply(ERROR_INVALID_LEVEL)
    decision = call.decide("NetServerGetInfo", level)
    if not decision.allowed:
        return _info_reply(decision.status)
    identity = call.config.profile.identity.srvsvc
    machine = call.config.directory.machine
    record: Record = (machine.netbios_name.upper(),)
    if level == 1:
        record = (*record, identity.version_major, identity.version_minor,
                  identity.server_type, machine.comment)
    return _get_info(descriptor, record, call.buffer(receive))


def net_wksta_get_info(call: Call, request: RapRequest) -> Reply:
    """MS-RAP 3.2.5.16 NetWkstaGetInfo, level 10 only (NetWkstaInfo10, "zzzBBzz"): computer
    name, LAN group and version; UserName, LogonDomain and OtherDomains are NULL pointers, as
    MS-RAP Appendix A <59>, <62> and <63> say Windows servers send them."""
    level, receive = request.word(), request.word()
    call.level = level
    if level != 10:
        return _info_reply(ERROR_INVALID_LEVEL)
    decision = call.decide("NetWkstaGetInfo", level)
    if not decision.allowed:
        return _info_reply(decision.status)
    identity = call.config.profile.identity.srvsvc
    directory = call.config.directory
    # <60>/<61>: the version bytes are the OS version (5.0 for 2000, 5.2 for 2003, ...), the
    # values SERVER_INFO_101 reports from the profile.
    record: Record = (directory.machine.netbios_name.upper(), None,
                      directory.primary_domain.name.upper(), identity.version_major,
                      identity.version_minor, None, None)
    return _get_info("zzzBBzz", record, call.buffer(receive))


def net_server_enum(call: Call, request: RapRequest, *, enum3: bool = False) -> Reply:
    """MS-RAP 3.2.5.12 NetServerEnum2 / 3.2.5.15 NetServerEnum3: the browse list."""
    level, receive, server_type = request.word(), request.word(), request.dword()
    call.level = level
    domain = request.string() if request.param_desc != "WrLehDO" else ""
    first = request.string() if enum3 else ""
    descriptor = _SERVER_LEVELS.get(level)
    if descriptor is None:
        return _enum_reply(ERROR_INVALID_LEVEL)
    name = "NetServerEnum3" if enum3 else "NetServerEnum2"
    decision = call.decide(name, level)
    if not decision.allowed:
        return _enum_reply(decision.status)
    status, entries = browse_list(call.config, server_type, domain, first)
    if status != NERR_SUCCESS:
        return _enum_reply(status)
    return _enum(descriptor, [e.record(level) for e in entries], len(entries), call.buffer(receive))


# ---------------------------------------------------------------------------------- time

#: MS-RAP Appendix A <50>: Windows' ClockFrequency is 31 ms, in units of 0.0001 s.
_CLOCK_FREQUENCY: Final = 310


def net_remote_tod(call: Call, request: RapRequest) -> Reply:
    """MS-RAP 3.2.5.11 NetRemoteTOD (`net time`): TimeOfDayInfo ("DDBBBBWWBBWB", 21 bytes),
    the clock fields in the server's local time.  The emulated server's time zone is the one
    its SMB1 NEGOTIATE announces (``smb1.server_time_zone``, minutes west of UTC, the sign of
    TimeZone here too: MS-RAP 2.5.9.2.1)."""
    receive = request.word()
    decision = call.decide("NetRemoteTOD", 0)
    if not decision.allowed:
        return Reply(decision.status)
    now = time.time()
    west = call.config.profile.smb1.server_time_zone
    local = datetime.fromtimestamp(now, timezone.utc) - timedelta(minutes=west)
    start = call.config.start_filetime
    uptime_ms = int(now * 1000 - (start - FILETIME_UNIX_EPOCH) / 10_000) if start else 0
    record: Record = (int(now), uptime_ms & 0xFFFFFFFF, local.hour, local.minute, local.second,
                      local.microsecond // 10_000, west & 0xFFFF, _CLOCK_FREQUENCY, local.day,
                      local.month, local.year, (local.weekday() + 1) % 7)  # 0 = Sunday
    packed = pack_records("DDBBBBWWBBWB", [record], call.buffer(receive))
    # MS-RAP 2.5.9.1.2: no RAPOutParams; the data is empty unless the call succeeded.
    return Reply(packed.status, (), packed.data, packed.converter)


# ---------------------------------------------------------------------------------- users

#: LAN Manager NetUserEnum levels (user_info_0/1/2/10; the descriptors Samba's client sends
#: and lanman.c lists for NetUserGetInfo, MS-RAP 2.5.8.3 lays out the structures).
_USER_LEVELS: Final = {0: "B21", 1: "B21BB16DWzzWz", 2: "B21BB16DWzzWzDzzzzDDDDWb21WWzWW",
                       10: "B21Bzzz"}
# USER_INFO_1 usri1_priv (MS-RAP 2.5.8.3.2).
_USER_PRIV_GUEST, _USER_PRIV_USER, _USER_PRIV_ADMIN = 0, 1, 2
#: MS-SAMR 2.2.1.12 UserAccountControl bit -> lmaccess.h UF_* flag (USER_INFO_1 usri1_flags).
_UF_FLAGS: Final = ((0x0001, 0x0002), (0x0002, 0x0008), (0x0004, 0x0020), (0x0008, 0x0100),
                    (0x0010, 0x0200), (0x0040, 0x0800), (0x0080, 0x1000), (0x0100, 0x2000),
                    (0x0400, 0x0010))
#: UF_SCRIPT: "must be set" in every USER_INFO_1 (Win32 USER_INFO_1 remarks, D).
_UF_SCRIPT: Final = 0x0001
_UF_PASSWD_CANT_CHANGE: Final = 0x0040


def _unix_time(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def _user_record(config: ServerConfig, user: User, level: int, now: datetime) -> Record:
    if level == 0:
        return (user.name,)
    directory = config.directory
    if level == 10:
        return (user.name, 0, user.description, user.comment, user.full_name)
    uac = directory.account_control(user)
    flags = _UF_SCRIPT | (_UF_PASSWD_CANT_CHANGE if user.cannot_change_password else 0)
    for samr_bit, uf_bit in _UF_FLAGS:
        if uac & samr_bit:
            flags |= uf_bit
    if directory.is_administrator(user):
        priv = _USER_PRIV_ADMIN
    elif BUILTIN_GUESTS in directory.token_sids(user):
        priv = _USER_PRIV_GUEST
    else:
        priv = _USER_PRIV_USER
    changed = user.last_password_change
    age = max(0, int((now - changed).total_seconds())) if changed is not None else 0
    # The password field is 16 zero bytes (MS-RAP 2.5.8.3.2 "filled with zeros").
    record: Record = (user.name, 0, "", age, priv, user.home_directory, user.description,
                      flags, user.script_path)
    if level == 2:
        state = directory.state(user)
        expires = _unix_time(user.account_expires) if user.account_expires else 0xFFFFFFFF
        record = (*record, 0, user.full_name, user.comment, "", user.workstations,
                  _unix_time(state.last_logon), _unix_time(user.last_logoff), expires,
                  0xFFFFFFFF,  # MaxStorage: USER_MAXSTORAGE_UNLIMITED (MS-RAP 3.2.5.13)
                  168,  # UnitsPerWeek: hours (MS-RAP 2.5.8.3.3 "MUST be set to 168")
                  b"\xff" * 21,  # logon hours: every hour allowed (MS-SAMR 2.2.7.5 default)
                  state.bad_password_count, state.logon_count & 0xFFFF,
                  "\\\\*",  # LogonServer "\\*" (MS-RAP 3.2.5.13 mapping)
                  0, 0)  # country code, code page: system defaults
    return record


def net_user_enum(call: Call, request: RapRequest) -> Reply:
    """LAN Manager NetUserEnum (opcode 53, ParamDesc "WrLeh"): the account domain's users,
    decided as SAMR user enumeration (RestrictAnonymous hides them, §0.1).  Not in MS-RAP;
    Windows NT answered it (Samba's lanman.c notes NT4 and 2003 SP1 output for the sibling
    NetGroupEnum).  Levels 0, 1, 2 and 10 (LAN Manager's user_info levels)."""
    level, receive = request.word(), request.word()
    call.level = level
    descriptor = _USER_LEVELS.get(level)
    if descriptor is None:
        return _enum_reply(ERROR_INVALID_LEVEL)
    decision = call.decide("NetUserEnum", level)
    if not decision.allowed:
        return _enum_reply(decision.status)
    now = datetime.now(timezone.utc)
    users = call.config.directory.users
    return _enum(descriptor, [_user_record(call.config, u, level, now) for u in users],
                 len(users), call.buffer(receive))


# ---------------------------------------------------------------------------------- the table

#: MS-RAP Appendix A <8>, <15>, <17>, <45>, <49>, <52>: the share, server, user, time and workstation
#: commands are "only supported on Windows 2000 Server, Windows Server 2003, or Windows Server
#: 2008" (NT 4.0, whose XACTSRV they come from, too: W); from 2008 R2 on they are answered as
#: any call the server does not implement.  NetServerEnum2 / 3 (the browser) have no such note.
_UNTIL_2008: Final = (6, 0)

COMMANDS: Final[Mapping[int, Command]] = {
    0x0000: Command("NetShareEnum", frozenset({"WrLeh"}), net_share_enum, _UNTIL_2008),
    0x0001: Command("NetShareGetInfo", frozenset({"zWrLh"}), net_share_get_info, _UNTIL_2008),
    0x000D: Command("NetServerGetInfo", frozenset({"WrLh"}), net_server_get_info, _UNTIL_2008),
    0x0035: Command("NetUserEnum", frozenset({"WrLeh"}), net_user_enum, _UNTIL_2008),
    0x003F: Command("NetWkstaGetInfo", frozenset({"WrLh"}), net_wksta_get_info, _UNTIL_2008),
    0x005B: Command("NetRemoteTOD", frozenset({"rL"}), net_remote_tod, _UNTIL_2008),
    0x0068: Command("NetServerEnum2", frozenset({"WrLehDz", "WrLehDO"}), net_server_enum, None),
    0x00D7: Command("NetServerEnum3", frozenset({"WrLehDzz"}),
                    lambda call, request: net_server_enum(call, request, enum3=True), None),
}
