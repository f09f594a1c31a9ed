"""Every declared opnum of srvsvc and wkssvc, called as anonymous, user and administrator on the
profiles a lab uses most (issue 15 item 7): impacket's real DCE/RPC client sends each opnum a
minimal stub (zeros: NULL pointers, level 0) and must get a response or a fault -- never
nca_op_rng_error, except for the srvsvc opnums MS-SRVS 3.1.4 reserves for local use (29, 42, 47),
which no remote Windows caller gets an answer to; and the association must stay usable after
each call."""

from __future__ import annotations

from typing import Any

import pytest
from impacket.dcerpc.v5.rpcrt import (  # type: ignore[import-untyped]
    DCERPCException,
    rpc_status_codes,
)

NCA_S_OP_RNG_ERROR = 0x1C010002
#: MS-SRVS 3.1.4: Opnum29NotUsedOnWire, Opnum42NotUsedOnWire, Opnum47NotUsedOnWire.
SRVSVC_LOCAL_ONLY = {29, 42, 47}
OPNUMS = {"srvsvc": 58, "wkssvc": 31}


def _call(dce: Any, opnum: int, stub: bytes) -> int | None:
    """The fault status of the call, or None when it was answered with a response."""
    dce.call(opnum, stub)
    try:
        dce.recv()
    except DCERPCException as exc:
        # impacket names the fault status (rpc_status_codes) rather than keeping the number
        name = str(exc).split()[0]
        codes = [code for code, text in rpc_status_codes.items() if text == name]
        assert codes, f"opnum {opnum}: {exc}"
        return int(codes[0])
    return None


@pytest.mark.parametrize("profile", ["win2000", "win2016", "win2016-dc"])
@pytest.mark.parametrize("kind", ["anonymous", "user", "administrator"])
@pytest.mark.parametrize("pipe", ["srvsvc", "wkssvc"])
def test_every_declared_opnum_answers(pipes_h: Any, profile: str, kind: str, pipe: str) -> None:
    server = pipes_h.fresh_config(profile)
    dce = pipes_h.impacket_dce(server, pipe, kind)
    faults = {}
    for opnum in range(OPNUMS[pipe]):
        status = _call(dce, opnum, bytes(64))
        if status is not None:
            faults[opnum] = status
    op_rng = {n for n, status in faults.items() if status == NCA_S_OP_RNG_ERROR}
    assert op_rng == (SRVSVC_LOCAL_ONLY if pipe == "srvsvc" else set()), faults
    # the association still answers, and an opnum past the table is still op_rng_error
    assert _call(dce, OPNUMS[pipe], b"") == NCA_S_OP_RNG_ERROR
    assert _call(dce, 0 if pipe == "wkssvc" else 28, bytes(64)) is None
