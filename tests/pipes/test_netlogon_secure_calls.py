"""netlogon's secure-channel calls whose [out] unions depend on [in] unions (issue 15 item 7):
pass-through logon, replication, the RODC calls, NetrLogonGetDomainInfo and friends answer
Windows' status with a well-formed response -- checked with smbemu's own NDR and with impacket's
``nrpc`` (a client nobody here wrote) decoding the answers; plus the statuses impacket's
test_nrpc (written against a Windows DC) expects from the LAN Manager calls, NetrLogonSetServiceBits
and NetrLogonControl2(FIND_USER).
"""

from __future__ import annotations

import random
import types
from collections.abc import Callable
from typing import Any

import pytest
from impacket.dcerpc.v5 import nrpc  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

H = types.SimpleNamespace
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87
NERR_USER_NOT_FOUND = 0x8AD
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_NOT_IMPLEMENTED = 0xC0000002
NCA_S_FAULT_INVALID_TAG = 0x1C000006
NCA_S_FAULT_NDR = 0x000006F7
RPC_S_OUT_OF_RESOURCES = 0x000006B9
ZERO = {"Credential": bytes(8), "Timestamp": 0}
AUTH = {"Credential": b"ABCDEFGH", "Timestamp": 1234}
KINDS = ("anonymous", "user", "administrator")


def _identity() -> dict[str, Any]:
    return {"LogonDomainName": "CORP", "ParameterControl": 0, "ReservedLow": 0,
            "ReservedHigh": 0, "UserName": "alice", "Workstation": "WS01"}


#: One NETLOGON_LEVEL value per logon level (2.2.1.4.6), as smbemu's NDR encodes it.
LOGONS = {
    1: {"Identity": _identity(), "LmOwfPassword": bytes(16), "NtOwfPassword": bytes(16)},
    2: {"Identity": _identity(), "LmChallenge": b"12345678",
        "NtChallengeResponse": {"Length": 3, "MaximumLength": 3, "Buffer": b"abc"},
        "LmChallengeResponse": {"Length": 0, "MaximumLength": 0, "Buffer": None}},
    4: {"Identity": _identity(), "PackageName": "Kerberos", "DataLength": 2,
        "LogonData": b"\x01\x02"},
}


# ------------------------------------------------------------------ pass-through logon


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("logon_level", [1, 2, 3, 4, 5, 6, 7])
def test_sam_logon_family_is_access_denied(pipe_client: Callable[..., Any], kind: str,
                                           logon_level: int) -> None:
    client = pipe_client("netlogon", kind, "win2016-dc")
    logon = (logon_level, LOGONS.get(logon_level, LOGONS[2 if logon_level == 6 else 1]))
    common = {"LogonServer": "\\\\LEGACYSRV", "ComputerName": "WS01", "LogonLevel": logon_level,
              "LogonInformation": logon, "ValidationLevel": 3}
    for opnum in (2, 45):  # with an authenticator: the [in, out, unique] one is zeroed
        extra = {"ExtraFlags": 7} if opnum == 45 else {}
        reply = client.call(opnum, Authenticator=AUTH, ReturnAuthenticator=AUTH, **common,
                            **extra)
        assert reply == {"ReturnAuthenticator": ZERO, "ValidationInformation": (3, None),
                         "Authoritative": 1, **extra, "ReturnValue": STATUS_ACCESS_DENIED}
        # no ReturnAuthenticator sent: none answered (unique [in, out])
        reply = client.call(opnum, Authenticator=None, ReturnAuthenticator=None, **common,
                            **extra)
        assert reply["ReturnAuthenticator"] is None
        assert reply["ReturnValue"] == STATUS_ACCESS_DENIED
    reply = client.call(39, **common, ExtraFlags=2)  # not over the Netlogon SSP
    assert reply == {"ValidationInformation": (3, None), "Authoritative": 1, "ExtraFlags": 2,
                     "ReturnValue": STATUS_ACCESS_DENIED}
    reply = client.call(3, Authenticator=AUTH, ReturnAuthenticator=AUTH,
                        LogonLevel=logon_level, LogonInformation=logon)
    assert reply == {"ReturnAuthenticator": ZERO, "ReturnValue": STATUS_ACCESS_DENIED}


def test_sam_logon_tags_without_an_arm_fault(pipe_client: Callable[..., Any]) -> None:
    """An unknown LogonLevel does not unmarshal; an unknown ValidationLevel cannot be
    marshalled back: nca_s_fault_invalid_tag either way, never a crash."""
    client = pipe_client("netlogon", "administrator", "win2016-dc")
    for opnum in (2, 3, 39, 45):
        assert client.fault(opnum, bytes(64)) == NCA_S_FAULT_INVALID_TAG  # LogonLevel 0
    op = client.op(2)
    stub = op.encode_request({"LogonServer": None, "ComputerName": "WS01",
                              "Authenticator": AUTH, "ReturnAuthenticator": AUTH,
                              "LogonLevel": 1, "LogonInformation": (1, LOGONS[1]),
                              "ValidationLevel": 9})
    assert client.fault(2, stub) == NCA_S_FAULT_INVALID_TAG


def test_impacket_sam_logon_with_flags(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016-dc"), "netlogon", "user")
    request = nrpc.NetrLogonSamLogonWithFlags()
    request["LogonServer"] = "\\\\LEGACYSRV\x00"
    request["ComputerName"] = "WS01\x00"
    request["Authenticator"] = nrpc.NETLOGON_AUTHENTICATOR()
    request["Authenticator"]["Credential"] = b"ABCDEFGH"
    request["Authenticator"]["Timestamp"] = 10
    request["ReturnAuthenticator"]["Credential"] = b"\x00" * 8
    request["ReturnAuthenticator"]["Timestamp"] = 0
    request["LogonLevel"] = nrpc.NETLOGON_LOGON_INFO_CLASS.NetlogonNetworkTransitiveInformation
    info = request["LogonInformation"]
    info["tag"] = nrpc.NETLOGON_LOGON_INFO_CLASS.NetlogonNetworkTransitiveInformation
    info["LogonNetworkTransitive"]["Identity"]["LogonDomainName"] = "CORP"
    info["LogonNetworkTransitive"]["Identity"]["ParameterControl"] = 0
    info["LogonNetworkTransitive"]["Identity"]["UserName"] = "alice"
    info["LogonNetworkTransitive"]["Identity"]["Workstation"] = ""
    info["LogonNetworkTransitive"]["LmChallenge"] = b"12345678"
    info["LogonNetworkTransitive"]["NtChallengeResponse"] = b"\x01" * 24
    info["LogonNetworkTransitive"]["LmChallengeResponse"] = b""
    request["ValidationLevel"] = nrpc.NETLOGON_VALIDATION_INFO_CLASS.NetlogonValidationSamInfo4
    request["ExtraFlags"] = 0
    reply = dce.request(request, checkError=False)
    assert reply["ErrorCode"] == STATUS_ACCESS_DENIED
    assert reply["ValidationInformation"]["tag"] == 6
    assert reply["Authoritative"] == 1
    assert reply["ReturnAuthenticator"]["Credential"] == b"\x00" * 8
    with pytest.raises(DCERPCException) as refused:
        dce.request(request)
    assert refused.value.get_error_code() == STATUS_ACCESS_DENIED


# ------------------------------------------------------------------ replication


def test_replication_calls(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "administrator", "win2000-dc")
    base = {"PrimaryName": "\\\\LEGACYSRV", "ComputerName": "BDC1", "Authenticator": AUTH,
            "ReturnAuthenticator": AUTH}
    count = {"LowPart": 17, "HighPart": 1}
    assert client.call(7, **base, DatabaseID=0, DomainModifiedCount=count,
                       PreferredMaximumLength=0xFFFFFFFF) == {
        "ReturnAuthenticator": ZERO, "DomainModifiedCount": count, "DeltaArray": None,
        "ReturnValue": STATUS_ACCESS_DENIED}
    for opnum, extra in ((8, {}), (16, {"RestartState": 0})):
        assert client.call(opnum, **base, DatabaseID=2, SyncContext=5,
                           PreferredMaximumLength=100, **extra) == {
            "ReturnAuthenticator": ZERO, "SyncContext": 5, "DeltaArray": None,
            "ReturnValue": STATUS_ACCESS_DENIED}
    assert client.call(17, **base, ChangeLogEntry=b"\x00" * 8, ChangeLogEntrySize=8) == {
        "ReturnAuthenticator": ZERO, "DeltaArray": None, "ReturnValue": STATUS_ACCESS_DENIED}


def test_lan_manager_account_replication_is_not_implemented(
        pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "anonymous", "win2016-dc")
    base = {"PrimaryName": None, "ComputerName": "BDC1", "Authenticator": AUTH,
            "ReturnAuthenticator": AUTH, "Level": 0}
    record = {"ComputerName": b"BDC1".ljust(16, b"\0"), "TimeCreated": 1, "SerialNumber": 2}
    deltas = client.call(9, **base, RecordId=record, Count=1, BufferSize=32)
    sync = client.call(10, **base, Reference=0, BufferSize=32)
    for reply in (deltas, sync):
        assert reply["ReturnValue"] == STATUS_NOT_IMPLEMENTED
        # [out, size_is(BufferSize)]: BufferSize bytes, as the server stub allocates them
        assert reply["Buffer"] == bytes(32)
        assert (reply["CountReturned"], reply["TotalEntries"]) == (0, 0)
    huge = client.op(10).encode_request({**base, "Reference": 0, "BufferSize": 0xFFFFFFFF})
    assert client.fault(10, huge) == RPC_S_OUT_OF_RESOURCES


def test_impacket_replication_calls(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016-dc"), "netlogon", "administrator")
    for request in (nrpc.NetrDatabaseDeltas(), nrpc.NetrDatabaseSync2(), nrpc.NetrDatabaseSync()):
        request["PrimaryName"] = "\\\\LEGACYSRV\x00"
        request["ComputerName"] = "BDC1\x00"
        request["Authenticator"]["Credential"] = b"ABCDEFGH"
        request["Authenticator"]["Timestamp"] = 10
        request["ReturnAuthenticator"]["Credential"] = b"\x00" * 8
        request["ReturnAuthenticator"]["Timestamp"] = 0
        request["DatabaseID"] = 0
        request["PreferredMaximumLength"] = 0xFFFFFFFF
        if isinstance(request, nrpc.NetrDatabaseSync2):
            request["RestartState"] = nrpc.SYNC_STATE.NormalState
        reply = dce.request(request, checkError=False)
        assert reply["ErrorCode"] == STATUS_ACCESS_DENIED
        assert reply["ReturnAuthenticator"]["Credential"] == b"\x00" * 8


# ------------------------------------------------------------------ domain info, trust info, RODC


def test_get_domain_info(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "user", "win2016-dc")
    base = {"ServerName": "\\\\LEGACYSRV", "ComputerName": "WS01", "Authenticator": AUTH,
            "ReturnAuthenticator": AUTH}
    for level in (1, 2):
        assert client.call(29, **base, Level=level) == {
            "ReturnAuthenticator": ZERO, "DomBuffer": (level, None),
            "ReturnValue": STATUS_ACCESS_DENIED}
    bad = client.op(29).encode_request({**base, "Level": 3})
    assert client.fault(29, bad) == NCA_S_FAULT_INVALID_TAG


def test_impacket_secure_channel_calls(pipes_h: H) -> None:
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016-dc"), "netlogon", "user")
    authenticator = nrpc.NETLOGON_AUTHENTICATOR()
    authenticator["Credential"] = b"ABCDEFGH"
    authenticator["Timestamp"] = 10

    request = nrpc.NetrLogonGetDomainInfo()
    request["ServerName"] = "\\\\LEGACYSRV\x00"
    request["ComputerName"] = "WS01\x00"
    request["Authenticator"] = authenticator
    request["ReturnAuthenticator"]["Credential"] = b"\x00" * 8
    request["ReturnAuthenticator"]["Timestamp"] = 0
    request["Level"] = 1
    request["WkstaBuffer"]["tag"] = 1
    request["WkstaBuffer"]["WorkstationInfo"] = NULL
    reply = dce.request(request, checkError=False)
    assert (reply["ErrorCode"], reply["DomBuffer"]["tag"]) == (STATUS_ACCESS_DENIED, 1)

    request = nrpc.NetrGetForestTrustInformation()
    request["ServerName"] = "\\\\LEGACYSRV\x00"
    request["ComputerName"] = "WS01\x00"
    request["Authenticator"] = authenticator
    request["ReturnAuthenticator"]["Credential"] = b"\x00" * 8
    request["ReturnAuthenticator"]["Timestamp"] = 0
    request["Flags"] = 0
    reply = dce.request(request, checkError=False)
    assert reply["ErrorCode"] == STATUS_ACCESS_DENIED

    request = nrpc.NetrServerGetTrustInfo()
    request["TrustedDcName"] = "\\\\LEGACYSRV\x00"
    request["AccountName"] = "WS01$\x00"
    request["SecureChannelType"] = nrpc.NETLOGON_SECURE_CHANNEL_TYPE.WorkstationSecureChannel
    request["ComputerName"] = "WS01\x00"
    request["Authenticator"] = authenticator
    reply = dce.request(request, checkError=False)
    assert reply["ErrorCode"] == STATUS_ACCESS_DENIED
    assert reply["EncryptedNewOwfPassword"] == b"\x00" * 16

    request = nrpc.NetrLogonSendToSam()
    request["PrimaryName"] = "\\\\LEGACYSRV\x00"
    request["ComputerName"] = "RODC1\x00"
    request["Authenticator"] = authenticator
    request["OpaqueBuffer"] = b"HOLA"
    request["OpaqueBufferSize"] = 4
    reply = dce.request(request, checkError=False)
    assert reply["ErrorCode"] == STATUS_ACCESS_DENIED


def test_rodc_dns_records_are_sent_back(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "administrator", "win2016-dc")
    entry = {"Type": 0, "DnsDomainInfo": "corp.local", "DnsDomainInfoType": 1, "Priority": 0,
             "Weight": 100, "Port": 389, "Register": 1, "Status": 0}
    names = {"EntryCount": 1, "DnsNamesInfo": [entry]}
    reply = client.call(48, ServerName=None, ComputerName="RODC1", Authenticator=AUTH,
                        SiteName=None, DnsTtl=600, DnsNames=names)
    assert reply == {"ReturnAuthenticator": ZERO, "DnsNames": names,
                     "ReturnValue": STATUS_ACCESS_DENIED}
    # EntryCount that is not the array's conformance: the strict NDR check rejects the stub
    stub = client.op(48).encode_request({"ServerName": None, "ComputerName": "RODC1",
                                         "Authenticator": AUTH, "SiteName": None, "DnsTtl": 600,
                                         "DnsNames": {**names, "EntryCount": 2}})
    assert client.fault(48, stub) == NCA_S_FAULT_NDR


def test_chain_set_client_attributes(pipe_client: Callable[..., Any]) -> None:
    client = pipe_client("netlogon", "administrator", "win2016-dc")
    version = {"dwOSVersionInfoSize": 284, "dwMajorVersion": 10, "dwMinorVersion": 0,
               "dwBuildNumber": 14393, "dwPlatformId": 2, "szCSDVersion": bytes(256),
               "wServicePackMajor": 0, "wServicePackMinor": 0, "wSuiteMask": 0,
               "wProductType": 1, "wReserved": 0}
    empty = {"HubName": None, "OldDnsHostName": None, "SupportedEncTypes": None}
    values = {"PrimaryName": "\\\\LEGACYSRV", "ChainedFromServerName": "RODC1",
              "ChainedForClientName": "WS01", "Authenticator": AUTH,
              "ReturnAuthenticator": AUTH, "dwInVersion": 1,
              "pmsgIn": (1, {"ClientDnsHostName": "ws01.corp.local", "OsVersionInfo_V1": version,
                             "OsName": "Windows 10 Enterprise"}),
              "pdwOutVersion": 1, "pmsgOut": (1, empty)}
    assert client.call(49, **values) == {"ReturnAuthenticator": ZERO, "pdwOutVersion": 1,
                                         "pmsgOut": (1, empty),
                                         "ReturnValue": STATUS_ACCESS_DENIED}
    # pdwOutVersion 2 (and the discriminant in front of pmsgOut): no such arm.  smbemu's NDR
    # cannot encode an arm-less tag, so the stub is edited by hand.
    stub = client.op(49).encode_request(values)
    tail = (1).to_bytes(4, "little") * 2 + bytes(12)
    assert stub.endswith(tail)
    forged = stub[:-len(tail)] + (2).to_bytes(4, "little") * 2 + bytes(12)
    assert client.fault(49, forged) == NCA_S_FAULT_INVALID_TAG


# ------------------------------------------------------------------ what impacket's test_nrpc expects


@pytest.mark.parametrize("kind", KINDS)
def test_lan_manager_logon_calls_are_access_denied(pipe_client: Callable[..., Any],
                                                   kind: str) -> None:
    client = pipe_client("netlogon", kind, "win2016-dc")
    for opnum in (0, 1):
        reply = client.op(opnum).decode_response(client.raw(opnum, bytes(32)))
        assert reply["ReturnValue"] == ERROR_ACCESS_DENIED


@pytest.mark.parametrize("kind", KINDS)
def test_set_service_bits_faults_access_denied(pipe_client: Callable[..., Any],
                                               kind: str) -> None:
    assert pipe_client("netlogon", kind, "win2016-dc").fault(22, bytes(12)) == ERROR_ACCESS_DENIED


def test_impacket_test_nrpc_expectations(pipes_h: H) -> None:
    """The checks of impacket's tests/dcerpc/test_nrpc.py, as the Administrator."""
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016-dc"), "netlogon", "administrator")
    request = nrpc.NetrLogonUasLogon()
    request["ServerName"] = NULL
    request["UserName"] = "Administrator\x00"
    request["Workstation"] = "LEGACYSRV\x00"
    with pytest.raises(DCERPCException) as info:
        dce.request(request)
    assert "rpc_s_access_denied" in str(info.value)

    request = nrpc.NetrLogonSetServiceBits()
    request["ServerName"] = NULL
    request["ServiceBitsOfInterest"] = 1 << 7
    request["ServiceBits"] = 1 << 7
    with pytest.raises(DCERPCException) as info:
        dce.request(request)
    assert "rpc_s_access_denied" in str(info.value)

    for request in (nrpc.NetrLogonControl2(), nrpc.NetrLogonControl2Ex()):
        request["ServerName"] = NULL
        request["FunctionCode"] = nrpc.NETLOGON_CONTROL_FIND_USER
        request["QueryLevel"] = 4
        request["Data"]["tag"] = 8
        request["Data"]["UserName"] = "Administrator\x00"
        with pytest.raises(DCERPCException) as info:
            dce.request(request)
        assert info.value.get_error_code() == NERR_USER_NOT_FOUND


@pytest.mark.parametrize("opnum", [14, 18])
def test_find_user(pipe_client: Callable[..., Any], opnum: int) -> None:
    values = {"ServerName": None, "FunctionCode": 8, "QueryLevel": 4, "Data": (8, "alice")}
    admin = pipe_client("netlogon", "administrator", "win2016-dc")
    assert admin.call(opnum, **values) == {"Buffer": (4, None), "ReturnValue": NERR_USER_NOT_FOUND}
    assert admin.call(opnum, **{**values, "QueryLevel": 1})["ReturnValue"] == \
        ERROR_INVALID_PARAMETER
    assert admin.call(opnum, **{**values, "Data": (8, None)})["ReturnValue"] == \
        ERROR_INVALID_PARAMETER
    user = pipe_client("netlogon", "user", "win2016-dc")
    assert user.call(opnum, **values)["ReturnValue"] == ERROR_ACCESS_DENIED


# ------------------------------------------------------------------ hostile stubs


def test_truncated_and_mutated_stubs_get_a_protocol_answer(pipe_client: Callable[..., Any],
                                                           pipes_h: H) -> None:
    """Every prefix of a valid stub, and byte-mutated copies, of the calls whose [in] unions
    smbemu decodes: a response or a protocol fault (NDR, invalid tag, out of resources), never
    nca_s_fault_unspec (a handler that crashed)."""
    client = pipe_client("netlogon", "anonymous", "win2016-dc")
    logon = {"LogonServer": None, "ComputerName": "WS01", "LogonLevel": 2,
             "LogonInformation": (2, LOGONS[2]), "ValidationLevel": 3}
    valid = {
        2: {**logon, "Authenticator": AUTH, "ReturnAuthenticator": AUTH},
        45: {**logon, "Authenticator": AUTH, "ReturnAuthenticator": AUTH, "ExtraFlags": 0},
        39: {**logon, "ExtraFlags": 0},
        9: {"PrimaryName": None, "ComputerName": "B", "Authenticator": AUTH,
            "ReturnAuthenticator": AUTH, "RecordId": {"ComputerName": bytes(16),
                                                      "TimeCreated": 0, "SerialNumber": 0},
            "Count": 1, "Level": 0, "BufferSize": 8},
        48: {"ServerName": None, "ComputerName": "R", "Authenticator": AUTH, "SiteName": "S",
             "DnsTtl": 1, "DnsNames": {"EntryCount": 1, "DnsNamesInfo": [
                 {"Type": 0, "DnsDomainInfo": "x", "DnsDomainInfoType": 0, "Priority": 0,
                  "Weight": 0, "Port": 0, "Register": 0, "Status": 0}]}},
        29: {"ServerName": "S", "ComputerName": "W", "Authenticator": AUTH,
             "ReturnAuthenticator": AUTH, "Level": 1},
    }
    rng = random.Random(15)
    for opnum, values in valid.items():
        stub = client.op(opnum).encode_request(values)
        candidates = [stub[:n] for n in range(len(stub))]
        for _ in range(60):
            mutated = bytearray(stub)
            for _ in range(rng.randint(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            candidates.append(bytes(mutated))
        for candidate in candidates:
            try:
                client.raw(opnum, candidate)
            except pipes_h.CallFault as fault:
                assert fault.status != 0x1C000012, (opnum, candidate.hex())
