"""srvsvc / wkssvc replies decoded by NDR-strict clients (issue 15 bug 2): Samba's generated
NDR code (python3-samba, through the system interpreter: ``samba.ndr.ndr_unpack_out``, which
refuses a short or trailing-garbage stub) and impacket.  A level the server does not answer --
refused, not emulated, or unknown to it -- must still carry the union arm's NULL referent so
the client reads the WERROR instead of failing the whole call."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from impacket.dcerpc.v5 import srvs, wkst  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped]

SAMBA_PYTHON = "/usr/bin/python3"

#: (pipe, Samba function, opnum, level field, info field, level).  Not 103: Samba's
#: srvsvc.idl has no arm for SERVER_INFO_103 (MS-SRVS 2.2.4.44), so it cannot decode that level
#: from Windows either; impacket's decoder checks it below.
CASES = [
    ("srvsvc", "NetSrvGetInfo", 21, "in_level", "out_info", level)
    for level in (100, 101, 102, 502, 503, 599, 1005, 1010, 1553, 7)] + [
    ("wkssvc", "NetWkstaGetInfo", 0, "in_level", "out_info", level)
    for level in (100, 101, 102, 502, 1013, 1018, 1046, 7)]

_PACK = """
import json, sys
from samba.dcerpc import srvsvc, wkssvc
from samba.ndr import ndr_pack_in
out = []
for pipe, fn, opnum, field, _info, level in json.load(sys.stdin):
    r = getattr({"srvsvc": srvsvc, "wkssvc": wkssvc}[pipe], fn)()
    setattr(r, field, level)
    out.append(ndr_pack_in(r).hex())
print(json.dumps(out))
"""

_UNPACK = """
import json, sys
from samba.dcerpc import srvsvc, wkssvc
from samba.ndr import ndr_unpack_out
out = []
for (pipe, fn, opnum, field, info, level), stub in json.load(sys.stdin):
    r = getattr({"srvsvc": srvsvc, "wkssvc": wkssvc}[pipe], fn)()
    setattr(r, field, level)
    try:
        ndr_unpack_out(r, bytes.fromhex(stub))
    except Exception as exc:
        out.append(["ndr-error", str(exc)])
        continue
    value = getattr(r, info)
    out.append([r.result[0] if isinstance(r.result, tuple) else r.result,
                value is not None and getattr(value, "__class__", None) is not None
                and not isinstance(value, int)])
print(json.dumps(out))
"""


def _samba(script: str, payload: Any) -> Any:
    result = subprocess.run([SAMBA_PYTHON, "-c", script], input=json.dumps(payload),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", ["anonymous", "user", "administrator"])
@pytest.mark.parametrize("profile", ["win2000", "win2016", "win2016-dc"])
def test_samba_ndr_decodes_every_info_level(pipe_client: Any, kind: str, profile: str) -> None:
    requests = _samba(_PACK, CASES)
    clients = {pipe: pipe_client(pipe, kind, profile) for pipe in ("srvsvc", "wkssvc")}
    replies = [clients[case[0]].raw(case[2], bytes.fromhex(stub)).hex()
               for case, stub in zip(CASES, requests)]
    decoded = _samba(_UNPACK, list(zip(CASES, replies)))
    for case, (werror, _) in zip(CASES, decoded):
        assert werror != "ndr-error", (case, _)
    results = {(c[0], c[5]): d[0] for c, d in zip(CASES, decoded)}
    # levels nobody gets an answer to: the WERROR, read from a complete reply
    for pipe, level in (("srvsvc", 599), ("srvsvc", 1005), ("srvsvc", 1553), ("srvsvc", 7),
                        ("wkssvc", 1013), ("wkssvc", 1046), ("wkssvc", 7)):
        assert results[(pipe, level)] in (124, 5), (pipe, level, results[(pipe, level)])
    if kind == "administrator":
        for level in (100, 101, 102, 502, 503):
            assert results[("srvsvc", level)] == 0, level
        for level in (100, 101, 102, 502):
            assert results[("wkssvc", level)] == 0, level
    elif kind == "user" and profile != "win2000":
        assert results[("srvsvc", 502)] == results[("srvsvc", 503)] == 5
        assert results[("wkssvc", 502)] == 5


@pytest.mark.parametrize("level,werror", [(502, 5), (503, 5), (103, 5), (599, 124),
                                          (1005, 124)])
def test_impacket_reads_the_werror_of_a_refused_server_level(pipes_h: Any, level: int,
                                                             werror: int) -> None:
    """impacket raises its generic DCERPCException for a return value that is also an RPC
    status (5); either way the code is the WERROR, read from a complete reply."""
    dce = pipes_h.impacket_dce(pipes_h.fresh_config("win2016"), "srvsvc", "user")
    with pytest.raises(DCERPCException) as info:
        srvs.hNetrServerGetInfo(dce, level)
    assert info.value.get_error_code() == werror


def test_impacket_reads_wksta_502_and_server_503_as_administrator(pipes_h: Any) -> None:
    server = pipes_h.fresh_config("win2016-dc")
    dce = pipes_h.impacket_dce(server, "wkssvc", "administrator")
    wks = wkst.hNetrWkstaGetInfo(dce, 502)["WkstaInfo"]["WkstaInfo502"]
    assert (wks["wki502_keep_conn"], wks["wki502_max_cmds"], wks["wki502_sess_timeout"]) == \
        (600, 50, 60)
    dce = pipes_h.impacket_dce(server, "srvsvc", "administrator")
    info = srvs.hNetrServerGetInfo(dce, 503)["InfoStruct"]["ServerInfo503"]
    # from the profile's SMB1 NEGOTIATE values (policies/win2016-dc.yaml smb1, inherited)
    assert (info["sv503_sizreqbuf"], info["sv503_maxmpxct"], info["sv503_maxrawbuflen"]) == \
        (server.profile.smb1.max_buffer_size, server.profile.smb1.max_mpx_count, 65536)
    assert info["sv503_domain"][:-1] == "CORP" and info["sv503_timesource"] == 1
    info = srvs.hNetrServerGetInfo(dce, 103)["InfoStruct"]["ServerInfo103"]
    assert info["sv103_name"][:-1] == "LEGACYSRV" and info["sv103_capabilities"] == 0
    old = pipes_h.impacket_dce(pipes_h.fresh_config("win2000"), "srvsvc", "administrator")
    with pytest.raises(DCERPCException, match="ERROR_INVALID_LEVEL"):
        srvs.hNetrServerGetInfo(old, 103)  # SERVER_INFO_103 came with 7 / 2008 R2
