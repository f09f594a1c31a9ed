"""Issue 16, LSA account rights and privileges (pipes/lsarpc/account_writes.py) driven by impacket's
own client: an administrator adds and removes rights and privileges, creates and deletes account
objects, and every later call sees it; a normal user gets STATUS_ACCESS_DENIED (MS-LSAD 3.1.4.5,
the Administrators-only default DACLs)."""

from __future__ import annotations

from typing import Any

import pytest
from impacket.dcerpc.v5 import lsad  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

SID = "S-1-5-21-1004336348-1177238915-682003330-1104"  # alice on the DC


def _rights(dce: Any, h: Any, sid: str) -> list[str]:
    try:
        reply = lsad.hLsarEnumerateAccountRights(dce, h, sid)
    except DCERPCException as error:
        assert "STATUS_OBJECT_NAME_NOT_FOUND" in str(error)
        return []
    return [r["Data"] for r in reply["UserRights"]["UserRights"]]


def test_an_administrator_adds_and_removes_rights(pipes_h: Any) -> None:
    server = pipes_h.fresh_config("win2016-dc")
    server.directory = server.directory.copy()  # its own account objects
    dce = pipes_h.impacket_dce(server, "lsarpc", "administrator")
    h = lsad.hLsarOpenPolicy2(dce)["PolicyHandle"]
    assert _rights(dce, h, SID) == []
    lsad.hLsarAddAccountRights(dce, h, SID, ["SeServiceLogonRight", "SeBackupPrivilege"])
    assert sorted(_rights(dce, h, SID)) == ["SeBackupPrivilege", "SeServiceLogonRight"]
    holders = lsad.hLsarEnumerateAccountsWithUserRight(dce, h, "SeServiceLogonRight")
    assert [i["Sid"].formatCanonical() for i in holders["EnumerationBuffer"]["Information"]] == [SID]
    # another connection sees it (the directory holds the account objects)
    other = pipes_h.impacket_dce(server, "lsarpc", "administrator", session_id=0x1002)
    h2 = lsad.hLsarOpenPolicy2(other)["PolicyHandle"]
    account = lsad.hLsarOpenAccount(other, h2, SID)["AccountHandle"]
    assert lsad.hLsarGetSystemAccessAccount(other, account)["SystemAccess"] == 0x10  # POLICY_MODE_SERVICE
    lsad.hLsarSetSystemAccessAccount(other, account, 0x2)  # network logon instead
    assert sorted(_rights(dce, h, SID)) == ["SeBackupPrivilege", "SeNetworkLogonRight"]
    lsad.hLsarRemoveAccountRights(dce, h, SID, ["SeBackupPrivilege", "SeNetworkLogonRight"])
    assert _rights(dce, h, SID) == []  # no right left: the account object is gone
    with pytest.raises(DCERPCException) as err:
        lsad.hLsarGetSystemAccessAccount(other, account)
    assert "STATUS_INVALID_HANDLE" in str(err.value)
    # create, add a privilege by LUID, delete
    created = lsad.hLsarCreateAccount(dce, h, SID)["AccountHandle"]
    lsad.hLsarDeleteObject(dce, created)
    assert SID not in [i["Sid"].formatCanonical() for i in
                       lsad.hLsarEnumerateAccounts(dce, h)["EnumerationBuffer"]["Information"]]
    with pytest.raises(DCERPCException) as err:
        lsad.hLsarAddAccountRights(dce, h, SID, ["SeNoSuchRight"])
    assert "STATUS_NO_SUCH_PRIVILEGE" in str(err.value)
    assert server.directory.lsa_accounts is not None and SID not in server.directory.lsa_accounts


def test_a_normal_user_is_refused(pipes_h: Any) -> None:
    server = pipes_h.fresh_config("win2016-dc")
    server.directory = server.directory.copy()  # its own account objects
    dce = pipes_h.impacket_dce(server, "lsarpc", "user")
    h = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    for call in (lambda: lsad.hLsarAddAccountRights(dce, h, SID, ["SeBackupPrivilege"]),
                 lambda: lsad.hLsarCreateAccount(dce, h, SID),
                 lambda: lsad.hLsarRemoveAccountRights(dce, h, "S-1-5-32-544", ["SeBackupPrivilege"])):
        with pytest.raises(DCERPCException) as err:
            call()
        assert "STATUS_ACCESS_DENIED" in str(err.value)
    assert server.directory.lsa_accounts is None
