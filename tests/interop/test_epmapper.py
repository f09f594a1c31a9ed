"""The endpoint mapper and DCE/RPC over TCP (`smbemu serve --rpc-tcp`) with the tools a lab uses.

* impacket's epm client over TCP: the lookup lists the LSA interfaces on the dynamic port, and
  ept_map gives the port a client then binds to; lsarpc and samr over ncacn_ip_tcp there,
  anonymously (a bind without authentication) and as the Administrator at each NTLMSSP level;
* Samba's ``rpcclient -c lsaquery ncacn_ip_tcp:127.0.0.1[PORT]`` (in the namespace: it asks the
  mapper on 135 before it connects to the port);
* RestrictRemoteClients on the client releases (win7): unauthenticated calls refused;
* hostile bytes on the TCP ports: a closed connection, never a traceback;
* in a network namespace (the tools insist on TCP 135 / 445): ``rpcdump.py 127.0.0.1``,
  ``rpcdump.py -port 445`` (\\PIPE\\epmapper: anonymous where NullSessionPipes lists it, NT 4 / 2000),
  ``getArch.py`` (64-bit where the profile speaks NDR64, win2008 on; 32-bit before, as x86 answers),
  ``nmap -sV -p135`` ("Microsoft Windows RPC").
"""

from __future__ import annotations

import asyncio
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import epm, lsad, lsat, samr, scmr, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import (  # type: ignore[import-untyped]
    RPC_C_AUTHN_LEVEL_CONNECT,
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    DCERPCException,
)

from helpers import HOST, CliServer, ServerThread, require_tool
from netns import NetnsServer

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003", "CORP")  # fixtures/corp.yaml
SCRIPTS = Path(sys.executable).parent  # impacket's example scripts, installed with it


class TcpLab:
    """A server thread with ncacn_ip_tcp on ephemeral ports (the mapper's 135 needs a namespace)."""

    def __init__(self, server: ServerThread) -> None:
        self.server = server
        future = asyncio.run_coroutine_threadsafe(server._server.listen_rpc_tcp(HOST, 0, 0), server._loop)
        self.ports = {name: port for _, port, name in future.result(10)}

    @property
    def mapper(self) -> int:
        return self.ports["epmapper"]

    @property
    def lsa(self) -> int:
        return self.ports["lsass"]

    def mapper_dce(self) -> Any:
        dce = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{HOST}[{self.mapper}]").get_dce_rpc()
        dce.connect()
        return dce


@pytest.fixture
def tcp_lab(request: pytest.FixtureRequest) -> Iterator[TcpLab]:
    with ServerThread(getattr(request, "param", "win2016-dc")) as server:
        yield TcpLab(server)


def _bound(binding: str, interface: bytes, who: tuple[str, str, str] | None, level: int) -> Any:
    rpc = transport.DCERPCTransportFactory(binding)
    if who is not None:
        rpc.set_credentials(who[0], who[1], who[2])
    dce = rpc.get_dce_rpc()
    if who is not None:
        dce.set_auth_level(level)
    dce.connect()
    dce.bind(interface)
    return dce


def test_the_mapper_over_tcp_lists_and_maps_the_lsa_port(tcp_lab: TcpLab) -> None:
    found = [(str(e["tower"]["Floors"][0]), epm.PrintStringBinding(e["tower"]["Floors"]))
             for e in epm.hept_lookup(None, dce=tcp_lab.mapper_dce())]
    tcp = f"ncacn_ip_tcp:{HOST}[{tcp_lab.lsa}]"
    for interface in ("12345778-1234-ABCD-EF00-0123456789AC v1.0", "12345778-1234-ABCD-EF00-0123456789AB v0.0",
                      "12345678-1234-ABCD-EF00-01234567CFFB v1.0"):  # samr, lsarpc, netlogon (a DC)
        assert (interface, tcp) in found and (interface, "ncacn_np:\\\\LEGACYSRV[\\pipe\\lsass]") in found
    assert epm.hept_map(HOST, samr.MSRPC_UUID_SAMR, protocol="ncacn_ip_tcp", dce=tcp_lab.mapper_dce()) == tcp


@pytest.mark.parametrize("tcp_lab", ["win2016-dc"], indirect=True)
@pytest.mark.parametrize("level", [RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                   RPC_C_AUTHN_LEVEL_PKT_PRIVACY])
def test_samr_and_lsarpc_over_tcp_as_the_administrator(tcp_lab: TcpLab, level: int) -> None:
    binding = epm.hept_map(HOST, samr.MSRPC_UUID_SAMR, protocol="ncacn_ip_tcp", dce=tcp_lab.mapper_dce())
    dce = _bound(binding, samr.MSRPC_UUID_SAMR, ADMIN, level)
    server = samr.hSamrConnect(dce)["ServerHandle"]
    domains = samr.hSamrEnumerateDomainsInSamServer(dce, server)["Buffer"]["Buffer"]
    assert [d["Name"] for d in domains] == ["CORP", "Builtin"]
    domain = samr.hSamrOpenDomain(dce, server, domainId=samr.hSamrLookupDomainInSamServer(dce, server, "CORP")["DomainId"])
    users = samr.hSamrEnumerateUsersInDomain(dce, domain["DomainHandle"])["Buffer"]["Buffer"]
    assert "alice" in [u["Name"] for u in users]
    dce = _bound(binding, lsat.MSRPC_UUID_LSAT, ADMIN, level)
    policy = lsad.hLsarOpenPolicy2(dce, lsad.POLICY_VIEW_LOCAL_INFORMATION | lsad.POLICY_LOOKUP_NAMES)["PolicyHandle"]
    info = lsad.hLsarQueryInformationPolicy2(dce, policy, lsad.POLICY_INFORMATION_CLASS.PolicyPrimaryDomainInformation)
    assert info["PolicyInformation"]["PolicyPrimaryDomainInfo"]["Name"] == "CORP"
    names = lsat.hLsarLookupNames(dce, policy, ["alice"])["TranslatedSids"]["Sids"]
    assert names[0]["RelativeId"] == 1104


@pytest.mark.parametrize("tcp_lab", ["win2016"], indirect=True)
def test_svcctl_over_tcp_from_vista_on(tcp_lab: TcpLab) -> None:
    """services.exe registers MS-SCMR on ncacn_ip_tcp from Vista on, on a port of its own:
    impacket's test_scmr TCP classes (and services.py -port 135-style tools) find it there."""
    assert tcp_lab.ports["services"] not in (tcp_lab.lsa, tcp_lab.mapper)
    binding = epm.hept_map(HOST, scmr.MSRPC_UUID_SCMR, protocol="ncacn_ip_tcp", dce=tcp_lab.mapper_dce())
    assert binding == f"ncacn_ip_tcp:{HOST}[{tcp_lab.ports['services']}]"
    dce = _bound(binding, scmr.MSRPC_UUID_SCMR, ADMIN, RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    scm = scmr.hROpenSCManagerW(dce)["lpScHandle"]
    names = [s["lpServiceName"].rstrip("\x00") for s in scmr.hREnumServicesStatusW(dce, scm)]
    assert "LanmanServer" in names and "RemoteRegistry" in names
    # Anonymous over TCP: the SCM refuses the open (the policy's answer to ANONYMOUS LOGON).
    dce = _bound(binding, scmr.MSRPC_UUID_SCMR, None, 0)
    with pytest.raises(DCERPCException) as info:
        scmr.hROpenSCManagerW(dce)
    assert "ACCESS_DENIED" in str(info.value).upper(), info.value


@pytest.mark.parametrize("tcp_lab", ["win2003"], indirect=True)
def test_no_svcctl_over_tcp_before_vista(tcp_lab: TcpLab) -> None:
    assert "services" not in tcp_lab.ports
    with pytest.raises(DCERPCException) as info:
        epm.hept_map(HOST, scmr.MSRPC_UUID_SCMR, protocol="ncacn_ip_tcp", dce=tcp_lab.mapper_dce())
    assert "ept_s_not_registered" in str(info.value)


def test_a_wrong_password_is_refused(tcp_lab: TcpLab) -> None:
    # the NTLM logon fails in rpc_auth_3, which has no answer: the next request faults
    # ERROR_ACCESS_DENIED (smbemu.rpc.auth_ntlm), and nothing is served
    dce = _bound(f"ncacn_ip_tcp:{HOST}[{tcp_lab.lsa}]", samr.MSRPC_UUID_SAMR,
                 ("Administrator", "wrong", "CORP"), RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    with pytest.raises(DCERPCException) as info:
        samr.hSamrConnect(dce)
    assert "rpc_s_access_denied" in str(info.value)


@pytest.mark.parametrize("tcp_lab", ["win2000"], indirect=True)
def test_anonymous_over_tcp_gets_what_anonymous_gets_on_2000(tcp_lab: TcpLab) -> None:
    # Windows 2000: LsaRestrictAnonymous off, RestrictAnonymous 0 (windows-defaults.md §0, §1):
    # a bind without authentication is ANONYMOUS LOGON and may open the policy and list users
    binding = f"ncacn_ip_tcp:{HOST}[{tcp_lab.lsa}]"
    dce = _bound(binding, lsat.MSRPC_UUID_LSAT, None, 0)
    policy = lsad.hLsarOpenPolicy2(dce, lsad.POLICY_VIEW_LOCAL_INFORMATION)["PolicyHandle"]
    info = lsad.hLsarQueryInformationPolicy2(dce, policy, lsad.POLICY_INFORMATION_CLASS.PolicyPrimaryDomainInformation)
    assert info["PolicyInformation"]["PolicyPrimaryDomainInfo"]["Name"] == "CORP"
    dce = _bound(binding, samr.MSRPC_UUID_SAMR, None, 0)
    domains = samr.hSamrEnumerateDomainsInSamServer(dce, samr.hSamrConnect(dce)["ServerHandle"])["Buffer"]["Buffer"]
    assert [d["Name"] for d in domains] == ["LEGACYSRV", "Builtin"]


@pytest.mark.parametrize("tcp_lab", ["win2016"], indirect=True)
def test_anonymous_over_tcp_is_refused_by_the_lsa_on_2016(tcp_lab: TcpLab) -> None:
    # a member from 2003 on: LsaRestrictAnonymous (MS-LSAD 3.1.4.4.1) -- the same answer as on the pipe
    dce = _bound(f"ncacn_ip_tcp:{HOST}[{tcp_lab.lsa}]", lsat.MSRPC_UUID_LSAT, None, 0)
    with pytest.raises(DCERPCException) as info:
        lsad.hLsarOpenPolicy2(dce, lsad.POLICY_VIEW_LOCAL_INFORMATION)
    assert info.value.error_code == 0xC0000022


@pytest.mark.parametrize("tcp_lab", ["win7"], indirect=True)
def test_restrict_remote_clients_on_a_client_release(tcp_lab: TcpLab) -> None:
    # RestrictRemoteClients = 1 by default on client releases: unauthenticated calls fault 5,
    # the mapper stays open to everyone, an authenticated caller is served
    binding = epm.hept_map(HOST, samr.MSRPC_UUID_SAMR, protocol="ncacn_ip_tcp", dce=tcp_lab.mapper_dce())
    dce = _bound(binding, samr.MSRPC_UUID_SAMR, None, 0)
    with pytest.raises(DCERPCException) as info:
        samr.hSamrConnect(dce)
    assert "rpc_s_access_denied" in str(info.value)  # fault 0x00000005
    dce = _bound(binding, samr.MSRPC_UUID_SAMR, ADMIN, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    assert samr.hSamrConnect(dce)["ErrorCode"] == 0


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_hostile_bytes_close_the_tcp_connection(tcp_lab: TcpLab) -> None:
    for port in (tcp_lab.mapper, tcp_lab.lsa):
        assert _exchange(port, bytes(64)) == b""  # frag_length 0: not a PDU stream, closed
        # a request before any bind: bind_nak "protocol version not supported", then closed
        request = struct.pack("<BBBB4sHHI", 5, 0, 0, 3, b"\x10\x00\x00\x00", 24, 0, 7) + bytes(8)
        answer = _exchange(port, request)
        assert answer[2] == 13 and answer[12:16] == b"\x07\x00\x00\x00"
    # and the server still serves
    assert epm.hept_map(HOST, samr.MSRPC_UUID_SAMR, protocol="ncacn_np", dce=tcp_lab.mapper_dce()) \
        == f"ncacn_np:{HOST}[\\pipe\\lsass]"


def test_idle_and_trickling_tcp_connections_are_closed() -> None:
    # the SMB connections' limits hold on the ncacn_ip_tcp ports too: idle_timeout without a PDU,
    # frame_timeout into a PDU that never completes (however its bytes trickle)
    with ServerThread("win2000", idle_timeout=1.0, frame_timeout=1.0) as server:
        lab = TcpLab(server)
        for data in (b"", b"\x05\x00\x0b\x03"):
            with socket.create_connection((HOST, lab.lsa), timeout=8) as sock:
                sock.sendall(data)
                started = time.monotonic()
                assert sock.recv(16) == b""
                assert 0.8 < time.monotonic() - started < 5


def test_the_command_line() -> None:
    # `--rpc-tcp`: the banner names both listeners; the LSA port is in the release's dynamic range
    with CliServer(["--profile", "win2003", "--port", "0", "--rpc-tcp", "--epm-port", "0"]) as server:
        parts = server.addresses[0].split(", ")
        assert any(p.endswith("(ncacn_ip_tcp epmapper)") for p in parts), parts
        (lsa,) = [p for p in parts if p.endswith("(ncacn_ip_tcp lsass)")]
        assert 1025 <= int(lsa.split()[0].rsplit(":", 1)[1]) <= 5000
    bad = subprocess.run([sys.executable, "-m", "smbemu", "serve", "--rpc-tcp", "--rpc-tcp-port", "70000"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "--rpc-tcp-port: 70000 is not a TCP port" in bad.stderr


# ------------------------------------------------------------------ the real ports, in a namespace


@pytest.mark.parametrize(("profile", "lsa_port"), [("win2000", 1025), ("win2016-dc", 49667)])
def test_rpcdump_and_getarch_on_the_real_ports(profile: str, lsa_port: int) -> None:
    with NetnsServer(profile, rpc_tcp=True, netbios=False) as server:
        # lsass takes the release's usual port, the first of its dynamic range Windows hands out
        assert server.lsa_port == lsa_port
        dump = server.run([str(SCRIPTS / "rpcdump.py"), ADDRESS])
        assert "Protocol: [MS-SAMR]: Security Account Manager (SAM) Remote Protocol" in dump.stdout, dump.stdout
        assert f"ncacn_ip_tcp:{ADDRESS}[{lsa_port}]" in dump.stdout and "ncacn_np:\\\\LEGACYSRV[\\pipe\\lsass]" in dump.stdout
        count = int(dump.stdout.split("[*] Received ")[1].split()[0])
        # over \PIPE\epmapper: the same list; anonymous only where NullSessionPipes has epmapper
        anonymous = server.run([str(SCRIPTS / "rpcdump.py"), "-port", "445", ADDRESS])
        admin = server.run([str(SCRIPTS / "rpcdump.py"), "-port", "445",
                            f"{ADMIN[2]}/{ADMIN[0]}:{ADMIN[1]}@{ADDRESS}"])
        assert f"[*] Received {count} endpoints." in admin.stdout, admin.stdout + admin.stderr
        if profile == "win2000":
            assert f"[*] Received {count} endpoints." in anonymous.stdout, anonymous.stdout + anonymous.stderr
        else:
            assert "STATUS_ACCESS_DENIED" in anonymous.stdout + anonymous.stderr
        # nmap's service fingerprint: its SMB negotiate probe answered with Windows' bind_nak
        # (reason 4, versions 5.0; the msrpc match of nmap-service-probes)
        if profile == "win2016-dc":
            scan = server.run(["nmap", "-n", "-Pn", "-sV", "-p135", ADDRESS], timeout=200)
            assert "135/tcp open  msrpc   Microsoft Windows RPC" in scan.stdout, scan.stdout + scan.stderr
        arch = server.run([str(SCRIPTS / "getArch.py"), "-target", ADDRESS])
        # getArch binds NDR64: x64 Windows (2016) accepts it, 2000 refuses it (profile rpc.ndr64)
        bits = "64" if profile == "win2016-dc" else "32"
        assert f"{ADDRESS} is {bits}-bit" in arch.stdout, arch.stdout + arch.stderr
        # Samba's rpcclient over ncacn_ip_tcp (it asks the mapper on 135 first)
        require_tool("rpcclient")
        for who in ("%", "CORP/Administrator%Adm!n2003"):
            query = server.run(["rpcclient", "-U", who, "-c", "lsaquery", f"ncacn_ip_tcp:{ADDRESS}[{lsa_port}]"])
            # anonymous: 2000 lets it open the policy, and so does a DC (LsaRestrictAnonymous binds
            # non-DCs only, MS-LSAD 3.1.4.4.1)
            assert "Domain Name: CORP" in query.stdout, query.stdout + query.stderr


@pytest.mark.parametrize("profile", ["win7"])
def test_rpcclient_over_tcp_on_a_client_release(profile: str) -> None:
    # RestrictRemoteClients: an unauthenticated bind is refused -- rpcclient binds without
    # DCE/RPC authentication over TCP unless the binding asks for it ("[port,seal]"), whatever -U says
    with NetnsServer(profile, rpc_tcp=True, netbios=False) as server:
        assert server.lsa_port == 49155
        for who, options, expected in (("%", "", "ACCESS_DENIED"),
                                       ("CORP/Administrator%Adm!n2003", "", "ACCESS_DENIED"),
                                       ("CORP/Administrator%Adm!n2003", ",sign", "Domain Name: CORP"),
                                       ("CORP/Administrator%Adm!n2003", ",seal", "Domain Name: CORP")):
            query = server.run(["rpcclient", "-U", who, "-c", "lsaquery", f"ncacn_ip_tcp:{ADDRESS}[49155{options}]"])
            assert expected in query.stdout + query.stderr, query.stdout + query.stderr


ADDRESS = "127.0.0.1"
