"""samr SamrUnicodeChangePasswordUser4 (opnum 73, MS-SAMR 3.1.5.10.4): a user's change of its own
password, the new password encrypted with AES under a key derived from the old NT hash.

The call came with Windows Server 2022 (build 20348, with its security updates) -- the release
whose SamrConnect5 answers SAMPR_REVISION_INFO_V1.SupportedFeatures 0x10 (``server``), telling
the client to use it; the earlier profiles' Windows had no opnum 73: nca_op_rng_error, as their
runtime answered.

SAMPR_ENCRYPTED_PASSWORD_AES (2.2.6.32): AuthData[64], Salt[16], cbCipher, Cipher,
PBKDF2Iterations.  The server (3.1.5.10.4, 3.2.2.4):

1. derives the content encryption key: PBKDF2 with HMAC-SHA512 over the account's current NT
   hash, with Salt and PBKDF2Iterations (5,000 to 1,000,000, else STATUS_INVALID_PARAMETER), 16
   bytes (Samba's client and its python test, written against Windows, derive the same);
2. checks AuthData: HMAC-SHA512 under the MAC key (HMAC-SHA512 of the key with "Microsoft SAM
   MAC key AEAD-AES-256-CBC-HMAC-SHA512 16" and its NUL) of the version byte 0x01, Salt, Cipher
   and the version's length 0x01; a mismatch is a wrong old password (STATUS_WRONG_PASSWORD,
   counted against the lockout policy, a failed 4723);
3. decrypts Cipher with AES-256-CBC, Salt as the IV, under the encryption key (the first 32
   bytes of HMAC-SHA512 of the key with "Microsoft SAM encryption key AEAD-AES-256-CBC-HMAC-
   SHA512 16" and its NUL), PKCS#7 padding removed: the new password's length in bytes (2 bytes,
   little-endian), then the password in UTF-16LE (the rest, up to 514 bytes, is filler);
4. changes the password as SamrUnicodeChangePasswordUser2 does (``passwords``): the domain's
   policy, history included.

**Cost.**  This is the one call whose cost the caller chooses -- up to 1,000,000 rounds of
PBKDF2-HMAC-SHA512, about half a second of one core -- and it needs no logon.  Windows runs it
on one of its RPC threads; smbemu answers every client from one event loop, so a caller looping
it would stall every other client (issue 14: no client may freeze the server).  The rounds are
paid from one server-wide :class:`DerivationBudget` (``--max-key-derivation-rate`` rounds a
second, ten seconds' worth at most); a call the budget cannot pay is answered the fault
RPC_S_SERVER_TOO_BUSY (MS-ERREF 0x6BB), what Windows' runtime answers a call it has no thread
for -- before the account is looked up, so it tells nothing and counts no bad password.  A
client retries it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import time
from collections.abc import Callable
from typing import Any, Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from smbemu.errors import RpcFault
from smbemu.rpc import CallContext
from smbemu.rpc.ndr import ConformantBytes, FixedBytes, Pointer, RpcUnicodeString, Struct, uint32, uint64
from smbemu.status import NCA_S_OP_RNG_ERROR, RPC_S_SERVER_TOO_BUSY, STATUS_INVALID_PARAMETER, STATUS_WRONG_PASSWORD

from .objects import INTERFACE, directory_of, error_response
from .passwords import changed_password, wrong_password
from .server import AES_PASSWORDS_SINCE_BUILD

#: MS-SAMR 2.2.6.32.
SAMPR_ENCRYPTED_PASSWORD_AES: Final = Struct("SAMPR_ENCRYPTED_PASSWORD_AES", [
    ("AuthData", FixedBytes(64)), ("Salt", FixedBytes(16)), ("cbCipher", uint32),
    ("Cipher", Pointer(ConformantBytes())), ("PBKDF2Iterations", uint64)])
#: MS-SAMR 3.1.5.10.4: the iteration counts a server accepts.
MIN_ITERATIONS: Final = 5_000
MAX_ITERATIONS: Final = 1_000_000
#: MS-SAMR 3.2.2.4: the key derivation labels, NUL included.
ENCRYPTION_KEY_LABEL: Final = b"Microsoft SAM encryption key AEAD-AES-256-CBC-HMAC-SHA512 16\x00"
MAC_KEY_LABEL: Final = b"Microsoft SAM MAC key AEAD-AES-256-CBC-HMAC-SHA512 16\x00"
_VERSION: Final = b"\x01"
_VERSION_LENGTH: Final = b"\x01"
#: The NT hash (MD4) of the empty password: the key of an account without a password.
_EMPTY_NT_HASH: Final = bytes.fromhex("31d6cfe0d16ae931b73c59d7e0c089c0")
#: A SAMPR_USER_PASSWORD_AES-style buffer holds at most 512 bytes of password (256 characters).
_MAX_PASSWORD_BYTES: Final = 512


#: How many seconds of the refill the budget holds at most: a burst of changes at a fresh server.
BURST_SECONDS: Final = 10
_BUDGET_MEMO: Final = "samr.derivation_budget"


class DerivationBudget:
    """A token bucket of PBKDF2 rounds, shared by every caller of one server."""

    def __init__(self, rounds: int, refill_per_second: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = rounds
        self._refill = refill_per_second
        self._clock = clock
        self._available = float(rounds)
        self._at = clock()

    def pay(self, rounds: int) -> bool:
        """Take ``rounds`` if the budget holds them now; False leaves it as it was."""
        now = self._clock()
        self._available = min(self._capacity, self._available + (now - self._at) * self._refill)
        self._at = now
        if rounds > self._available:
            return False
        self._available -= rounds
        return True


def _decrypt(nt_hash: bytes, encrypted: dict[str, Any]) -> str | None:
    """The new password, or None when AuthData does not verify under the old hash's key (or
    what it protects is no password buffer)."""
    salt = bytes(encrypted["Salt"])
    cipher = bytes(encrypted["Cipher"] or b"")[:encrypted["cbCipher"]]
    if not cipher or len(cipher) % 16:
        return None
    key = hashlib.pbkdf2_hmac("sha512", nt_hash, salt, encrypted["PBKDF2Iterations"], 16)
    mac_key = hmac.digest(key, MAC_KEY_LABEL, "sha512")
    expected = hmac.digest(mac_key, _VERSION + salt + cipher + _VERSION_LENGTH, "sha512")
    if not hmac.compare_digest(expected, bytes(encrypted["AuthData"])):
        return None
    encryption_key = hmac.digest(key, ENCRYPTION_KEY_LABEL, "sha512")[:32]
    decryptor = Cipher(algorithms.AES(encryption_key), modes.CBC(salt)).decryptor()
    plain = decryptor.update(cipher) + decryptor.finalize()
    padding = plain[-1]
    if not 1 <= padding <= 16 or plain[-padding:] != bytes([padding]) * padding:
        return None
    plain = plain[:-padding]
    if len(plain) < 2:
        return None
    (length,) = struct.unpack_from("<H", plain)
    if length % 2 or length > _MAX_PASSWORD_BYTES or 2 + length > len(plain):
        return None
    try:
        return plain[2:2 + length].decode("utf-16-le")
    except UnicodeDecodeError:
        return None


@INTERFACE.operation(73, "SamrUnicodeChangePasswordUser4",
                     request=[("ServerName", Pointer(RpcUnicodeString)), ("UserName", RpcUnicodeString),
                              ("EncryptedPassword", Pointer(SAMPR_ENCRYPTED_PASSWORD_AES, "ref"))],
                     response=[])
def SamrUnicodeChangePasswordUser4(ctx: CallContext, request: dict[str, Any]) -> dict[str, Any]:
    """See the module docstring.  An unknown name is STATUS_WRONG_PASSWORD, as for
    SamrUnicodeChangePasswordUser2 (the call needs no logon: its answer must not tell which
    names exist)."""
    if ctx.server.profile.identity.build < AES_PASSWORDS_SINCE_BUILD:
        raise RpcFault(NCA_S_OP_RNG_ERROR, "SamrUnicodeChangePasswordUser4: before Windows Server 2022")
    status = ctx.decide().status
    if status:
        return error_response(ctx, status)
    encrypted = request["EncryptedPassword"]
    if not MIN_ITERATIONS <= encrypted["PBKDF2Iterations"] <= MAX_ITERATIONS:
        return error_response(ctx, STATUS_INVALID_PARAMETER)
    rate = ctx.server.limits.max_key_derivation_rate
    budget = ctx.server.memo(_BUDGET_MEMO, lambda: DerivationBudget(BURST_SECONDS * rate, rate))
    if not budget.pay(encrypted["PBKDF2Iterations"]):
        raise RpcFault(RPC_S_SERVER_TOO_BUSY, "SamrUnicodeChangePasswordUser4: the server's key "
                       "derivation budget is spent (module docstring)")
    directory = directory_of(ctx)
    user = directory.find_user(request["UserName"] or "")
    if user is None or directory.is_locked(user):
        return error_response(ctx, STATUS_WRONG_PASSWORD)
    password = _decrypt(user.nt_hash or _EMPTY_NT_HASH, encrypted)
    if password is None:
        return wrong_password(ctx, user, "does not prove the old password (AES form)")
    return changed_password(ctx, user, password)
