"""SMB1 TRANS2_GET_DFS_REFERRAL (MS-CIFS 2.2.6.16) on the DC profiles that speak SMB1, sans-I/O:
the RESP_GET_DFS_REFERRAL of smbemu.dfs_referral in the response's Trans2_Data, with what MS-DFSC
Appendix A says each release sends (<3> padding, <18> highest version, <34>/<37> name lists below
version 3, <46> a missing namespace). The wire is checked by tests/interop/test_wire_identity_dfs.py."""

from __future__ import annotations

import struct

import pytest
from smb1pipefake import FakeView, status_of, trans_request, trans_result

from smbemu.errors import SmbStatusError
from smbemu.smb1 import trans2
from smbemu.status import NtStatus

TRANS2_GET_DFS_REFERRAL = 0x0010


def _ask(profile: str, level: int, path: str, max_data: int = 4096) -> bytes:
    view = FakeView(profile)
    params = struct.pack("<H", level) + path.encode("utf-16-le") + b"\x00\x00"
    req = trans_request(view, (TRANS2_GET_DFS_REFERRAL,), params=params, command=0x32, max_data=max_data)
    response_params, data, _totals = trans_result(trans2.handle(view, req))  # type: ignore[arg-type]
    assert response_params == b""  # MS-CIFS 2.2.6.16.2: no Trans2_Parameters
    return data


def _refused(profile: str, level: int, path: str, max_data: int = 4096) -> int:
    with pytest.raises(SmbStatusError) as excinfo:
        _ask(profile, level, path, max_data)
    return status_of(excinfo)


def _entries(data: bytes) -> list[tuple[int, int, int]]:
    """(version, size, flags) of each entry, walking by Size as a client does (MS-DFSC 2.2.4)."""
    _consumed, count, _flags = struct.unpack_from("<HHI", data)
    offset, out = 8, []
    for _ in range(count):
        version, size, _type, flags = struct.unpack_from("<HHHH", data, offset)
        out.append((version, size, flags))
        offset += size
    return out


@pytest.mark.parametrize(("profile", "version"), [("win2000-dc", 3), ("win2003-dc", 4), ("win2008-dc", 4), ("win2016-dc", 4)])
def test_sysvol_referral_in_the_highest_version_the_release_knows(profile: str, version: int) -> None:
    """MS-DFSC <18>: 2000 answers in version 3 at most, 2003 SP1 and later in 4 (TargetSetBoundary)."""
    data = _ask(profile, 4, "\\corp.local\\SYSVOL")
    consumed, count, flags = struct.unpack_from("<HHI", data)
    assert (consumed, count, flags) == (len("\\corp.local\\SYSVOL") * 2, 1, 2)
    assert _entries(data) == [(version, 34, 4 if version == 4 else 0)]
    ttl, path_at, alt_at, node_at = struct.unpack_from("<IHHH", data, 16)
    entry = data[8:]
    assert ttl == 900 and entry[node_at:] == "\\LEGACYSRV.corp.local\\SYSVOL\x00".encode("utf-16-le")
    assert entry[path_at:alt_at] == entry[alt_at:node_at] == "\\corp.local\\SYSVOL\x00".encode("utf-16-le")


@pytest.mark.parametrize(("profile", "domain_size"), [("win2000-dc", 34), ("win2003-dc", 34), ("win2008-dc", 18), ("win2016-dc", 18)])
def test_domain_and_dc_referrals_pad_as_the_release_does(profile: str, domain_size: int) -> None:
    """MS-DFSC <3>: 2000 / 2003 pad every NameListReferral entry with 16 bytes, 2008 and later only
    the DC referral's (the 2008 R2 captures: 18-byte domain entries, a 34-byte DC entry)."""
    domain = _ask(profile, 3, "")
    assert _entries(domain) == [(3, domain_size, 2), (3, domain_size, 2)]
    special_at = struct.unpack_from("<H", domain, 8 + 12)[0]
    assert domain[8 + special_at:].startswith("\\CORP\x00".encode("utf-16-le"))
    dc = _ask(profile, 3, "\\CORP")
    assert _entries(dc) == [(3, 34, 2)]
    _special, count, expanded_at = struct.unpack_from("<HHH", dc, 8 + 12)
    assert count == 1 and dc[8 + expanded_at:] == "\\LEGACYSRV\x00".encode("utf-16-le")


def test_name_lists_below_version_three_per_release() -> None:
    """MS-DFSC 3.3.5.2 / 3.3.5.3: 2008 and later refuse (STATUS_UNSUCCESSFUL); 2000 and 2003 answer
    in the version asked (<34>, <37>)."""
    assert _refused("win2008-dc", 2, "") == NtStatus.UNSUCCESSFUL
    assert _refused("win2016-dc", 1, "\\corp.local") == NtStatus.UNSUCCESSFUL
    v1 = _ask("win2000-dc", 1, "\\corp.local")
    assert _entries(v1) == [(1, 8 + len("\\LEGACYSRV.corp.local\x00") * 2, 0)]
    assert v1[16:] == "\\LEGACYSRV.corp.local\x00".encode("utf-16-le")
    v2 = _ask("win2003-dc", 2, "")
    assert [entry[:2] for entry in _entries(v2)] == [(2, 22), (2, 22)]


def test_level_one_sets_referral_servers_too() -> None:
    """MS-DFSC 3.3.5.4: MaxReferralLevel 1 sets ReferralServers and StorageServers."""
    data = _ask("win2003-dc", 1, "\\CORP\\NETLOGON")
    assert struct.unpack_from("<HHI", data)[2] == 3
    assert data[16:] == "\\LEGACYSRV\\NETLOGON\x00".encode("utf-16-le")


@pytest.mark.parametrize(("profile", "status"), [
    ("win2000-dc", NtStatus.NO_SUCH_DEVICE), ("win2003-dc", NtStatus.UNSUCCESSFUL), ("win2008-dc", NtStatus.NO_SUCH_FILE),
])
def test_a_missing_domain_namespace_per_release(profile: str, status: int) -> None:
    assert _refused(profile, 3, "\\corp.local\\public") == status  # MS-DFSC 3.3.5.5, <46>


@pytest.mark.parametrize(("profile", "statuses"), [
    # MS-DFSC 3.2.5.2-3.2.5.5 with <20>, <21>, <22>: 2000 / 2003 members run a DFS server hosting nothing.
    ("win2000", (NtStatus.INVALID_PARAMETER, NtStatus.INVALID_PARAMETER, NtStatus.NO_SUCH_DEVICE,
                 NtStatus.NOT_FOUND, NtStatus.NO_SUCH_DEVICE)),
    ("win2003", (NtStatus.INVALID_PARAMETER, NtStatus.INVALID_PARAMETER, NtStatus.NO_SUCH_DEVICE,
                 NtStatus.NOT_FOUND, NtStatus.NOT_FOUND)),
    # No DFS server: XP (<17>: a client release) and 2008 and later (the 10.0.17763 / 19041 captures).
    ("winxp", (NtStatus.FS_DRIVER_REQUIRED,) * 5),
    ("win2008", (NtStatus.FS_DRIVER_REQUIRED,) * 5),
    ("win2016", (NtStatus.FS_DRIVER_REQUIRED,) * 5),
])
def test_members_answer_as_their_dfs_server_does(profile: str, statuses: tuple[int, ...]) -> None:
    paths = ("", "\\corp.local", "\\CORP\\SYSVOL", "\\corp.local\\public", "\\LEGACYSRV\\C$")
    assert tuple(_refused(profile, 3, path) for path in paths) == statuses


def test_refusals_and_bad_input() -> None:
    assert _refused("win2000-dc", 3, "\\other.example") == NtStatus.INVALID_PARAMETER  # 3.3.5.3
    assert _refused("win2000-dc", 3, "\\other.example\\SYSVOL") == NtStatus.NOT_FOUND  # 3.3.5.4
    assert _refused("win2000-dc", 3, "\\corp.local\\SYSVOL\\x") == NtStatus.NOT_FOUND  # 3.3.5.4
    assert _refused("win2000-dc", 0, "\\corp.local\\SYSVOL") == NtStatus.INVALID_PARAMETER  # 2.2.2
    assert _refused("win2000-dc", 3, "\\corp.local\\SYSVOL", max_data=40) == NtStatus.BUFFER_OVERFLOW  # 3.2.5.1
    view = FakeView("win2000-dc")
    with pytest.raises(SmbStatusError) as excinfo:
        trans2.handle(view, trans_request(view, (TRANS2_GET_DFS_REFERRAL,), params=b"\x03", command=0x32))
    assert status_of(excinfo) == NtStatus.INVALID_PARAMETER  # no room for MaxReferralLevel


def test_mutated_referral_requests_get_a_status_never_a_traceback() -> None:
    """Bad network input: cut, flipped and grown REQ_GET_DFS_REFERRALs on a DC answer or raise
    SmbStatusError, nothing else."""
    import random

    rng = random.Random(13)
    base = struct.pack("<H", 4) + "\\corp.local\\SYSVOL\x00".encode("utf-16-le")
    for _ in range(300):
        params = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            choice = rng.random()
            if choice < 0.4 and params:
                params[rng.randrange(len(params))] = rng.randrange(256)
            elif choice < 0.7:
                del params[rng.randrange(len(params) + 1):]
            else:
                params += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        view = FakeView("win2003-dc")
        req = trans_request(view, (TRANS2_GET_DFS_REFERRAL,), params=bytes(params), command=0x32)
        try:
            trans2.handle(view, req)
        except SmbStatusError:
            pass
