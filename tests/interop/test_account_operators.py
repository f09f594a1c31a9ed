"""Issue 16, "Account Operators on a DC manage non-admin users and groups", with real clients.

The corp fixture's kpatel (Helpdesk123) is in Helpdesk, a member of BUILTIN\\Account Operators on
a DC.  On `win2016-dc` she may create users and reset a non-protected user's password, and is
refused (STATUS_ACCESS_DENIED) a change of the Administrator and a new member of Domain Admins:
AdminSDHolder-protected (Learn "Appendix C: Protected Accounts and Groups in Active Directory").
alice, a plain user, asking the same questions after her on the same server, is still refused:
the policy's caches key on the caller's groups.  On a member server the alias does not exist,
so kpatel is a plain user there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import HOST, ServerThread, run_tool
from impacket.dcerpc.v5 import samr, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

STATUS_ACCESS_DENIED = 0xC0000022
OPERATOR = ("kpatel", "Helpdesk123")
PLAIN = ("tnguyen", "Password1")


class Samr:
    """impacket's SAMR client over SMB (\\pipe\\samr) as one fixture user, on the account domain."""

    def __init__(self, port: int, user: tuple[str, str]) -> None:
        rpc = transport.SMBTransport(HOST, port, r"\samr", username=user[0], password=user[1],
                                     domain="CORP")
        self.dce = rpc.get_dce_rpc()
        self.dce.connect()
        self.dce.bind(samr.MSRPC_UUID_SAMR)
        server = samr.hSamrConnect(self.dce)["ServerHandle"]
        names = [d["Name"] for d in samr.hSamrEnumerateDomainsInSamServer(self.dce, server)["Buffer"]["Buffer"]]
        account = next(name for name in names if name != "Builtin")
        sid = samr.hSamrLookupDomainInSamServer(self.dce, server, account)["DomainId"]
        self.domain = samr.hSamrOpenDomain(self.dce, server, samr.MAXIMUM_ALLOWED, sid)["DomainHandle"]

    def rid(self, name: str) -> int:
        return samr.hSamrLookupNamesInDomain(self.dce, self.domain, [name])["RelativeIds"]["Element"][0]["Data"]

    def create_user(self, name: str) -> int:
        # the request itself: impacket's hSamrCreateUser2InDomain turns ACCESS_DENIED into a
        # plain Exception about machine accounts
        request = samr.SamrCreateUser2InDomain()
        request["DomainHandle"] = self.domain
        request["Name"] = name
        request["AccountType"] = samr.USER_NORMAL_ACCOUNT
        request["DesiredAccess"] = samr.MAXIMUM_ALLOWED
        return self.dce.request(request)["ErrorCode"]

    def reset_password(self, name: str, password: str) -> int:
        user = samr.hSamrOpenUser(self.dce, self.domain, samr.MAXIMUM_ALLOWED, self.rid(name))["UserHandle"]
        return samr.hSamrSetPasswordInternal4New(self.dce, user, password)["ErrorCode"]

    def set_description(self, name: str, text: str) -> int:
        user = samr.hSamrOpenUser(self.dce, self.domain, samr.MAXIMUM_ALLOWED, self.rid(name))["UserHandle"]
        buffer = samr.SAMPR_USER_INFO_BUFFER()
        buffer["tag"] = samr.USER_INFORMATION_CLASS.UserAdminCommentInformation
        buffer["AdminComment"]["AdminComment"] = text
        return samr.hSamrSetInformationUser2(self.dce, user, buffer)["ErrorCode"]

    def add_to_group(self, group: str, member: str) -> int:
        handle = samr.hSamrOpenGroup(self.dce, self.domain, samr.MAXIMUM_ALLOWED, self.rid(group))["GroupHandle"]
        return samr.hSamrAddMemberToGroup(self.dce, handle, self.rid(member), samr.SE_GROUP_ENABLED_BY_DEFAULT)["ErrorCode"]

    def close(self) -> None:
        self.dce.disconnect()


def status(call: Any, *args: Any) -> int:
    """The call's NTSTATUS: 0, or the error code impacket raised."""
    try:
        return call(*args)
    except DCERPCException as error:
        return error.get_error_code()


def test_account_operator_on_a_dc_manages_only_unprotected_accounts(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        operator = Samr(server.port, OPERATOR)
        assert status(operator.create_user, "helpdesk_made") == 0
        assert status(operator.reset_password, "alice", "Fresh#Start26") == 0
        assert status(operator.set_description, "alice", "reset by the helpdesk") == 0
        # AdminSDHolder-protected: the Administrator, Domain Admins, and a member of Domain Admins
        assert status(operator.set_description, "Administrator", "mine now") == STATUS_ACCESS_DENIED
        assert status(operator.reset_password, "mjones", "Taken0ver!") == STATUS_ACCESS_DENIED
        assert status(operator.add_to_group, "Domain Admins", "kpatel") == STATUS_ACCESS_DENIED
        # an unprotected group takes a member
        assert status(operator.add_to_group, "Finance", "helpdesk_made") == 0
        operator.close()
        # the reset password is alice's now: the right one, to be changed at the next logon
        # (impacket's hSamrSetPasswordInternal4New sets PasswordExpired), the old one wrong
        smb = run_tool(["smbclient", "-p", str(server.port), "-U", "CORP/alice%Fresh#Start26", "-L", HOST])
        assert "NT_STATUS_PASSWORD_MUST_CHANGE" in smb.stdout + smb.stderr, smb.stdout + smb.stderr
        smb = run_tool(["smbclient", "-p", str(server.port), "-U", "CORP/alice%Wonderland1", "-L", HOST])
        assert "NT_STATUS_LOGON_FAILURE" in smb.stdout + smb.stderr, smb.stdout + smb.stderr
        # a plain user after the operator, on the same server (same policy caches): refused
        plain = Samr(server.port, PLAIN)
        assert status(plain.create_user, "alice_made") == STATUS_ACCESS_DENIED
        assert status(plain.set_description, "tnguyen", "x") == STATUS_ACCESS_DENIED
        assert status(plain.add_to_group, "Finance", "tnguyen") == STATUS_ACCESS_DENIED
        assert status(plain.reset_password, "slee", "Another#Pass26") == STATUS_ACCESS_DENIED
        plain.close()
    text = log.read_text(encoding="utf-8")
    events = [json.loads(line) for line in text.splitlines() if line]
    created = [e for e in events if e["EventID"] == 4720]
    assert [e["TargetUserName"] for e in created] == ["helpdesk_made"]
    assert created[0]["SubjectUserName"] == "kpatel"
    assert any(e["EventID"] == 4724 and e["TargetUserName"] == "alice" for e in events)


def test_rpcclient_as_account_operator(tmp_path: Path) -> None:
    with ServerThread("win2016-dc") as server:
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", "CORP/kpatel%Helpdesk123", HOST,
                           "-c", "createdomuser carol; setuserinfo2 carol 24 Carol2026!x; queryuser carol"])
        out = result.stdout + result.stderr
        assert "User Name   :\tcarol" in out, out
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", "CORP/kpatel%Helpdesk123", HOST,
                           "-c", "setuserinfo2 Administrator 24 Taken0ver!x"])
        assert "NT_STATUS_ACCESS_DENIED" in result.stdout + result.stderr
        result = run_tool(["rpcclient", "-p", str(server.port), "-U", "CORP/alice%Wonderland1", HOST,
                           "-c", "createdomuser dave"])
        assert "NT_STATUS_ACCESS_DENIED" in result.stdout + result.stderr


def test_account_operators_is_nobody_special_on_a_member_server() -> None:
    # Windows Server 2003, a member server (no RestrictRemoteSAM: a user opens the SAM)
    with ServerThread("win2003") as server:
        operator = Samr(server.port, OPERATOR)
        assert status(operator.create_user, "helpdesk_made") == STATUS_ACCESS_DENIED
        assert status(operator.reset_password, "alice", "Fresh#Start26") == STATUS_ACCESS_DENIED
        operator.close()
