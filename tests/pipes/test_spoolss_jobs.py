"""Print jobs through the real RPC endpoint (pipes/spoolss/jobs.py, documents.py,
job_properties.py): the statuses of MS-RPRN 3.1.4.9 / 3.1.4.3 / 3.1.4.12 for the calls made
out of order, the queue a purge empties, and a job's named properties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

ERROR_INVALID_HANDLE = 6
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_LEVEL = 124
ERROR_NOT_FOUND = 1168
ERROR_INVALID_DATATYPE = 1804
ERROR_SPL_NO_STARTDOC = 3003
ERROR_SPL_NO_ADDJOB = 3004
PRINTER_ALL_ACCESS = 0x000F000C


def _open(client: Any, name: str, access: int = PRINTER_ALL_ACCESS) -> bytes:
    answer = client.call(1, pPrinterName=name, pDatatype=None,
                         pDevModeContainer={"cbBuf": 0, "pDevMode": None},
                         AccessRequired=access)
    assert answer["ReturnValue"] == 0
    return bytes(answer["pHandle"])


def _start(client: Any, handle: bytes, datatype: str = "RAW") -> dict[str, Any]:
    info = {"pDocName": "doc", "pOutputFile": "C:\\out.prn", "pDatatype": datatype}
    return client.call(17, hPrinter=handle, pDocInfoContainer={"Level": 1, "DocInfo": (1, info)})


@pytest.fixture
def printer(pipe_client: Callable[..., Any]) -> tuple[Any, bytes]:
    client = pipe_client("spoolss", "administrator", "win2016-dc")
    return client, _open(client, "\\\\LEGACYSRV\\HPLJ4250")


def test_calls_out_of_order(printer: tuple[Any, bytes]) -> None:
    client, handle = printer
    for opnum in (18, 20, 21, 23):  # StartPage, EndPage, Abort, EndDoc: no document yet
        assert client.call(opnum, hPrinter=handle)["ReturnValue"] == ERROR_SPL_NO_STARTDOC
    written = client.call(19, hPrinter=handle, pBuf=b"abc", cbBuf=3)
    assert written == {"pcWritten": 0, "ReturnValue": ERROR_SPL_NO_STARTDOC}
    assert _start(client, handle, "NO SUCH TYPE")["ReturnValue"] == ERROR_INVALID_DATATYPE
    server = _open(client, "\\\\LEGACYSRV", 0x000F0003)  # SERVER_ALL_ACCESS
    assert _start(client, server)["ReturnValue"] == ERROR_INVALID_HANDLE
    job = _start(client, handle)
    assert job["ReturnValue"] == 0
    assert client.call(21, hPrinter=handle)["ReturnValue"] == 0  # aborted: the job is gone
    get = client.call(3, hPrinter=handle, JobId=job["pJobId"], Level=1, pJob=None, cbBuf=0)
    assert get["ReturnValue"] == ERROR_INVALID_PARAMETER


def test_add_schedule_and_purge(printer: tuple[Any, bytes]) -> None:
    """AddJob is refused over the wire (level 0 ERROR_INVALID_LEVEL, else
    ERROR_INVALID_PARAMETER), so ScheduleJob never finds an AddJob job; PRINTER_CONTROL_PURGE
    (RpcSetPrinter level 0, command 3) empties the queue."""
    client, handle = printer
    assert client.call(24, hPrinter=handle, Level=0, pAddJob=None, cbBuf=0)["ReturnValue"] \
        == ERROR_INVALID_LEVEL
    assert client.call(24, hPrinter=handle, Level=1, pAddJob=None, cbBuf=0)["ReturnValue"] \
        == ERROR_INVALID_PARAMETER
    jobs = []
    for _ in range(3):
        jobs.append(_start(client, handle)["pJobId"])
        assert client.call(23, hPrinter=handle)["ReturnValue"] == 0
    assert client.call(25, hPrinter=handle, JobId=jobs[0])["ReturnValue"] == ERROR_SPL_NO_ADDJOB
    listed = client.call(4, hPrinter=handle, FirstJob=0, NoJobs=10, Level=3, pJob=None, cbBuf=0)
    assert listed["ReturnValue"] == 122 and listed["pcbNeeded"] == 3 * 12  # JOB_INFO_3 x 3
    purge = client.call(7, hPrinter=handle, pPrinterContainer={"Level": 0, "PrinterInfo": (0, None)},
                        pDevModeContainer={"cbBuf": 0, "pDevMode": None},
                        pSecurityContainer={"cbBuf": 0, "pSecurity": None}, Command=3)
    assert purge["ReturnValue"] == 0
    empty = client.call(4, hPrinter=handle, FirstJob=0, NoJobs=10, Level=1, pJob=None, cbBuf=0)
    assert empty["ReturnValue"] == 0 and empty["pcReturned"] == 0


def test_named_properties(printer: tuple[Any, bytes]) -> None:
    client, handle = printer
    job = _start(client, handle)["pJobId"]
    for name, value in (("color", {"ePropertyType": 1, "value": (1, "blue")}),
                        ("copies", {"ePropertyType": 2, "value": (2, -3)}),
                        ("big", {"ePropertyType": 3, "value": (3, 1 << 40)})):
        answer = client.call(111, hPrinter=handle, JobId=job,
                             pProperty={"propertyName": name, "propertyValue": value})
        assert answer["ReturnValue"] == 0
    got = client.call(110, hPrinter=handle, JobId=job, pszName="big")
    assert got["ReturnValue"] == 0 and got["pValue"]["value"] == (3, 1 << 40)
    listed = client.call(113, hPrinter=handle, JobId=job)
    assert listed["pcProperties"] == 3
    assert [p["propertyName"] for p in listed["ppProperties"]] == ["color", "copies", "big"]
    assert client.call(112, hPrinter=handle, JobId=job, pszName="color")["ReturnValue"] == 0
    assert client.call(112, hPrinter=handle, JobId=job, pszName="color")["ReturnValue"] \
        == ERROR_NOT_FOUND
    assert client.call(110, hPrinter=handle, JobId=job + 99, pszName="big")["ReturnValue"] \
        == ERROR_INVALID_PARAMETER
