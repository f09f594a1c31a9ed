"""The BackupKey Remote Protocol (MS-BKRP, pipes/bkrp) with real clients: impacket's BackuprKey
calls against `win2016-dc`, and impacket's ``dpapi.py backupkeys --export`` reading the DPAPI
domain backup keys through LsarRetrievePrivateData -- the keys BackuprKey wraps with.

The blobs are checked independently of the server's code: a ServerWrap blob is opened here with
the key read back through LSA (MS-BKRP 3.1.4.1.2.1: HMAC-SHA1 / RC4 with Cryptodome's RC4), and a
ClientWrap blob is built here from the certificate BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID returns
(2.2.2 versions 2 and 3), then restored by the server.  The statuses of the refusals are those
Samba's rpc.backupkey suite accepts from Windows.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import struct
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from Cryptodome.Cipher import ARC4  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from impacket import crypto  # type: ignore[import-untyped]
from impacket.dcerpc.v5 import bkrp, lsad, transport  # type: ignore[import-untyped]
from impacket.dcerpc.v5.dtypes import NULL  # type: ignore[import-untyped]
from impacket.dcerpc.v5.rpcrt import (  # type: ignore[import-untyped]
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    DCERPCException,
)
from impacket.uuid import string_to_bin  # type: ignore[import-untyped]

from helpers import HOST, ServerThread
from netns import NetnsServer

pytestmark = pytest.mark.interop

ADMIN = ("Administrator", "Adm!n2003")
ALICE = ("alice", "Wonderland1")
SECRET = b"The Dude abides; the backup key keeps his master key."
ERROR_INVALID_ACCESS, ERROR_INVALID_DATA, ERROR_NOT_SUPPORTED = 0xC, 0xD, 0x32
ERROR_INVALID_PARAMETER, ERROR_INVALID_SID = 0x57, 0x539
DPAPI = str(Path(sys.executable).parent / "dpapi.py")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread("win2016-dc") as running:
        yield running


def _connect(port: int, who: tuple[str, str], *, level: int = RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
             pipe: str = "protected_storage") -> Any:
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\{pipe}]")
    rpc.set_dport(port)
    rpc.set_credentials(who[0], who[1], "CORP")
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(level)
    dce.connect()
    dce.bind(bkrp.MSRPC_UUID_BKRP)
    return dce


def _call(dce: Any, action: bytes, data: Any) -> tuple[int, bytes]:
    """(WERROR, ppDataOut) of one BackuprKey; impacket raises on a non-zero status."""
    try:
        resp = bkrp.hBackuprKey(dce, action, data)
    except bkrp.DCERPCSessionError as exc:
        return exc.get_error_code(), b""
    return resp["ErrorCode"], b"".join(resp["ppDataOut"])


def _lsa_secret(port: int, name: str) -> bytes:
    """LsarRetrievePrivateData as the Administrator (what dpapi.py backupkeys does)."""
    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{HOST}[\pipe\lsarpc]")
    rpc.set_dport(port)
    rpc.set_credentials(*ADMIN, "CORP")
    dce = rpc.get_dce_rpc()
    dce.connect()
    dce.bind(lsad.MSRPC_UUID_LSAD)
    policy = lsad.hLsarOpenPolicy2(dce, lsad.POLICY_GET_PRIVATE_INFORMATION)["PolicyHandle"]
    value = crypto.decryptSecret(rpc.get_smb_connection().getSessionKey(),
                                 lsad.hLsarRetrievePrivateData(dce, policy, name))
    dce.disconnect()
    return bytes(value)


def _sid(server: ServerThread, name: str) -> bytes:
    return server.config.directory.find_user(name).sid.to_bytes()  # type: ignore[no-any-return]


# -------------------------------------------------------------------------------------------
# ServerWrap: BACKUPKEY_BACKUP_GUID / RESTORE_GUID(_WIN2K)
# -------------------------------------------------------------------------------------------


def _open_server_wrapped(blob: bytes, server_key: bytes) -> tuple[bytes, bytes, bool]:
    """MS-BKRP 3.1.4.1.2.1 done here: (SID, secret, MAC verified) of a 2.2.4 blob."""
    _sig, payload_length, cipher_length, _guid, r2 = struct.unpack_from("<III16s68s", blob)
    rc4_key = hmac.new(server_key, r2, hashlib.sha1).digest()
    payload = ARC4.new(rc4_key).decrypt(blob[96:96 + cipher_length])
    r3, mac, rest = payload[:32], payload[32:52], payload[52:]
    sid_size = 8 + 4 * rest[1]
    sid, secret = rest[:sid_size], rest[sid_size:]
    mac_key = hmac.new(server_key, r3, hashlib.sha1).digest()
    verified = hmac.compare_digest(hmac.new(mac_key, sid + secret, hashlib.sha1).digest(), mac)
    assert len(secret) == payload_length or not verified
    return sid, secret, verified


@pytest.mark.parametrize("who", [ADMIN, ALICE], ids=["administrator", "user"])
def test_backup_then_restore_both_ways(server: ServerThread, who: tuple[str, str]) -> None:
    dce = _connect(server.port, who)
    status, blob = _call(dce, bkrp.BACKUPKEY_BACKUP_GUID, SECRET)
    assert status == 0 and blob[:4] == b"\x01\x00\x00\x00"
    assert struct.unpack_from("<I", blob, 4)[0] == len(SECRET)
    for action in (bkrp.BACKUPKEY_RESTORE_GUID, bkrp.BACKUPKEY_RESTORE_GUID_WIN2K):
        assert _call(dce, action, blob) == (0, SECRET)
    # also on \pipe\lsass: protected_storage is one of lsass's pipe names
    assert _call(_connect(server.port, who, pipe="lsass"), bkrp.BACKUPKEY_RESTORE_GUID, blob) == (0, SECRET)


def test_server_wrapped_blob_opens_only_with_the_key_lsa_holds(server: ServerThread) -> None:
    """The blob is sealed with G$BCKUPKEY_<G$BCKUPKEY_P> for the caller's SID: it opens with that
    key and no other, and a bit flipped in the ciphertext is refused by the server."""
    status, blob = _call(_connect(server.port, ALICE), bkrp.BACKUPKEY_BACKUP_GUID, SECRET)
    assert status == 0
    key_guid = uuid.UUID(bytes_le=_lsa_secret(server.port, "G$BCKUPKEY_P"))
    assert blob[12:28] == key_guid.bytes_le
    stored = _lsa_secret(server.port, f"G$BCKUPKEY_{key_guid}")
    assert len(stored) == 260 and stored[:4] == b"\x01\x00\x00\x00"  # MS-BKRP 2.2.7
    sid, secret, verified = _open_server_wrapped(blob, stored[4:])
    assert (sid, secret, verified) == (_sid(server, "alice"), SECRET, True)
    assert not _open_server_wrapped(blob, os.urandom(256))[2]
    tampered = bytearray(blob)
    tampered[-1] ^= 0x01
    status, _ = _call(_connect(server.port, ALICE), bkrp.BACKUPKEY_RESTORE_GUID, bytes(tampered))
    assert status == ERROR_INVALID_PARAMETER


def test_only_the_owner_restores(server: ServerThread) -> None:
    """MS-BKRP 3.1.4.1.2.1: the SID in the blob must be the caller's -- the Administrator too
    is refused another user's secret (ERROR_INVALID_ACCESS, as Samba's suite expects from Windows)."""
    _, blob = _call(_connect(server.port, ALICE), bkrp.BACKUPKEY_BACKUP_GUID, SECRET)
    admin = _connect(server.port, ADMIN)
    assert _call(admin, bkrp.BACKUPKEY_RESTORE_GUID, blob) == (ERROR_INVALID_ACCESS, b"")
    assert _call(admin, bkrp.BACKUPKEY_RESTORE_GUID_WIN2K, blob) == (ERROR_INVALID_ACCESS, b"")


def test_bad_input_answers_windows_statuses(server: ServerThread) -> None:
    dce = _connect(server.port, ALICE)
    _, blob = _call(dce, bkrp.BACKUPKEY_BACKUP_GUID, SECRET)
    unknown_key = blob[:12] + uuid.uuid4().bytes_le + blob[28:]
    wrong_r2 = blob[:28] + bytes(68) + blob[96:]
    for action in (bkrp.BACKUPKEY_RESTORE_GUID, bkrp.BACKUPKEY_RESTORE_GUID_WIN2K):
        for data in (b"\x01", b"\x01\x00\x00\x00", b"\x4e\x00\x00\x00" + blob[4:]):
            assert _call(dce, action, data)[0] == ERROR_INVALID_PARAMETER, (action, data[:8])
        assert _call(dce, action, unknown_key)[0] == ERROR_INVALID_DATA
        assert _call(dce, action, wrong_r2)[0] in (ERROR_INVALID_SID, ERROR_INVALID_PARAMETER)
    assert _call(dce, string_to_bin("01234567-89ab-cdef-0123-456789abcdef"), SECRET)[0] == ERROR_INVALID_PARAMETER


def test_anonymous_cannot_open_the_pipe(server: ServerThread) -> None:
    """protected_storage is in no release's NullSessionPipes: a null session's CREATE is refused."""
    from impacket.smbconnection import SessionError  # type: ignore[import-untyped]

    with pytest.raises(SessionError, match="STATUS_ACCESS_DENIED"):
        _connect(server.port, ("", ""), level=RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)


def test_packet_privacy_is_required(server: ServerThread) -> None:
    """Below RPC_C_AUTHN_LEVEL_PKT_PRIVACY every action is the fault rpc_s_access_denied."""
    dce = _connect(server.port, ADMIN, level=RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    with pytest.raises(DCERPCException, match="access_denied"):
        bkrp.hBackuprKey(dce, bkrp.BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID, NULL)


# -------------------------------------------------------------------------------------------
# ClientWrap: BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID / RESTORE_GUID
# -------------------------------------------------------------------------------------------


def test_certificate_is_the_preferred_key_pair(server: ServerThread) -> None:
    """MS-BKRP 2.2.1: RSA 2048, CN = the DNS domain, v3, serialNumber = the key GUID (bytes
    reversed), issuer = subject unique ID = the GUID G$BCKUPKEY_PREFERRED names, 365 days,
    self-signed."""
    status, der = _call(_connect(server.port, ALICE), bkrp.BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID, NULL)
    assert status == 0
    cert = x509.load_der_x509_certificate(der)
    key_guid = uuid.UUID(bytes_le=_lsa_secret(server.port, "G$BCKUPKEY_PREFERRED"))
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    assert cert.version == x509.Version.v3
    assert cert.subject == cert.issuer and cert.subject.rfc4514_string() == "CN=corp.local"
    assert cert.serial_number == int.from_bytes(bytes(reversed(key_guid.bytes_le)), "big")
    assert der.count(b"\x00" + key_guid.bytes_le) == 2  # issuerUniqueID, subjectUniqueID
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 365
    public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA1())
    stored = _lsa_secret(server.port, f"G$BCKUPKEY_{key_guid}")
    version, key_length, cert_length = struct.unpack_from("<III", stored)
    assert (version, key_length) == (2, 0x494) and stored[12 + key_length:] == der  # MS-BKRP 2.2.5


def client_wrap(cert_der: bytes, secret: bytes, sid: bytes, version: int, *,
                reverse: bool = True, bad_hash: bool = False) -> bytes:
    """MS-BKRP 3.2.4.1: a Client-Side-Wrapped Secret (2.2.2) for ``sid``, as a DPAPI client
    builds it from the server's certificate."""
    cert = x509.load_der_x509_certificate(cert_der)
    key_guid = der_unique_id(cert_der)
    if version == 2:
        key, iv = os.urandom(24), os.urandom(8)
        inner = struct.pack("<II", len(secret), 0x20) + secret + key + iv
        algorithm, digest = TripleDES(key), hashlib.sha1
    else:
        key, iv = os.urandom(32), os.urandom(16)
        inner = struct.pack("<IIII", len(secret), 0x30, 0x6610, 0x800E) + secret + key + iv
        algorithm, digest = algorithms.AES(key), hashlib.sha512
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    encrypted = public.encrypt(inner, padding.PKCS1v15())
    if reverse:
        encrypted = bytes(reversed(encrypted))
    # 2.2.2.3 / 2.2.2.4: magic, cbNonce, Nonce, SID, padding to whole blocks, then the Hash of it all
    block = algorithm.block_size // 8
    check = struct.pack("<II", 1, 32) + os.urandom(32) + sid
    check += bytes(-(len(check) + digest().digest_size) % block)
    check += digest(check).digest()
    if bad_hash:
        check = check[:-1] + bytes([check[-1] ^ 1])
    encryptor = Cipher(algorithm, modes.CBC(iv)).encryptor()
    sealed = encryptor.update(check) + encryptor.finalize()
    return struct.pack("<III", version, len(encrypted), len(sealed)) + key_guid + encrypted + sealed


def der_unique_id(cert_der: bytes) -> bytes:
    """The 16 bytes of the certificate's subjectUniqueID ([2] IMPLICIT BIT STRING)."""
    at = cert_der.index(b"\x82\x11\x00")
    return cert_der[at + 3:at + 19]


@pytest.mark.parametrize("version", [2, 3])
def test_client_wrapped_secret_restores_for_its_owner(server: ServerThread, version: int) -> None:
    dce = _connect(server.port, ALICE)
    _, der = _call(dce, bkrp.BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID, NULL)
    alice = _sid(server, "alice")
    blob = client_wrap(der, SECRET, alice, version)
    assert _call(dce, bkrp.BACKUPKEY_RESTORE_GUID, blob) == (0, b"\x00\x00\x00\x00" + SECRET)  # 2.2.3
    # a 2016 DC does not take a ClientWrap blob through the Windows 2000 action (<10>)
    assert _call(dce, bkrp.BACKUPKEY_RESTORE_GUID_WIN2K, blob)[0] == ERROR_INVALID_PARAMETER
    refused = {
        "another user": (client_wrap(der, SECRET, _sid(server, "Administrator"), version), ERROR_INVALID_ACCESS),
        "bad hash": (client_wrap(der, SECRET, alice, version, bad_hash=True), ERROR_INVALID_DATA),
        "not reversed": (client_wrap(der, SECRET, alice, version, reverse=False), ERROR_INVALID_PARAMETER),
        "unknown key": (blob[:12] + uuid.uuid4().bytes_le + blob[28:], ERROR_INVALID_DATA),
        "wrong version": (b"\x07" + blob[1:], ERROR_INVALID_PARAMETER),
    }
    for name, (data, expected) in refused.items():
        assert _call(dce, bkrp.BACKUPKEY_RESTORE_GUID, data)[0] == expected, name


def test_keys_are_made_when_first_needed(server: ServerThread) -> None:
    """Starting the server makes no key (MS-BKRP's keys cost an RSA key pair): a fresh server's
    LSA secrets hold no G$BCKUPKEY_ until a BackuprKey call or an LSA read asks for one."""
    with ServerThread("win2016-dc") as fresh:
        assert not any(name.startswith("G$BCKUPKEY_") for name in (fresh.config.directory.lsa_secrets or {}))
        _call(_connect(fresh.port, ALICE), bkrp.BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID, NULL)
        names = set(fresh.config.directory.lsa_secrets or {})
        assert {"G$BCKUPKEY_P", "G$BCKUPKEY_PREFERRED", "DPAPI_SYSTEM"} <= names and len(names) == 5


def test_a_windows_2000_dc_has_no_certificate_to_give() -> None:
    """MS-BKRP <9>: Windows 2000 does not support BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID (refused as
    an unknown action); its ServerWrap actions work."""
    with ServerThread("win2000-dc") as dc2000:
        dce = _connect(dc2000.port, ALICE)
        assert _call(dce, bkrp.BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID, NULL)[0] == ERROR_INVALID_PARAMETER
        status, blob = _call(dce, bkrp.BACKUPKEY_BACKUP_GUID, SECRET)
        assert status == 0 and _call(dce, bkrp.BACKUPKEY_RESTORE_GUID_WIN2K, blob) == (0, SECRET)


def test_a_member_server_answers_not_supported() -> None:
    """Only a DC plays the server role (MS-BKRP 1.5); a member answers ERROR_NOT_SUPPORTED (U)."""
    with ServerThread("win2016") as member:
        assert _call(_connect(member.port, ADMIN), bkrp.BACKUPKEY_BACKUP_GUID, SECRET)[0] == ERROR_NOT_SUPPORTED


# -------------------------------------------------------------------------------------------
# dpapi.py backupkeys: the keys an administrator exports are the keys BackuprKey uses
# -------------------------------------------------------------------------------------------

_CALLS = r"""
import sys
from impacket.dcerpc.v5 import bkrp, transport
from impacket.dcerpc.v5.dtypes import NULL
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY
for binding in (r"ncacn_np:127.0.0.1[\pipe\protected_storage]", "ncacn_ip_tcp:127.0.0.1[%s]" % sys.argv[1]):
    rpc = transport.DCERPCTransportFactory(binding)
    rpc.set_credentials("alice", "Wonderland1", "CORP")
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(bkrp.MSRPC_UUID_BKRP)
    blob = b"".join(bkrp.hBackuprKey(dce, bkrp.BACKUPKEY_BACKUP_GUID, sys.argv[2].encode())["ppDataOut"])
    cert = b"".join(bkrp.hBackuprKey(dce, bkrp.BACKUPKEY_RETRIEVE_BACKUP_KEY_GUID, NULL)["ppDataOut"])
    print(blob.hex(), cert.hex())
"""


def test_dpapi_backupkeys_exports_the_keys_backuprkey_uses(tmp_path: Path) -> None:
    """``dpapi.py backupkeys --export`` first (the LSA read makes the keys), then BackuprKey over
    \\pipe\\protected_storage and over lsass's TCP port: the certificate is the exported .der,
    the exported .pvk's private key is the certificate's, and the wrapped blobs open with the
    exported legacy .key."""
    with NetnsServer("win2016-dc", rpc_tcp=True) as ns:
        exported = ns.run(["sh", "-c", f"cd {tmp_path} && {sys.executable} {DPAPI} backupkeys "
                                       f"-t 'CORP/Administrator:Adm!n2003@127.0.0.1' --export"])
        assert exported.returncode == 0, exported.stdout + exported.stderr
        calls = ns.run([sys.executable, "-c", _CALLS, str(ns.lsa_port), SECRET.decode()])
        assert calls.returncode == 0, calls.stdout + calls.stderr
    files = {p.suffix: p for p in tmp_path.iterdir()}
    assert set(files) == {".key", ".pvk", ".der"}, sorted(tmp_path.iterdir())
    legacy = files[".key"].read_bytes()
    assert len(legacy) == 256
    certificate = files[".der"].read_bytes()
    pvk = files[".pvk"].read_bytes()[24:]  # after PVK_FILE_HDR: the PRIVATEKEYBLOB
    assert pvk[:4] == b"\x07\x02\x00\x00" and pvk[8:12] == b"RSA2"
    modulus = int.from_bytes(pvk[20:276], "little")
    public = x509.load_der_x509_certificate(certificate).public_key()
    assert isinstance(public, rsa.RSAPublicKey) and public.public_numbers().n == modulus
    for line in calls.stdout.split("\n")[:2]:
        blob_hex, cert_hex = line.split()
        assert bytes.fromhex(cert_hex) == certificate
        _sid_of, secret, verified = _open_server_wrapped(bytes.fromhex(blob_hex), legacy)
        assert (secret, verified) == (SECRET, True)


# -------------------------------------------------------------------------------------------
# Samba's rpc.backupkey suite (smbtorture), written against Windows DCs
# -------------------------------------------------------------------------------------------

#: Sub-tests that read G$BCKUPKEY_P / G$BCKUPKEY_<guid> with LsarOpenSecret + LsarQuerySecret:
#: a user is refused those secrets (MS-LSAD 3.1.1.4: a secret object's DACL grants nobody but
#: administrators access), on Windows as here, so they fail for alice alone.
_LSA_SECRET_READERS = {"backupkey.server_wrap_encrypt_decrypt_remote_key",
                       "backupkey.server_wrap_encrypt_decrypt_wrong_key",
                       "backupkey.server_wrap_encrypt_decrypt_wrong_sid"}


@pytest.mark.parametrize("who", [ADMIN, ALICE], ids=["administrator", "user"])
def test_smbtorture_backupkey(server: ServerThread, who: tuple[str, str], tmp_path: Path) -> None:
    """smbtorture rpc.backupkey over a sealed \\pipe\\protected_storage: all 28 sub-tests pass
    as the Administrator; as a user, all but the three that read the keys through LSA."""
    binary = shutil.which("smbtorture")
    assert binary, "smbtorture is not installed; scripts/test.sh installs it (samba-testsuite)"
    conf = tmp_path / "smb.conf"
    conf.write_text("[global]\n  workgroup = CORP\n", encoding="utf-8")
    completed = subprocess.run(
        [binary, f"--configfile={conf}", f"ncacn_np:{HOST}[seal]", "-p", str(server.port),
         "-U", f"CORP\\{who[0]}%{who[1]}", "rpc.backupkey"],
        capture_output=True, text=True, errors="replace", timeout=180, stdin=subprocess.DEVNULL)
    outcomes = dict(reversed(line.split(": ", 1)) for line in completed.stdout.splitlines()
                    if line.startswith(("success: ", "failure: ", "error: ")))
    outcomes = {name.rstrip(" ["): outcome for name, outcome in outcomes.items()}
    failed = {name for name, outcome in outcomes.items() if outcome != "success"}
    assert len(outcomes) == 28, completed.stdout[-2000:]
    assert failed == (set() if who == ADMIN else _LSA_SECRET_READERS), completed.stdout[-3000:]
