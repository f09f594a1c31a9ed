"""FSCTL_QUERY_NETWORK_INTERFACE_INFO (MS-SMB2 2.2.32.5, 3.3.5.15.11).

An SMB 3.x Windows server lists each IP address of each network interface as a 152-byte
NETWORK_INTERFACE_INFO, chained by Next (0 in the last). smbemu lists the one address the client
connected to -- the address that reaches the emulator; any other the host has may not -- with the
Capability bits and LinkSpeed its profile gives (``identity.smb2.interface_*``, captures cited in
policies/_base.yaml).
"""

from __future__ import annotations

import ipaddress

from smbemu.smb2.layouts import build
from smbemu.smb2.layouts.files import NetworkInterfaceInfo

ENTRY_SIZE = NetworkInterfaceInfo.sizeof()  # 152
_SOCKADDR_STORAGE_SIZE = 128
# MS-SMB2 2.2.32.5.1: Family values InterNetwork (AF_INET) and InterNetworkV6 (AF_INET6, Windows' 23).
_AF_INET = 0x0002
_AF_INET6 = 0x0017
# IfIndex: the host's; captures show 2, 4, 8 and 14 (one NIC, after loopback's 1). 3.3.5.15.11
# forbids 0. smbemu: 2 (U: any non-zero value is as right).
_IF_INDEX = 2


def network_interface_info(address: str, capabilities: int, link_speed: int) -> bytes:
    """One NETWORK_INTERFACE_INFO for `address` (an IPv4 or IPv6 literal)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        # SOCKADDR_IN (2.2.32.5.1.1): Family, Port 0, IPv4Address, 8 reserved bytes.
        storage = _AF_INET.to_bytes(2, "little") + bytes(2) + ip.packed
    else:
        # SOCKADDR_IN6 (2.2.32.5.1.2): Family, Port 0, FlowInfo 0, IPv6Address, ScopeId 0 (as
        # 10.0.14393 and 10.0.17763 send for their link-local addresses; 10.0.19041 the IfIndex).
        storage = _AF_INET6.to_bytes(2, "little") + bytes(6) + ip.packed + bytes(4)
    storage += bytes(_SOCKADDR_STORAGE_SIZE - len(storage))
    return build(NetworkInterfaceInfo, next=0, if_index=_IF_INDEX, capability=capabilities, reserved=0,
                 link_speed=link_speed, sockaddr_storage=storage)
