"""RAP on \\PIPE\\LANMAN (smbemu.rap): requests built as Samba's clients send them (source3
libsmb/clirap.c and librpc/gen_ndr/rap.h descriptors: `net rap share` / `smbclient -L` ->
NetShareEnum "WrLeh" "B13BWz" level 1; `smbclient -L` workgroup listing / `net rap server` ->
NetServerEnum2 "WrLehDz" "B16BBDz"; `net rap user` -> NetUserEnum "WrLeh" "B21" level 0, and
"B21BB16DWzzWz" level 1 with -l), answers decoded by the decoder below -- written from MS-RAP
2.5.2 / 2.5.5.4 / 2.5.6.3 / 2.5.10.4, sharing no code with smbemu.rap -- and checked against the
fixture, the profiles' anonymous rules, and the NetShareEnum capture of MS-RAP 4.1.
"""

from __future__ import annotations

import io
import json
import random
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from smbemu import audit, events
from smbemu.builder import build_config
from smbemu.config import ServerConfig
from smbemu.directory.model import Share
from smbemu.errors import SmbStatusError
from smbemu.policy import policy_for
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind
from smbemu.rap import serve
from smbemu.state import Session

# Win32 / NERR codes (MS-ERREF 2.2), spelled here independently of smbemu.status.
SUCCESS, ACCESS_DENIED, INVALID_LEVEL, MORE_DATA = 0, 5, 124, 234
REQ_NOT_ACCEP, INVALID_FUNCTION, BUF_TOO_SMALL, NET_NAME_NOT_FOUND = 71, 1, 2123, 2310
INVALID_API, NO_BROWSER_SERVERS = 2142, 6118
STATUS_INVALID_PARAMETER = 0xC000000D
SV_TYPE_ALL, SV_TYPE_DOMAIN_ENUM, SV_TYPE_SERVER = 0xFFFFFFFF, 0x80000000, 0x00000002

USER = Principal(PrincipalKind.USER, "alice", "LEGACYSRV")
ADMIN = Principal(PrincipalKind.ADMINISTRATOR, "Administrator", "LEGACYSRV")


# ---------------------------------------------------------------------------------- the client side


def rap(opcode: int, param_desc: str, data_desc: str, params: bytes = b"") -> bytes:
    """MS-RAP 2.5.1: RAPOpcode, ParamDesc, DataDesc, RAPParams."""
    return (struct.pack("<H", opcode) + param_desc.encode() + b"\0" + data_desc.encode() + b"\0"
            + params)


def share_enum(level: int = 1, size: int = 0xFFE0) -> bytes:
    desc = {0: "B13", 1: "B13BWz", 2: "B13BWzWWWzB9B"}.get(level, "B13BWz")
    return rap(0, "WrLeh", desc, struct.pack("<HH", level, size))


def server_enum2(server_type: int, domain: str | None = None, level: int = 1,
                 size: int = 0xFFE0) -> bytes:
    params = struct.pack("<HHI", level, size, server_type)
    if domain is None:
        return rap(104, "WrLehDO", "B16BBDz", params)
    return rap(104, "WrLehDz", "B16BBDz", params + domain.encode() + b"\0")


def call(config: ServerConfig, request: bytes, principal: Principal = ANONYMOUS, *,
         max_params: int = 8, max_data: int = 0xFFFF) -> tuple[bytes, bytes]:
    session = Session(0x11, principal=principal)
    return serve(config, session, request, b"", max_params, max_data)


def header(params: bytes) -> tuple[int, int]:
    status, converter = struct.unpack_from("<HH", params)
    return status, converter


def cstring(data: bytes, pointer: int, converter: int) -> str | None:
    """A z field: the low 16 bits minus the converter is the offset in the data (MS-RAP 2.5.2);
    a 0 pointer is NULL."""
    if pointer == 0:
        return None
    offset = (pointer & 0xFFFF) - converter
    assert 0 <= offset < len(data), f"pointer 0x{pointer:X} - converter {converter} outside the data"
    return data[offset:data.index(b"\0", offset)].decode("latin-1")


def fixed(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1")


def decode_shares(params: bytes, data: bytes, level: int = 1) -> list[dict[str, Any]]:
    """NetShareEnumResponse + NetShareInfo0/1/2 (MS-RAP 2.5.6.1.2, 2.5.6.3)."""
    _, converter = header(params)
    returned, _ = struct.unpack_from("<HH", params, 4)
    size = {0: 13, 1: 20, 2: 40}[level]
    out = []
    for i in range(returned):
        entry = data[i * size:(i + 1) * size]
        share: dict[str, Any] = {"name": fixed(entry[:13])}
        if level >= 1:
            share["type"], remark = struct.unpack_from("<HI", entry, 14)
            share["remark"] = cstring(data, remark, converter)
        if level == 2:
            perms, share["max_uses"], share["uses"], path = struct.unpack_from("<HHHI", entry, 20)
            share["path"] = cstring(data, path, converter)
            share["password"] = fixed(entry[30:39])
        out.append(share)
    return out


def decode_servers(params: bytes, data: bytes, level: int = 1) -> list[dict[str, Any]]:
    """NetServerInfo0 / NetServerInfo1 (MS-RAP 2.5.5.4): name[16], major, minor, type, comment."""
    _, converter = header(params)
    returned = struct.unpack_from("<H", params, 4)[0]
    size = 16 if level == 0 else 26
    out = []
    for i in range(returned):
        entry = data[i * size:(i + 1) * size]
        server: dict[str, Any] = {"name": fixed(entry[:16])}
        if level == 1:
            major, minor, stype, comment = struct.unpack_from("<BBII", entry, 16)
            server.update(version=(major, minor), type=stype,
                          comment=cstring(data, comment, converter))
        out.append(server)
    return out


# ---------------------------------------------------------------------------------- configurations

_SECOND_HOST = """
machine: {netbios_name: APPSRV, dns_name: appsrv.corp.local, sid: S-1-5-21-7-8-9, comment: Intranet}
domain: {name: CORP, dns_name: corp.local, sid: S-1-5-21-1004336348-1177238915-682003330}
users:
  - {name: Administrator, rid: 500, password: "Secret123!"}
"""


@pytest.fixture(scope="module")
def win2000() -> ServerConfig:
    return build_config("win2000")


@pytest.fixture(scope="module")
def restricted() -> ServerConfig:
    return build_config("win2000", overrides=["RestrictAnonymous=1"])


@pytest.fixture(scope="module")
def win2016() -> ServerConfig:
    return build_config("win2016")


# ---------------------------------------------------------------------------------- NetShareEnum


def test_share_enum_lists_the_fixture_shares_with_types_and_remarks(win2000: ServerConfig) -> None:
    params, data = call(win2000, share_enum())
    status, _ = header(params)
    returned, available = struct.unpack_from("<HH", params, 4)
    shares = decode_shares(params, data)
    expected = [(s.name, s.stype & 0xFFFF, s.comment) for s in win2000.directory.shares]
    assert status == SUCCESS and len(params) == 8
    assert returned == available == len(expected)
    assert [(s["name"], s["type"], s["remark"]) for s in shares] == expected
    by_name = {s["name"]: s for s in shares}
    # IPC$ and the administrative shares are listed, IPC$ with type 3 (STYPE_IPC, 16 bits).
    assert by_name["IPC$"]["type"] == 3 and by_name["IPC$"]["remark"] == "Remote IPC"
    assert by_name["ADMIN$"]["type"] == 0 and by_name["C$"]["remark"] == "Default share"


def test_share_enum_matches_the_ms_rap_4_1_capture(win2000: ServerConfig) -> None:
    """MS-RAP 4.1: four shares, ReceiveBufferSize 4096 -> the exact parameters and data."""
    config = replace(win2000, directory=_with_shares(win2000, [
        Share("C$", "disk", True, "Default share", "C:\\"), Share("IPC$", "ipc", True, "Remote IPC"),
        Share("ADMIN$", "disk", True, "Remote Admin", "C:\\WINDOWS"),
        Share("D$", "disk", True, "Default share", "D:\\")]))
    request = bytes.fromhex("0000 57724c656800 42313342577a00 0100 0010")
    params, data = call(config, request, max_data=4096)
    assert params == bytes.fromhex("00007c0f04000400")
    assert data == bytes.fromhex(
        "43 24 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
        "F2 0F 00 00 49 50 43 24 00 00 00 00 00 00 00 00"
        "00 00 03 00 E7 0F 00 00 41 44 4D 49 4E 24 00 00"
        "00 00 00 00 00 00 00 00 DA 0F 00 00 44 24 00 00"
        "00 00 00 00 00 00 00 00 00 00 00 00 CC 0F 00 00"
        "44 65 66 61 75 6C 74 20 73 68 61 72 65 00 52 65"
        "6D 6F 74 65 20 41 64 6D 69 6E 00 52 65 6D 6F 74"
        "65 20 49 50 43 00 44 65 66 61 75 6C 74 20 73 68"
        "61 72 65 00")


def _with_shares(config: ServerConfig, shares: list[Share]) -> Any:
    import copy

    directory = copy.copy(config.directory)
    directory.shares = tuple(shares)
    directory._shares = {s.name.lower(): s for s in shares}  # type: ignore[attr-defined]
    return directory


@pytest.mark.parametrize(("profile", "overrides", "principal", "status"), [
    ("win2000", [], ANONYMOUS, SUCCESS),
    ("win2000", ["RestrictAnonymous=1"], ANONYMOUS, ACCESS_DENIED),
    ("win2000", ["RestrictAnonymous=1"], USER, SUCCESS),
    ("win2000", ["RestrictAnonymous=1"], ADMIN, SUCCESS),
    ("nt4", [], ANONYMOUS, SUCCESS),
    # 2003's NullSessionPipes lack srvsvc: the twin's pipe open is refused, as over SMB2
    ("win2003", [], ANONYMOUS, ACCESS_DENIED),
    ("win2003", ["RestrictNullSessAccess=0"], ANONYMOUS, SUCCESS),  # RestrictAnonymous=0: the call is allowed
    ("win2003", ["RestrictAnonymous=1"], ANONYMOUS, ACCESS_DENIED),
    ("win2008", [], USER, SUCCESS),
    # MS-RAP Appendix A <15>: servers after 2008 do not answer NetShareEnum.
    ("win2012", [], ADMIN, INVALID_API),
    ("win2016", [], ANONYMOUS, INVALID_API),
    ("win2016", [], ADMIN, INVALID_API),
])
def test_share_enum_refusals_per_profile(profile: str, overrides: list[str], principal: Principal,
                                         status: int) -> None:
    config = build_config(profile, overrides=overrides)
    params, data = call(config, share_enum(), principal)
    assert header(params)[0] == status
    if status == SUCCESS:
        assert decode_shares(params, data)
    elif status == INVALID_API:
        assert len(params) == 4 and data == b""
    else:  # the full RAPOutParams, zero, and no data
        assert params[4:] == bytes(4) and data == b""


@pytest.mark.parametrize("profile", ["nt4", "win2000", "win2003", "win2008", "win2000-dc"])
@pytest.mark.parametrize("restrict", ["0", "1"])
def test_share_enum_asks_the_question_of_netrshareenum(profile: str, restrict: str) -> None:
    """The RAP answer follows the policy's decisions on the twin's path (the \\PIPE\\srvsvc open,
    then NetrShareEnum), whatever the profile says."""
    config = build_config(profile, overrides=[f"RestrictAnonymous={restrict}"])
    policy = policy_for(config)
    twin = policy.pipe_open(ANONYMOUS, "srvsvc").allowed and policy.decide(ANONYMOUS, "srvsvc", "NetrShareEnum", 1).allowed
    params, _ = call(config, share_enum())
    assert header(params)[0] == (SUCCESS if twin else ACCESS_DENIED)


def test_share_enum_level_2_is_for_administrators(win2000: ServerConfig) -> None:
    params, _ = call(win2000, share_enum(2))
    assert header(params)[0] == ACCESS_DENIED
    params, data = call(win2000, share_enum(2), ADMIN)
    shares = {s["name"]: s for s in decode_shares(params, data, 2)}
    assert header(params)[0] == SUCCESS
    assert shares["C$"]["path"] == "C:\\" and shares["C$"]["max_uses"] == 0xFFFF
    assert shares["Public"]["password"] == ""


def test_share_enum_level_0_and_an_unknown_level(win2000: ServerConfig) -> None:
    params, data = call(win2000, share_enum(0))
    assert [s["name"] for s in decode_shares(params, data, 0)][:2] == ["IPC$", "ADMIN$"]
    params, data = call(win2000, rap(0, "WrLeh", "B13", struct.pack("<HH", 7, 4096)))
    assert header(params)[0] == INVALID_LEVEL and data == b""


def test_share_enum_paging_more_data_and_buffer_too_small(win2000: ServerConfig) -> None:
    total = len(win2000.directory.shares)
    params, data = call(win2000, share_enum(1, 100))
    returned, available = struct.unpack_from("<HH", params, 4)
    assert header(params)[0] == MORE_DATA and 0 < returned < available == total
    assert len(data) <= 100
    assert all(s["remark"] is None or s["remark"] for s in decode_shares(params, data))
    params, data = call(win2000, share_enum(1, 10))  # not even one 20-byte NetShareInfo1
    assert header(params)[0] == BUF_TOO_SMALL and data == b""
    # The transaction's MaxDataCount bounds the answer as well as ReceiveBufferSize.
    params, data = call(win2000, share_enum(1, 0xFFE0), max_data=60)
    assert header(params)[0] == MORE_DATA and len(data) <= 60


def test_share_names_longer_than_12_are_skipped_but_counted(win2000: ServerConfig) -> None:
    long = Share("ThirteenChars", "disk", False, "too long", "D:\\x")
    config = replace(win2000, directory=_with_shares(win2000, [*win2000.directory.shares, long]))
    params, data = call(config, share_enum())
    returned, available = struct.unpack_from("<HH", params, 4)
    assert header(params)[0] == SUCCESS  # MS-RAP <68>
    assert available == returned + 1 and "ThirteenChars" not in {s["name"] for s in decode_shares(params, data)}


def test_share_get_info(win2000: ServerConfig, restricted: ServerConfig) -> None:
    request = rap(1, "zWrLh", "B13BWz", b"Public\0" + struct.pack("<HH", 1, 4096))
    params, data = call(win2000, request)
    status, converter = header(params)
    (total,) = struct.unpack_from("<H", params, 4)
    assert status == SUCCESS and total == len(data)
    assert fixed(data[:13]) == "Public"
    assert cstring(data, struct.unpack_from("<I", data, 16)[0], converter) == "Public files - everyone can read"
    missing = rap(1, "zWrLh", "B13BWz", b"NoSuch\0" + struct.pack("<HH", 1, 4096))
    assert header(call(win2000, missing)[0])[0] == NET_NAME_NOT_FOUND
    assert header(call(restricted, request)[0])[0] == ACCESS_DENIED


# ---------------------------------------------------------------------------------- server, workstation


def test_server_get_info_levels_0_and_1(win2000: ServerConfig) -> None:
    identity = win2000.profile.identity.srvsvc
    params, data = call(win2000, rap(13, "WrLh", "B16BBDz", struct.pack("<HH", 1, 4096)))
    status, converter = header(params)
    major, minor, stype, comment = struct.unpack_from("<BBII", data, 16)
    assert status == SUCCESS and struct.unpack_from("<H", params, 4)[0] == len(data) == 26 + 22
    assert fixed(data[:16]) == "LEGACYSRV" and (major, minor) == (5, 0)
    assert stype == identity.server_type and cstring(data, comment, converter) == "File and print server"
    params, data = call(win2000, rap(13, "WrLh", "B16", struct.pack("<HH", 0, 4096)))
    assert header(params)[0] == SUCCESS and data == b"LEGACYSRV".ljust(16, b"\0")
    params, _ = call(win2000, rap(13, "WrLh", "B16BBDz", struct.pack("<HH", 2, 4096)))
    assert header(params)[0] == INVALID_LEVEL
    # A buffer holding the fixed part only: the comment pointer is 0 and the answer MORE_DATA.
    params, data = call(win2000, rap(13, "WrLh", "B16BBDz", struct.pack("<HH", 1, 26)))
    assert header(params)[0] == MORE_DATA and struct.unpack_from("<I", data, 22)[0] == 0


def test_wksta_get_info_level_10(win2000: ServerConfig) -> None:
    params, data = call(win2000, rap(63, "WrLh", "zzzBBzz", struct.pack("<HH", 10, 4096)), USER)
    status, converter = header(params)
    computer, user, langroup, major, minor, logon_domain, other = struct.unpack_from("<IIIBBII", data)
    assert status == SUCCESS
    assert cstring(data, computer, converter) == "LEGACYSRV"
    assert cstring(data, langroup, converter) == "CORP" and (major, minor) == (5, 0)
    # MS-RAP Appendix A <59>, <62>, <63>: Windows servers send these as NULL.
    assert user == logon_domain == other == 0
    params, _ = call(win2000, rap(63, "WrLh", "zzzBBzz", struct.pack("<HH", 1, 4096)))
    assert header(params)[0] == INVALID_LEVEL


def test_wksta_get_info_follows_netrwkstagetinfo() -> None:
    """Windows 2000 with RestrictAnonymous=2: anonymous is not in Everyone, refused as by RPC."""
    config = build_config("win2000", overrides=["RestrictAnonymous=2"])
    params, _ = call(config, rap(63, "WrLh", "zzzBBzz", struct.pack("<HH", 10, 4096)))
    assert header(params)[0] == ACCESS_DENIED
    assert header(call(config, rap(63, "WrLh", "zzzBBzz", struct.pack("<HH", 10, 4096)), USER)[0])[0] == SUCCESS


def test_remote_tod(win2000: ServerConfig, win2016: ServerConfig) -> None:
    """`net time`: TimeOfDayInfo (MS-RAP 2.5.9.2.1), the lab's clock in UTC (ServerTimeZone 0)."""
    import time
    from datetime import datetime, timezone

    before = int(time.time())
    params, data = call(win2000, rap(91, "rL", "DDBBBBWWBBWB", struct.pack("<H", 4096)))
    after = int(time.time())
    assert params == struct.pack("<HH", SUCCESS, header(params)[1]) and len(data) == 21
    (seconds, _, hours, minutes, _, _, zone, tick, day, month, year,
     weekday) = struct.unpack("<IIBBBBhHBBHB", data)
    assert before <= seconds <= after and zone == 0 and tick == 310  # MS-RAP <50>: 31 ms
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    assert (hours, minutes, day, month, year) == (moment.hour, moment.minute, moment.day,
                                                   moment.month, moment.year)
    assert weekday == (moment.weekday() + 1) % 7  # 0 = Sunday
    params, _ = call(win2016, rap(91, "rL", "DDBBBBWWBBWB", struct.pack("<H", 4096)))
    assert params == struct.pack("<HH", INVALID_API, 0)


# ---------------------------------------------------------------------------------- NetUserEnum


def user_enum(level: int = 0) -> bytes:
    desc = {0: "B21", 1: "B21BB16DWzzWz", 10: "B21Bzzz"}[level]
    return rap(53, "WrLeh", desc, struct.pack("<HH", level, 0xFF00))


def test_user_enum_level_0_lists_the_accounts(win2000: ServerConfig) -> None:
    params, data = call(win2000, user_enum(0))
    returned, available = struct.unpack_from("<HH", params, 4)
    names = [fixed(data[i * 21:(i + 1) * 21]) for i in range(returned)]
    assert header(params)[0] == SUCCESS and returned == available
    assert names == [u.name for u in win2000.directory.users]
    assert {"Administrator", "Guest", "alice"} <= set(names)


def test_user_enum_level_1_privilege_flags_and_comment(win2000: ServerConfig) -> None:
    params, data = call(win2000, user_enum(1), USER)
    _, converter = header(params)
    users = {}
    for i in range(struct.unpack_from("<H", params, 4)[0]):
        entry = data[i * 58:(i + 1) * 58]  # B21 B B16 D W z z W z
        priv, home, comment, flags, script = struct.unpack_from("<HIIHI", entry, 42)
        users[fixed(entry[:21])] = (priv, cstring(data, comment, converter), flags, entry[22:38])
    assert users["Administrator"][0] == 2  # USER_PRIV_ADMIN
    assert users["alice"][0] == 1 and users["alice"][3] == bytes(16)  # no password travels
    assert users["Guest"][2] & 0x0002  # UF_ACCOUNTDISABLE
    assert users["alice"][2] & 0x0201 == 0x0201  # UF_NORMAL_ACCOUNT | UF_SCRIPT
    description = win2000.directory.find_user("nyoung").description  # type: ignore[union-attr]
    assert users["nyoung"][1] == description


def test_user_enum_level_10(win2000: ServerConfig) -> None:
    params, data = call(win2000, user_enum(10))
    _, converter = header(params)
    names = {}
    for i in range(struct.unpack_from("<H", params, 4)[0]):
        entry = data[i * 34:(i + 1) * 34]
        _, _, full = struct.unpack_from("<III", entry, 22)
        names[fixed(entry[:21])] = cstring(data, full, converter)
    assert names["alice"] == "Alice Liddell"


@pytest.mark.parametrize(("profile", "overrides", "principal", "status"), [
    ("win2000", [], ANONYMOUS, SUCCESS),
    ("win2000", ["RestrictAnonymous=1"], ANONYMOUS, ACCESS_DENIED),
    ("win2000", ["RestrictAnonymous=1"], USER, SUCCESS),
    ("nt4", [], ANONYMOUS, SUCCESS),
    ("win2003", [], ANONYMOUS, ACCESS_DENIED),  # RestrictAnonymousSAM=1 (§0.1)
    ("win2003", [], ADMIN, SUCCESS),
    ("win2016", [], ADMIN, INVALID_API),
])
def test_user_enum_refusals_per_profile(profile: str, overrides: list[str], principal: Principal,
                                        status: int) -> None:
    config = build_config(profile, overrides=overrides)
    params, data = call(config, user_enum(0), principal)
    assert header(params)[0] == status
    assert (data != b"") == (status == SUCCESS)


# ---------------------------------------------------------------------------------- NetServerEnum2


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServerConfig, ServerConfig, ServerConfig]:
    """Three hosts as `smbemu serve --hosts` serves them: LEGACYSRV (win2000, CORP), APPSRV
    (win2003, CORP) and TESTSRV (win2003-dc, domain TEST, the master browser of TEST)."""
    fixture = tmp_path_factory.mktemp("rap") / "appsrv.yaml"
    fixture.write_text(_SECOND_HOST)
    hosts = [build_config("win2000"), build_config("win2003", fixture),
             build_config("win2003-dc", Path(__file__).parents[2] / "fixtures" / "minimal.yaml")]
    for host in hosts:
        host.lab_hosts = lambda: hosts
    return hosts[0], hosts[1], hosts[2]


def test_server_enum2_lists_the_hosts_of_the_domain(lab: tuple[ServerConfig, ...]) -> None:
    legacy, appsrv, _ = lab
    params, data = call(legacy, server_enum2(SV_TYPE_ALL))
    servers = decode_servers(params, data)
    assert header(params)[0] == SUCCESS
    assert [s["name"] for s in servers] == ["APPSRV", "LEGACYSRV"]  # alphabetical, CORP only
    app = servers[0]
    assert app["version"] == (5, 2) and app["comment"] == "Intranet"
    assert app["type"] == appsrv.profile.identity.srvsvc.server_type
    # MS-RAP 4.2: the converter is the receive buffer left unused.
    assert header(params)[1] == 0xFFE0 - len(data)
    # smbclient -L names the workgroup; a type filter keeps the servers of that type only.
    params, data = call(legacy, server_enum2(SV_TYPE_SERVER, "corp", level=0))
    assert [s["name"] for s in decode_servers(params, data, 0)] == ["APPSRV", "LEGACYSRV"]
    params, data = call(legacy, server_enum2(0x00000008, "CORP"))  # SV_TYPE_DOMAIN_CTRL
    assert header(params)[0] == NO_BROWSER_SERVERS and data == b""


def test_server_enum2_domain_list_and_other_domains(lab: tuple[ServerConfig, ...]) -> None:
    legacy, _, _ = lab
    params, data = call(legacy, server_enum2(SV_TYPE_DOMAIN_ENUM, ""))
    domains = {d["name"]: d for d in decode_servers(params, data)}
    assert header(params)[0] == SUCCESS and set(domains) == {"CORP", "TEST"}
    # Both CORP hosts run a master browser; the election's tie goes to APPSRV (by name), and
    # TESTSRV is the domain master (PDC) of TEST (MS-BRWS 2.2.3 Role criteria).
    assert domains["CORP"]["comment"] == "APPSRV" and domains["TEST"]["comment"] == "TESTSRV"
    assert all(d["type"] & SV_TYPE_DOMAIN_ENUM for d in domains.values())
    params, data = call(legacy, server_enum2(SV_TYPE_ALL, "TEST"))
    assert [s["name"] for s in decode_servers(params, data)] == ["TESTSRV"]
    params, data = call(legacy, server_enum2(SV_TYPE_ALL, "NOWHERE"))
    assert header(params)[0] == NO_BROWSER_SERVERS
    params, _ = call(legacy, server_enum2(SV_TYPE_DOMAIN_ENUM | SV_TYPE_SERVER, ""))
    assert header(params)[0] == INVALID_FUNCTION  # MS-BRWS 3.3.5.6
    params, _ = call(legacy, server_enum2(SV_TYPE_ALL, None, level=2))
    assert header(params)[0] == INVALID_LEVEL


def test_server_enum2_alone_and_without_a_browser(win2000: ServerConfig, win2016: ServerConfig) -> None:
    params, data = call(win2000, server_enum2(SV_TYPE_ALL))
    assert [s["name"] for s in decode_servers(params, data)] == ["LEGACYSRV"]
    # Server 2016: Computer Browser not running (no browser bits) -> no list.
    params, data = call(win2016, server_enum2(SV_TYPE_ALL), ANONYMOUS)
    assert header(params)[0] == NO_BROWSER_SERVERS and data == b""
    # XP: no browser bits in its profile (issue 13: WKS|SRV|NT) -> no list either.
    params, data = call(build_config("winxp"), server_enum2(SV_TYPE_ALL))
    assert header(params)[0] == NO_BROWSER_SERVERS and data == b""


def test_server_enum2_is_open_to_anonymous_even_with_restrict_anonymous(restricted: ServerConfig) -> None:
    params, data = call(restricted, server_enum2(SV_TYPE_DOMAIN_ENUM, ""))
    assert header(params)[0] == SUCCESS and decode_servers(params, data)[0]["name"] == "CORP"


def test_server_enum3_starts_at_first_name(lab: tuple[ServerConfig, ...]) -> None:
    legacy, _, _ = lab
    request = rap(215, "WrLehDzz", "B16", struct.pack("<HHI", 0, 4096, SV_TYPE_ALL) + b"\0B\0")
    params, data = call(legacy, request)
    assert [s["name"] for s in decode_servers(params, data, 0)] == ["LEGACYSRV"]


# ---------------------------------------------------------------------------------- bad input


def test_unknown_opcodes_are_answered_invalid_api(win2000: ServerConfig) -> None:
    for opcode in (2, 6, 56, 300, 0xFFFF):  # NetShareSetInfo, NetSessionEnum, NetUserGetInfo, ...
        params, data = call(win2000, rap(opcode, "zWrLh", "", b"x\0" + struct.pack("<HH", 0, 100)))
        assert params == struct.pack("<HH", INVALID_API, 0) and data == b""


@pytest.mark.parametrize("request_bytes", [
    rap(0, "WrLh", "B13BWz", struct.pack("<HH", 1, 4096)),  # ParamDesc of another command
    rap(104, "WrLeh", "B16", struct.pack("<HH", 0, 4096)),
    b"\x00",  # not even an opcode
    b"\x00\x00WrLeh",  # unterminated ParamDesc
    rap(0, "WrLeh", "B13BWz", b"\x01"),  # the level cut in half
    rap(1, "zWrLh", "B13", b"IPC$"),  # unterminated share name
])
def test_malformed_requests_fail_the_transaction(win2000: ServerConfig, request_bytes: bytes) -> None:
    with pytest.raises(SmbStatusError) as raised:
        call(win2000, request_bytes)
    assert raised.value.status == STATUS_INVALID_PARAMETER


def test_every_truncation_and_mutation_is_answered_or_refused(win2000: ServerConfig) -> None:
    """No request makes serve raise anything but the SMB-level refusal (seeded, repeatable)."""
    requests = [share_enum(), server_enum2(SV_TYPE_ALL, "CORP"), user_enum(1),
                rap(1, "zWrLh", "B13BWz", b"C$\0" + struct.pack("<HH", 2, 4096)),
                rap(13, "WrLh", "B16BBDz", struct.pack("<HH", 1, 4096)),
                rap(63, "WrLh", "zzzBBzz", struct.pack("<HH", 10, 4096))]
    rng = random.Random(1207)
    answered = 0
    for base in requests:
        variants = [base[:n] for n in range(len(base))]
        for _ in range(200):
            mutated = bytearray(base)
            for _ in range(rng.randint(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            variants.append(bytes(mutated))
        for variant in variants:
            try:
                params, data = call(win2000, variant, ADMIN, max_params=rng.choice([0, 3, 8, 16]),
                                    max_data=rng.choice([0, 20, 4096]))
            except SmbStatusError as exc:
                assert exc.status == STATUS_INVALID_PARAMETER
                continue
            answered += 1
            assert len(data) <= 4096
    assert answered > 100


def test_a_small_max_parameter_count_gets_buf_too_small(win2000: ServerConfig) -> None:
    params, data = call(win2000, share_enum(), max_params=4)
    assert params == struct.pack("<HH", BUF_TOO_SMALL, 0)


# ---------------------------------------------------------------------------------- audit


def test_rap_calls_reach_the_observers_and_the_audit_log(restricted: ServerConfig) -> None:
    config = replace(restricted, observers=events.Observers())
    seen: list[events.Event] = []
    config.observers.subscribe(seen.append)
    stream = io.StringIO()
    audit.subscribe(config, audit.AuditLog(stream, "LEGACYSRV"))
    call(config, share_enum())
    call(config, server_enum2(SV_TYPE_ALL))
    rap_events = [e for e in seen if isinstance(e, events.RapCall)]
    assert [(e.command, e.status) for e in rap_events] == [("NetShareEnum", ACCESS_DENIED),
                                                          ("NetServerEnum2", SUCCESS)]
    assert rap_events[0].decision is not None and "RestrictAnonymous" in rap_events[0].decision.reason
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["EventID"] for line in lines] == [audit.RAP_EVENT_ID] * 2
    assert lines[0]["OperationName"] == "NetShareEnum" and lines[0]["PolicyDecision"] == "deny"
    assert lines[0]["Keywords"] == audit.AUDIT_FAILURE and lines[1]["Keywords"] == audit.AUDIT_SUCCESS


# ---------------------------------------------------------------------------------- captured requests

#: The TRANSACTION parameters Samba 4.17.12's `net rap` sent, with their MaxParameterCount and
#: MaxDataCount, captured with tshark against smbd (`server max protocol = NT1`, `net
#: --option='client min protocol=NT1' rap ... -S 127.0.0.1 -U%`).  The domain `net rap server
#: domain` / `net rap domain` name is the server's NTLM target name (SAMBASRV there).
SAMBA_NET_RAP = {
    "share": ("000057724c65680042313342577a000100e0ff", 1024, 65504),
    "user": ("350057724c65680042323100000000ff", 8, 65535),
    "server name": ("0d0057724c68004231364242447a000100ffff", 8, 65535),
    "server domain": ("680057724c6568447a004231364242447a000100ffffffffffff53414d424153525600",
                      8, 65535),
    "domain": ("680057724c6568447a004231364242447a000100ffff0000008053414d424153525600", 8, 65535),
}


def captured(which: str) -> tuple[bytes, int, int]:
    hexed, max_params, max_data = SAMBA_NET_RAP[which]
    return bytes.fromhex(hexed), max_params, max_data


def test_samba_net_rap_share_and_user(win2000: ServerConfig) -> None:
    request, max_params, max_data = captured("share")
    params, data = call(win2000, request, max_params=max_params, max_data=max_data)
    assert header(params)[0] == SUCCESS
    assert [s["name"] for s in decode_shares(params, data)] == [s.name for s in win2000.directory.shares]
    request, max_params, max_data = captured("user")
    params, data = call(win2000, request, max_params=max_params, max_data=max_data)
    returned = struct.unpack_from("<H", params, 4)[0]
    assert header(params)[0] == SUCCESS
    assert [fixed(data[i * 21:(i + 1) * 21]) for i in range(returned)] == [u.name for u in win2000.directory.users]


def test_samba_net_rap_server_name_domain_and_domains(win2000: ServerConfig) -> None:
    request, max_params, max_data = captured("server name")
    params, data = call(win2000, request, max_params=max_params, max_data=max_data)
    assert header(params)[0] == SUCCESS and fixed(data[:16]) == "LEGACYSRV"
    # The servers of "SAMBASRV": no such domain here (MS-BRWS 3.3.5.6, NT clients).
    request, max_params, max_data = captured("server domain")
    params, data = call(win2000, request, max_params=max_params, max_data=max_data)
    assert header(params)[0] == NO_BROWSER_SERVERS and data == b""
    # The domain list ignores the domain named.
    request, max_params, max_data = captured("domain")
    params, data = call(win2000, request, max_params=max_params, max_data=max_data)
    assert [(d["name"], d["comment"]) for d in decode_servers(params, data)] == [("CORP", "LEGACYSRV")]
