"""wkssvc's transport, join and computer-name calls (MS-WKST 3.2.4.5, 3.2.4.13-15, 3.2.4.18-20):
an administrator gets the status Windows gives impacket's tests/dcerpc/test_wkst.py requests
(written against Windows), everyone else ERROR_ACCESS_DENIED; nothing on the machine changes."""

from __future__ import annotations

import hashlib
import types
from typing import Any

import pytest
from impacket.dcerpc.v5 import wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]
from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped]

from smbemu.auth.ntlm_crypto import rc4k
from smbemu.principal import Principal, PrincipalKind
from smbemu.rpc.endpoint import RpcEndpoint
from smbemu.rpc.interface import make_context_factory

H = types.SimpleNamespace
ERROR_INVALID_FUNCTION = 1
ERROR_ACCESS_DENIED = 5
ERROR_NOT_SUPPORTED = 50
ERROR_INVALID_PASSWORD = 86
ERROR_INVALID_LEVEL = 124
SESSION_KEY = bytes(range(16))
#: What impacket's test sends as the "encrypted" password: 512 zero bytes (padded to 524).
BOGUS = b"\x00" * 512


def dce_for(h: H, kind: str) -> Any:
    """impacket bound to wkssvc on a 2016 DC, over a session whose key is SESSION_KEY."""
    server = h.fresh_config("win2016-dc")
    user, domain = h.USERS[kind]
    endpoint = RpcEndpoint("wkssvc", server.pipes, make_context_factory(
        Principal(PrincipalKind(kind), user, domain), 0x1001, server, SESSION_KEY))
    dce = h.PipeTransport(endpoint).get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin(("6bffd098-a112-3610-9833-46c3f87e345a", "1.0")))
    return dce


def encrypted(password: str, key: bytes = SESSION_KEY) -> bytes:
    """MS-WKST 2.2.5.17-18: obfuscator, then RC4(MD5(key || obfuscator)) of the right-aligned
    UTF-16 password and its byte length."""
    raw = password.encode("utf-16-le")
    plain = bytes(512 - len(raw)) + raw + len(raw).to_bytes(4, "little")
    obfuscator = b"saltsalt"
    return obfuscator + rc4k(hashlib.md5(key + obfuscator).digest(), plain)


def status_of(call: Any) -> int:
    try:
        resp = call()
    except DCERPCException as err:
        return int(err.get_error_code())
    return int(resp["ErrorCode"])


def impacket_calls(dce: Any, password: bytes | None) -> dict[str, Any]:
    """The test_wkst.py requests (h* helpers), with the join password given."""
    pw = NULL if password is None else password
    return {
        "NetrJoinDomain2": lambda: wkst.hNetrJoinDomain2(
            dce, "172.16.123.1\\FREEFLY\x00", "OU=BETUS,DC=FREEFLY\x00", NULL, pw,
            wkst.NETSETUP_DOMAIN_JOIN_IF_JOINED),
        "NetrUnjoinDomain2": lambda: wkst.hNetrUnjoinDomain2(dce, NULL, pw, wkst.NETSETUP_ACCT_DELETE),
        "NetrRenameMachineInDomain2": lambda: wkst.hNetrRenameMachineInDomain2(
            dce, "BETUS\x00", NULL, pw, wkst.NETSETUP_ACCT_CREATE),
        "NetrAddAlternateComputerName": lambda: wkst.hNetrAddAlternateComputerName(
            dce, "FREEFLY\x00", NULL, NULL),
        "NetrRemoveAlternateComputerName": lambda: wkst.hNetrRemoveAlternateComputerName(
            dce, "FREEFLY\x00", NULL, NULL),
        "NetrSetPrimaryComputerName": lambda: wkst.hNetrSetPrimaryComputerName(
            dce, "FREEFLY\x00", NULL, NULL),
    }


def transport_add(dce: Any, level: int) -> int:
    req = wkst.NetrWkstaTransportAdd()
    req["ServerName"] = "\x00" * 10
    req["Level"] = level
    req["TransportInfo"]["wkti0_transport_name"] = "BETO\x00"
    req["TransportInfo"]["wkti0_transport_address"] = "000C29BC5CE5\x00"
    return status_of(lambda: dce.request(req))


def test_administrator_gets_windows_answers(pipes_h: H) -> None:
    dce = dce_for(pipes_h, "administrator")
    got = {name: status_of(call) for name, call in impacket_calls(dce, BOGUS).items()}
    assert got == {"NetrJoinDomain2": ERROR_INVALID_PASSWORD,
                   "NetrUnjoinDomain2": ERROR_INVALID_PASSWORD,
                   "NetrRenameMachineInDomain2": ERROR_INVALID_PASSWORD,
                   "NetrAddAlternateComputerName": ERROR_NOT_SUPPORTED,
                   "NetrRemoveAlternateComputerName": ERROR_NOT_SUPPORTED,
                   "NetrSetPrimaryComputerName": ERROR_NOT_SUPPORTED}
    assert transport_add(dce, 0) == ERROR_INVALID_FUNCTION
    assert transport_add(dce, 1) == ERROR_INVALID_LEVEL


def test_a_password_that_decrypts_reaches_the_read_only_refusal(pipes_h: H) -> None:
    """The session key decrypts it: the join calls would change the machine (refused), the
    name calls answer as with no password; under another key it is ERROR_INVALID_PASSWORD."""
    dce = dce_for(pipes_h, "administrator")
    good = {name: status_of(call) for name, call in impacket_calls(dce, encrypted("Secret1!")).items()}
    assert good["NetrJoinDomain2"] == good["NetrUnjoinDomain2"] == \
        good["NetrRenameMachineInDomain2"] == ERROR_ACCESS_DENIED
    other = impacket_calls(dce, encrypted("Secret1!", key=bytes(16)))
    assert status_of(other["NetrJoinDomain2"]) == ERROR_INVALID_PASSWORD
    assert status_of(impacket_calls(dce, None)["NetrUnjoinDomain2"]) == ERROR_ACCESS_DENIED


@pytest.mark.parametrize("kind", ["anonymous", "guest", "user"])
def test_others_are_denied(pipes_h: H, kind: str) -> None:
    dce = dce_for(pipes_h, kind)
    for name, call in impacket_calls(dce, BOGUS).items():
        assert status_of(call) == ERROR_ACCESS_DENIED, name
    assert transport_add(dce, 0) == ERROR_ACCESS_DENIED
