"""samr as Windows answers an administrator beyond accounts and memberships (issue 16): the
empty strings of the information classes (non-NULL, zero-length buffers), SamrGetAliasMembership
on a DC's domain handle, SamrSetSecurityObject, SamrSetMemberAttributesOfGroup and
SamrSetDSRMPassword -- and the refusals a normal user gets.  impacket's own client runs in memory
against the endpoint; each test has a directory of its own (``Directory.copy``)."""

from __future__ import annotations

import struct
import types
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import samr  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import DACL_SECURITY_INFORMATION, GROUP_SECURITY_INFORMATION  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

from smbemu.config import ServerConfig
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.interface import make_context_factory
from smbemu.rpc.ndr import Struct, decode, encode
from smbemu.rpc.ndr.strings import RpcUnicodeString, RpcUnicodeStringEmptyBuffer

H = types.SimpleNamespace
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_MEMBER_NOT_IN_GROUP = 0xC0000068
STATUS_INVALID_SECURITY_DESCR = 0xC0000079
STATUS_NOT_SUPPORTED = 0xC00000BB
STATUS_BAD_DESCRIPTOR_FORMAT = 0xC00000E7
STATUS_WRONG_PASSWORD = 0xC000006A
USERS = {"administrator": ("Administrator", "CORP"), "user": ("alice", "CORP")}
ALICE = 1104
DOMAIN_USERS = 513


class Lab:
    """One server with a directory of its own, and impacket clients on it."""

    def __init__(self, base: ServerConfig, transport: Any) -> None:
        self.config = ServerConfig(profile=base.profile, directory=base.directory.copy(), pipes=base.pipes)
        self.transport = transport
        self.next_session = 0x3001

    def dce(self, who: str, *, smb_session: int | None = None) -> Any:
        """impacket's client as ``who``; ``smb_session``: an SMB session's id (the call then
        arrives over \\pipe\\samr rather than RPC over TCP)."""
        user, domain = USERS[who]
        session_id = smb_session if smb_session is not None else self.next_session
        self.next_session += 1
        endpoint = RpcEndpoint("samr", self.config.pipes, make_context_factory(
            Principal(PrincipalKind(who), user, domain), session_id, self.config))
        client = self.transport(endpoint).get_dce_rpc()
        client.connect()
        iface = self.config.pipes.interface("samr")
        client.bind(uuidtup_to_bin((str(iface.uuid), f"{iface.version[0]}.{iface.version[1]}")))
        return client

    def domain(self, dce: Any, access: int = samr.MAXIMUM_ALLOWED) -> Any:
        server = samr.hSamrConnect5(dce)["ServerHandle"]
        name = "CORP" if self.config.profile.role == "dc" else "LEGACYSRV"
        sid = samr.hSamrLookupDomainInSamServer(dce, server, name)["DomainId"]
        return samr.hSamrOpenDomain(dce, server, access, sid)["DomainHandle"]


@pytest.fixture
def lab(server_config: Callable[..., Any], pipes_h: H) -> Callable[..., Lab]:
    def make(profile: str = "win2016-dc") -> Lab:
        return Lab(server_config(profile), pipes_h.PipeTransport)

    return make


def _status(call: Callable[[], Any]) -> int:
    try:
        call()
    except samr.DCERPCSessionError as error:
        return int(error.get_error_code())
    return 0


# ------------------------------------------------------------------ empty strings (Windows' form)


def test_empty_string_is_a_non_null_zero_length_buffer_on_the_wire() -> None:
    both = Struct("T", [("a", RpcUnicodeStringEmptyBuffer), ("b", RpcUnicodeString),
                        ("c", RpcUnicodeStringEmptyBuffer), ("d", RpcUnicodeStringEmptyBuffer)])
    wire = encode(both, {"a": "", "b": "", "c": None, "d": "x"})
    length, maximum, a_ref = struct.unpack_from("<HHI", wire, 0)
    assert (length, maximum) == (0, 0) and a_ref != 0  # "": a referent...
    assert struct.unpack_from("<HHI", wire, 8) == (0, 0, 0)  # ... where the plain type sends NULL
    assert struct.unpack_from("<HHI", wire, 16) == (0, 0, 0)  # None stays NULL
    # the deferred part: a's empty conformant-varying array (max 0, offset 0, actual 0), then d's
    assert struct.unpack_from("<III", wire, 32) == (0, 0, 0)
    assert struct.unpack_from("<III", wire, 44) == (1, 0, 1) and wire[56:58] == b"x\x00"
    assert decode(both, wire)[0] == {"a": "", "b": "", "c": "", "d": "x"}


def test_empty_string_in_ndr64_is_a_non_null_zero_length_buffer() -> None:
    from smbemu.rpc.ndr.ndr64 import to_ndr64
    both = to_ndr64(Struct("T", [("a", RpcUnicodeStringEmptyBuffer), ("b", RpcUnicodeStringEmptyBuffer)]))
    wire = encode(both, {"a": "", "b": None})
    length, maximum, a_ref = struct.unpack_from("<HH4xQ", wire, 0)
    assert (length, maximum) == (0, 0) and a_ref != 0
    assert struct.unpack_from("<HH4xQ", wire, 16) == (0, 0, 0)
    assert struct.unpack_from("<QQQ", wire, 32) == (0, 0, 0) and len(wire) == 56
    assert decode(both, wire)[0] == {"a": "", "b": ""}


def test_empty_strings_of_user_group_alias_and_display_information_read_as_empty(
        lab: Callable[..., Lab]) -> None:
    """impacket reads a NULL buffer as b'' (its Set*Information tests then fail: 'BETUS' != b'');
    Windows' empty buffer reads as ''.  smbtorture rpc.samr.users crashes comparing two NULLs."""
    made = lab()
    dce = made.dce("administrator")
    domain = made.domain(dce)
    user = samr.hSamrOpenUser(dce, domain, samr.MAXIMUM_ALLOWED, ALICE)["UserHandle"]
    info = samr.hSamrQueryInformationUser2(dce, user, samr.USER_INFORMATION_CLASS.UserAllInformation)
    assert info["Buffer"]["All"]["UserComment"] == ""  # alice has no comment in the fixture
    assert info["Buffer"]["All"]["Parameters"] == ""
    general = samr.hSamrQueryInformationUser2(dce, user, samr.USER_INFORMATION_CLASS.UserGeneralInformation)
    assert general["Buffer"]["General"]["UserComment"] == ""
    alias = samr.hSamrCreateAliasInDomain(dce, domain, "NoComment")["AliasHandle"]
    comment = samr.hSamrQueryInformationAlias(dce, alias, samr.ALIAS_INFORMATION_CLASS.AliasAdminCommentInformation)
    assert comment["Buffer"]["AdminComment"]["AdminComment"] == ""
    display = samr.hSamrQueryDisplayInformation(dce, domain, samr.DOMAIN_DISPLAY_INFORMATION.DomainDisplayUser)
    entries = display["Buffer"]["UserInformation"]["Buffer"]
    assert any(e["FullName"] == "" for e in entries) and not any(e["FullName"] == b"" for e in entries)


def test_user_all_information_fields_the_handle_may_not_read_stay_null(lab: Callable[..., Lab]) -> None:
    made = lab()
    dce = made.dce("administrator")
    user = samr.hSamrOpenUser(dce, made.domain(dce), samr.USER_READ_GENERAL, ALICE)["UserHandle"]
    info = samr.hSamrQueryInformationUser2(dce, user, samr.USER_INFORMATION_CLASS.UserAllInformation)["Buffer"]["All"]
    assert info["UserName"] == "alice" and info["WhichFields"] & 0x20 == 0
    assert info["UserComment"] == b""  # USER_READ_PREFERENCES not held: NULL, not an empty buffer


# ------------------------------------------------------------------ SamrGetAliasMembership


def test_alias_membership_on_a_dc_domain_handle_opened_without_the_right(lab: Callable[..., Lab]) -> None:
    """MS-SAMR 3.1.5.1.5 step 5 (DC): the handle carries every right the caller holds; impacket's
    test opens the domain without DOMAIN_GET_ALIAS_MEMBERSHIP and expects success of Windows."""
    made = lab("win2016-dc")
    for who in ("administrator", "user"):
        dce = made.dce(who)
        domain = made.domain(dce, samr.DOMAIN_LOOKUP | samr.DOMAIN_READ_OTHER_PARAMETERS)
        assert _alias_membership(dce, domain) == 0


def test_alias_membership_off_a_dc_needs_the_right_on_the_handle(lab: Callable[..., Lab]) -> None:
    made = lab("win2016")
    dce = made.dce("administrator")
    assert _alias_membership(dce, made.domain(dce, samr.DOMAIN_LOOKUP)) == STATUS_ACCESS_DENIED
    domain = made.domain(dce, samr.DOMAIN_LOOKUP | samr.DOMAIN_GET_ALIAS_MEMBERSHIP)
    assert _alias_membership(dce, domain) == 0


def _alias_membership(dce: Any, domain: Any) -> int:
    """SamrGetAliasMembership of the domain's Administrator, as impacket's test asks it."""
    sid = samr.hSamrRidToSid(dce, domain, 500)["Sid"]
    entry = samr.PSAMPR_SID_INFORMATION()
    entry["SidPointer"] = sid
    request = samr.SamrGetAliasMembership()
    request["DomainHandle"] = domain
    request["SidArray"]["Count"] = 1
    request["SidArray"]["Sids"].append(entry)
    return _status(lambda: dce.request(request))


# ------------------------------------------------------------------ SamrSetSecurityObject


def _set_sd(dce: Any, handle: Any, info: int, sd: bytes) -> int:
    request = samr.SamrSetSecurityObject()
    request["ObjectHandle"] = handle
    request["SecurityInformation"] = info
    request["SecurityDescriptor"]["Length"] = len(sd)
    request["SecurityDescriptor"]["SecurityDescriptor"] = sd
    return _status(lambda: dce.request(request))


def _query_sd(dce: Any, handle: Any, info: int) -> bytes:
    resp = samr.hSamrQuerySecurityObject(dce, handle, info)
    return b"".join(resp["SecurityDescriptor"]["SecurityDescriptor"])


def test_an_administrator_sets_a_users_security_descriptor_on_a_dc(lab: Callable[..., Lab]) -> None:
    made = lab("win2016-dc")
    dce = made.dce("administrator")
    user = samr.hSamrOpenUser(dce, made.domain(dce), samr.USER_ALL_ACCESS, ALICE)["UserHandle"]
    # impacket's test_SamrSetSecurityObject: the group part, queried and set back
    assert _set_sd(dce, user, GROUP_SECURITY_INFORMATION, _query_sd(dce, user, GROUP_SECURITY_INFORMATION)) == 0
    # the DACL without USER_CHANGE_PASSWORD for Everyone and the user: "cannot change password"
    dacl_sd = bytearray(_query_sd(dce, user, DACL_SECURITY_INFORMATION))
    assert _set_sd(dce, user, DACL_SECURITY_INFORMATION, bytes(dacl_sd)) == 0
    assert not made.config.directory.find_user("alice").cannot_change_password
    withheld = _without_change_password(bytes(dacl_sd))
    assert _set_sd(dce, user, DACL_SECURITY_INFORMATION, withheld) == 0
    assert made.config.directory.find_user("alice").cannot_change_password
    assert _query_sd(dce, user, DACL_SECURITY_INFORMATION) == withheld
    # a DACL that is none of the SAM's: STATUS_BAD_DESCRIPTOR_FORMAT (impacket's test accepts it)
    only_admins = _sd_with_dacl([(0, 0x000F07FF, "S-1-5-32-544")])
    assert _set_sd(dce, user, DACL_SECURITY_INFORMATION, only_admins) == STATUS_BAD_DESCRIPTOR_FORMAT
    assert _set_sd(dce, user, DACL_SECURITY_INFORMATION, b"\x01\x00junk") == STATUS_INVALID_SECURITY_DESCR


def test_a_user_may_not_set_security_descriptors(lab: Callable[..., Lab]) -> None:
    made = lab("win2016-dc")
    admin = made.dce("administrator")
    sd = _query_sd(admin, samr.hSamrOpenUser(admin, made.domain(admin), samr.MAXIMUM_ALLOWED, ALICE)["UserHandle"],
                   GROUP_SECURITY_INFORMATION)
    dce = made.dce("user")
    own = samr.hSamrOpenUser(dce, made.domain(dce), samr.MAXIMUM_ALLOWED, ALICE)["UserHandle"]
    assert _set_sd(dce, own, GROUP_SECURITY_INFORMATION, sd) == STATUS_ACCESS_DENIED


def test_a_dacl_off_a_dc_is_not_kept(lab: Callable[..., Lab]) -> None:
    made = lab("win2016")
    dce = made.dce("administrator")
    user = samr.hSamrOpenUser(dce, made.domain(dce), samr.MAXIMUM_ALLOWED, 500)["UserHandle"]
    sd = _query_sd(dce, user, DACL_SECURITY_INFORMATION)
    assert _set_sd(dce, user, DACL_SECURITY_INFORMATION, sd) == STATUS_NOT_SUPPORTED


def _sd_with_dacl(aces: list[tuple[int, int, str]]) -> bytes:
    from smbemu.sid import sid_bytes
    body = b"".join(struct.pack("<BBHI", kind, 0, 8 + len(sid_bytes(sid)), mask) + sid_bytes(sid)
                    for kind, mask, sid in aces)
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(body), len(aces), 0) + body
    return struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 20) + acl


def _without_change_password(sd: bytes) -> bytes:
    """``sd`` (owner / group absent, a DACL at 20) with USER_CHANGE_PASSWORD (0x40) cleared."""
    data = bytearray(sd)
    count = struct.unpack_from("<H", data, 24)[0]
    position = 28
    for _ in range(count):
        size = struct.unpack_from("<H", data, position + 2)[0]
        mask = struct.unpack_from("<I", data, position + 4)[0]
        if mask != 0x000F07FF:
            struct.pack_into("<I", data, position + 4, mask & ~0x40)
        position += size
    return bytes(data)


# ------------------------------------------------------------------ SamrSetMemberAttributesOfGroup


def test_member_attributes_of_a_group(lab: Callable[..., Lab]) -> None:
    made = lab("win2016-dc")
    dce = made.dce("administrator")
    group = samr.hSamrOpenGroup(dce, made.domain(dce), samr.MAXIMUM_ALLOWED, DOMAIN_USERS)["GroupHandle"]
    assert samr.hSamrSetMemberAttributesOfGroup(dce, group, 500, samr.SE_GROUP_ENABLED_BY_DEFAULT)["ErrorCode"] == 0
    user = made.dce("user")
    group = samr.hSamrOpenGroup(user, made.domain(user), samr.MAXIMUM_ALLOWED, DOMAIN_USERS)["GroupHandle"]
    assert _status(lambda: samr.hSamrSetMemberAttributesOfGroup(user, group, 500, 7)) == STATUS_ACCESS_DENIED


def test_member_attributes_off_a_dc_need_a_member(lab: Callable[..., Lab]) -> None:
    made = lab("win2016")
    dce = made.dce("administrator")
    domain = made.domain(dce)
    group = samr.hSamrCreateGroupInDomain(dce, domain, "Empty")["GroupHandle"]
    assert _status(lambda: samr.hSamrSetMemberAttributesOfGroup(dce, group, 500, 7)) == STATUS_MEMBER_NOT_IN_GROUP


# ------------------------------------------------------------------ SamrSetDSRMPassword


def _dsrm(dce: Any) -> int:
    request = samr.SamrSetDSRMPassword()
    request["Unused"] = samr.NULL
    request["UserId"] = 500
    request["EncryptedNtOwfPassword"] = "\x00" * 16
    return _status(lambda: dce.request(request))


def test_dsrm_password(lab: Callable[..., Lab], pipes_h: H) -> None:
    """impacket's test_SamrSetDSRMPassword of Windows: STATUS_NOT_SUPPORTED over \\pipe\\samr,
    rpc_s_access_denied over RPC over TCP."""
    made = lab("win2016-dc")
    admin = pipes_h.add_session(made.config, "administrator")
    assert _dsrm(made.dce("administrator", smb_session=admin.session_id)) == STATUS_NOT_SUPPORTED
    user = pipes_h.add_session(made.config, "user")
    assert _dsrm(made.dce("user", smb_session=user.session_id)) == STATUS_ACCESS_DENIED
    with pytest.raises(DCERPCException, match="rpc_s_access_denied"):
        _dsrm(made.dce("administrator"))


# ------------------------------------------------------------------ SamrUnicodeChangePasswordUser3


def _change3(dce: Any, user: str, old: str, new: str) -> Any:
    """SamrUnicodeChangePasswordUser3 built as impacket builds SamrUnicodeChangePasswordUser2
    (the same [in] parameters, and AdditionalData NULL)."""
    from impacket import crypto  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.ndr import NDRCALL, NDRPOINTER, NDRSTRUCT  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.dtypes import NULL, RPC_UNICODE_STRING, ULONG  # type: ignore[import-untyped]

    from smbemu.auth.ntlm_crypto import nt_owf_v1

    class FAILURE(NDRSTRUCT):
        structure = (("ExtendedFailureReason", ULONG), ("FilterModuleName", RPC_UNICODE_STRING))

    class PFAILURE(NDRPOINTER):
        referent = (("Data", FAILURE),)

    class PPOLICY(NDRPOINTER):
        referent = (("Data", samr.DOMAIN_PASSWORD_INFORMATION),)

    class Request(NDRCALL):
        opnum = 63
        structure = (*samr.SamrUnicodeChangePasswordUser2.structure,
                     ("AdditionalData", samr.PSAMPR_ENCRYPTED_USER_PASSWORD))

    class Response(NDRCALL):
        structure = (("EffectivePasswordPolicy", PPOLICY),
                     ("PasswordChangeFailureInfo", PFAILURE), ("ErrorCode", ULONG))

    old_nt, new_nt = nt_owf_v1(old), nt_owf_v1(new)
    request = Request()
    request["ServerName"] = "\x00"
    request["UserName"] = user
    blob = new.encode("utf-16-le")
    plain = bytes(512 - len(blob)) + blob + len(blob).to_bytes(4, "little")
    from Cryptodome.Cipher import ARC4  # type: ignore[import-untyped]
    request["NewPasswordEncryptedWithOldNt"]["Buffer"] = ARC4.new(old_nt).encrypt(plain)
    request["OldNtOwfPasswordEncryptedWithNewNt"] = crypto.SamEncryptNTLMHash(old_nt, new_nt)
    request["LmPresent"] = 0
    request["NewPasswordEncryptedWithOldLm"] = NULL
    request["OldLmOwfPasswordEncryptedWithNewNt"] = NULL
    request["AdditionalData"] = NULL
    dce.call(63, request)
    answer = Response(dce.recv())
    return answer


def test_change_password_user3_on_2016_answers_with_the_reject_reason(lab: Callable[..., Lab]) -> None:
    """Windows 2003+ (Samba's winbindd notes): STATUS_PASSWORD_RESTRICTION with the domain's
    password information and the reason (smbtorture's test_ChangePasswordUser3)."""
    made = lab("win2016-dc")
    dce = made.dce("user")
    short = _change3(dce, "alice", "Wonderland1", "Ab1!")
    assert short["ErrorCode"] == 0xC000006C
    assert short["PasswordChangeFailureInfo"]["ExtendedFailureReason"] == 1  # too short
    assert short["EffectivePasswordPolicy"]["MinPasswordLength"] == 7
    simple = _change3(dce, "alice", "Wonderland1", "abcdefghij")
    assert simple["PasswordChangeFailureInfo"]["ExtendedFailureReason"] == 5  # not complex
    wrong = _change3(dce, "alice", "nope", "Another-Pass9")
    assert wrong["ErrorCode"] == STATUS_WRONG_PASSWORD and wrong["PasswordChangeFailureInfo"] == b""  # NULL


def test_change_password_user3_changes_the_password(lab: Callable[..., Lab]) -> None:
    made = lab("win2016-dc")
    made.config.directory.update_user(made.config.directory.find_user("alice"), last_password_change=None)
    answer = _change3(made.dce("user"), "alice", "Wonderland1", "Looking-Glass7")
    assert answer["ErrorCode"] == 0
    from smbemu.auth.ntlm_crypto import nt_owf_v1
    assert made.config.directory.find_user("alice").nt_hash == nt_owf_v1("Looking-Glass7")


def test_change_password_user3_per_release(lab: Callable[..., Lab], pipes_h: H) -> None:
    """Windows 2000 answers STATUS_NOT_SUPPORTED (Samba's winbindd notes); NT 4.0 predates it."""
    assert _change3(lab("win2000").dce("user"), "alice", "Wonderland1", "Looking-Glass7")["ErrorCode"] \
        == STATUS_NOT_SUPPORTED
    with pytest.raises(DCERPCException, match="nca_s_op_rng_error"):
        _change3(lab("nt4").dce("user"), "alice", "Wonderland1", "Looking-Glass7")


# ------------------------------------------------------------------ SamrValidatePassword


def _validate_over_tcp_with_privacy(made: Lab, request: Any, *, raw: bool = False) -> Any:
    """The call over RPC over TCP with packet privacy: an in-memory endpoint whose calls carry
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY and no SMB session; impacket decodes the answer (``raw``:
    smbemu's own NDR does)."""
    base = make_context_factory(Principal(PrincipalKind("user"), "alice", "CORP"), 0x4001, made.config)

    def private(**values: Any) -> Any:
        return base(**{**values, "auth_level": 6})

    client = made.transport(RpcEndpoint("samr", made.config.pipes, private)).get_dce_rpc()
    client.connect()
    iface = made.config.pipes.interface("samr")
    client.bind(uuidtup_to_bin((str(iface.uuid), f"{iface.version[0]}.{iface.version[1]}")))
    if not raw:
        return client.request(request)
    client.call(67, request)
    return iface.operations[67].decode_response(client.recv())


def _reset_request(password: str) -> Any:
    """impacket models PasswordHistory as a pointer to one hash, not MS-SAMR 2.2.9.2's
    size_is(PasswordHistoryLength) array: only a NULL history is on the same wire."""
    request = samr.SamrValidatePassword()
    kind = samr.PASSWORD_POLICY_VALIDATION_TYPE.SamValidatePasswordReset
    request["ValidationType"] = kind
    request["InputArg"]["tag"] = kind
    reset = request["InputArg"]["ValidatePasswordResetInput"]
    fields = reset["InputPersistedFields"]
    fields["PresentFields"] = samr.SAM_VALIDATE_PASSWORD_HISTORY
    fields["PasswordHistory"] = samr.NULL
    reset["ClearPassword"] = password
    reset["UserAccountName"] = "Administrator"
    reset["HashedPassword"]["Length"] = 4
    reset["HashedPassword"]["Hash"] = list(password.encode()[:4])
    reset["PasswordMustChangeAtNextLogon"] = 1
    reset["ClearLockout"] = 1
    return request


def test_validate_password_applies_the_domain_policy(lab: Callable[..., Lab]) -> None:
    """impacket's test_SamrValidatePassword over TCP with privacy: a reset to 16 'A's is answered
    (STATUS_SUCCESS) with SamValidatePasswordNotComplexEnough under the fixture's complexity."""
    made = lab("win2016-dc")
    output = _validate_over_tcp_with_privacy(made, _reset_request("A" * 16))
    assert output["ErrorCode"] == 0
    result = output["OutputArg"]["ValidatePasswordResetOutput"]
    assert result["ValidationStatus"] == samr.SAM_VALIDATE_VALIDATION_STATUS.SamValidatePasswordNotComplexEnough
    short = _validate_over_tcp_with_privacy(made, _reset_request("Ab1!"))["OutputArg"]["ValidatePasswordResetOutput"]
    assert short["ValidationStatus"] == samr.SAM_VALIDATE_VALIDATION_STATUS.SamValidatePasswordTooShort
    # a success returns the new history (MS-SAMR 2.2.9.2's array, which impacket reads as one
    # hash): decoded with smbemu's own NDR
    answer = _validate_over_tcp_with_privacy(made, _reset_request("Good-Pass9"), raw=True)
    tag, fine = answer["OutputArg"]
    assert answer["ReturnValue"] == 0 and tag == 3 and fine["ValidationStatus"] == 0
    changed = fine["ChangedPersistedFields"]
    # must change at next logon: PasswordLastSet 0; ClearLockout: lockout and bad count cleared
    assert changed["PresentFields"] & 0x0D == 0x0D and changed["PasswordLastSet"] == 0
    assert changed["PasswordHistoryLength"] == 1 and changed["PasswordHistory"][0]["Hash"] == b"Good"
