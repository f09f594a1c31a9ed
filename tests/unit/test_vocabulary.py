"""Each shared word of the server has one home (issue 11, "One home for each shared word").

Walks smbemu/ and pipes/ with ``ast`` and fails where a module other than the home
* assigns a module-level constant named like a status code (STATUS_*, ERROR_*, NCA_S_*,
  FAULT_*, RPC_S_*, RPC_X_*, NERR_*, WERR_*): every NTSTATUS, WERROR and fault code is a
  member of an enum in smbemu/status.py; other modules import the name;
* declares one of the status enums;
* defines a function whose name belongs to one home (the pipe-name normalizer, the status
  renderer, the FILETIME helpers, the pager, the SID encoder, the password hashes).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "smbemu", ROOT / "pipes")

STATUS_HOME = "smbemu/status.py"
STATUS_NAME = re.compile(r"^(STATUS|ERROR|NCA_S|FAULT|RPC_S|RPC_X|NERR|WERR)_[A-Z0-9_]+$")
#: Module-level names that match STATUS_NAME without being a status code.
NOT_STATUS_CODES = {
    "STATUS_OFFSET": "smb2/header.py: the byte offset of the Status field in the SMB2 header",
    "ERROR_BODY": "the 9-byte ERROR response body (MS-SMB2 2.2.2)",
    "FAULT_ALLOC_HINT": "rpc/endpoint.py: the alloc_hint of a fault PDU",
}
STATUS_ENUMS = {"NtStatus", "Win32Error", "FaultStatus"}

#: function name -> the one module that defines it.
FUNCTION_HOMES = {
    "normalize_pipe_name": "smbemu/pipe_names.py",
    "status_name": STATUS_HOME,
    "status_hex": STATUS_HOME,
    "filetime_now": "smbemu/filetime.py",
    "to_filetime": "smbemu/filetime.py",
    "_filetime": None,  # the old private copies: none may come back
    "page": "smbemu/rpc/paging.py",
    "_page": None,
    "netapi_entry_size": "smbemu/rpc/paging.py",
    "sid_bytes": "smbemu/sid.py",
    "_sid_bytes": None,
}
#: The password hashes (MS-NLMP 3.3.1 NTOWFv1 / LMOWFv1) and their directory-facing names.
HASH_HOMES = {name: "smbemu/auth/ntlm_crypto.py" for name in ("nt_owf_v1", "lm_owf_v1", "nt_hash", "lm_hash")}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _assigned_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _misplaced_functions(homes: dict[str, str | None]) -> list[str]:
    bad = []
    for where, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in homes:
                if where != homes[node.name]:
                    bad.append(f"{where}:{node.lineno} defines {node.name}() "
                               f"(its home is {homes[node.name] or 'elsewhere: a removed copy'})")
    return bad


def test_status_codes_are_defined_only_in_smbemu_status() -> None:
    bad = []
    for where, tree in _modules():
        if where == STATUS_HOME:
            continue
        for node in tree.body:
            for name in _assigned_names(node):
                if STATUS_NAME.match(name) and name not in NOT_STATUS_CODES:
                    bad.append(f"{where}:{node.lineno} assigns {name}")
            if isinstance(node, ast.ClassDef) and node.name in STATUS_ENUMS:
                bad.append(f"{where}:{node.lineno} declares {node.name}")
    assert not bad, "import status codes from smbemu.status instead: " + "; ".join(bad)


def test_the_exceptions_are_not_status_codes() -> None:
    from smbemu import status

    assert not set(NOT_STATUS_CODES) & set(vars(status)), "a listed exception became a status name"


def test_shared_functions_are_defined_once() -> None:
    bad = _misplaced_functions(FUNCTION_HOMES)
    assert not bad, "; ".join(bad)


def test_password_hashes_are_defined_once() -> None:
    bad = _misplaced_functions(HASH_HOMES)
    assert not bad, "; ".join(bad)
