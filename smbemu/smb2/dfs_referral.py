"""FSCTL_DFS_GET_REFERRALS(_EX) as a Windows DC's DFS server answers it (MS-SMB2 3.3.5.15.2, MS-DFSC).

A DC answers domain, DC and SYSVOL / NETLOGON referrals (MS-DFSC 3.3: "A DFS server on a DC MUST
respond to domain, DC, sysvol, root, and link-referral requests"); smbemu hosts no namespace, so
root and link referrals fail. The layouts follow MS-DFSC 2.2.2-2.2.5 and two 2008 R2 SP1 DCs in
suricata-verify (tests/smb2-09-trunc-file-logging/input.pcap, tests/smb-filename/input.pcap):

- domain referral (empty path): two version-3 NameListReferral entries of 18 bytes, NetBIOS then
  DNS domain name (the captures show both orders), TTL 600, PathConsumed 0, header flags 0;
- DC referral ("granitemania.com", the leading backslash optional): one 34-byte version-3 entry
  (16 zero bytes after the fixed part), the domain as "\\granitemania.com" and one expanded name,
  "\\GRANITEMANIA-DC.granitemania.com" (NetBIOS DC names for a NetBIOS domain, 3.3.5.3);
- SYSVOL referral ("\\granitemania.com\\sysvol", level 4): PathConsumed = the path's bytes, header
  flags StorageServers, one 34-byte entry (version 4 with TargetSetBoundary; version 3 with no
  flags at level 3), TTL 900, DFSPath = DFSAlternatePath = the request's path, NetworkAddress
  "\\<dc>\\sysvol" with the share in the request's case. Asked at level 1 or 2, the same target
  in a version-1 / version-2 entry (MS-DFSC 3.3.5.4: the highest version both sides know); domain
  and DC referrals exist from version 3 only (STATUS_UNSUCCESSFUL below it, 3.3.5.2 / 3.3.5.3).

Non-DC profiles have no DFS server running: STATUS_FS_DRIVER_REQUIRED (3.3.5.15.2 "If IsDfsCapable
is set to FALSE"), as 10.0.17763 and 10.0.19041 answer in zeek
testing/btest/Traces/smb/smb_v2_only_non_zero_reserved1.pcap and suricata-verify
tests/smb2-named-pipe-unicode/input.pcap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smbemu.errors import SmbStatusError
from smbemu.smb2.layouts import build, parse
from smbemu.smb2.layouts.files import (
    DfsNameListReferral,
    DfsReferralRequest,
    DfsReferralRequestEx,
    DfsReferralResponseHeader,
    DfsReferralV1,
    DfsReferralV2,
    DfsTargetReferral,
)
from smbemu.status import NtStatus

if TYPE_CHECKING:
    from smbemu.config import ServerConfig

# MS-DFSC 2.2.5.1-2.2.5.4 ReferralEntryFlags / 2.2.4 ReferralHeaderFlags.
NAME_LIST_REFERRAL = 0x0002
TARGET_SET_BOUNDARY = 0x0004
STORAGE_SERVERS = 0x00000002

_NAME_LIST_SIZE = DfsNameListReferral.sizeof()  # 18
_TARGET_SIZE = DfsTargetReferral.sizeof()  # 34
_SITE_GUID_PADDING = bytes(16)  # the DC referral's entry is 34 bytes in the captures
_SYSVOL_SHARES = ("sysvol", "netlogon")


def _wide(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\x00\x00"


def parse_request(data: bytes, extended: bool) -> tuple[int, str]:
    """MaxReferralLevel and RequestFileName of REQ_GET_DFS_REFERRAL (MS-DFSC 2.2.2) or
    REQ_GET_DFS_REFERRAL_EX (2.2.3); a short buffer is STATUS_INVALID_PARAMETER."""
    if extended:
        request = parse(DfsReferralRequestEx, data)
        level, raw = request.max_referral_level, request.request_file_name
    else:
        request = parse(DfsReferralRequest, data)
        level, raw = request.max_referral_level, request.request_file_name
    name = raw[: len(raw) & ~1].decode("utf-16-le", "replace").split("\x00", 1)[0]
    return level, name


def referral(config: ServerConfig, level: int, path: str) -> bytes:
    """The RESP_GET_DFS_REFERRAL (MS-DFSC 2.2.4) a DC gives for `path`, or SmbStatusError."""
    directory = config.directory
    domain = directory.domain
    if not config.profile.is_dc or domain is None:
        raise SmbStatusError(NtStatus.FS_DRIVER_REQUIRED, "no DFS server on a non-DC")
    ttls = config.profile.identity.smb2
    parts = [part for part in path.split("\\") if part]
    netbios, dns = domain.name, domain.dns_name or domain.name
    names = {netbios.lower(): "netbios", dns.lower(): "dns"}
    if not parts:
        # MS-DFSC 3.3.5.2: a domain referral needs version 3 or 4 (answered as 3).
        _need_version_3(level)
        return _name_list(0, [("\\" + netbios, []), ("\\" + dns, [])], ttls.dfs_domain_ttl, padded=False)
    kind = names.get(parts[0].lower())
    if len(parts) == 1:
        # MS-DFSC 3.3.5.3: a DC referral for a domain not in the forest is STATUS_INVALID_PARAMETER.
        if kind is None:
            raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"DC referral for unknown domain {parts[0]!r}")
        _need_version_3(level)
        dc = _dc_name(config, kind)
        return _name_list(0, [("\\" + parts[0], ["\\" + dc])], ttls.dfs_domain_ttl, padded=True)
    if kind is None:
        # A root referral to a namespace on this server (its own name, an address): smbemu hosts
        # none (MS-DFSC 3.2.5.5), as 10.0.17763 answers for \\ws01.cylera.lab\C$ in suricata-verify
        # tests/smb-version-keyword/input.pcap.
        raise SmbStatusError(NtStatus.NOT_FOUND, f"no DFS namespace {path!r}")
    if parts[1].lower() not in _SYSVOL_SHARES:
        # MS-DFSC 3.3.5.5: a domain-based namespace that does not exist SHOULD fail with
        # STATUS_NO_SUCH_FILE.
        raise SmbStatusError(NtStatus.NO_SUCH_FILE, f"no domain-based namespace {parts[1]!r}")
    if len(parts) > 2:
        raise SmbStatusError(NtStatus.NOT_FOUND, "SYSVOL referral with more than two components")  # 3.3.5.4
    if level < 1:
        raise SmbStatusError(NtStatus.INVALID_PARAMETER, f"MaxReferralLevel {level}")  # 2.2.2: 1 to 4
    dc = _dc_name(config, kind)
    node = f"\\{dc}\\{parts[1]}"
    if level < 3:
        # MS-DFSC 3.3.5.4: the SYSVOL referral comes in the highest version both support, so a
        # client that asks for 1 or 2 gets a DFS_REFERRAL_V1 / V2 entry (2.2.5.1 / 2.2.5.2). No
        # capture of such an answer was found; the layouts are the spec's.
        return _target_v1(path, node) if level == 1 else _target_v2(path, node, ttls.dfs_sysvol_ttl)
    return _target(path, node, min(level, 4), ttls.dfs_sysvol_ttl)


def _dc_name(config: ServerConfig, kind: str) -> str:
    """This DC's name in the form of the domain name asked (MS-DFSC 3.3.5.3: NetBIOS for NetBIOS,
    FQDN for FQDN). The FQDN is its dNSHostName, whose host part the captures show as the computer
    name was typed ("GRANITEMANIA-DC.granitemania.com"); the fixture keeps DNS names lower-case, so
    a host part equal to the NetBIOS name is written as the NetBIOS name is."""
    machine = config.directory.machine
    netbios = machine.netbios_name.upper()
    if kind == "netbios" or not machine.dns_name:
        return netbios
    host, _, suffix = machine.dns_name.partition(".")
    if host.lower() == netbios.lower():
        host = netbios
    return f"{host}.{suffix}" if suffix else host


def _need_version_3(level: int) -> None:
    if level < 3:
        # MS-DFSC 3.3.5.2 / 3.3.5.3: "the server SHOULD fail the referral with STATUS_UNSUCCESSFUL".
        raise SmbStatusError(NtStatus.UNSUCCESSFUL, f"MaxReferralLevel {level} is below 3")


def _header(consumed: int, count: int, flags: int) -> bytes:
    return build(DfsReferralResponseHeader, path_consumed=consumed, number_of_referrals=count,
                 referral_header_flags=flags)


def _name_list(consumed: int, entries: list[tuple[str, list[str]]], ttl: int, padded: bool) -> bytes:
    """Version-3 NameListReferral entries (MS-DFSC 2.2.5.3.2), strings after all the entries; the
    offsets count from each entry's start."""
    entry_size = _NAME_LIST_SIZE + (len(_SITE_GUID_PADDING) if padded else 0)
    strings = bytearray()
    fixed = bytearray()
    strings_start = entry_size * len(entries)
    for index, (special, expanded) in enumerate(entries):
        entry_start = index * entry_size
        special_offset = strings_start + len(strings) - entry_start
        strings += _wide(special)
        expanded_offset = strings_start + len(strings) - entry_start if expanded else 0
        for name in expanded:
            strings += _wide(name)
        fixed += build(DfsNameListReferral, version_number=3, size=entry_size, server_type=0,
                       referral_entry_flags=NAME_LIST_REFERRAL, time_to_live=ttl,
                       special_name_offset=special_offset, number_of_expanded_names=len(expanded),
                       expanded_name_offset=expanded_offset)
        if padded:
            fixed += _SITE_GUID_PADDING
    return _header(consumed, len(entries), 0) + bytes(fixed) + bytes(strings)


def _target_v1(path: str, node: str) -> bytes:
    """One DFS_REFERRAL_V1 entry (MS-DFSC 2.2.5.1): the fixed part, then ShareName = the target."""
    share = _wide(node)
    size = DfsReferralV1.sizeof() + len(share)
    entry = build(DfsReferralV1, version_number=1, size=size, server_type=0, referral_entry_flags=0)
    return _header(len(path.encode("utf-16-le")), 1, STORAGE_SERVERS) + entry + share


def _target_v2(path: str, node: str, ttl: int) -> bytes:
    """One DFS_REFERRAL_V2 entry (MS-DFSC 2.2.5.2; ReferralEntryFlags and Proximity MUST be 0):
    DFSPath = DFSAlternatePath = the path asked, NetworkAddress = the target, after the entry."""
    fixed = DfsReferralV2.sizeof()  # 22
    dfs_path = _wide(path)
    entry = build(DfsReferralV2, version_number=2, size=fixed, server_type=0, referral_entry_flags=0,
                  proximity=0, time_to_live=ttl, dfs_path_offset=fixed,
                  dfs_alternate_path_offset=fixed + len(dfs_path), network_address_offset=fixed + 2 * len(dfs_path))
    return _header(len(path.encode("utf-16-le")), 1, STORAGE_SERVERS) + entry + dfs_path + dfs_path + _wide(node)


def _target(path: str, node: str, version: int, ttl: int) -> bytes:
    """One version-3/4 target entry (MS-DFSC 2.2.5.3.1 / 2.2.5.4) for a SYSVOL / NETLOGON path."""
    dfs_path = _wide(path)
    entry = build(DfsTargetReferral, version_number=version, size=_TARGET_SIZE, server_type=0,
                  referral_entry_flags=TARGET_SET_BOUNDARY if version == 4 else 0, time_to_live=ttl,
                  dfs_path_offset=_TARGET_SIZE, dfs_alternate_path_offset=_TARGET_SIZE + len(dfs_path),
                  network_address_offset=_TARGET_SIZE + 2 * len(dfs_path), service_site_guid=bytes(16))
    consumed = len(path.encode("utf-16-le"))
    return _header(consumed, 1, STORAGE_SERVERS) + entry + dfs_path + dfs_path + _wide(node)
