"""Each shared word of the server has one home (issue 11, "One home for each shared word").

Walks smbemu/ and pipes/ with ``ast`` and fails where a module other than the home
* assigns a module-level constant named like a status code (STATUS_*, ERROR_*, NCA_S_*,
  FAULT_*, RPC_S_*, RPC_X_*, NERR_*, WERR_*): every NTSTATUS, WERROR and fault code is a
  member of an enum in smbemu/status.py; other modules import the name;
* declares one of the status enums;
* defines a function whose name belongs to one home (the pipe-name normalizer, the status
  renderer, the FILETIME helpers, the pager, the SID encoder, the password hashes);
* spells out the LMOWFv1 magic outside the password hashes' home;

and where a line still carries a transitional marker ("TRANSITIONAL", "removed at integration"):
the integration sweep switched every importer to the name's one home.
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
HASH_HOME = "smbemu/auth/ntlm_crypto.py"
#: The password hashes (MS-NLMP 3.3.1 NTOWFv1 / LMOWFv1) and the MD4 under NTOWFv1; the
#: directory's former names for them (``nt_hash`` / ``lm_hash``) may not come back as functions.
HASH_HOMES: dict[str, str | None] = {"nt_owf_v1": HASH_HOME, "lm_owf_v1": HASH_HOME, "md4": HASH_HOME,
                                     "nt_hash": None, "lm_hash": None}
#: MS-NLMP 3.3.1: LMOWFv1 encrypts this constant; a second LM hash would have to spell it out.
LM_MAGIC = "KGS!@#$%"
#: Markers the branches merged for issue 11 left on their temporary re-exports.
TRANSITIONAL_MARKERS = ("TRANSITIONAL", "removed at integration")


def _source_files() -> Iterator[tuple[str, Path]]:
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for where, path in _source_files():
        yield where, ast.parse(path.read_text(encoding="utf-8"))


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


def test_the_lm_magic_lives_with_the_password_hashes() -> None:
    bad = [where for where, path in _source_files()
           if where != HASH_HOME and LM_MAGIC in path.read_text(encoding="utf-8")]
    assert not bad, f"a second LMOWFv1? {LM_MAGIC!r} appears in " + ", ".join(bad)


def test_no_transitional_re_export_is_left() -> None:
    bad = [f"{where}:{number}" for where, path in _source_files()
           for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if any(marker in line for marker in TRANSITIONAL_MARKERS)]
    assert not bad, "import the name from its one home instead: " + "; ".join(bad)
