"""Fault injection rules: validation, matching, and what the sans-I/O connection does with them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from smbemu.errors import ConfigError
from smbemu.faults import FaultEngine, engine_for, load_faults, parse_rules, rule
from smbemu.principal import ANONYMOUS, Principal, PrincipalKind
from smbemu.smb2.constants import Command
from smbemu.status import NtStatus
from smbemu.testing import build_config

from smb2raw import frame, negotiate_body, request, responses

ALICE = Principal(PrincipalKind.USER, "alice", "CORP")


class _Iface:
    def __init__(self, name: str, uuid: str) -> None:
        self.name, self.uuid = name, uuid


SRVSVC = _Iface("srvsvc", "4b324fc8-1670-01d3-1278-5a47bf6ee188")


# ------------------------------------------------------------------ validation
def test_yaml_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(
        "faults:\n"
        "  - {command: SESSION_SETUP, session_setup_round: 2, status: STATUS_ACCESS_DENIED}\n"
        "  - {command: tree_connect, nth: 2, status: 0xC00000CC}\n"
        "  - {interface: srvsvc, operation: NetrShareEnum, fault: nca_s_op_rng_error}\n"
        "  - {interface: 4b324fc8-1670-01d3-1278-5a47bf6ee188, opnum: 15, status: 5, user: anonymous}\n"
        "  - {command: CREATE, pipe: '\\PIPE\\samr', drop: true}\n"
        "  - {command: ECHO, delay: 0.25, times: 1}\n"
        "  - {command: READ, pipe: lsarpc, truncate: 10}\n"
    )
    engine = load_faults(path)
    first, second, third, fourth, fifth, sixth, seventh = engine.rules
    assert (first.command, first.session_setup_round, first.status) == (Command.SESSION_SETUP, 2, NtStatus.ACCESS_DENIED)
    assert (second.command, second.nth, second.status) == (Command.TREE_CONNECT, 2, 0xC00000CC)
    assert third.rpc_level and third.operation == "netrshareenum" and third.fault == 0x1C010002
    assert fourth.interface == "4b324fc8-1670-01d3-1278-5a47bf6ee188" and fourth.user == "anonymous"
    assert fifth.pipe == "samr" and fifth.drop
    assert sixth.delay == 0.25 and sixth.times == 1
    assert seventh.truncate == 10 and [r.index for r in engine.rules] == list(range(1, 8))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"command": "TREE_CONECT", "status": 5}],
         "f.yaml: faults[0].command: 'TREE_CONECT' is not an SMB2 command; allowed: NEGOTIATE, SESSION_SETUP"),
        ([{"command": "ECHO", "stauts": 5}], "f.yaml: faults[0].stauts: unknown key; allowed: name, command"),
        ([{"command": "ECHO"}], "f.yaml: faults[0]: no action; give one of status, fault, delay, truncate, drop"),
        ([{"command": "ECHO", "fault": 5}], "f.yaml: faults[0].fault: an RPC fault needs an RPC-level match"),
        ([{"command": "CREATE", "opnum": 3, "status": 5}], "f.yaml: faults[0].command: cannot be combined with"),
        ([{"command": "ECHO", "status": "STATUS_NOPE"}], "f.yaml: faults[0].status: 'STATUS_NOPE' is not an NTSTATUS; allowed:"),
        ([{"opnum": 1, "fault": "nca_nope"}], "f.yaml: faults[0].fault: 'nca_nope' is not a DCE/RPC fault status; allowed: a 32-bit number or one of nca_s_op_rng_error"),
        ([{"command": "ECHO", "delay": -1}], "f.yaml: faults[0].delay: -1 is not a number of seconds (0-3600)"),
        ([{"command": "ECHO", "drop": "yes"}], "f.yaml: faults[0].drop: 'yes' is not a boolean; allowed: true, false"),
        ([{"command": "ECHO", "drop": True, "status": 5}], "f.yaml: faults[0].drop: drop sends no answer"),
        ([{"command": "ECHO", "nth": 0, "status": 5}], "f.yaml: faults[0].nth: 0 is not an integer >= 1"),
        ([{"command": "ECHO", "status": 5}, {"session_setup_round": 1, "command": "ECHO", "status": 5}],
         "f.yaml: faults[1].session_setup_round: only applies to command SESSION_SETUP"),
        ([{"command": "SESSION_SETUP", "user": "alice", "status": 5}], "f.yaml: faults[0].user: the caller is not known yet"),
        ([{"status": 5}], "f.yaml: faults[0]: matches nothing in particular"),
        ({"rules": []}, "f.yaml: rules: unknown key; allowed: faults"),
        ("oops", "f.yaml: faults: 'oops' is not a list of rules"),
    ],
)
def test_validation_names_file_key_and_allowed_values(data: Any, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_rules(data, "f.yaml")
    assert str(raised.value).startswith(message)


def test_bad_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("faults: [\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line \d+: not valid YAML"):
        load_faults(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_faults(tmp_path / "missing.yaml")


def test_engine_for_accepts_the_api_forms(tmp_path: Path) -> None:
    assert engine_for(None) is None and engine_for([]) is None
    made = rule(command="ECHO", delay=1)
    engine = engine_for([made, {"command": "LOGOFF", "status": "ACCESS_DENIED"}])
    assert engine is not None and [r.index for r in engine.rules] == [1, 2]
    assert engine.rules[1].status == NtStatus.ACCESS_DENIED
    assert engine_for(engine) is engine
    path = tmp_path / "f.yaml"
    path.write_text("- {command: ECHO, drop: true}\n")
    from_file = engine_for(str(path))
    assert from_file is not None and from_file.rules[0].drop


# ------------------------------------------------------------------ matching (RPC level)
def test_rpc_matching_by_interface_operation_opnum_pipe_user_and_nth(caplog: pytest.LogCaptureFixture) -> None:
    engine = FaultEngine(parse_rules([
        {"interface": "srvsvc", "operation": "NetrShareEnum", "nth": 2, "fault": "nca_s_op_rng_error"},
        {"interface": "4B324FC8-1670-01D3-1278-5A47BF6EE188", "opnum": 21, "user": "alice", "status": 5},
        {"interface": "srvsvc", "pipe": "other", "status": 6},
    ]))

    def call(opnum: int, operation: str, principal: Any = ANONYMOUS) -> Any:
        return engine.rpc_call(pipe="srvsvc", interface=SRVSVC, opnum=opnum, operation=operation, principal=principal)

    with caplog.at_level(logging.INFO, logger="smbemu.faults"):
        assert call(15, "NetrShareEnum") is None  # the first match: not yet
        assert call(15, "NetrShareEnum") == ("fault", 0x1C010002)  # the second
        assert call(15, "NetrShareEnum") is None  # the third: nth is one request
        assert call(21, "NetrServerGetInfo") is None  # anonymous, the rule wants alice
        assert call(21, "NetrServerGetInfo", ALICE) == ("status", 5)
    assert engine.matched == [3, 1, 0] and engine.fired == [1, 1, 0]
    assert "fault rule #1 fired: srvsvc.NetrShareEnum (opnum 15) on \\pipe\\srvsvc -> fault nca_s_op_rng_error (0x1c010002)" in caplog.text
    assert engine.history[1].endswith("-> STATUS_ACCESS_DENIED (return value)") is False  # 5 is not an NTSTATUS name
    assert engine.history[1].endswith("-> 0x00000005 (return value)")


def test_times_limits_and_transport_actions_are_queued() -> None:
    engine = FaultEngine(parse_rules([{"interface": "samr", "times": 2, "delay": 0.5, "truncate": 20}]))
    samr = _Iface("samr", "12345778-1234-abcd-ef00-0123456789ac")
    for _ in range(3):
        assert engine.rpc_call(pipe="samr", interface=samr, opnum=1, operation="SamrCloseHandle", principal=None) is None
    assert engine.fired == [2]
    assert engine.take_transport_actions() == [("delay", 0.5), ("truncate", 20), ("delay", 0.5), ("truncate", 20)]
    assert engine.take_transport_actions() == []


# ------------------------------------------------------------------ the sans-I/O connection
def _negotiate(faults: list[dict[str, Any]]) -> tuple[Any, list[bytes]]:
    from smbemu.connection import Connection

    config = build_config("win2016", "minimal", faults=faults)
    conn = Connection(config)
    return conn, conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202,)))))


def test_smb_status_answers_an_error_response(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="smbemu.faults"):
        conn, out = _negotiate([{"command": "NEGOTIATE", "status": "STATUS_NOT_SUPPORTED"}])
    assert [r["status"] for r in responses(out)] == [NtStatus.NOT_SUPPORTED]
    assert not conn.closed and not conn.holding
    assert "fault rule #1 fired: NEGOTIATE -> STATUS_NOT_SUPPORTED" in caplog.text


def test_delay_holds_the_answer_and_later_frames() -> None:
    from smbemu.connection import Connection

    config = build_config("win2016", "minimal", faults=[{"command": "ECHO", "nth": 1, "delay": 2}])
    conn = Connection(config, now=100.0)
    conn.receive_data(frame(request(Command.NEGOTIATE, negotiate_body((0x0202,)))), 100.0)
    echo = request(Command.ECHO, b"\x04\x00\x00\x00", message_id=1)
    echo2 = request(Command.ECHO, b"\x04\x00\x00\x00", message_id=2)
    assert conn.receive_data(frame(echo) + frame(echo2), 100.0) == []  # the answer is held...
    assert conn.holding and conn.get_timer() == 102.0  # ...for the rule's 2 s
    assert conn.handle_timer(101.5) == []
    # Then it is sent, and the second, which waited behind the delayed one, is answered after it.
    assert [r["message_id"] for r in responses(conn.handle_timer(102.0))] == [1, 2]
    assert not conn.holding and not conn.closed


def test_drop_and_truncate_close_the_connection() -> None:
    conn, out = _negotiate([{"command": "NEGOTIATE", "drop": True}])
    assert out == [] and conn.closed and "dropped" in conn.close_reason
    conn, out = _negotiate([{"command": "NEGOTIATE", "truncate": 6}])
    assert len(out) == 1 and len(out[0]) == 6 and out[0][4:6] == b"\xfeS" and conn.closed


def test_session_setup_round_is_counted_per_exchange() -> None:
    from smbemu.smb2.fault_hooks import _setup_round

    class Header:
        session_id = 0

    class Ctx:
        header = Header()

    conn, _ = _negotiate([])
    assert _setup_round(conn, Ctx()) == 1  # type: ignore[arg-type]


def test_cli_faults_flag_reports_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from smbemu.cli import main

    path = tmp_path / "faults.yaml"
    path.write_text("- {command: TREE_CONNECT, status: STATUS_NOPE}\n")
    assert main(["serve", "--port", "0", "--faults", str(path)]) == 2
    assert f"smbemu: {path}: faults[0].status: 'STATUS_NOPE' is not an NTSTATUS" in capsys.readouterr().err
