"""SASec, the Task Scheduler Agent interface (MS-TSCH 3.2.5.3), on ``\\PIPE\\atsvc``: UUID
378e52b0-c0a9-11cf-822d-00aa0051e40f version 1.0 (MS-TSCH 2.1), from Windows 2000 on (MS-TSCH
Appendix B <1>: "The SASec interface was introduced in Windows 2000").  Opnums 0-3:

* **SASetAccountInformation** (0, 3.2.5.3.4) / **SAGetAccountInformation** (3, 3.2.5.3.7): the
  account of a ``.job`` task (the Task Scheduler 1.0 format, MS-TSCH 2.4).  The emulated store
  holds no .job file, so both answer HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) 0x80070002 for
  every name (what impacket's suite expects of a name that does not exist).  The credentials
  given are never stored;
* **SASetNSAccountInformation** (1, 3.2.5.3.5) / **SAGetNSAccountInformation** (2, 3.2.5.3.6):
  the account AT jobs run as ("the AT service account"): a NULL account resets it to
  LocalSystem, which the get answers as an empty string (3.2.5.3.6: "If the AT service account
  is LocalSystem, the server MUST return an empty string", U on the wording); the password is
  never stored.  A buffer too small for the name and its NUL is
  HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER).

Access: administrators (3.2.5.3.5 / 3.2.5.3.6: "E_ACCESSDENIED if the caller does not have
administrative privileges"; for the per-task calls, write / read access to the task file, which
the Tasks folder grants administrators: the rules below).
"""

from __future__ import annotations

from typing import Any, Final

from smbemu.policy import Require, Rule
from smbemu.rpc import CallContext, Interface
from smbemu.rpc.ndr import ConformantArray, WString, WStringRef, uint16, uint32

from .store import ASKED_BY_HANDLER, E_FILE_NOT_FOUND, E_INSUFFICIENT_BUFFER, E_INVALIDARG, asked_first, store_of

_SOURCE: Final = "MS-TSCH 3.2.5.3.4-7: administrative privileges / the task file's DACL"
INTERFACE: Final = Interface(
    name="sasec", uuid="378e52b0-c0a9-11cf-822d-00aa0051e40f", version=(1, 0),
    pipes=("atsvc",), opnum_count=4,
    description="Task Scheduler Agent (MS-TSCH SASec): account information, none stored",
    rules={name: Rule(Require.ADMINISTRATORS, {ASKED_BY_HANDLER: Require.ADMINISTRATORS}, source=_SOURCE)
           for name in ("SASetAccountInformation", "SASetNSAccountInformation",
                        "SAGetNSAccountInformation", "SAGetAccountInformation")})

#: MS-TSCH 2.3.1 / IDL: ccBufferSize is ``[range(0, MAX_BUFFER_SIZE)]``, MAX_BUFFER_SIZE 273.
MAX_BUFFER_SIZE: Final = 273
_BUFFER: Final = ConformantArray(uint16)


@INTERFACE.operation(0, "SASetAccountInformation",
                     request=[("Handle", WString), ("pwszJobName", WStringRef),
                              ("pwszAccount", WStringRef), ("pwszPassword", WString),
                              ("dwJobFlags", uint32)],
                     response=[], returns="HRESULT")
@asked_first
def SASetAccountInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.3.4: no .job task exists (the module docstring)."""
    return {"ReturnValue": E_FILE_NOT_FOUND}


@INTERFACE.operation(1, "SASetNSAccountInformation",
                     request=[("Handle", WString), ("pwszAccount", WString),
                              ("pwszPassword", WString)],
                     response=[], returns="HRESULT")
@asked_first
def SASetNSAccountInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.3.5: the AT service account (NULL: LocalSystem); the password is not kept."""
    account = request["pwszAccount"]
    if account is not None and len(account) >= MAX_BUFFER_SIZE:
        return {"ReturnValue": E_INVALIDARG}
    store_of(ctx).ns_account = account or ""
    return {"ReturnValue": 0}


def _buffer_answer(request: dict[str, Any], text: str | None) -> dict[str, Any]:
    size = request["ccBufferSize"]
    given = request["wszBuffer"] or []
    if size > MAX_BUFFER_SIZE or len(given) != size:
        return {"wszBuffer": [0] * len(given), "ReturnValue": E_INVALIDARG}
    if text is None:
        return {"wszBuffer": [0] * size, "ReturnValue": E_FILE_NOT_FOUND}
    units = list(text.encode("utf-16-le"))
    chars = [units[i] | units[i + 1] << 8 for i in range(0, len(units), 2)] + [0]
    if len(chars) > size:
        return {"wszBuffer": [0] * size, "ReturnValue": E_INSUFFICIENT_BUFFER}
    return {"wszBuffer": chars + [0] * (size - len(chars)), "ReturnValue": 0}


@INTERFACE.operation(2, "SAGetNSAccountInformation",
                     request=[("Handle", WString), ("ccBufferSize", uint32),
                              ("wszBuffer", _BUFFER)],
                     response=[("wszBuffer", _BUFFER)], returns="HRESULT")
@asked_first
def SAGetNSAccountInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.3.6: the AT service account's name, "" for LocalSystem."""
    return _buffer_answer(request, store_of(ctx).ns_account)


@INTERFACE.operation(3, "SAGetAccountInformation",
                     request=[("Handle", WString), ("pwszJobName", WStringRef),
                              ("ccBufferSize", uint32), ("wszBuffer", _BUFFER)],
                     response=[("wszBuffer", _BUFFER)], returns="HRESULT")
@asked_first
def SAGetAccountInformation(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """MS-TSCH 3.2.5.3.7: no .job task exists (the module docstring)."""
    return _buffer_answer(request, None)
