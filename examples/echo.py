"""A toy interface on its own pipe: `smbemu serve --pipes-dir examples/`."""

from typing import Any

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext, Interface, Require, Rule, ndr

INTERFACE = Interface(
    name="echo",
    uuid="9a5e6f61-0c2b-4d7e-8a53-6a9c1f0e2b11",
    version=(1, 0),
    pipes=("echo",),                      # \PIPE\echo on IPC$
)

GREETING = ndr.Struct("GREETING", [("Count", ndr.uint32), ("Text", ndr.WString)])


# Who may call it is declared with the operation and checked before the handler runs: anyone
# else gets the access denied of the return type (here WERROR: ERROR_ACCESS_DENIED, 5), and the
# audit log and `-v` name the rule.  A check that needs the decoded request asks ctx.decide(...).
@INTERFACE.operation(0, "EchoGreet", request=[("Name", ndr.WStringRef)],
                     response=[("Greeting", GREETING)], returns="WERROR",
                     rule=Rule(Require.AUTHENTICATED, source="echo example"))
def EchoGreet(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"Greeting": {"Count": 1, "Text": f"hello {request['Name']}"}, "ReturnValue": 0}


@INTERFACE.operation(1, "EchoFail", request=[], response=[], returns="NTSTATUS")
def EchoFail(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    raise RpcFault(0x1C010003)            # nca_unk_if: answered as a fault PDU


INTERFACE.not_implemented(2, "EchoReserved")   # faults nca_op_rng_error, as Windows does
