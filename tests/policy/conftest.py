"""The policy matrix tests: the case table (``cases.yaml``), what each action does step by step,
and a client that performs those steps over a real SMB2 or SMB1 (NT LM 0.12) + DCE/RPC connection
with impacket.

The step lists are `smbemu.policy.Step` values, so the engine-level test and the real-stack test
walk exactly the same steps and compare the same ``(step, status)`` pair.  Fixtures only: with
``--import-mode=importlib`` the test modules cannot import each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

from smbemu.policy import MAXIMUM_ALLOWED, POLICY_LOOKUP_NAMES, Step
from smbemu.profiles import load_profile
from smbemu.status import ERROR_ACCESS_DENIED, STATUS_ACCESS_DENIED

from helpers import HOST, ServerThread

#: The dialects the stack matrix runs every row over (issue 12: "the same allow/deny results as over
#: SMB2 for every row of the policy matrix").
DIALECTS = ("smb2", "smb1")
#: The matrix is about the policy, and the policy is dialect-neutral (one enforcement point:
#: smbemu.logon_exchange, smbemu.shares, smbemu.ipc).  Windows Server 2019 / 2022 ship with SMB1
#: off (profile ``smb.smb1: false``) but serve it once the feature is installed and enabled
#: (Set-SmbServerConfiguration -EnableSMB1Protocol $true), with the same access checks; their SMB1
#: rows therefore run with ``--set smb.smb1=true``, so each of their rows is compared over both
#: dialects instead of only proving the connection is refused.  That the profile as shipped refuses
#: an SMB1-only NEGOTIATE is asserted once per such profile (test_stack_matrix.py).
SMB1_LAB_OVERRIDE = "smb.smb1=true"

HERE = Path(__file__).resolve().parent
STATUS = {"STATUS_ACCESS_DENIED": STATUS_ACCESS_DENIED, "ERROR_ACCESS_DENIED": ERROR_ACCESS_DENIED}
CREDENTIALS = {
    "anonymous": ("", "", ""),
    "guest": ("nobody", "whatever", ""),  # an unknown name maps to Guest while Guest is enabled
    "user": ("alice", "Wonderland1", "CORP"),
    "administrator": ("Administrator", "Adm!n2003", "CORP"),
}


def _rpc(interface: str, operation: str, level: int | None = None, access: int | None = None) -> Step:
    return Step("rpc", operation, interface, level, access)


IPC = Step("tree-connect", "IPC$")
SAMR = (IPC, Step("pipe-open", "samr"))
SAMR_DOMAIN = (*SAMR, _rpc("samr", "SamrConnect5", access=MAXIMUM_ALLOWED),
               _rpc("samr", "SamrOpenDomain", access=MAXIMUM_ALLOWED))
LSA = (IPC, Step("pipe-open", "lsarpc"))
LSA_OPEN = (*LSA, _rpc("lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED))

#: action -> the steps a tool takes (rpcclient / impacket names in the comments).
ACTIONS: dict[str, tuple[Step, ...]] = {
    "session": (),                                                        # SESSION_SETUP only
    "tree_ipc": (IPC,),                                                   # smbclient //h/IPC$
    "tree_disk": (Step("tree-connect", "C$"),),                           # smbclient //h/C$
    "share_enum": (IPC, Step("pipe-open", "srvsvc"), _rpc("srvsvc", "NetrShareEnum", 1)),   # smbclient -L
    "share_enum_502": (IPC, Step("pipe-open", "srvsvc"), _rpc("srvsvc", "NetrShareEnum", 502)),
    "samr_connect": (*SAMR, _rpc("samr", "SamrConnect5", access=MAXIMUM_ALLOWED)),
    "user_enum": (*SAMR_DOMAIN, _rpc("samr", "SamrEnumerateUsersInDomain")),      # enumdomusers
    "group_enum": (*SAMR_DOMAIN, _rpc("samr", "SamrEnumerateGroupsInDomain")),    # enumdomgroups
    "alias_enum": (*SAMR_DOMAIN, _rpc("samr", "SamrEnumerateAliasesInDomain")),   # enumalsgroups
    "display_users": (*SAMR_DOMAIN, _rpc("samr", "SamrQueryDisplayInformation", 1)),  # querydispinfo
    "password_policy": (*SAMR_DOMAIN, _rpc("samr", "SamrQueryInformationDomain", 1)),  # querydominfo / polenum
    "password_info": (*SAMR, _rpc("samr", "SamrGetDomainPasswordInformation")),   # getdompwinfo
    "samr_lookup_ids": (*SAMR_DOMAIN, _rpc("samr", "SamrLookupIdsInDomain")),     # samlookuprids (RID cycling)
    "samr_lookup_names": (*SAMR_DOMAIN, _rpc("samr", "SamrLookupNamesInDomain")),  # samlookupnames
    # -- every other SAMR path to account names, memberships and details (issue 14 item 4)
    "group_members": (*SAMR_DOMAIN, _rpc("samr", "SamrOpenGroup", access=MAXIMUM_ALLOWED),   # querygroupmem 0x201
                      _rpc("samr", "SamrGetMembersInGroup"), _rpc("samr", "SamrLookupIdsInDomain")),
    "group_info": (*SAMR_DOMAIN, _rpc("samr", "SamrOpenGroup", access=MAXIMUM_ALLOWED),      # querygroup 0x201
                   _rpc("samr", "SamrQueryInformationGroup", 1)),
    "alias_members": (*SAMR_DOMAIN, _rpc("samr", "SamrOpenAlias", access=MAXIMUM_ALLOWED),   # queryaliasmem builtin 0x220
                      _rpc("samr", "SamrGetMembersInAlias")),
    "alias_info": (*SAMR_DOMAIN, _rpc("samr", "SamrOpenAlias", access=MAXIMUM_ALLOWED),      # queryaliasinfo builtin 0x220
                   _rpc("samr", "SamrQueryInformationAlias", 1)),
    "alias_membership": (*SAMR_DOMAIN, _rpc("samr", "SamrGetAliasMembership")),             # queryuseraliases
    "user_info": (*SAMR_DOMAIN, _rpc("samr", "SamrOpenUser", access=MAXIMUM_ALLOWED),        # queryuser 0x1f4
                  _rpc("samr", "SamrQueryInformationUser2", 21)),
    "user_info_general": (*SAMR_DOMAIN, _rpc("samr", "SamrOpenUser", access=MAXIMUM_ALLOWED),
                          _rpc("samr", "SamrQueryInformationUser", 1)),
    "user_groups": (*SAMR_DOMAIN, _rpc("samr", "SamrOpenUser", access=MAXIMUM_ALLOWED),      # queryusergroups 0x1f4
                    _rpc("samr", "SamrGetGroupsForUser"), _rpc("samr", "SamrLookupIdsInDomain")),
    "display_groups": (*SAMR_DOMAIN, _rpc("samr", "SamrQueryDisplayInformation2", 3)),      # querydispinfo2 3
    "lsa_accounts": (*LSA_OPEN, _rpc("lsarpc", "LsarEnumerateAccounts")),                   # enumprivsaccounts
    "sid_lookup2": (*LSA_OPEN, _rpc("lsarpc", "LsarLookupSids2")),                          # lookupsids_level
    "name_lookup3": (*LSA_OPEN, _rpc("lsarpc", "LsarLookupNames3")),                        # lookupnames4 (handle form)
    "lsa_query": (*LSA_OPEN, _rpc("lsarpc", "LsarQueryInformationPolicy", 5)),   # lsaquery
    "name_lookup": (*LSA_OPEN, _rpc("lsarpc", "LsarLookupNames")),               # lookupnames
    "sid_lookup": (*LSA_OPEN, _rpc("lsarpc", "LsarLookupSids")),                 # lookupsids
    "rid_cycling": (*LSA, _rpc("lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED | POLICY_LOOKUP_NAMES),
                    _rpc("lsarpc", "LsarQueryInformationPolicy2", 5), _rpc("lsarpc", "LsarLookupSids")),  # lookupsid.py
}


@dataclass(frozen=True)
class Case:
    id: str
    ref: str
    profile: str
    overrides: tuple[str, ...]
    principal: str
    action: str
    step: str | None  # None = allowed
    status: int
    pending: str | None

    @property
    def steps(self) -> tuple[Step, ...]:
        return ACTIONS[self.action]


def short_label(step: Step) -> str:
    """How cases.yaml names a step: ``TREE_CONNECT IPC$``, ``CREATE samr``, ``SamrConnect5``."""
    return f"CREATE {step.name}" if step.step == "pipe-open" else step.label


def load_cases() -> list[Case]:
    data = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
    explicit = [_case(group, row) for group in data["groups"] for row in group.get("rows", ())]
    ids = [c.id for c in explicit]
    assert len(ids) == len(set(ids)), "duplicate case ids in cases.yaml"
    # a ``paths`` row stands back for an explicit row of the same profile, --set, principal, action
    cases = explicit + [case for group in data["groups"] for row in _expand(group)
                        if (case := _case(group, row)).id not in set(ids)]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate paths rows in cases.yaml"
    return cases


def _case(group: dict[str, Any], row: dict[str, Any]) -> Case:
    expect = row["expect"]
    step, status = None, 0
    if expect != "allowed":
        step, _, name = expect.rpartition(" → ")
        status = STATUS[name]
    overrides = tuple(row.get("set", group.get("set", ())))
    case = Case(
        id=row.get("id") or "-".join([group["profile"] + (f"[{','.join(overrides)}]" if overrides else ""),
                                      row.get("principal", group.get("principal", "anonymous")),
                                      row["action"]]),
        ref=row.get("ref", group.get("ref", "")),
        profile=group["profile"],
        overrides=overrides,
        principal=row.get("principal", group.get("principal", "anonymous")),
        action=row["action"],
        step=step,
        status=status,
        pending=row.get("pending", group.get("pending")),
    )
    assert case.action in ACTIONS, f"cases.yaml {case.id}: unknown action {case.action!r}"
    if step is not None:
        assert step in {short_label(s) for s in case.steps}, f"cases.yaml {case.id}: {step!r} is not a step of {case.action}"
    return case


#: The actions a group's ``paths`` shorthand expands to: every SAMR / LSA path to account names,
#: memberships and details.  ``paths: {samr: <expect>, lsa: <expect>}`` stands for one row per
#: action with that expectation -- written by hand per profile and principal like any row (the
#: refusal must be a step every expanded action has: TREE_CONNECT, CREATE, SamrConnect5,
#: SamrOpenDomain, LsarOpenPolicy2), never computed from the engine.
PATHS: dict[str, tuple[str, ...]] = {
    "samr": ("user_enum", "group_enum", "alias_enum", "display_users", "display_groups", "group_members",
             "group_info", "alias_members", "alias_info", "alias_membership", "user_info", "user_info_general",
             "user_groups", "samr_lookup_ids", "samr_lookup_names", "password_policy"),
    "lsa": ("sid_lookup", "sid_lookup2", "name_lookup", "name_lookup3", "lsa_accounts", "lsa_query"),
}


def _expand(group: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"action": action, "expect": expect}
            for family, expect in (group.get("paths") or {}).items() for action in PATHS[family]]


CASES = load_cases()


#: The matrix actions with a RAP twin over SMB1 (smbemu.rap.access.TWINS): action -> (opcode,
#: ParamDesc, DataDesc, level): NetShareEnum level 1 (NetrShareEnum level 1), NetUserEnum level 0
#: (SamrConnect5, SamrOpenDomain, SamrEnumerateUsersInDomain).
RAP_TWINS: dict[str, tuple[int, str, str, int]] = {
    "share_enum": (0x0000, "WrLeh", "B13BWz", 1),
    "user_enum": (0x0035, "WrLeh", "B21", 0),
}
RAP_CASES = [case for case in CASES if case.action in RAP_TWINS and not case.pending]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", CASES, ids=[c.id for c in CASES])
    if "rap_case" in metafunc.fixturenames:
        metafunc.parametrize("rap_case", RAP_CASES, ids=[c.id for c in RAP_CASES])


@pytest.fixture(scope="session")
def rap_twins() -> dict[str, tuple[int, str, str, int]]:
    return RAP_TWINS


@pytest.fixture(scope="session")
def cases() -> list[Case]:
    return CASES


@pytest.fixture(scope="session")
def actions() -> dict[str, tuple[Step, ...]]:
    return ACTIONS


@pytest.fixture(scope="session")
def label() -> Any:
    return short_label


# ------------------------------------------------------------------ the real stack


class _Servers:
    """One ServerThread per (profile, overrides, dialect), started on first use, stopped at the end.

    ``smb2``: a pre-Vista profile also offers SMB 2.0.2 (helpers.smb2_lab_overrides), as the SMB2
    run always did.  ``smb1``: the profile as it is (NT 4 ... 2016 serve NT LM 0.12), with
    `SMB1_LAB_OVERRIDE` where the profile has SMB1 off."""

    def __init__(self) -> None:
        self.running: dict[tuple[str, tuple[str, ...], str], ServerThread] = {}

    def get(self, profile: str, overrides: Sequence[str], dialect: str = "smb2") -> ServerThread:
        key = (profile, tuple(overrides), dialect)
        if key not in self.running:
            if dialect == "smb1":
                served = list(overrides)
                if not load_profile(profile, served).smb.smb1:
                    served.append(SMB1_LAB_OVERRIDE)
                server = ServerThread(profile, overrides=served, smb2=False)
            else:
                server = ServerThread(profile, overrides=list(overrides))
            server.__enter__()
            self.running[key] = server
        return self.running[key]

    def close(self) -> None:
        for server in self.running.values():
            server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def servers() -> Iterator[_Servers]:
    pool = _Servers()
    yield pool
    pool.close()


class StackClient:
    """Walks the steps of an action with impacket over SMB2 (``dialect="smb2"``, impacket's
    default negotiation) or SMB1 (``"smb1"``: `SMBConnection(preferredDialect=SMB_DIALECT)`, its
    NEGOTIATE offers only NT LM 0.12) and reports the first refusal."""

    def __init__(self, server: ServerThread, principal: str, dialect: str = "smb2") -> None:
        self.server = server
        self.principal = principal
        self.dialect = dialect
        directory = server.config.directory
        self.domain_name: str = directory.account_domain.name
        self.domain_sid: str = str(directory.account_domain.sid)
        self.conn: Any = None
        self.tid: Any = None
        self.dce: Any = None
        self.handles: dict[str, Any] = {}
        self.rids: list[int] = []

    def run(self, steps: Sequence[Step]) -> tuple[str | None, int]:
        from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]
        from impacket.smbconnection import SMB_DIALECT, SessionError, SMBConnection  # type: ignore[import-untyped]

        user, password, domain = CREDENTIALS[self.principal]
        preferred = {"smb1": SMB_DIALECT}.get(self.dialect)
        self.conn = SMBConnection(HOST, HOST, sess_port=self.server.port, timeout=10, preferredDialect=preferred)
        try:
            # no silent fallback: an "smb1" row that negotiated SMB2 (or the reverse) compares nothing
            assert (self.conn.getDialect() == SMB_DIALECT) == (self.dialect == "smb1"), self.conn.getDialect()
            try:
                self.conn.login(user, password, domain)
            except SessionError as exc:
                return "SESSION_SETUP", exc.getErrorCode()
            for step in steps:
                try:
                    self._do(step)
                except SessionError as exc:
                    return short_label(step), exc.getErrorCode()
                except DCERPCException as exc:
                    code = exc.get_error_code()
                    return getattr(exc, "step", short_label(step)), code
            return None, 0
        finally:
            if self.dce is not None:
                try:
                    self.dce.disconnect()
                except Exception:  # noqa: BLE001 - best effort on a refused association
                    pass
            self.conn.close()

    def rap(self, opcode: int, param_desc: str, data_desc: str, level: int) -> tuple[str | None, int]:
        """One RAP call on \\PIPE\\LANMAN over SMB1 (impacket's TRANSACTION): ``("rap", status
        word)`` (MS-RAP 2.5.1), or the SESSION_SETUP / TREE_CONNECT IPC$ refusal before it."""
        import struct

        from impacket import smb as impacket_smb  # type: ignore[import-untyped]
        from impacket.smbconnection import SMB_DIALECT, SessionError, SMBConnection  # type: ignore[import-untyped]

        user, password, domain = CREDENTIALS[self.principal]
        conn = SMBConnection(HOST, HOST, sess_port=self.server.port, timeout=10, preferredDialect=SMB_DIALECT)
        try:
            try:
                conn.login(user, password, domain)
            except SessionError as exc:
                return "SESSION_SETUP", exc.getErrorCode()
            try:
                tid = conn.connectTree("IPC$")
            except SessionError as exc:
                return short_label(IPC), exc.getErrorCode()
            client = conn.getSMBServer()
            # MS-RAP 2.5.1: RAPOpcode, ParamDesc, DataDesc, then (WrLeh) the level and buffer size
            params = struct.pack("<H", opcode) + f"{param_desc}\0{data_desc}\0".encode() + struct.pack("<HH", level, 0x1000)
            client.send_trans(tid, b"", "\\PIPE\\LANMAN\0", params, b"")
            answer = client.recvSMB()
            assert answer.isValidAnswer(impacket_smb.SMB.SMB_COM_TRANSACTION)
            block = impacket_smb.SMBCommand(answer["Data"][0])
            words = impacket_smb.SMBTransactionResponse_Parameters(block["Parameters"])
            status, = struct.unpack_from("<H", answer.getData(), words["ParameterOffset"])
            return "rap", int(status)
        finally:
            conn.close()

    def _do(self, step: Step) -> None:
        from impacket.dcerpc.v5 import lsad, lsat, samr, srvs, transport  # type: ignore[import-untyped]
        from impacket.smb3structs import FILE_READ_DATA, FILE_WRITE_DATA  # type: ignore[import-untyped]

        if step.step == "tree-connect":
            self.tid = self.conn.connectTree(step.name)
            return
        if step.step == "pipe-open":
            fid = self.conn.openFile(self.tid, f"\\{step.name}", desiredAccess=FILE_READ_DATA | FILE_WRITE_DATA)
            self.conn.closeFile(self.tid, fid)
            rpc = transport.SMBTransport(HOST, self.server.port, filename=f"\\{step.name}", smb_connection=self.conn)
            self.dce = rpc.get_dce_rpc()
            self.dce.connect()
            uuid = {"samr": samr.MSRPC_UUID_SAMR, "lsarpc": lsat.MSRPC_UUID_LSAT, "srvsvc": srvs.MSRPC_UUID_SRVS}
            self.dce.bind(uuid[step.name])
            return
        dce, name = self.dce, step.name
        if name == "NetrShareEnum":
            srvs.hNetrShareEnum(dce, step.level)
        elif name == "SamrConnect5":
            self.handles["server"] = samr.hSamrConnect5(dce, desiredAccess=step.access)["ServerHandle"]
        elif name == "SamrOpenDomain":
            resp = self._sub("SamrLookupDomainInSamServer",
                             lambda: samr.hSamrLookupDomainInSamServer(dce, self.handles["server"], self.domain_name))
            self.handles["domain"] = samr.hSamrOpenDomain(dce, self.handles["server"], step.access, resp["DomainId"])["DomainHandle"]
        elif name == "SamrEnumerateUsersInDomain":
            samr.hSamrEnumerateUsersInDomain(dce, self.handles["domain"])
        elif name == "SamrEnumerateGroupsInDomain":
            samr.hSamrEnumerateGroupsInDomain(dce, self.handles["domain"])
        elif name == "SamrEnumerateAliasesInDomain":
            samr.hSamrEnumerateAliasesInDomain(dce, self.handles["domain"])
        elif name == "SamrQueryDisplayInformation":
            samr.hSamrQueryDisplayInformation(dce, self.handles["domain"], step.level)
        elif name == "SamrQueryInformationDomain":
            samr.hSamrQueryInformationDomain(dce, self.handles["domain"], step.level)
        elif name == "SamrGetDomainPasswordInformation":
            samr.hSamrGetDomainPasswordInformation(dce)
        elif name == "SamrLookupIdsInDomain":
            # after a member list, name what it returned (querygroupmem / queryusergroups)
            samr.hSamrLookupIdsInDomain(dce, self.handles["domain"], self.rids or [500])
        elif name == "SamrLookupNamesInDomain":
            samr.hSamrLookupNamesInDomain(dce, self.handles["domain"], ["Administrator"])
        elif name == "SamrOpenGroup":
            self.handles["group"] = samr.hSamrOpenGroup(dce, self.handles["domain"], step.access, 513)["GroupHandle"]
        elif name == "SamrOpenAlias":
            builtin = samr.hSamrOpenDomain(dce, self.handles["server"], MAXIMUM_ALLOWED, _builtin_sid())["DomainHandle"]
            self.handles["alias"] = samr.hSamrOpenAlias(dce, builtin, step.access, 544)["AliasHandle"]
        elif name == "SamrOpenUser":
            self.handles["user"] = samr.hSamrOpenUser(dce, self.handles["domain"], step.access, 500)["UserHandle"]
        elif name == "SamrGetMembersInGroup":
            self.rids = [m["Data"] for m in samr.hSamrGetMembersInGroup(dce, self.handles["group"])["Members"]["Members"]]
        elif name == "SamrGetGroupsForUser":
            self.rids = [g["RelativeId"] for g in samr.hSamrGetGroupsForUser(dce, self.handles["user"])["Groups"]["Groups"]]
        elif name == "SamrGetMembersInAlias":
            samr.hSamrGetMembersInAlias(dce, self.handles["alias"])
        elif name == "SamrGetAliasMembership":
            sids = samr.SAMPR_PSID_ARRAY()
            entry = samr.PSAMPR_SID_INFORMATION()
            entry["SidPointer"] = _rpc_sid(f"{self.domain_sid}-500")
            sids["Sids"].append(entry)
            sids["Count"] = 1
            samr.hSamrGetAliasMembership(dce, self.handles["domain"], sids)
        elif name == "SamrQueryInformationGroup":
            samr.hSamrQueryInformationGroup(dce, self.handles["group"], step.level)
        elif name == "SamrQueryInformationAlias":
            samr.hSamrQueryInformationAlias(dce, self.handles["alias"], step.level)
        elif name == "SamrQueryInformationUser2":
            samr.hSamrQueryInformationUser2(dce, self.handles["user"], step.level)
        elif name == "SamrQueryInformationUser":
            samr.hSamrQueryInformationUser(dce, self.handles["user"], step.level)
        elif name == "SamrQueryDisplayInformation2":
            samr.hSamrQueryDisplayInformation2(dce, self.handles["domain"], step.level)
        elif name == "LsarEnumerateAccounts":
            lsad.hLsarEnumerateAccounts(dce, self.handles["policy"])
        elif name == "LsarLookupSids2":
            lsat.hLsarLookupSids2(dce, self.handles["policy"], [f"{self.domain_sid}-500"])
        elif name == "LsarLookupNames3":
            lsat.hLsarLookupNames3(dce, self.handles["policy"], ["Administrator"])
        elif name == "LsarOpenPolicy2":
            self.handles["policy"] = lsad.hLsarOpenPolicy2(dce, step.access)["PolicyHandle"]
        elif name in ("LsarQueryInformationPolicy", "LsarQueryInformationPolicy2"):
            call = lsad.hLsarQueryInformationPolicy if name.endswith("Policy") else lsad.hLsarQueryInformationPolicy2
            call(dce, self.handles["policy"], step.level)
        elif name == "LsarLookupNames":
            lsat.hLsarLookupNames(dce, self.handles["policy"], ["Administrator"])
        elif name == "LsarLookupSids":
            lsat.hLsarLookupSids(dce, self.handles["policy"], [f"{self.domain_sid}-500"])
        else:  # pragma: no cover - a new action needs its client step
            raise AssertionError(f"no client step for {name}")

    @staticmethod
    def _sub(name: str, call: Any) -> Any:
        """A helper call a step needs (e.g. the domain SID before SamrOpenDomain): a refusal
        there is reported under its own name."""
        from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

        try:
            return call()
        except DCERPCException as exc:
            exc.step = name
            raise


def _builtin_sid() -> Any:
    return _rpc_sid("S-1-5-32")


def _rpc_sid(text: str) -> Any:
    from impacket.dcerpc.v5.dtypes import RPC_SID  # type: ignore[import-untyped]

    sid = RPC_SID()
    sid.fromCanonical(text)
    return sid


@pytest.fixture(scope="session")
def stack_client() -> Any:
    return StackClient
