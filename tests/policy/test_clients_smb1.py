"""Issue 12 "What it must show", second bullet: the tools over SMB1 (NT LM 0.12) give the same
allow/deny results as over SMB2, for anonymous, a user and the administrator (fixtures/corp.yaml:
alice / Wonderland1, Administrator / Adm!n2003), on win2000, win2000 with RestrictAnonymous=1,
win2003 and win2016.

Each test makes the same call twice in the same test -- over SMB1 against the profile as it is
(NT 4 ... 2003 offer no SMB2 dialect; win2016 serves both), and over SMB2 against the same profile
with the lab's SMB 2.0.2 (helpers.smb2_lab_overrides) -- and compares the two results, then checks
the SMB1 result against what the profile decides, so a run where both dialects fail alike (a dead
server, a client that never connected) fails too.  The exact status at each step, for every row
of cases.yaml, is test_stack_matrix.py's (it runs over both dialects); here the point is what the
clients people use show.  What tests/interop/test_smb1_session.py and test_smb1_pipes.py already
show for one profile and one principal (logon refusals, signing, large answers) is not repeated.

Clients: Samba's smbclient -L, rpcclient and `net rap share` / `net rap user`, impacket's
SMBConnection (login, listShares, a samrdump.py-like SAMR walk, LSA query), pysmb in its SMB1 mode.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

from helpers import HOST, ServerThread, corp_rid, run_tool

pytestmark = pytest.mark.interop

SERVERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "win2000": ("win2000", ()),
    "win2000-ra1": ("win2000", ("RestrictAnonymous=1",)),
    "win2003": ("win2003", ()),
    "win2016": ("win2016", ()),
}
PRINCIPALS: dict[str, tuple[str, str]] = {
    "anonymous": ("", ""),
    "user": ("alice", "Wonderland1"),
    "administrator": ("Administrator", "Adm!n2003"),
}
SHARES = ["IPC$", "ADMIN$", "C$", "D$", "print$", "Public", "Finance", "HR", "Software", "Users$", "Profiles$",
          "Backups$", "HPLJ4250"]
#: The profiles that list shares sorted by name (identity.srvsvc.share_order: 2008 and later).
SORTS_SHARES = {"win2016"}


def shares_of(server: str) -> list[str]:
    """The shares as ``server`` lists them, over either dialect."""
    return sorted(SHARES, key=str.upper) if server in SORTS_SHARES else SHARES

STATUS_ACCESS_DENIED = 0xC0000022
ERROR_ACCESS_DENIED = 5
NERR_INVALID_API = 2142
#: Samba's switches to NT LM 0.12: "client min/max protocol" bound smbclient's connection,
#: "client ipc min/max protocol" the IPC$ connection rpcclient and net open.
NT1 = ("--option=client min protocol=NT1", "--option=client max protocol=NT1",
       "--option=client ipc min protocol=NT1", "--option=client ipc max protocol=NT1")
#: Samba 4.17 requires signing on its IPC$ connections ("client ipc signing" defaults to
#: required).  Over SMB1 a server that does not announce signing in its NEGOTIATE response
#: (win2000, win2003 and win2016 member servers: EnableSecuritySignature 0, so no
#: NEGOTIATE_SECURITY_SIGNATURES_ENABLED) leaves Samba assuming the server will honour its
#: FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED anyway (smbXcli_base.c, "not announced"); a member
#: server with server signing off does not sign (MS-SMB 3.3.5.3, MS-CIFS 3.3.5.43), so Samba
#: fails the first signed response ("BAD SIG: seq 1", NT_STATUS_ACCESS_DENIED).  Against such a
#: server the tools are run with signing "auto" for authenticated users, as an administrator runs
#: them against a real one.  Anonymous sessions are never signed.  Over SMB2 signing always works.
IPC_SIGNING_AUTO = ("--option=client ipc signing=auto",)


@pytest.fixture(scope="module")
def labs() -> Iterator[dict[tuple[str, str], ServerThread]]:
    """(server key, "smb1" | "smb2") -> a running server: the profile as it is, and the profile
    with SMB 2.0.2 added for the pre-Vista releases (win2016 is the same profile both times)."""
    running = {}
    for key, (profile, overrides) in SERVERS.items():
        running[(key, "smb1")] = ServerThread(profile, overrides=list(overrides), smb2=False)
        running[(key, "smb2")] = ServerThread(profile, overrides=list(overrides))
    for server in running.values():
        server.__enter__()
    try:
        yield running
    finally:
        for server in running.values():
            server.__exit__(None, None, None)


GRID = [(server, principal) for server in SERVERS for principal in PRINCIPALS]
GRID_IDS = [f"{server}-{principal}" for server, principal in GRID]


def samba_credentials(principal: str) -> list[str]:
    user, password = PRINCIPALS[principal]
    return ["-U", "%", "-N"] if not user else ["-U", f"CORP/{user}%{password}"]


def samba_nt1(principal: str) -> list[str]:
    return [*NT1, *(IPC_SIGNING_AUTO if PRINCIPALS[principal][0] else ())]


# ------------------------------------------------------------------------------ smbclient -L
def smbclient_listing(port: int, principal: str, smb1: bool) -> list[str]:
    options = samba_nt1(principal) if smb1 else []
    result = run_tool(["smbclient", "-L", f"//{HOST}", "-p", str(port), *options, *samba_credentials(principal)])
    output = result.stdout + result.stderr
    assert "NT_STATUS_CONNECTION" not in output.split("Reconnecting with SMB1")[0], output
    return re.findall(r"^\t(\S+)\s+(?:Disk|IPC|Printer)\s", result.stdout, re.M)


#: Who may list the shares (NetrShareEnum level 1; over SMB1 smbclient falls back to RAP
#: NetShareEnum when the RPC call is refused, and RAP is refused alike, see the RAP test).
SHARE_LIST_REFUSED = {("win2000-ra1", "anonymous"), ("win2003", "anonymous"), ("win2016", "anonymous")}


@pytest.mark.parametrize(("server", "principal"), GRID, ids=GRID_IDS)
def test_smbclient_lists_shares_alike(labs: dict[tuple[str, str], ServerThread], server: str, principal: str) -> None:
    over_smb1 = smbclient_listing(labs[(server, "smb1")].port, principal, smb1=True)
    over_smb2 = smbclient_listing(labs[(server, "smb2")].port, principal, smb1=False)
    assert over_smb1 == over_smb2
    assert over_smb1 == ([] if (server, principal) in SHARE_LIST_REFUSED else shares_of(server))


# -------------------------------------------------------------------------------- rpcclient
ADMIN_SID = "S-1-5-21-2446098351-2891839154-3815493722-500"
#: rpcclient command -> what its output shows when the call is served.
COMMANDS = {
    "srvinfo": r"LEGACYSRV\s+Wk Sv NT",
    "netshareenum 1": r"^netname: Public$",
    "enumdomusers": rf"^user:\[alice\] rid:\[{corp_rid('alice'):#x}\]$",  # member servers: local RIDs
    "enumdomgroups": r"^group:\[",
    "querydominfo": r"^Total Users:",
    "getdompwinfo": r"^min_password_length: 7$",
    "lsaquery": r"^Domain Name: CORP$",
    "lookupnames Administrator": rf"^Administrator {ADMIN_SID} \(User: 1\)$",
    f"lookupsids {ADMIN_SID}": r"LEGACYSRV\\Administrator \(1\)$",
    "queryuser 0x1f4": r"User Name\s+:\s+Administrator$",
    "samlookuprids domain 500": r"^rid 0x1f4: Administrator \(1\)$",
}
_SAMR_DETAILS = {"enumdomusers", "enumdomgroups", "querydominfo", "getdompwinfo", "queryuser 0x1f4",
                 "samlookuprids domain 500"}
#: What each profile refuses (windows-defaults.md: §0.1 RestrictAnonymous=1 refuses share and
#: SAM enumeration but not single lookups; 2003's anonymous token lacks Everyone, only
#: SamrGetDomainPasswordInformation needs no handle; 2016 refuses the pipes to a null session and
#: SAMR to non-administrators, RestrictRemoteSAM).  Everything else is served.
RPC_REFUSED: dict[tuple[str, str], set[str]] = {
    ("win2000-ra1", "anonymous"): {"netshareenum 1", "enumdomusers", "enumdomgroups", "queryuser 0x1f4"},
    ("win2003", "anonymous"): set(COMMANDS) - {"getdompwinfo"},
    ("win2016", "anonymous"): set(COMMANDS),
    ("win2016", "user"): _SAMR_DETAILS,
}
#: Lines that differ between two servers however the call went (the Administrator's logon times
#: and counters move with every logon of the other tests).
_VOLATILE = re.compile(r"^\s*(?:\S.*Time\s*:|logon_count|bad_password_count).*$", re.M)


def rpcclient(port: int, principal: str, command: str, smb1: bool) -> tuple[bool, str]:
    options = samba_nt1(principal) if smb1 else []
    result = run_tool(["rpcclient", "-p", str(port), *options, *samba_credentials(principal), HOST, "-c", command])
    output = _VOLATILE.sub("", result.stdout + result.stderr)
    assert "Cannot connect to server" not in output, output
    # rpcclient prints nothing for some refused enumerations (test_clients.py's docstring)
    served = result.returncode == 0 and bool(re.search(COMMANDS[command], output, re.M))
    return served, output


@pytest.mark.parametrize(("server", "principal"), GRID, ids=GRID_IDS)
def test_rpcclient_alike(labs: dict[tuple[str, str], ServerThread], server: str, principal: str) -> None:
    runs = [(command, dialect) for command in COMMANDS for dialect in ("smb1", "smb2")]
    # one rpcclient per command and dialect (a refused command must not hide the next one's
    # answer), run side by side: each is a separate process and connection
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(zip(runs, pool.map(
            lambda run: rpcclient(labs[(server, run[1])].port, principal, run[0], smb1=run[1] == "smb1"), runs)))
    for command in COMMANDS:
        assert results[(command, "smb1")] == results[(command, "smb2")], command
    refused = {command for command in COMMANDS if not results[(command, "smb1")][0]}
    assert refused == RPC_REFUSED.get((server, principal), set())


# ------------------------------------------------------------------------ impacket over both
class _Refused(Exception):
    def __init__(self, step: str, status: int) -> None:
        super().__init__(step, status)
        self.outcome = ("refused", step, status)


def _at(step: str, call: Callable[[], Any]) -> Any:
    """Run one client call; a refusal becomes ``("refused", step, status)``."""
    from impacket import smb as impacket_smb  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]
    from impacket.smbconnection import SessionError  # type: ignore[import-untyped]

    try:
        return call()
    except SessionError as exc:
        raise _Refused(step, exc.getErrorCode()) from exc
    except impacket_smb.SessionError as exc:
        raise _Refused(step, exc.get_error_code()) from exc
    except DCERPCException as exc:
        raise _Refused(step, exc.get_error_code()) from exc


def _outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        return ("allowed", call())
    except _Refused as refused:
        return refused.outcome


def _dce(conn: Any, pipe: str, interface: bytes) -> Any:
    from impacket.dcerpc.v5 import transport  # type: ignore[import-untyped]

    rpc = transport.SMBTransport(HOST, filename=rf"\{pipe}", smb_connection=conn)
    dce = rpc.get_dce_rpc()
    _at(f"CREATE {pipe}", dce.connect)
    _at(f"bind {pipe}", lambda: dce.bind(interface))
    return dce


def samrdump(conn: Any) -> list[tuple[str, int, str]]:
    """What impacket's examples/samrdump.py does: SamrConnect, the domains, the first one opened,
    every user enumerated and opened, UserAllInformation queried (name, RID, description)."""
    from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]

    dce = _dce(conn, "samr", samr.MSRPC_UUID_SAMR)
    try:
        server = _at("SamrConnect", lambda: samr.hSamrConnect(dce))["ServerHandle"]
        domains = _at("SamrEnumerateDomainsInSamServer",
                      lambda: samr.hSamrEnumerateDomainsInSamServer(dce, server))["Buffer"]["Buffer"]
        name = domains[0]["Name"]
        sid = _at("SamrLookupDomainInSamServer", lambda: samr.hSamrLookupDomainInSamServer(dce, server, name))["DomainId"]
        domain = _at("SamrOpenDomain", lambda: samr.hSamrOpenDomain(dce, server, domainId=sid))["DomainHandle"]
        entries = _at("SamrEnumerateUsersInDomain",
                      lambda: samr.hSamrEnumerateUsersInDomain(dce, domain))["Buffer"]["Buffer"]
        users = []
        for entry in entries:
            rid = entry["RelativeId"]
            user = _at("SamrOpenUser", lambda: samr.hSamrOpenUser(dce, domain, samr.MAXIMUM_ALLOWED, rid))["UserHandle"]
            info = _at("SamrQueryInformationUser2", lambda: samr.hSamrQueryInformationUser2(
                dce, user, samr.USER_INFORMATION_CLASS.UserAllInformation))["Buffer"]["All"]
            users.append((info["UserName"], rid, info["AdminComment"]))
            samr.hSamrCloseHandle(dce, user)
        return users
    finally:
        dce.disconnect()


def lsaquery(conn: Any) -> str:
    """lookupsid.py's first calls: LsarOpenPolicy2 and the account domain."""
    from impacket.dcerpc.v5 import lsad, lsat  # type: ignore[import-untyped]

    dce = _dce(conn, "lsarpc", lsat.MSRPC_UUID_LSAT)
    try:
        policy = _at("LsarOpenPolicy2", lambda: lsad.hLsarOpenPolicy2(dce, lsad.POLICY_LOOKUP_NAMES | 0x02000000))
        info = _at("LsarQueryInformationPolicy2", lambda: lsad.hLsarQueryInformationPolicy2(
            dce, policy["PolicyHandle"], lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation))
        return str(info["PolicyInformation"]["PolicyAccountDomainInfo"]["DomainSid"].formatCanonical())
    finally:
        dce.disconnect()


def impacket_walk(port: int, principal: str, smb1: bool) -> dict[str, Any]:
    from impacket.smbconnection import SMB_DIALECT, SMBConnection  # type: ignore[import-untyped]

    conn = SMBConnection(HOST, HOST, sess_port=port, preferredDialect=SMB_DIALECT if smb1 else None, timeout=10)
    try:
        assert (conn.getDialect() == SMB_DIALECT) == smb1, conn.getDialect()
        # (impacket's login returns True over SMB2 and None over SMB1: only the refusal counts)
        login = _outcome(lambda: _at("SESSION_SETUP", lambda: conn.login(*PRINCIPALS[principal], "CORP")) and None)
        if login[0] != "allowed":
            return {"login": login}
        return {
            "login": login,
            "shares": _outcome(lambda: [s["shi1_netname"][:-1] for s in _at("listShares", conn.listShares)]),
            "samrdump": _outcome(lambda: samrdump(conn)),
            "lsa": _outcome(lambda: lsaquery(conn)),
        }
    finally:
        conn.close()


DOMAIN_SID = "S-1-5-21-2446098351-2891839154-3815493722"
#: The first refusal each walk meets (the same rules as RPC_REFUSED; impacket's SamrConnect is
#: opnum 0, and its LsarOpenPolicy2 asks POLICY_LOOKUP_NAMES | MAXIMUM_ALLOWED).  listShares is one
#: impacket call (the srvsvc open, bind and NetrShareEnum level 1): its status, not its step.
IMPACKET_REFUSED: dict[tuple[str, str], dict[str, tuple[str, int]]] = {
    ("win2000-ra1", "anonymous"): {"shares": ("listShares", ERROR_ACCESS_DENIED),
                                   "samrdump": ("SamrEnumerateUsersInDomain", STATUS_ACCESS_DENIED)},
    ("win2003", "anonymous"): {"shares": ("listShares", STATUS_ACCESS_DENIED),
                               "samrdump": ("SamrConnect", STATUS_ACCESS_DENIED),
                               "lsa": ("LsarOpenPolicy2", STATUS_ACCESS_DENIED)},
    ("win2016", "anonymous"): {"shares": ("listShares", STATUS_ACCESS_DENIED),
                               "samrdump": ("CREATE samr", STATUS_ACCESS_DENIED),
                               "lsa": ("CREATE lsarpc", STATUS_ACCESS_DENIED)},
    ("win2016", "user"): {"samrdump": ("SamrConnect", STATUS_ACCESS_DENIED)},
}


@pytest.fixture(scope="module")
def walks(labs: dict[tuple[str, str], ServerThread]) -> Callable[[str, str, str], dict[str, Any]]:
    """impacket_walk per (server, principal, dialect), made once: the RAP test compares with the
    SMB2 walk the impacket test made."""
    done: dict[tuple[str, str, str], dict[str, Any]] = {}

    def walk(server: str, principal: str, dialect: str) -> dict[str, Any]:
        if (server, principal, dialect) not in done:
            done[(server, principal, dialect)] = impacket_walk(labs[(server, dialect)].port, principal,
                                                               smb1=dialect == "smb1")
        return done[(server, principal, dialect)]
    return walk


@pytest.mark.parametrize(("server", "principal"), GRID, ids=GRID_IDS)
def test_impacket_login_shares_samrdump_alike(walks: Any, server: str, principal: str) -> None:
    over_smb1 = walks(server, principal, "smb1")
    over_smb2 = walks(server, principal, "smb2")
    assert over_smb1 == over_smb2
    refused = IMPACKET_REFUSED.get((server, principal), {})
    assert over_smb1["login"] == ("allowed", None)
    for call, outcome in over_smb1.items():
        if call in refused:
            assert outcome == ("refused", *refused[call]), call
        else:
            assert outcome[0] == "allowed", (call, outcome)
    if "shares" not in refused:
        assert over_smb1["shares"][1] == shares_of(server)
    if "samrdump" not in refused:
        users = {name: (rid, comment) for name, rid, comment in over_smb1["samrdump"][1]}
        assert users["alice"][0] == corp_rid("alice")
        assert users["Administrator"] == (500, "Built-in account for administering the computer/domain")
    if "lsa" not in refused:
        assert over_smb1["lsa"][1] == DOMAIN_SID


# ------------------------------------------------------------------- net rap share / user
#: What each `net rap` command stands for over SMB2, where RAP does not exist (MS-RAP 1.4): its
#: DCE/RPC twin (smbemu.rap.access.TWINS; MS-RAP 3.2.5.1 NetShareEnum "as specified in [MS-SRVS]
#: 3.1.4.8"), i.e. the "shares" and "samrdump" walks of impacket_walk.
RAP = {"share": ("WrLeh", "B13BWz", 0, 1, "shares"), "user": ("WrLeh", "B21", 53, 0, "samrdump")}


def net_rap(port: int, principal: str, command: str) -> tuple[int, list[str]]:
    result = run_tool(["net", "rap", command, *samba_nt1(principal), *samba_credentials(principal),
                       "-S", HOST, "-p", str(port)])
    output = result.stdout + result.stderr
    assert "Could not connect" not in output, output
    return result.returncode, [line.strip() for line in result.stdout.splitlines() if line.strip()]


def rap_status(port: int, principal: str, command: str) -> int:
    """The RAP status word (MS-RAP 2.5.1) of the call `net rap` makes, sent with impacket's SMB1
    TRANSACTION on \\PIPE\\LANMAN: Samba's net prints nothing that tells a refusal (5) from an
    API the release does not serve (NERR_InvalidAPI) -- its cli_api drops an answer with no data."""
    from impacket import smb as impacket_smb  # type: ignore[import-untyped]
    from impacket.smbconnection import SMB_DIALECT, SMBConnection  # type: ignore[import-untyped]

    param_desc, data_desc, opcode, level, _ = RAP[command]
    conn = SMBConnection(HOST, HOST, sess_port=port, preferredDialect=SMB_DIALECT, timeout=10)
    try:
        conn.login(*PRINCIPALS[principal], "CORP")
        client = conn.getSMBServer()
        tid = conn.connectTree("IPC$")
        # MS-RAP 2.5.1 / 2.5.5.1: RAPOpcode, ParamDesc, DataDesc, then the level and buffer size
        params = struct.pack("<H", opcode) + f"{param_desc}\0{data_desc}\0".encode() + struct.pack("<HH", level, 0x1000)
        client.send_trans(tid, b"", "\\PIPE\\LANMAN\0", params, b"")
        answer = client.recvSMB()
        assert answer.isValidAnswer(impacket_smb.SMB.SMB_COM_TRANSACTION)
        words = impacket_smb.SMBTransactionResponse_Parameters(impacket_smb.SMBCommand(answer["Data"][0])["Parameters"])
        status, = struct.unpack_from("<H", answer.getData(), words["ParameterOffset"])
        return int(status)
    finally:
        conn.close()


#: From 2008 R2 on the Server service answers these RAP calls NERR_InvalidAPI whoever asks
#: (MS-RAP Appendix A <8>, <45>; smbemu/rap/commands.py): RAP's refusal there is not a policy
#: decision, so only the releases that serve them are compared with the RPC twin.
RAP_SERVED = ("win2000", "win2000-ra1", "win2003")


@pytest.mark.parametrize("command", sorted(RAP))
@pytest.mark.parametrize(("server", "principal"), GRID, ids=GRID_IDS)
def test_net_rap_as_its_rpc_twin_over_smb2(labs: dict[tuple[str, str], ServerThread], walks: Any, server: str,
                                           principal: str, command: str) -> None:
    port = labs[(server, "smb1")].port
    returncode, listed = net_rap(port, principal, command)
    status = rap_status(port, principal, command)
    if server not in RAP_SERVED:
        assert (status, listed) == (NERR_INVALID_API, []), (returncode, listed)
        return
    twin = walks(server, principal, "smb2")[RAP[command][4]]
    if twin[0] == "allowed":
        assert status == 0
        names = twin[1] if command == "share" else [name for name, _, _ in twin[1]]
        assert listed == names
    else:
        assert (status, listed) == (ERROR_ACCESS_DENIED, []), (returncode, listed)


# ------------------------------------------------------------------------------------ pysmb
@contextmanager
def pysmb_dialect(smb1: bool) -> Iterator[Any]:
    """pysmb 1.2.15 reads SUPPORT_SMB2 from its smb.smb_structs module when it builds the
    NEGOTIATE (SMBNegotiate.prepare): False offers only the SMB1 dialects.  The attribute on the
    SMBConnection class is never read, so the module's is switched (and restored)."""
    from smb import smb_structs  # type: ignore[import-untyped]
    from smb.SMBConnection import SMBConnection as PySmbConnection  # type: ignore[import-untyped]

    saved = smb_structs.SUPPORT_SMB2
    smb_structs.SUPPORT_SMB2 = not smb1
    try:
        yield PySmbConnection
    finally:
        smb_structs.SUPPORT_SMB2 = saved


def pysmb_shares(port: int, principal: str, smb1: bool) -> tuple[bool, list[str] | str]:
    with pysmb_dialect(smb1) as connection_class:
        conn = connection_class(*PRINCIPALS[principal], "pytest", "LEGACYSRV", domain="CORP", use_ntlm_v2=True,
                                is_direct_tcp=True)
        try:
            if not conn.connect(HOST, port, timeout=10):
                return False, "logon refused"
            assert conn.isUsingSMB2 == (not smb1)
            try:
                return True, [share.name for share in conn.listShares(timeout=10)]
            except Exception as exc:  # noqa: BLE001 - pysmb raises OperationFailure with the status text
                return True, type(exc).__name__
        finally:
            conn.close()


@pytest.mark.parametrize(("server", "principal"), GRID, ids=GRID_IDS)
def test_pysmb_alike(labs: dict[tuple[str, str], ServerThread], server: str, principal: str) -> None:
    over_smb1 = pysmb_shares(labs[(server, "smb1")].port, principal, smb1=True)
    over_smb2 = pysmb_shares(labs[(server, "smb2")].port, principal, smb1=False)
    assert over_smb1 == over_smb2
    if principal == "anonymous":
        # pysmb has no anonymous logon: an empty name still carries NTLMv2 responses, which
        # MS-NLMP 3.2.5.1.2 does not take for anonymous (test_smb1_session.py)
        assert over_smb1 == (False, "logon refused")
    else:
        assert over_smb1 == (True, shares_of(server))
