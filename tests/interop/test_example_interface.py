"""The README's example interface, loaded with --pipes-dir, answers impacket over a named pipe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.dtypes import LPWSTR, ULONG, WSTR
from impacket.dcerpc.v5.ndr import NDRCALL, NDRSTRUCT
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin

from helpers import HOST, ServerThread

pytestmark = pytest.mark.interop
ROOT = Path(__file__).resolve().parents[2]


class GREETING(NDRSTRUCT):
    structure = (("Count", ULONG), ("Text", LPWSTR))


class EchoGreet(NDRCALL):
    opnum = 0
    structure = (("Name", WSTR),)


class EchoGreetResponse(NDRCALL):
    structure = (("Greeting", GREETING), ("ErrorCode", ULONG))


def test_readme_example_is_the_shipped_one() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r'```python\n("""A toy interface.*?)```', readme, re.S)
    assert block is not None
    assert block.group(1) == (ROOT / "examples" / "echo.py").read_text()


def _call(port: int, opnum_request: NDRCALL, user: str = "alice",
          password: str = "Wonderland1") -> object:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\echo]")
    rpc.set_dport(port)
    rpc.set_credentials(user, password)
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin(("9a5e6f61-0c2b-4d7e-8a53-6a9c1f0e2b11", "1.0")))
    try:
        return dce.request(opnum_request, checkError=False)
    finally:
        dce.disconnect()


def test_example_interface_over_a_named_pipe() -> None:
    with ServerThread("win2016", pipes_dir=str(ROOT / "examples")) as server:
        greet = EchoGreet()
        greet["Name"] = "bob\x00"
        answer = _call(server.port, greet)
        assert answer["Greeting"]["Count"] == 1
        assert answer["Greeting"]["Text"] == "hello bob\x00"

        class EchoReserved(NDRCALL):
            opnum = 2
            structure = ()

        with pytest.raises(DCERPCException) as info:
            _call(server.port, EchoReserved())
        assert str(info.value) == "nca_s_op_rng_error"  # impacket names fault 0x1C010002 so


def test_example_rule_refuses_anonymous_before_the_handler() -> None:
    """EchoGreet declares Rule(Require.AUTHENTICATED): the runtime answers an anonymous caller
    with the WERROR access denied (5) and NULL [out] parameters, without running the handler."""
    overrides = ("NullSessionPipes=echo",)  # let the null session open \\pipe\\echo at all
    with ServerThread("win2016", overrides=overrides, pipes_dir=str(ROOT / "examples")) as server:
        greet = EchoGreet()
        greet["Name"] = "eve\x00"
        answer = _call(server.port, greet, user="", password="")
        assert answer["ErrorCode"] == 5
        assert answer["Greeting"]["Count"] == 0 and not answer["Greeting"]["Text"]  # NULL
        assert _call(server.port, greet)["ErrorCode"] == 0
