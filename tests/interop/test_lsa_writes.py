"""Issue 16, LSA secrets (pipes/lsarpc/secrets.py) with impacket's own client and its own secret
cipher (impacket.crypto.encryptSecret / decryptSecret, MS-LSAD 5.1.2) over SMB: an administrator
reads DPAPI_SYSTEM, stores, reads back and deletes private data, creates, sets, queries and
deletes a secret; a normal user is refused STATUS_ACCESS_DENIED."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import HOST, ServerThread


def _lsa(port: int, user: str, password: str) -> tuple[Any, Any, bytes]:
    from impacket.dcerpc.v5 import lsad, transport  # type: ignore[import-untyped]

    rpc = transport.SMBTransport(HOST, port, r"\lsarpc", username=user, password=password, domain="CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(lsad.MSRPC_UUID_LSAD)
    policy = lsad.hLsarOpenPolicy2(dce, lsad.MAXIMUM_ALLOWED)["PolicyHandle"]
    return dce, policy, rpc.get_smb_connection().getSessionKey()


def test_an_administrator_stores_and_reads_secrets() -> None:
    from impacket import crypto  # type: ignore[import-untyped]
    from impacket.dcerpc.v5 import lsad

    with ServerThread("win2016-dc") as server:
        dce, policy, key = _lsa(server.port, "Administrator", "Adm!n2003")
        dpapi = crypto.decryptSecret(key, lsad.hLsarRetrievePrivateData(dce, policy, "DPAPI_SYSTEM"))
        assert len(dpapi) == 44 and dpapi[:4] == b"\x01\x00\x00\x00"
        lsad.hLsarStorePrivateData(dce, policy, "LabKey", crypto.encryptSecret(key, b"lab value"))
        assert crypto.decryptSecret(key, lsad.hLsarRetrievePrivateData(dce, policy, "LabKey")) == b"lab value"
        lsad.hLsarStorePrivateData(dce, policy, "LabKey", lsad.NULL)  # a NULL value deletes it
        with pytest.raises(lsad.DCERPCSessionError) as err:
            lsad.hLsarRetrievePrivateData(dce, policy, "LabKey")
        assert "STATUS_OBJECT_NAME_NOT_FOUND" in str(err.value)
        lsad.hLsarCreateSecret(dce, policy, "G$LabSecret")
        secret = lsad.hLsarOpenSecret(dce, policy, "G$LabSecret")["SecretHandle"]
        request = lsad.LsarSetSecret()  # (impacket's hLsarSetSecret builds an LsarOpenSecret)
        request["SecretHandle"] = secret
        for field, value in (("EncryptedCurrentValue", b"new"), ("EncryptedOldValue", b"old")):
            data = crypto.encryptSecret(key, value)
            request[field]["Length"] = request[field]["MaximumLength"] = len(data)
            request[field]["Buffer"] = list(data)
        dce.request(request)
        reply = lsad.hLsarQuerySecret(dce, secret)
        assert crypto.decryptSecret(key, b"".join(reply["EncryptedCurrentValue"]["Buffer"])) == b"new"
        assert crypto.decryptSecret(key, b"".join(reply["EncryptedOldValue"]["Buffer"])) == b"old"
        lsad.hLsarDeleteObject(dce, secret)
        assert "G$LabSecret" not in (server.config.directory.lsa_secrets or {})
        # a normal user: refused
        user, user_policy, _ = _lsa(server.port, "alice", "Wonderland1")
        for call in (lambda: lsad.hLsarRetrievePrivateData(user, user_policy, "DPAPI_SYSTEM"),
                     lambda: lsad.hLsarCreateSecret(user, user_policy, "Mine"),
                     lambda: lsad.hLsarOpenSecret(user, user_policy, "DPAPI_SYSTEM")):
            with pytest.raises(lsad.DCERPCSessionError) as err:
                call()
            assert "STATUS_ACCESS_DENIED" in str(err.value)
