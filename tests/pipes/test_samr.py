"""samr (MS-SAMR) through the real RPC endpoint: every emulated opnum and information class,
handles (misuse, kinds, granted access), access masks, paging edges, the role rule (member vs
DC) — and NDR cross-checks against impacket: impacket's ``samr.*`` requests decode in smbemu and
smbemu's responses decode in impacket (the impacket client runs in memory against the endpoint,
see conftest.PipeTransport).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL, RPC_SID  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from helpers import corp_rid

H = types.SimpleNamespace
STATUS_SUCCESS = 0
STATUS_MORE_ENTRIES = 0x105
STATUS_SOME_NOT_MAPPED = 0x107
STATUS_NO_MORE_ENTRIES = 0x8000001A
STATUS_INVALID_INFO_CLASS = 0xC0000003
STATUS_INVALID_HANDLE = 0xC0000008
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_OBJECT_TYPE_MISMATCH = 0xC0000024
STATUS_NO_SUCH_USER = 0xC0000064
STATUS_NO_SUCH_GROUP = 0xC0000066
STATUS_NONE_MAPPED = 0xC0000073
STATUS_NO_SUCH_DOMAIN = 0xC00000DF
STATUS_NO_SUCH_ALIAS = 0xC0000151
NCA_S_OP_RNG_ERROR = 0x1C010002
NCA_S_FAULT_CONTEXT_MISMATCH = 0x1C00001A
RPC_X_INVALID_BOUND = 0x6C6
MAXIMUM_ALLOWED = 0x02000000
ALL = 0xFFFFFFFF

MACHINE_SID = "S-1-5-21-2446098351-2891839154-3815493722"
# corp.yaml's RIDs as each role numbers them (a member's local SAM from 1000, a DC's domain RIDs)
ALICE, MJONES, JHALL, NYOUNG = (corp_rid(name) for name in ("alice", "mjones", "jhall", "nyoung"))
ALICE_DC, MJONES_DC = corp_rid("alice", "dc"), corp_rid("mjones", "dc")
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
BUILTIN_SID = "S-1-5-32"
NULL_HANDLE = bytes(20)
KINDS = ("anonymous", "guest", "user", "administrator")


def s(value: Any) -> Any:
    """impacket strings carry their NUL."""
    return value[:-1] if isinstance(value, str) and value.endswith("\x00") else value


class Sam:
    """A little SAMR client over smbemu's own NDR (PipeClient.call)."""

    def __init__(self, client: Any) -> None:
        self.c = client

    def call(self, opnum: int, **values: Any) -> dict[str, Any]:
        return dict(self.c.call(opnum, **values))

    def connect(self, access: int = MAXIMUM_ALLOWED) -> bytes:
        r = self.call(64, ServerName="\\\\LEGACYSRV", DesiredAccess=access, InVersion=1,
                      InRevisionInfo=(1, {"Revision": 3, "SupportedFeatures": 0}))
        assert r["ReturnValue"] == 0, hex(r["ReturnValue"])
        return bytes(r["ServerHandle"])

    def domain(self, sid: str = MACHINE_SID, access: int = MAXIMUM_ALLOWED) -> bytes:
        r = self.call(7, ServerHandle=self.connect(), DesiredAccess=access, DomainId=sid)
        assert r["ReturnValue"] == 0, hex(r["ReturnValue"])
        return bytes(r["DomainHandle"])

    def open(self, opnum: int, domain: bytes, rid: int, access: int = MAXIMUM_ALLOWED) -> Any:
        field = {19: "GroupId", 27: "AliasId", 34: "UserId"}[opnum]
        r = self.call(opnum, DomainHandle=domain, DesiredAccess=access, **{field: rid})
        return r

    def user(self, rid: int, access: int = MAXIMUM_ALLOWED, sid: str = MACHINE_SID) -> bytes:
        r = self.open(34, self.domain(sid), rid, access)
        assert r["ReturnValue"] == 0, hex(r["ReturnValue"])
        return bytes(r["UserHandle"])

    def enum_all(self, opnum: int, domain: bytes, maxlen: int = ALL,
                 **extra: Any) -> tuple[list[tuple[int, str]], int]:
        """Every entry of a SamrEnumerate* call; returns (entries, number of calls)."""
        out: list[tuple[int, str]] = []
        context, calls = 0, 0
        while True:
            r = self.call(opnum, DomainHandle=domain, EnumerationContext=context,
                          PreferedMaximumLength=maxlen, **extra)
            calls += 1
            assert r["ReturnValue"] in (0, STATUS_MORE_ENTRIES)
            buf = r["Buffer"]
            assert r["CountReturned"] == buf["EntriesRead"] == len(buf["Buffer"] or [])
            out += [(e["RelativeId"], e["Name"]) for e in buf["Buffer"] or []]
            context = r["EnumerationContext"]
            if r["ReturnValue"] == 0:
                return out, calls
            assert calls < 5000


@pytest.fixture
def sam(pipe_client: Callable[..., Any]) -> Callable[..., Sam]:
    def make(kind: str = "anonymous", profile: str = "win2000", server: Any = None) -> Sam:
        return Sam(pipe_client("samr", kind, profile, server))

    return make


# ------------------------------------------------------------------ the opnum table


def test_every_ms_samr_opnum_is_declared(sam: Callable[..., Sam]) -> None:
    iface = sam().c.interface
    assert str(iface.uuid) == "12345778-1234-abcd-ef00-0123456789ac" and iface.version == (1, 0)
    assert iface.pipes == ("samr", "lsass")  # \pipe\lsass: where the endpoint mapper points (MS-SAMR 2.1)
    assert sorted(iface.operations) == list(range(74))
    for opnum, (req, _) in samr.OPNUMS.items():
        assert iface.operations[opnum].name == req.__name__, opnum


@pytest.mark.parametrize("opnum", [59, 60, 68, 72, 74, 500])  # 73: test_samr_password_change4.py
def test_unused_and_unknown_opnums_fault_op_rng_error(sam: Callable[..., Sam],
                                                      opnum: int) -> None:
    assert sam().c.fault(opnum) == NCA_S_OP_RNG_ERROR


#: The object each refused call takes a handle to (MS-SAMR 3.1.5.x);
# the SAM changes not emulated: STATUS_ACCESS_DENIED to everyone (pipes/samr/refused.py)
_REFUSED_HANDLE_KIND = {4: "server"}
_HANDLE_FIELD = {4: "Handle", 9: "DomainHandle", 2: "ObjectHandle", 26: "GroupHandle"}
#: the kind of handle each takes, and the [in] parameters after it (zeros on the wire)
_HANDLE_KIND = {**_REFUSED_HANDLE_KIND, 2: "server", 9: "domain", 26: "group"}
#: SamrSetInformationDomain's other [in] parameters: DomainOemInformation, an empty string
_SET_OEM = {"DomainInformationClass": 4, "DomainInformation": (4, {"OemInformation": ""})}
_AFTER_HANDLE = {4: b"", 26: bytes(8),
                 # class 4, the union's tag 4, an empty RPC_UNICODE_STRING (SamrSetInformationDomain)
                 9: b"\x04\x00\x04\x00" + bytes(8),
                 # SecurityInformation, then the [ref] SAMPR_SR_SECURITY_DESCRIPTOR: Length 0, NULL
                 2: bytes(4) + bytes(8)}


def _handle_of(client: Sam, kind: str | None) -> dict[str, bytes]:
    if kind is None:
        return {}
    if kind == "server":
        return {"Handle": client.connect()}
    if kind == "domain":
        return {"Handle": client.domain()}
    if kind == "user":
        return {"Handle": client.user(500)}
    opened = client.open(19, client.domain(), 513) if kind == "group" else \
        client.open(27, client.domain(BUILTIN_SID), 544)
    assert opened["ReturnValue"] == 0, hex(opened["ReturnValue"])
    return {"Handle": bytes(opened["GroupHandle" if kind == "group" else "AliasHandle"])}


@pytest.mark.parametrize("kind", ["anonymous", "administrator"])
def test_validate_password_without_packet_privacy_faults_access_denied(sam: Callable[..., Sam], kind: str) -> None:
    # SamrValidatePassword (67) over \pipe\samr: rpc_s_access_denied, what impacket's test expects of Windows
    assert sam(kind).c.fault(67, _validate_password_request()) == 5


def _validate_password_request() -> bytes:
    """impacket's test_SamrValidatePassword request: a reset of Administrator to 16 'A's."""
    request = samr.SamrValidatePassword()
    kind = samr.PASSWORD_POLICY_VALIDATION_TYPE.SamValidatePasswordReset
    request["ValidationType"] = kind
    request["InputArg"]["tag"] = kind
    reset = request["InputArg"]["ValidatePasswordResetInput"]
    reset["InputPersistedFields"]["PresentFields"] = samr.SAM_VALIDATE_PASSWORD_HISTORY
    reset["InputPersistedFields"]["PasswordHistory"] = NULL
    reset["ClearPassword"] = "AAAAAAAAAAAAAAAA"
    reset["UserAccountName"] = "Administrator"
    return bytes(request.getData())


@pytest.mark.parametrize("kind", ["anonymous", "administrator"])
# (the SAM changes the emulator makes -- 10, 12, 14, 21-24, 29-32, 35, 37, 38, 45, 50, 52-55, 58 -- are
# tests/pipes/test_samr_writes.py's and test_samr_groups.py's)
@pytest.mark.parametrize("opnum", sorted(_REFUSED_HANDLE_KIND))
def test_write_operations_are_refused(sam: Callable[..., Sam], opnum: int, kind: str) -> None:
    client = sam(kind)
    r = client.call(opnum, **_handle_of(client, _REFUSED_HANDLE_KIND[opnum]))
    assert r["ReturnValue"] == STATUS_ACCESS_DENIED
    for key in ("GroupHandle", "UserHandle", "AliasHandle"):
        if key in r:
            assert r[key] == NULL_HANDLE


@pytest.mark.parametrize("opnum", sorted(_HANDLE_FIELD))
def test_write_operations_check_the_handle_before_access(sam: Callable[..., Sam],
                                                         opnum: int) -> None:
    """Issue 15: a stale handle is the runtime's context mismatch fault and a SAM handle of
    another type STATUS_OBJECT_TYPE_MISMATCH, before any ACCESS_DENIED (pipes/samr/__init__.py
    check order)."""
    client = sam("administrator")
    stale = b"\x00" * 4 + b"\x42" * 16 + _AFTER_HANDLE[opnum]
    assert client.c.fault(opnum, stale) == NCA_S_FAULT_CONTEXT_MISMATCH
    wrong = "user" if _HANDLE_KIND[opnum] != "user" else "domain"
    if opnum not in (2,):  # SamrSetSecurityObject takes a handle of any SAM object
        extra = _SET_OEM if opnum == 9 else {}
        r = client.call(opnum, **{_HANDLE_FIELD[opnum]: _handle_of(client, wrong)["Handle"]}, **extra)
        assert r["ReturnValue"] == STATUS_OBJECT_TYPE_MISMATCH


# a user handle given to SamrDeleteGroup / SamrDeleteAlias: the wrong SAM object type, checked
# before access (pipes/samr/__init__.py, issue 15)
@pytest.mark.parametrize("opnum,field,status", [(23, "GroupHandle", STATUS_OBJECT_TYPE_MISMATCH),
                                                (30, "AliasHandle", STATUS_OBJECT_TYPE_MISMATCH),
                                                (35, "UserHandle", 0xC0000124)])
def test_delete_calls_are_refused_and_echo_the_handle(sam: Callable[..., Sam], opnum: int,
                                                      field: str, status: int) -> None:
    # SamrDeleteUser of a built-in account (RID < 1000): STATUS_SPECIAL_ACCOUNT (MS-SAMR 3.1.5.7.3)
    client = sam("administrator")
    handle = client.user(500)
    r = client.call(opnum, **{field: handle})
    assert r["ReturnValue"] == status and r[field] == handle
    # the user still exists and the handle still works
    assert client.call(36, UserHandle=handle, UserInformationClass=7)["ReturnValue"] == 0


# ------------------------------------------------------------------ connect and handles


@pytest.mark.parametrize("opnum,values", [
    (0, {"ServerName": 0x5C}), (57, {"ServerName": "\\\\LEGACYSRV"}),
    (62, {"ServerName": "\\\\LEGACYSRV", "ClientRevision": 2}),
])
def test_connect_variants_open_a_server_handle(sam: Callable[..., Sam], opnum: int,
                                               values: dict[str, Any]) -> None:
    client = sam()
    r = client.call(opnum, DesiredAccess=MAXIMUM_ALLOWED, **values)
    assert r["ReturnValue"] == 0 and r["ServerHandle"] != NULL_HANDLE
    e = client.call(6, ServerHandle=r["ServerHandle"], EnumerationContext=0,
                    PreferedMaximumLength=ALL)
    assert [x["Name"] for x in e["Buffer"]["Buffer"]] == ["LEGACYSRV", "Builtin"]


def test_connect5_answers_revision_3_and_rejects_unknown_versions(sam: Callable[..., Sam]) -> None:
    client = sam()
    r = client.call(64, ServerName=None, DesiredAccess=0x20031, InVersion=1,
                    InRevisionInfo=(1, {"Revision": 3, "SupportedFeatures": 0}))
    assert r["ReturnValue"] == 0 and r["OutVersion"] == 1
    assert r["OutRevisionInfo"] == (1, {"Revision": 3, "SupportedFeatures": 0})
    bad = client.call(64, ServerName=None, DesiredAccess=0x20031, InVersion=2,
                      InRevisionInfo=(1, {"Revision": 3, "SupportedFeatures": 0}))
    assert bad["ReturnValue"] == STATUS_INVALID_PARAMETER and bad["ServerHandle"] == NULL_HANDLE


@pytest.mark.parametrize(("profile", "features"), [("win2016", 0), ("win2019", 0),
                                                   ("win2022", 0x10), ("win2022-dc", 0x10)])
def test_connect5_supported_features_follow_the_release(sam: Callable[..., Sam], profile: str,
                                                        features: int) -> None:
    """2022 announces the AES password buffers (MS-SAMR 2.2.7.15 0x10); earlier releases 0."""
    r = sam("administrator", profile=profile).call(
        64, ServerName=None, DesiredAccess=0x20031, InVersion=1,
        InRevisionInfo=(1, {"Revision": 3, "SupportedFeatures": 0}))
    assert r["ReturnValue"] == 0 and r["OutRevisionInfo"] == (1, {"Revision": 3, "SupportedFeatures": features})


def test_close_handle_then_every_use_is_invalid_handle(sam: Callable[..., Sam]) -> None:
    client = sam()
    server = client.connect()
    r = client.call(1, SamHandle=server)
    assert r == {"SamHandle": NULL_HANDLE, "ReturnValue": 0}
    # a closed, unknown or NULL handle never reaches the SAM: the RPC runtime's fault
    # nca_s_fault_context_mismatch (MS-RPCE 2.2.4.15 strict_context_handle; issue 15 bug 1)
    assert client.c.fault(1, server) == NCA_S_FAULT_CONTEXT_MISMATCH
    assert client.c.fault(6, server + bytes(8)) == NCA_S_FAULT_CONTEXT_MISMATCH
    unknown = b"\x00" * 4 + b"\x42" * 16
    assert client.c.fault(36, unknown + b"\x15\x00") == NCA_S_FAULT_CONTEXT_MISMATCH
    assert client.c.fault(1, NULL_HANDLE) == NCA_S_FAULT_CONTEXT_MISMATCH


def test_handle_of_the_wrong_kind_is_object_type_mismatch(sam: Callable[..., Sam]) -> None:
    client = sam()
    server = client.connect()
    domain = client.domain()
    user = client.user(500)
    mismatches = [
        (8, {"DomainHandle": server, "DomainInformationClass": 2}),
        (13, {"DomainHandle": user, "EnumerationContext": 0, "UserAccountControl": 0,
              "PreferedMaximumLength": ALL}),
        (36, {"UserHandle": domain, "UserInformationClass": 21}),
        (7, {"ServerHandle": domain, "DesiredAccess": MAXIMUM_ALLOWED, "DomainId": MACHINE_SID}),
        (25, {"GroupHandle": user}),
        (33, {"AliasHandle": user}),
        (65, {"ObjectHandle": server, "Rid": 500}),
    ]
    for opnum, values in mismatches:
        assert client.call(opnum, **values)["ReturnValue"] == STATUS_OBJECT_TYPE_MISMATCH, opnum


def test_handles_belong_to_their_association(sam: Callable[..., Sam],
                                             server_config: Callable[..., Any]) -> None:
    srv = server_config("win2000")
    first, second = sam(server=srv), sam(server=srv)
    handle = first.connect()
    assert second.c.fault(6, handle + bytes(8)) == NCA_S_FAULT_CONTEXT_MISMATCH


# ------------------------------------------------------------------ access masks


@pytest.fixture
def module(sam: Callable[..., Sam]) -> Any:
    """The samr handler package, reached through the interface the entry point loaded."""
    iface = sam().c.interface
    return sys.modules[sys.modules[iface.handlers[0].__module__].__package__ or ""]


@pytest.mark.parametrize("kind,expected", [("anonymous", 0x20031), ("guest", 0x20031),
                                           ("user", 0x20031), ("administrator", 0x10F003F)])
def test_maximum_allowed_maps_to_the_callers_rights(module: Any, kind: str,
                                                    expected: int) -> None:
    granted = module.grant_access(module.SERVER, MAXIMUM_ALLOWED,
                                  administrator=kind == "administrator")
    assert granted == expected


def test_generic_mapping_and_denied_rights(module: Any) -> None:
    assert module.grant_access(module.DOMAIN, 0x80000000, administrator=False) == 0x20084
    assert module.grant_access(module.DOMAIN, 0x20000000, administrator=False) == 0x20301
    assert module.grant_access(module.DOMAIN, 0x10000000, administrator=False) is None
    assert module.grant_access(module.DOMAIN, 0x10000000, administrator=True) == 0xF07FF
    assert module.grant_access(module.USER, 0x02000000, administrator=False,
                               extra=0x44) == 0x2035B | 0x44
    assert module.grant_access(module.SERVER, 0x01000000, administrator=False) is None
    assert module.grant_access(module.SERVER, 0, administrator=False) == 0


@pytest.mark.parametrize("opnum,values", [
    (64, {"ServerName": None, "DesiredAccess": 0x10000000, "InVersion": 1,
          "InRevisionInfo": (1, {"Revision": 3, "SupportedFeatures": 0})}),
    (57, {"ServerName": None, "DesiredAccess": 0x00000008}),   # SAM_SERVER_CREATE_DOMAIN
    (0, {"ServerName": None, "DesiredAccess": 0x00040000}),    # WRITE_DAC
])
def test_non_admin_asking_for_write_rights_is_denied(sam: Callable[..., Sam], opnum: int,
                                                     values: dict[str, Any]) -> None:
    r = sam("user").call(opnum, **values)
    assert r["ReturnValue"] == STATUS_ACCESS_DENIED and r["ServerHandle"] == NULL_HANDLE
    assert sam("administrator").call(opnum, **values)["ReturnValue"] == 0


def test_open_with_write_access_denied_for_non_admin(sam: Callable[..., Sam]) -> None:
    client = sam("user")
    domain = client.domain()
    assert client.call(7, ServerHandle=client.connect(), DesiredAccess=0x10,
                       DomainId=MACHINE_SID)["ReturnValue"] == STATUS_ACCESS_DENIED
    for opnum in (34, 19, 27):
        rid = {34: 500, 19: 513, 27: 544}[opnum]
        d = domain if opnum != 27 else client.domain(BUILTIN_SID)
        assert client.open(opnum, d, rid, 0x000F0000 | 0x2)["ReturnValue"] == STATUS_ACCESS_DENIED
    # a user may change its own preferences / password: those rights are granted on itself
    assert client.open(34, domain, ALICE, 0x44)["ReturnValue"] == 0
    assert client.open(34, domain, MJONES, 0x44)["ReturnValue"] == STATUS_ACCESS_DENIED


def test_calls_outside_the_granted_access_are_denied(sam: Callable[..., Sam]) -> None:
    client = sam()
    # a server handle with only SAM_SERVER_CONNECT: no enumeration, no lookup
    r = client.call(0, ServerName=None, DesiredAccess=0x1)
    server = r["ServerHandle"]
    assert client.call(6, ServerHandle=server, EnumerationContext=0,
                       PreferedMaximumLength=ALL)["ReturnValue"] == STATUS_ACCESS_DENIED
    assert client.call(5, ServerHandle=server, Name="Builtin")["ReturnValue"] == STATUS_ACCESS_DENIED
    assert client.call(7, ServerHandle=server, DesiredAccess=MAXIMUM_ALLOWED,
                       DomainId=MACHINE_SID)["ReturnValue"] == STATUS_ACCESS_DENIED
    # a domain handle with DOMAIN_READ_PASSWORD_PARAMETERS only
    domain = client.domain(access=0x1)
    assert client.call(8, DomainHandle=domain, DomainInformationClass=1)["ReturnValue"] == 0
    assert client.call(8, DomainHandle=domain,
                       DomainInformationClass=2)["ReturnValue"] == STATUS_ACCESS_DENIED
    assert client.call(13, DomainHandle=domain, EnumerationContext=0, UserAccountControl=0,
                       PreferedMaximumLength=ALL)["ReturnValue"] == STATUS_ACCESS_DENIED
    assert client.call(34, DomainHandle=domain, DesiredAccess=1,
                       UserId=500)["ReturnValue"] == STATUS_ACCESS_DENIED
    # a user handle with USER_READ_GENERAL only: level 21 carries the general fields only
    user = client.user(ALICE, access=0x1)
    r = client.call(36, UserHandle=user, UserInformationClass=21)
    info = r["Buffer"][1]
    assert r["ReturnValue"] == 0 and info["WhichFields"] == 0x1F
    assert info["UserName"] == "alice" and info["HomeDirectory"] == "" and info["LogonCount"] == 0
    assert client.call(36, UserHandle=user,
                       UserInformationClass=3)["ReturnValue"] == STATUS_ACCESS_DENIED
    assert client.call(39, UserHandle=user)["ReturnValue"] == STATUS_ACCESS_DENIED
    none = client.user(ALICE, access=0x20000)
    assert client.call(36, UserHandle=none,
                       UserInformationClass=21)["ReturnValue"] == STATUS_ACCESS_DENIED


def test_policy_denial_is_returned_as_the_ntstatus(sam: Callable[..., Sam],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from smbemu.policy import Decision, Policy

    real = Policy.decide

    def decide(self: Any, principal: Any, interface: str, operation: str,
               level: int | None = None, *, access: int | None = None) -> Decision:
        if interface == "samr" and operation in ("SamrEnumerateUsersInDomain", "SamrConnect2",
                                                 "SamrQueryDisplayInformation",
                                                 "SamrQueryInformationUser2", "SamrOpenUser",
                                                 "SamrLookupNamesInDomain",
                                                 "SamrGetDomainPasswordInformation"):
            return Decision(STATUS_ACCESS_DENIED, "test")
        return real(self, principal, interface, operation, level, access=access)

    monkeypatch.setattr(Policy, "decide", decide)
    client = sam()
    r = client.call(57, ServerName=None, DesiredAccess=MAXIMUM_ALLOWED)
    assert r["ReturnValue"] == STATUS_ACCESS_DENIED and r["ServerHandle"] == NULL_HANDLE
    r = client.call(13, DomainHandle=client.domain(), EnumerationContext=0,
                    UserAccountControl=0, PreferedMaximumLength=ALL)
    assert r["ReturnValue"] == STATUS_ACCESS_DENIED and r["Buffer"] is None
    domain = client.domain()
    r = client.call(40, DomainHandle=domain, DisplayInformationClass=1, Index=0, EntryCount=10,
                    PreferredMaximumLength=ALL)
    assert r["ReturnValue"] == STATUS_ACCESS_DENIED
    assert r["Buffer"] == (1, {"EntriesRead": 0, "Buffer": None})
    r = client.call(34, DomainHandle=domain, DesiredAccess=MAXIMUM_ALLOWED, UserId=500)
    assert r == {"UserHandle": NULL_HANDLE, "ReturnValue": STATUS_ACCESS_DENIED}
    r = client.call(17, DomainHandle=domain, Count=1, Names=["alice"])
    assert r["ReturnValue"] == STATUS_ACCESS_DENIED
    assert client.call(56, Unused=None)["ReturnValue"] == STATUS_ACCESS_DENIED


# ------------------------------------------------------------------ domains


def test_lookup_domain(sam: Callable[..., Sam]) -> None:
    client = sam()
    server = client.connect()
    for name, sid in (("LEGACYSRV", MACHINE_SID), ("legacysrv", MACHINE_SID),
                      ("Builtin", BUILTIN_SID), ("BUILTIN", BUILTIN_SID)):
        r = client.call(5, ServerHandle=server, Name=name)
        assert r == {"DomainId": sid, "ReturnValue": 0}
    assert client.call(5, ServerHandle=server, Name="CORP")["ReturnValue"] == STATUS_NO_SUCH_DOMAIN
    # an empty name is a bad parameter, not an unknown domain (smbtorture rpc.samr expects it)
    assert client.call(5, ServerHandle=server, Name="")["ReturnValue"] == STATUS_INVALID_PARAMETER


def test_dc_account_domain_is_the_domain(sam: Callable[..., Sam]) -> None:
    client = sam(profile="win2000-dc")
    server = client.connect()
    assert client.call(5, ServerHandle=server, Name="CORP")["DomainId"] == DOMAIN_SID
    users, _ = client.enum_all(13, client.domain(DOMAIN_SID), UserAccountControl=0)
    assert (502, "krbtgt") in users and (ALICE_DC, "alice") in users
    groups, _ = client.enum_all(11, client.domain(DOMAIN_SID))
    assert (516, "Domain Controllers") in groups and (512, "Domain Admins") in groups
    r = client.call(7, ServerHandle=server, DesiredAccess=MAXIMUM_ALLOWED, DomainId=MACHINE_SID)
    assert r["ReturnValue"] == STATUS_NO_SUCH_DOMAIN


def test_enumerate_domains_pages(sam: Callable[..., Sam]) -> None:
    client = sam()
    server = client.connect()
    r = client.call(6, ServerHandle=server, EnumerationContext=0, PreferedMaximumLength=1)
    assert r["ReturnValue"] == STATUS_MORE_ENTRIES and r["CountReturned"] == 1
    assert r["Buffer"]["Buffer"] == [{"RelativeId": 0, "Name": "LEGACYSRV"}]
    r = client.call(6, ServerHandle=server, EnumerationContext=r["EnumerationContext"],
                    PreferedMaximumLength=1)
    # a domain has no RID: Windows answers 0 for both entries (not their index)
    assert r["ReturnValue"] == 0 and r["Buffer"]["Buffer"] == [{"RelativeId": 0,
                                                                  "Name": "Builtin"}]


def test_open_unknown_domain(sam: Callable[..., Sam]) -> None:
    client = sam()
    r = client.call(7, ServerHandle=client.connect(), DesiredAccess=MAXIMUM_ALLOWED,
                    DomainId="S-1-5-21-1-2-3")
    assert r["ReturnValue"] == STATUS_NO_SUCH_DOMAIN and r["DomainHandle"] == NULL_HANDLE


@pytest.mark.parametrize("opnum", [8, 46])
def test_query_information_domain_every_class(sam: Callable[..., Sam], opnum: int) -> None:
    client = sam()
    domain = client.domain()

    def q(cls: int) -> Any:
        r = client.call(opnum, DomainHandle=domain, DomainInformationClass=cls)
        assert r["ReturnValue"] == 0, (cls, hex(r["ReturnValue"]))
        assert r["Buffer"][0] == cls
        return r["Buffer"][1]

    day, minute = 864_000_000_000, 600_000_000
    pw = q(1)
    assert (pw["MinPasswordLength"], pw["PasswordHistoryLength"], pw["PasswordProperties"]) == (7, 24, 1)
    assert pw["MaxPasswordAge"] == {"LowPart": (-42 * day) & 0xFFFFFFFF,
                                    "HighPart": (-42 * day) >> 32}
    assert (pw["MinPasswordAge"]["HighPart"] << 32 | pw["MinPasswordAge"]["LowPart"]) == -day
    general = q(2)
    assert general["DomainName"] == "LEGACYSRV"
    assert (general["UserCount"], general["GroupCount"], general["AliasCount"]) == (32, 1, 3)
    assert general["UasCompatibilityRequired"] == 1  # a local SAM
    assert general["DomainServerRole"] == 3 and general["DomainServerState"] == 1
    assert general["ForceLogoff"] == {"LowPart": 0, "HighPart": -0x80000000}
    assert q(3) == {"ForceLogoff": {"LowPart": 0, "HighPart": -0x80000000}}
    assert q(4) == {"OemInformation": ""}
    assert q(5) == {"DomainName": "LEGACYSRV"}
    assert q(6) == {"ReplicaSourceNodeName": ""}
    assert q(7) == {"DomainServerRole": 3}
    assert q(8)["DomainModifiedCount"]["LowPart"] > 0
    assert q(9) == {"DomainServerState": 1}
    g2 = q(11)
    assert g2["I1"] == general and g2["LockoutThreshold"] == 5
    lockout = q(12)
    assert lockout == {"LockoutDuration": -30 * minute, "LockoutObservationWindow": -30 * minute,
                       "LockoutThreshold": 5}
    assert set(q(13)) == {"DomainModifiedCount", "CreationTime", "ModifiedCountAtLastPromotion"}
    for bad in (0, 10, 14, 100):
        r = client.call(opnum, DomainHandle=domain, DomainInformationClass=bad)
        assert r == {"Buffer": None, "ReturnValue": STATUS_INVALID_INFO_CLASS}


def test_builtin_domain_information(sam: Callable[..., Sam]) -> None:
    client = sam()
    builtin = client.domain(BUILTIN_SID)
    r = client.call(8, DomainHandle=builtin, DomainInformationClass=2)["Buffer"][1]
    assert r["DomainName"] == "Builtin" and r["UserCount"] == 0 and r["GroupCount"] == 0
    aliases, _ = client.enum_all(15, builtin)
    assert (544, "Administrators") in aliases and (545, "Users") in aliases
    assert r["AliasCount"] == len(aliases)


def test_get_domain_password_information_needs_no_handle(sam: Callable[..., Sam]) -> None:
    for kind in KINDS:
        r = sam(kind).call(56, Unused=None)
        assert r == {"PasswordInformation": {"MinPasswordLength": 7, "PasswordProperties": 1},
                     "ReturnValue": 0}


# ------------------------------------------------------------------ enumerations


def test_enumerate_users_filter_and_order(sam: Callable[..., Sam]) -> None:
    client = sam(profile="win2000-dc")
    domain = client.domain(DOMAIN_SID)
    everyone, _ = client.enum_all(13, domain, UserAccountControl=0)
    normal, _ = client.enum_all(13, domain, UserAccountControl=0x10)
    machines, _ = client.enum_all(13, domain, UserAccountControl=0x80 | 0x100)
    assert [rid for rid, _ in everyone] == sorted(rid for rid, _ in everyone)
    assert set(normal) | set(machines) == set(everyone) and not set(normal) & set(machines)
    assert machines and all(name.endswith("$") for _, name in machines)
    disabled, _ = client.enum_all(13, domain, UserAccountControl=0x1)
    assert (501, "Guest") in disabled and (ALICE_DC, "alice") not in disabled


def test_enumerate_users_pages_by_prefered_maximum_length(sam: Callable[..., Sam]) -> None:
    client = sam()
    domain = client.domain()
    full, calls = client.enum_all(13, domain, UserAccountControl=0)
    assert calls == 1 and len(full) == 32
    paged, calls = client.enum_all(13, domain, maxlen=100, UserAccountControl=0)
    assert paged == full and calls > 5
    one_each, calls = client.enum_all(13, domain, maxlen=0, UserAccountControl=0)
    assert one_each == full and calls == 32  # at least one entry per call
    # a context at or past the end: nothing, STATUS_SUCCESS
    r = client.call(13, DomainHandle=domain, EnumerationContext=999, UserAccountControl=0,
                    PreferedMaximumLength=ALL)
    assert r["ReturnValue"] == 0 and r["CountReturned"] == 0 and r["Buffer"]["Buffer"] == []


def test_enumerate_groups_and_aliases_member_server(sam: Callable[..., Sam]) -> None:
    client = sam()
    groups, _ = client.enum_all(11, client.domain())
    assert groups == [(513, "None")]
    aliases, _ = client.enum_all(15, client.domain())
    assert all(rid >= 1000 for rid, _ in aliases) and len(aliases) == 3


def test_large_fixture_is_fully_enumerated_with_paging(sam: Callable[..., Sam],
                                                       tmp_path: Any) -> None:
    import yaml

    from smbemu.builder import build_config
    from smbemu.directory import make_large_fixture

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(make_large_fixture(1200)))
    srv = build_config("win2000", str(path))
    client = sam(server=srv)
    domain = client.domain("S-1-5-21-1111111111-2222222222-3333333333")
    users, calls = client.enum_all(13, domain, maxlen=4096, UserAccountControl=0x10)
    assert len(users) == 1202 and calls > 5  # the generated users, Administrator, Guest
    assert len({rid for rid, _ in users}) == 1202
    # display information pages the same set by index
    seen, index = [], 0
    while True:
        r = client.call(40, DomainHandle=domain, DisplayInformationClass=1, Index=index,
                        EntryCount=200, PreferredMaximumLength=ALL)
        entries = r["Buffer"][1]["Buffer"] or []
        seen += [e["Rid"] for e in entries]
        index += len(entries)
        if r["ReturnValue"] == 0:
            break
        assert r["ReturnValue"] == STATUS_MORE_ENTRIES and len(entries) == 200
    assert sorted(seen) == sorted(rid for rid, _ in users)


# ------------------------------------------------------------------ display information


@pytest.mark.parametrize("opnum", [40, 48, 51])
def test_query_display_information_classes(sam: Callable[..., Sam], opnum: int) -> None:
    client = sam(profile="win2000-dc")
    domain = client.domain(DOMAIN_SID)

    def q(cls: int, index: int = 0, count: int = 1000, maxlen: int = ALL) -> Any:
        return client.call(opnum, DomainHandle=domain, DisplayInformationClass=cls, Index=index,
                           EntryCount=count, PreferredMaximumLength=maxlen)

    users = q(1)
    assert users["ReturnValue"] == 0
    entries = users["Buffer"][1]["Buffer"]
    names = [e["AccountName"] for e in entries]
    assert names == sorted(names, key=str.upper) and [e["Index"] for e in entries] == list(
        range(1, len(entries) + 1))
    alice = next(e for e in entries if e["AccountName"] == "alice")
    assert alice == {"Index": alice["Index"], "Rid": ALICE_DC, "AccountControl": 0x10,
                     "AccountName": "alice", "AdminComment": "Finance - Accounts Payable",
                     "FullName": "Alice Liddell"}
    assert users["TotalReturned"] == users["TotalAvailable"] > 0
    machines = q(2)["Buffer"][1]["Buffer"]
    assert machines and all(e["AccountName"].endswith("$") for e in machines)
    groups = q(3)["Buffer"][1]["Buffer"]
    assert any(e["AccountName"] == "Domain Admins" and e["Rid"] == 512 for e in groups)
    oem = q(4)["Buffer"][1]["Buffer"]
    assert oem[0]["OemAccountName"]["Buffer"] == b"ADMINISTRATOR"
    assert len(q(5)["Buffer"][1]["Buffer"]) == len(groups)
    # paging by count and by size
    page = q(1, 0, 5)
    assert page["ReturnValue"] == STATUS_MORE_ENTRIES and len(page["Buffer"][1]["Buffer"]) == 5
    page = q(1, 3, 1000, 1)
    assert page["ReturnValue"] == STATUS_MORE_ENTRIES
    assert page["Buffer"][1]["Buffer"][0]["AccountName"] == names[3]
    end = q(1, len(entries), 10)
    assert end["ReturnValue"] == 0 and end["Buffer"][1]["EntriesRead"] == 0
    bad = q(6)
    assert bad["ReturnValue"] == STATUS_INVALID_INFO_CLASS


@pytest.mark.parametrize("opnum", [41, 49])
def test_get_display_enumeration_index(sam: Callable[..., Sam], opnum: int) -> None:
    client = sam()
    domain = client.domain()
    r = client.call(opnum, DomainHandle=domain, DisplayInformationClass=1, Prefix="B")
    assert r["ReturnValue"] == 0
    d = client.call(40, DomainHandle=domain, DisplayInformationClass=1, Index=r["Index"],
                    EntryCount=1, PreferredMaximumLength=ALL)
    assert d["Buffer"][1]["Buffer"][0]["AccountName"].upper() >= "B"
    assert client.call(opnum, DomainHandle=domain, DisplayInformationClass=1,
                       Prefix="zzzz")["ReturnValue"] == STATUS_NO_MORE_ENTRIES
    assert client.call(opnum, DomainHandle=domain, DisplayInformationClass=4,
                       Prefix="a")["ReturnValue"] == STATUS_INVALID_INFO_CLASS


# ------------------------------------------------------------------ lookups


def test_lookup_names_mapped_some_none(sam: Callable[..., Sam]) -> None:
    client = sam()
    domain = client.domain()
    r = client.call(17, DomainHandle=domain, Count=3, Names=["Administrator", "ALICE", "None"])
    assert r["ReturnValue"] == 0
    assert r["RelativeIds"] == {"Count": 3, "Element": [500, ALICE, 513]}
    assert r["Use"] == {"Count": 3, "Element": [1, 1, 2]}
    r = client.call(17, DomainHandle=domain, Count=2, Names=["alice", "nobody"])
    assert r["ReturnValue"] == STATUS_SOME_NOT_MAPPED
    assert r["RelativeIds"]["Element"] == [ALICE, 0] and r["Use"]["Element"] == [1, 8]
    r = client.call(17, DomainHandle=domain, Count=1, Names=["nobody"])
    assert r["ReturnValue"] == STATUS_NONE_MAPPED and r["Use"]["Element"] == [8]
    r = client.call(17, DomainHandle=domain, Count=0, Names=[])
    assert r["ReturnValue"] == 0 and r["RelativeIds"] == {"Count": 0, "Element": None}
    builtin = client.domain(BUILTIN_SID)
    r = client.call(17, DomainHandle=builtin, Count=1, Names=["Administrators"])
    assert r["RelativeIds"]["Element"] == [544] and r["Use"]["Element"] == [4]


def test_lookup_count_beyond_range_faults(sam: Callable[..., Sam]) -> None:
    client = sam()
    domain = client.domain()
    op = client.c.op(17)
    stub = op.encode_request({"DomainHandle": domain, "Count": 1001, "Names": ["x"]})
    with pytest.raises(Exception) as info:
        client.c.raw(17, stub)
    assert getattr(info.value, "status", None) == RPC_X_INVALID_BOUND


def test_lookup_ids(sam: Callable[..., Sam]) -> None:
    client = sam()
    domain = client.domain()
    r = client.call(18, DomainHandle=domain, Count=3, RelativeIds=[500, 513, 9999])
    assert r["ReturnValue"] == STATUS_SOME_NOT_MAPPED
    assert r["Names"] == {"Count": 3, "Element": ["Administrator", "None", ""]}
    assert r["Use"]["Element"] == [1, 2, 8]
    r = client.call(18, DomainHandle=domain, Count=1, RelativeIds=[9999])
    assert r["ReturnValue"] == STATUS_NONE_MAPPED


def test_get_alias_membership(sam: Callable[..., Sam]) -> None:
    client = sam()
    builtin = client.domain(BUILTIN_SID)
    sids = [{"SidPointer": f"{MACHINE_SID}-500"}, {"SidPointer": "S-1-5-11"}]
    r = client.call(16, DomainHandle=builtin, SidArray={"Count": 2, "Sids": sids})
    assert r["ReturnValue"] == 0
    assert 544 in r["Membership"]["Element"] and 545 in r["Membership"]["Element"]
    r = client.call(16, DomainHandle=builtin,
                    SidArray={"Count": 1, "Sids": [{"SidPointer": "S-1-5-21-9-9-9-9"}]})
    assert r["Membership"] == {"Count": 0, "Element": None}


# ------------------------------------------------------------------ users


def test_open_unknown_accounts(sam: Callable[..., Sam]) -> None:
    client = sam()
    domain = client.domain()
    assert client.open(34, domain, 9999)["ReturnValue"] == STATUS_NO_SUCH_USER
    assert client.open(34, domain, 513)["ReturnValue"] == STATUS_NO_SUCH_USER  # a group
    assert client.open(19, domain, 512)["ReturnValue"] == STATUS_NO_SUCH_GROUP  # member server
    assert client.open(27, domain, 544)["ReturnValue"] == STATUS_NO_SUCH_ALIAS  # Builtin's


def test_query_user_all_information_matches_the_fixture(sam: Callable[..., Sam]) -> None:
    client = sam()
    r = client.call(47, UserHandle=client.user(ALICE), UserInformationClass=21)
    assert r["ReturnValue"] == 0 and r["Buffer"][0] == 21
    info = r["Buffer"][1]
    assert info["UserName"] == "alice" and info["FullName"] == "Alice Liddell"
    assert info["AdminComment"] == "Finance - Accounts Payable"
    assert info["HomeDirectory"] == "\\\\LEGACYSRV\\Users$\\alice"
    assert info["HomeDirectoryDrive"] == "H:" and info["ScriptPath"] == "logon.bat"
    assert info["ProfilePath"] == "\\\\LEGACYSRV\\Profiles$\\alice"
    assert info["UserId"] == ALICE and info["PrimaryGroupId"] == 513
    assert info["UserAccountControl"] == 0x10 and info["LogonCount"] == 912
    assert info["WhichFields"] == 0x00FFFFFF
    assert info["LmPasswordPresent"] == info["NtPasswordPresent"] == 0
    assert info["LmOwfPassword"]["Buffer"] is None and info["NtOwfPassword"]["Buffer"] is None
    last_logon = info["LastLogon"]["HighPart"] << 32 | info["LastLogon"]["LowPart"]
    # 2008-06-13T08:02:41Z as FILETIME
    assert last_logon == (1213344161 + 11644473600) * 10_000_000
    assert info["LogonHours"]["UnitsPerWeek"] == 168
    assert info["LogonHours"]["LogonHours"] == b"\xff" * 21
    # locked, bad password count, workstations
    jhall = client.call(36, UserHandle=client.user(JHALL), UserInformationClass=21)["Buffer"][1]
    assert jhall["UserAccountControl"] & 0x400 and jhall["BadPasswordCount"] == 5
    guest = client.call(36, UserHandle=client.user(501), UserInformationClass=16)["Buffer"][1]
    assert guest["UserAccountControl"] & 0x1
    nyoung = client.call(36, UserHandle=client.user(NYOUNG), UserInformationClass=21)["Buffer"][1]
    assert nyoung["UserAccountControl"] & 0x200 and "Welcome2003!" in nyoung["AdminComment"]
    assert nyoung["PasswordMustChange"] == {"LowPart": 0xFFFFFFFF, "HighPart": 0x7FFFFFFF}


@pytest.mark.parametrize("cls", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 20])
def test_query_user_every_readable_class(sam: Callable[..., Sam], cls: int) -> None:
    client = sam("user")
    r = client.call(36, UserHandle=client.user(ALICE), UserInformationClass=cls)
    assert r["ReturnValue"] == 0 and r["Buffer"][0] == cls
    info = r["Buffer"][1]
    for key, value in (("UserName", "alice"), ("FullName", "Alice Liddell"), ("UserId", ALICE),
                       ("PrimaryGroupId", 513), ("AdminComment", "Finance - Accounts Payable"),
                       ("HomeDirectoryDrive", "H:"), ("ScriptPath", "logon.bat"),
                       ("UserAccountControl", 0x10), ("LogonCount", 912)):
        if key in info:
            assert info[key] == value, key


@pytest.mark.parametrize("cls", [0, 15, 18, 19, 22, 23, 24, 25, 26, 30, 99])
def test_query_user_password_and_unknown_classes(sam: Callable[..., Sam], cls: int) -> None:
    client = sam("administrator")
    r = client.call(47, UserHandle=client.user(500), UserInformationClass=cls)
    assert r == {"Buffer": None, "ReturnValue": STATUS_INVALID_INFO_CLASS}


def test_groups_for_user_and_password_information(sam: Callable[..., Sam]) -> None:
    member = sam()
    r = member.call(39, UserHandle=member.user(500))
    assert r["Groups"] == {"MembershipCount": 1,
                           "Groups": [{"RelativeId": 513, "Attributes": 7}]}
    dc = sam(profile="win2000-dc")
    r = dc.call(39, UserHandle=dc.user(500, sid=DOMAIN_SID))
    rids = [g["RelativeId"] for g in r["Groups"]["Groups"]]
    assert {512, 513, 518, 519, 520} <= set(rids)
    p = member.call(44, UserHandle=member.user(ALICE))
    assert p["PasswordInformation"] == {"MinPasswordLength": 7, "PasswordProperties": 1}
    machine = next(u for u in dc.enum_all(13, dc.domain(DOMAIN_SID), UserAccountControl=0x100)[0])
    p = dc.call(44, UserHandle=dc.user(machine[0], sid=DOMAIN_SID))
    assert p["PasswordInformation"] == {"MinPasswordLength": 0, "PasswordProperties": 0}


# ------------------------------------------------------------------ groups and aliases


def test_groups_on_a_dc(sam: Callable[..., Sam]) -> None:
    client = sam(profile="win2000-dc")
    domain = client.domain(DOMAIN_SID)
    r = client.open(19, domain, 512)
    assert r["ReturnValue"] == 0
    group = r["GroupHandle"]
    general = client.call(20, GroupHandle=group, GroupInformationClass=1)["Buffer"][1]
    assert general["Name"] == "Domain Admins" and general["Attributes"] == 7
    assert general["AdminComment"] == "Designated administrators of the domain"
    members = client.call(25, GroupHandle=group)["Members"]
    assert members["Members"] == [500, MJONES_DC] and members["Attributes"] == [7, 7]
    assert general["MemberCount"] == 2
    for cls, key in ((2, "Name"), (3, "Attributes"), (4, "AdminComment"), (5, "MemberCount")):
        assert key in client.call(20, GroupHandle=group, GroupInformationClass=cls)["Buffer"][1]
    assert client.call(20, GroupHandle=group,
                       GroupInformationClass=6)["ReturnValue"] == STATUS_INVALID_INFO_CLASS


def test_aliases(sam: Callable[..., Sam]) -> None:
    client = sam()
    builtin = client.domain(BUILTIN_SID)
    alias = client.open(27, builtin, 544)["AliasHandle"]
    general = client.call(28, AliasHandle=alias, AliasInformationClass=1)["Buffer"][1]
    assert general["Name"] == "Administrators"
    members = client.call(33, AliasHandle=alias)["Members"]
    sids = [m["SidPointer"] for m in members["Sids"]]
    assert f"{MACHINE_SID}-500" in sids and f"{DOMAIN_SID}-512" in sids
    assert members["Count"] == len(sids) == general["MemberCount"]
    assert client.call(28, AliasHandle=alias, AliasInformationClass=2)["Buffer"][1] == {
        "Name": "Administrators"}
    assert client.call(28, AliasHandle=alias,
                       AliasInformationClass=4)["ReturnValue"] == STATUS_INVALID_INFO_CLASS


# ------------------------------------------------------------------ security objects, RidToSid


def test_query_security_object_and_rid_to_sid(sam: Callable[..., Sam]) -> None:
    client = sam()
    user = client.user(ALICE)
    r = client.call(3, ObjectHandle=user, SecurityInformation=0x7)
    sd = r["SecurityDescriptor"]
    assert r["ReturnValue"] == 0 and sd["Length"] == len(sd["SecurityDescriptor"])
    raw = sd["SecurityDescriptor"]
    assert raw[0] == 1 and int.from_bytes(raw[2:4], "little") & 0x8004 == 0x8004
    assert (f"{MACHINE_SID}-{ALICE}").encode() not in raw  # binary SIDs, not text
    r = client.call(3, ObjectHandle=user, SecurityInformation=0x8)
    assert r["ReturnValue"] == STATUS_ACCESS_DENIED  # SACL: ACCESS_SYSTEM_SECURITY
    r = client.call(65, ObjectHandle=client.domain(), Rid=1234)
    assert r == {"Sid": f"{MACHINE_SID}-1234", "ReturnValue": 0}


# ------------------------------------------------------------------ impacket cross-checks


def test_impacket_samrdump_chain_decodes(server_config: Callable[..., Any],
                                         pipes_h: H) -> None:
    """samrdump.py's calls (impacket encodes, smbemu decodes; smbemu encodes, impacket
    decodes) with paging, and QueryInformationUser2 UserAllInformation."""
    srv = server_config("win2000")
    dce = pipes_h.impacket_dce(srv, "samr", "anonymous")
    server = samr.hSamrConnect(dce)["ServerHandle"]
    domains = samr.hSamrEnumerateDomainsInSamServer(dce, server)["Buffer"]["Buffer"]
    assert [d["Name"] for d in domains] == ["LEGACYSRV", "Builtin"]
    # a domain has no RID (0, 0, as Windows); its name carries the NUL's room (MaximumLength =
    # Length + 2, as Windows sends it: ndr.unicode_string_nul_room, issue 13)
    assert [d["RelativeId"] for d in domains] == [0, 0]
    assert [(d.fields["Name"].fields["Length"], d.fields["Name"].fields["MaximumLength"])
            for d in domains] == [(18, 20), (14, 16)]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, "LEGACYSRV")["DomainId"]
    assert sid.formatCanonical() == MACHINE_SID
    domain = samr.hSamrOpenDomain(dce, server, domainId=sid)["DomainHandle"]
    users: list[tuple[int, str]] = []
    status, context = STATUS_MORE_ENTRIES, 0
    while status == STATUS_MORE_ENTRIES:
        try:
            resp = samr.hSamrEnumerateUsersInDomain(dce, domain, enumerationContext=context,
                                                    preferedMaximumLength=200)
        except DCERPCException as e:
            assert "STATUS_MORE_ENTRIES" in str(e)
            resp = e.get_packet()
        users += [(u["RelativeId"], u["Name"]) for u in resp["Buffer"]["Buffer"]]
        context, status = resp["EnumerationContext"], resp["ErrorCode"]
    assert len(users) == 32 and (ALICE, "alice") in users
    handle = samr.hSamrOpenUser(dce, domain, userId=ALICE)["UserHandle"]
    info = samr.hSamrQueryInformationUser2(
        dce, handle, samr.USER_INFORMATION_CLASS.UserAllInformation)["Buffer"]["All"]
    assert info["UserName"] == "alice" and info["FullName"] == "Alice Liddell"
    assert info["AdminComment"] == "Finance - Accounts Payable" and info["LogonCount"] == 912
    assert info["HomeDirectory"] == "\\\\LEGACYSRV\\Users$\\alice"
    assert info["UserAccountControl"] == 0x10 and info["UserId"] == ALICE
    for cls in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 20):
        r = samr.hSamrQueryInformationUser(dce, handle, cls)
        assert r["ErrorCode"] == 0
    samr.hSamrCloseHandle(dce, handle)
    with pytest.raises(DCERPCException, match="rpc_x_ss_context_mismatch|nca_s_fault_context_mismatch|0x1c00001a"):
        samr.hSamrQueryInformationUser2(dce, handle, 21)


def test_impacket_polenum_and_other_calls_decode(server_config: Callable[..., Any],
                                                 pipes_h: H) -> None:
    srv = server_config("win2000-dc")
    dce = pipes_h.impacket_dce(srv, "samr", "user")
    server = samr.hSamrConnect5(dce)["ServerHandle"]
    sid = samr.hSamrLookupDomainInSamServer(dce, server, "CORP")["DomainId"]
    domain = samr.hSamrOpenDomain(dce, server, domainId=sid)["DomainHandle"]
    C = samr.DOMAIN_INFORMATION_CLASS
    pw = samr.hSamrQueryInformationDomain2(dce, domain, C.DomainPasswordInformation)["Buffer"]["Password"]
    assert (pw["MinPasswordLength"], pw["PasswordHistoryLength"], pw["PasswordProperties"]) == (7, 24, 1)
    assert pw["MaxPasswordAge"]["HighPart"] < 0
    lockout = samr.hSamrQueryInformationDomain2(dce, domain, C.DomainLockoutInformation)["Buffer"]["Lockout"]
    assert lockout["LockoutThreshold"] == 5
    assert lockout["LockoutDuration"] == -30 * 600_000_000
    assert lockout["LockoutObservationWindow"] == -30 * 600_000_000
    logoff = samr.hSamrQueryInformationDomain2(dce, domain, C.DomainLogoffInformation)["Buffer"]["Logoff"]
    assert (logoff["ForceLogoff"]["LowPart"], logoff["ForceLogoff"]["HighPart"]) == (0, -0x80000000)
    for cls in (2, 4, 5, 6, 7, 8, 9, 11, 13):
        assert samr.hSamrQueryInformationDomain(dce, domain, cls)["ErrorCode"] == 0
    general = samr.hSamrQueryInformationDomain(dce, domain, 2)["Buffer"]["General"]
    assert general["DomainName"] == "CORP" and general["UserCount"] == 34
    # AD's answer (MS-SAMR 3.1.5.5.1.1, product notes <57>-<59>): no UAS compatibility, no group count
    assert general["UasCompatibilityRequired"] == 0 and general["GroupCount"] == 0
    assert general["AliasCount"] == len(samr.hSamrEnumerateAliasesInDomain(dce, domain)["Buffer"]["Buffer"])
    groups = samr.hSamrEnumerateGroupsInDomain(dce, domain)["Buffer"]["Buffer"]
    assert any(g["Name"] == "Domain Controllers" and g["RelativeId"] == 516 for g in groups)
    aliases = samr.hSamrEnumerateAliasesInDomain(dce, domain)["Buffer"]["Buffer"]
    assert any(a["Name"] == "Cert Publishers" for a in aliases)
    for cls in (1, 2, 3, 4, 5):
        r = samr.hSamrQueryDisplayInformation3(dce, domain, cls)
        assert r["ErrorCode"] == 0 and r["TotalReturned"] == r["TotalAvailable"]
    r = samr.hSamrQueryDisplayInformation(dce, domain, 1)
    assert any(u["AccountName"] == "alice" for u in r["Buffer"]["UserInformation"]["Buffer"])
    samr.hSamrQueryDisplayInformation2(dce, domain, 3)
    assert samr.hSamrGetDisplayEnumerationIndex2(dce, domain, 1, "alice")["Index"] >= 0
    assert samr.hSamrGetDisplayEnumerationIndex(dce, domain, 3, "D")["Index"] >= 0
    r = samr.hSamrLookupNamesInDomain(dce, domain, ["Administrator", "krbtgt"])
    assert [x["Data"] for x in r["RelativeIds"]["Element"]] == [500, 502]
    r = samr.hSamrLookupIdsInDomain(dce, domain, [500, 512])
    assert [s(n["Data"]) for n in r["Names"]["Element"]] == ["Administrator", "Domain Admins"]
    group = samr.hSamrOpenGroup(dce, domain, groupId=512)["GroupHandle"]
    info = samr.hSamrQueryInformationGroup(dce, group)["Buffer"]["General"]
    assert info["Name"] == "Domain Admins"
    members = samr.hSamrGetMembersInGroup(dce, group)["Members"]
    assert [m["Data"] for m in members["Members"]] == [500, MJONES_DC]
    alias = samr.hSamrOpenAlias(dce, domain, aliasId=517)["AliasHandle"]
    assert samr.hSamrQueryInformationAlias(dce, alias)["Buffer"]["General"]["Name"] == "Cert Publishers"
    samr.hSamrGetMembersInAlias(dce, alias)
    user = samr.hSamrOpenUser(dce, domain, userId=500)["UserHandle"]
    groups_of = samr.hSamrGetGroupsForUser(dce, user)["Groups"]["Groups"]
    assert 512 in [g["RelativeId"] for g in groups_of]
    sid_info = samr.SAMPR_PSID_ARRAY()
    entry = samr.PSAMPR_SID_INFORMATION()
    entry["SidPointer"] = RPC_SID()
    entry["SidPointer"].fromCanonical(f"{DOMAIN_SID}-500")
    sid_info["Sids"].append(entry)
    sid_info["Count"] = 1
    r = samr.hSamrGetAliasMembership(dce, domain, sid_info)
    assert r["ErrorCode"] == 0
    pwinfo = samr.hSamrGetUserDomainPasswordInformation(dce, user)["PasswordInformation"]
    assert pwinfo["MinPasswordLength"] == 7
    assert samr.hSamrGetDomainPasswordInformation(dce)["PasswordInformation"]["PasswordProperties"] == 1
    sd = samr.hSamrQuerySecurityObject(dce, user, 0x4)["SecurityDescriptor"]
    assert sd["Length"] > 20
    assert samr.hSamrRidToSid(dce, domain, ALICE_DC)["Sid"].formatCanonical() == f"{DOMAIN_SID}-{ALICE_DC}"
    with pytest.raises(Exception, match="right to create"):  # impacket's words for ACCESS_DENIED
        samr.hSamrCreateUser2InDomain(dce, domain, "eve")
    for h in (user, alias, group, domain, server):
        samr.hSamrCloseHandle(dce, h)


def test_impacket_connect_variants(server_config: Callable[..., Any], pipes_h: H) -> None:
    srv = server_config("win2000")
    dce = pipes_h.impacket_dce(srv, "samr", "administrator")
    for fn in (samr.hSamrConnect, samr.hSamrConnect2, samr.hSamrConnect4, samr.hSamrConnect5):
        r = fn(dce)
        assert r["ErrorCode"] == 0
        samr.hSamrCloseHandle(dce, r["ServerHandle"])
    req = samr.SamrConnect()
    req["ServerName"] = NULL
    req["DesiredAccess"] = MAXIMUM_ALLOWED
    assert dce.request(req)["ErrorCode"] == 0


# issue 15 item 7: opnums MS-SAMR lists as not used on the wire that Windows dispatches
def test_test_private_functions_are_not_implemented(sam: Callable[..., Sam]) -> None:
    client = sam("administrator")
    domain, user = client.domain(), client.user(500)
    assert client.call(42, Handle=domain)["ReturnValue"] == 0xC0000002  # STATUS_NOT_IMPLEMENTED
    assert client.call(43, Handle=user)["ReturnValue"] == 0xC0000002
    assert client.call(42, Handle=user)["ReturnValue"] == STATUS_OBJECT_TYPE_MISMATCH
    assert client.c.fault(43, b"\x00" * 4 + b"\x42" * 16) == NCA_S_FAULT_CONTEXT_MISMATCH


def test_connect3_opens_the_server(sam: Callable[..., Sam]) -> None:
    r = sam("administrator").call(61, ServerName="\\\\LEGACYSRV", Unused=0,
                                  DesiredAccess=MAXIMUM_ALLOWED)
    assert r["ReturnValue"] == 0 and r["ServerHandle"] != NULL_HANDLE
