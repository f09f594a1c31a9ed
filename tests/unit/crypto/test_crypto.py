"""Tests for smbemu.crypto: published Microsoft test vectors, then cross-checks and failure modes.

Vector sources (Microsoft Open Specifications blog, typed from the published hex):

- [ANATOMY] "SMB 2 and SMB 3 security in Windows 10: the anatomy of signing and cryptographic
  keys" (E. Olougouna, 2017-05-26), appendix "Key derivation examples": SMB 3.0 and 3.1.1
  multichannel keys, the SMB 3.1.1 preauth integrity hash chain, and AES-CMAC signed
  SESSION_SETUP messages.
- [ENC30] "Encryption in SMB 3.0: A protocol perspective" (2012-10-05): AES-128-CCM.
- [ENC311] "SMB 3.1.1 Encryption in Windows 10" (2015-09-09): AES-128-GCM.

The blogs name keys from the *client's* side: their "EncryptionKey" encrypts client -> server,
which is the server's ``decryption_key`` here, and vice versa.

No published vectors were found for HMAC-SHA256 signing, AES-GMAC signing or the AES-256
ciphers; those are cross-checked against smbprotocol's own client code (and impacket's KDF and
CMAC), so that a real client accepts what this server produces.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import struct
import types
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM
from cryptography.hazmat.primitives.kdf.kbkdf import KBKDFHMAC, CounterLocation, Mode

from smbemu import crypto
from smbemu.crypto import (
    PREAUTH_INITIAL,
    DecryptError,
    SessionCrypto,
    SessionKeys,
    compute_signature,
    decrypt_message,
    derive_session_keys,
    encrypt_message,
    parse_transform_session_id,
    preauth_hash_update,
    sign_message,
    signing_algorithm_for,
    smb3_kdf,
    verify_signature,
)


# The protocol numbers under test, mirrored from smbemu.smb2.constants so that these unit tests do
# not import the smbemu.smb2 package (its __init__ loads every command module);
# test_constants_agree_with_smb2_constants checks the two stay equal.
class Dialect(enum.IntEnum):
    SMB_2_0_2 = 0x0202
    SMB_2_1 = 0x0210
    SMB_3_0 = 0x0300
    SMB_3_0_2 = 0x0302
    SMB_3_1_1 = 0x0311
    WILDCARD = 0x02FF


class Cipher(enum.IntEnum):
    AES_128_CCM = 0x0001
    AES_128_GCM = 0x0002
    AES_256_CCM = 0x0003
    AES_256_GCM = 0x0004


class SigningAlgorithm(enum.IntEnum):
    HMAC_SHA256 = 0x0000
    AES_CMAC = 0x0001
    AES_GMAC = 0x0002


def test_constants_agree_with_smb2_constants() -> None:
    from smbemu import dialects
    from smbemu.crypto import wire
    from smbemu.smb2 import constants

    pairs: list[tuple[type[enum.IntEnum], type[enum.IntEnum]]] = [
        (Dialect, dialects.Dialect),
        (Cipher, constants.Cipher),
        (SigningAlgorithm, constants.SigningAlgorithm),
    ]
    for mirror, real in pairs:
        assert {m.name: m.value for m in mirror} == {m.name: m.value for m in real if m.name in mirror.__members__}
    assert wire.TRANSFORM_MAGIC == constants.TRANSFORM_MAGIC
    assert wire.SIGNED == constants.HeaderFlags.SIGNED
    assert wire.SERVER_TO_REDIR == constants.HeaderFlags.SERVER_TO_REDIR
    assert wire.COMMAND_CANCEL == constants.Command.CANCEL
    for name in ("SMB_2_0_2", "SMB_2_1", "SMB_3_0", "SMB_3_0_2", "SMB_3_1_1"):
        assert getattr(wire, name) == dialects.Dialect[name]
    for name in ("AES_128_CCM", "AES_128_GCM", "AES_256_CCM", "AES_256_GCM"):
        assert getattr(wire, name) == constants.Cipher[name]
    for name in ("HMAC_SHA256", "AES_CMAC", "AES_GMAC"):
        assert getattr(wire, name) == constants.SigningAlgorithm[name]


def h(text: str) -> bytes:
    """Hex with any whitespace, as the blogs print it."""
    return bytes.fromhex("".join(text.split()))


# =============================================================================================
# [ANATOMY] SMB 3.1.1 multichannel example, master channel
# =============================================================================================

NEGOTIATE_REQUEST = h("""
FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000
00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32
6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000
010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000
0200060000000000020002000100
""")
NEGOTIATE_RESPONSE = h("""
FE534D4240000100000000000000010001000000000000000100000000000000FFFE000000000000
000000000000000000000000000000000000000000000000410001001103020039CBCAF329714942
BDCE5D60F09AB3FB2F000000000080000000800000008000D8DAE5ADCBAED00109094AB095AED001
80004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182
3702021E060A2B06010401823702020AA282010C048201084E45474F455854530100000000000000
60000000700000007C7CC0FD06D6362D02DDE1CF343BFE292900F49750B4AA97934D9C4296B26E51
FD370471B235E15A50DAE15BD5489C87000000000000000060000000010000000000000000000000
5C33530DEAF90D4DB2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000
7C7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC3084000000058000000
3056A05430523027802530233121301F06035504031318546F6B656E205369676E696E6720507562
6C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075
626C6963204B6579010026000000000001002000010060A3C3B95C3C7CCD51EC536648D9B3AC74C4
83CA5B65385A251117BEB30712E50000020004000000000001000200
""")
SESSION_SETUP_REQUEST_1 = h("""
FE534D4240000100000000000100800000000000000000000200000000000000FFFE000000000000
00000000000000000000000000000000000000000000000019000001010000000000000058004A00
0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A
04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000
000F
""")
SESSION_SETUP_RESPONSE_1 = h("""
FE534D4240000100160000C00100010001000000000000000200000000000000FFFE000000000000
190000000010000000000000000000000000000000000000090000004800B300A181B03081ADA003
0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038
00000015828AE20D1D8BA31179D008000000000000000050005000440000000A0092270000000F53
005500540033003100310002000C0053005500540033003100310001000C00530055005400330031
00310004000C0053005500540033003100310003000C0053005500540033003100310007000800A1
A1F5ADCBAED00100000000
""")
SESSION_SETUP_REQUEST_2 = h("""
FE534D4240000100000000000100800000000000000000000300000000000000FFFE000000000000
1900000000100000000000000000000000000000000000001900000101000000000000005800CF01
0000000000000000A18201CB308201C7A0030A0101A28201AA048201A64E544C4D53535000030000
001800180090000000EE00EE00A80000000C000C00580000001A001A0064000000120012007E0000
001000100096010000158288E2060380250000000FECAC77A5F385A8BF9C38C706EEEDDCD3530055
005400330031003100610064006D0069006E006900730074007200610074006F0072004400520049
0056004500520033003100310000000000000000000000000000000000000000000000000063078E
B639FE03E20A231C3AE3BF23080101000000000000A1A1F5ADCBAED001BC4AD05F223CC90F000000
0002000C0053005500540033003100310001000C0053005500540033003100310004000C00530055
00540033003100310003000C0053005500540033003100310007000800A1A1F5ADCBAED001060004
00020000000800300030000000000000000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B
8E0EBA5A6DFD9D07A31D11B548F8C9D0CC0A00100000000000000000000000000000000000090016
0063006900660073002F005300550054003300310031000000000000000000000000003B9BDFF38F
5EE8F9663F11A0F4C03A78A31204100100000063775A9A5FD97F0600000000
""")
# The final SESSION_SETUP response, signed (Flags 0x9) with the new SigningKey.
SESSION_SETUP_RESPONSE_2 = h("""
FE534D4240000100000000000100800009000000000000000300000000000000FFFE000000000000
1900000000100000EBE146DA120BA25FC3376A49DFE31BC10900000048001D00A11B3019A0030A01
00A3120410010000003B453CDC3524164200000000
""")
SESSION_SETUP_RESPONSE_2_SIGNATURE = h("EBE146DA120BA25FC3376A49DFE31BC1")

PREAUTH_AFTER_NEGOTIATE_REQUEST = h("""
DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0
CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426
""")
PREAUTH_AFTER_NEGOTIATE_RESPONSE = h("""
324BFA92A4F3A190E466EBEA08D9C110DC88BFED758D9846ECC6F541CC1D02AE3C94A79F36011E99
7E13F841B91B50957AD07B19C8E2539C0B23FDAE09D2C513
""")
PREAUTH_AFTER_SESSION_SETUP_REQUEST_1 = h("""
AC0B0F2B9986257700365E416D142A6EDC96DF03594A19E52A15F6BD0D041CD5D432F8ED42C55E33
197A50C9EC00F1462B50C592211B1471A04B56088FDFD5F9
""")
PREAUTH_AFTER_SESSION_SETUP_RESPONSE_1 = h("""
2729E3440DFDDD839E37193F6E8F20C20CEFB3469E453A70CD980EEC06B8835740A7376008563336
4C8989895ECE81BF102DEEB14D4B7D48AFA76901A7A38387
""")
PREAUTH_FINAL = h("""
0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D97
51640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01
""")

SMB311_SESSION_KEY = h("270E1BA896585EEB7AF3472D3B4C75A7")
SMB311_SIGNING_KEY = h("73FE7A9A77BEF0BDE49C650D8CCB5F76")
SMB311_CLIENT_ENCRYPTION_KEY = h("629BCBC54422A0F572B97F45989B6073")  # SMBC2SCipherKey
SMB311_CLIENT_DECRYPTION_KEY = h("E2AF0DCEFAC68DA71A0DFBD0D1350D74")  # SMBS2CCipherKey
SMB311_APPLICATION_KEY = h("6D7AD7954E9EC61E907B4D473DC178FF")

# ---- second channel (session binding) of the same session ------------------------------------

BIND_PREAUTH_AFTER_NEGOTIATE = h("""
E267AB1AA0403082AA2A9FEB0224AF3EA92E53CAA50A893A9635F0659F93591F81391737E68DB0C9
AD878C56449C36A6895EBCF435A7D97072C7B596B8AF3817
""")
# Binding requests carry SMB2_SESSION_FLAG_BINDING and are signed with Session.SigningKey.
BIND_SESSION_SETUP_REQUEST_1 = h("""
FE534D4240000100000000000100800008000000000000000200000000000000FFFE000000000000
190000000010000068BD0C58F613CE1334B1EB51C68D39EA19000101010000000000000058004A00
0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A
04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000
000F
""")
BIND_PREAUTH_AFTER_REQUEST_1 = h("""
8346469934A59E951A3F2DA7FA4C2C29F0F6B13A6B0951D4CD5279F8D40FD84FF98157937613C6BE
9514582E44344B1710DD5BFCE3BB023D28C6EA512E0ADEBD
""")
# STATUS_MORE_PROCESSING_REQUIRED response: signed with Session.SigningKey (MS-SMB2 3.3.4.1.1).
BIND_SESSION_SETUP_RESPONSE_1 = h("""
FE534D4240000100160000C00100010009000000000000000200000000000000FFFE000000000000
1900000000100000014A71CAE724995E612430E2BE87578C090000004800B300A181B03081ADA003
0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038
00000015828AE23823DA68E32D2FE1000000000000000050005000440000000A0092270000000F53
005500540033003100310002000C0053005500540033003100310001000C00530055005400330031
00310004000C0053005500540033003100310003000C005300550054003300310031000700080041
3B42AECBAED00100000000
""")
BIND_PREAUTH_AFTER_RESPONSE_1 = h("""
6DAD1BA61CAF5FDFBB46D995463FF5780F7248D692E70CE87D8B58B2FBEFD438937E1BCBEC3676F2
6F7EE374E169F8AFB17671FB9A47AB88EE2C079DB2B2C7D3
""")
BIND_SESSION_SETUP_REQUEST_2 = h("""
FE534D4240000100000000000100800008000000000000000300000000000000FFFE000000000000
19000000001000003CA64529ACAE57B26DCEC17B14E477D71900010101000000000000005800CF01
0000000000000000A18201CB308201C7A0030A0101A28201AA048201A64E544C4D53535000030000
001800180090000000EE00EE00A80000000C000C00580000001A001A0064000000120012007E0000
001000100096010000158288E2060380250000000FED00E0F3D901F7B77E98071474F83009530055
005400330031003100610064006D0069006E006900730074007200610074006F0072004400520049
00560045005200330031003100000000000000000000000000000000000000000000000000A46794
DA5D2033965D5339E1A675B79B0101000000000000413B42AECBAED0018E4D343661BA6A75000000
0002000C0053005500540033003100310001000C0053005500540033003100310004000C00530055
00540033003100310003000C0053005500540033003100310007000800413B42AECBAED001060004
00020000000800300030000000000000000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B
8E0EBA5A6DFD9D07A31D11B548F8C9D0CC0A00100000000000000000000000000000000000090016
0063006900660073002F00530055005400330031003100000000000000000000000000C8C61D67CE
697693891336917655DDD3A3120410010000005122F070A7314A9B00000000
""")
BIND_PREAUTH_FINAL = h("""
EA3BF912B11CBFEC5B1889E8209614218687F82FA5294521AD3063425E49E88A10BD022124CE2512
3BC9111F52D9566BA88BF46344E6063DC5E3FF0389026F6C
""")
# Final binding response: signed with the new Channel.SigningKey.
BIND_SESSION_SETUP_RESPONSE_2 = h("""
FE534D4240000100000000000100800009000000000000000300000000000000FFFE000000000000
19000000001000008D604217FFBACF40635BF9D8729921500900000048001D00A11B3019A0030A01
00A312041001000000CFB046FC5D368E2200000000
""")
BIND_SESSION_KEY = h("84B9DBB730116A8FA6E9889555C265F9")
BIND_CHANNEL_SIGNING_KEY = h("C962BCA1A9DD1697B030644199705431")


# =============================================================================================
# Key derivation
# =============================================================================================


class TestKdf:
    def test_smb30_master_channel(self) -> None:
        """[ANATOMY] 'Key derivation example for SMB 3.0 multichannel', master session."""
        keys = derive_session_keys(Dialect.SMB_3_0, h("7CD451825D0450D235424E44BA6E78CC"), None, None)
        assert keys.signing_key == h("0B7E9C5CAC36C0F6EA9AB275298CEDCE")
        assert keys.decryption_key == h("FAD27796665B313EBB578F388632B4F7")  # blog: EncryptionKey
        assert keys.encryption_key == h("B0F0427F7CEB416D1D9DCC0CD4F99447")  # blog: DecryptionKey
        assert keys.application_key == h("BB23A4575AA26C721AF525AF15A87B4F")

    def test_smb30_second_channel_signing_key(self) -> None:
        keys = derive_session_keys(Dialect.SMB_3_0_2, h("4E01A2B313BCF660CC250BEF021AEDE6"), None, None)
        assert keys.signing_key == h("BA1A17DBBFEC349BCA105563D598952F")

    def test_smb311_master_channel(self) -> None:
        """[ANATOMY] SMB 3.1.1, CipherId 0x0002, context = the session's final preauth hash."""
        keys = derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, PREAUTH_FINAL, Cipher.AES_128_GCM)
        assert keys.signing_key == SMB311_SIGNING_KEY
        assert keys.decryption_key == SMB311_CLIENT_ENCRYPTION_KEY
        assert keys.encryption_key == SMB311_CLIENT_DECRYPTION_KEY
        assert keys.application_key == SMB311_APPLICATION_KEY

    def test_smb311_binding_channel_signing_key(self) -> None:
        keys = derive_session_keys(Dialect.SMB_3_1_1, BIND_SESSION_KEY, BIND_PREAUTH_FINAL, Cipher.AES_128_GCM)
        assert keys.signing_key == BIND_CHANNEL_SIGNING_KEY

    def test_smb30_encryption_blog_keys(self) -> None:
        """[ENC30]: SessionKey B4546771..., client EncryptionKey / DecryptionKey."""
        keys = derive_session_keys(Dialect.SMB_3_0, h("B4546771B515F766A86735532DD6C4F0"), None, Cipher.AES_128_CCM)
        assert keys.decryption_key == h("261B72350558F2E9DCF613070383EDBF")
        assert keys.encryption_key == h("8FE2B57EC34D2DB5B1A9727F526BBDB5")

    def test_smb311_encryption_blog_keys(self) -> None:
        """[ENC311]: SessionKey 419FDDF3..., AES-128-GCM."""
        keys = derive_session_keys(Dialect.SMB_3_1_1, ENC311_SESSION_KEY, ENC311_PREAUTH, Cipher.AES_128_GCM)
        assert keys.decryption_key == h("A2F5E80E5D59103034F32E52F698E5EC")
        assert keys.encryption_key == h("748C50868C90F302962A5C35F5F9A8BF")

    @pytest.mark.parametrize("dialect", [Dialect.SMB_2_0_2, Dialect.SMB_2_1])
    def test_smb2_uses_the_session_key(self, dialect: Dialect) -> None:
        keys = derive_session_keys(dialect, b"\x01" * 16, None, None)
        assert keys == SessionKeys(b"\x01" * 16, b"", b"", b"\x01" * 16)
        # Session.SessionKey: first 16 bytes, right-padded with zeros when shorter (MS-SMB2 3.3.1.8)
        assert derive_session_keys(dialect, b"\x02" * 32, None, None).signing_key == b"\x02" * 16
        assert derive_session_keys(dialect, b"\x03" * 8, None, None).signing_key == b"\x03" * 8 + bytes(8)

    def test_smb311_without_cipher_has_no_cipher_keys(self) -> None:
        keys = derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, PREAUTH_FINAL, None)
        assert keys.signing_key == SMB311_SIGNING_KEY
        assert keys.encryption_key == keys.decryption_key == b""

    @pytest.mark.parametrize("cipher", [Cipher.AES_256_CCM, Cipher.AES_256_GCM])
    def test_aes256_uses_full_session_key_and_l256(self, cipher: Cipher) -> None:
        """MS-SMB2 3.3.5.5.3: AES-256 cipher keys come from Session.FullSessionKey with L = 256;
        signing and application keys still from the 16-byte Session.SessionKey."""
        full = bytes(range(32))  # e.g. a Kerberos AES-256 session key
        keys = derive_session_keys(Dialect.SMB_3_1_1, full, PREAUTH_FINAL, cipher)
        assert len(keys.encryption_key) == len(keys.decryption_key) == 32
        assert keys.encryption_key == _reference_kdf(full, b"SMBS2CCipherKey\x00", PREAUTH_FINAL, 32)
        assert keys.decryption_key == _reference_kdf(full, b"SMBC2SCipherKey\x00", PREAUTH_FINAL, 32)
        assert keys.signing_key == _reference_kdf(full[:16], b"SMBSigningKey\x00", PREAUTH_FINAL, 16)
        assert keys.application_key == _reference_kdf(full[:16], b"SMBAppKey\x00", PREAUTH_FINAL, 16)
        # and an NTLM (16-byte) key still yields 32-byte cipher keys
        ntlm = derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, PREAUTH_FINAL, cipher)
        assert len(ntlm.encryption_key) == 32

    def test_rejects_bad_inputs(self) -> None:
        with pytest.raises(ValueError):
            derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, None, Cipher.AES_128_GCM)
        with pytest.raises(ValueError):
            derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, b"\x00" * 32, None)
        with pytest.raises(ValueError):
            derive_session_keys(Dialect.SMB_3_0, SMB311_SESSION_KEY, None, Cipher.AES_128_GCM)
        with pytest.raises(ValueError):
            derive_session_keys(Dialect.WILDCARD, SMB311_SESSION_KEY, None, None)
        with pytest.raises(ValueError):
            derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, PREAUTH_FINAL, 0x0099)
        with pytest.raises(ValueError):
            smb3_kdf(b"k" * 16, b"x\x00", b"y\x00", 0)

    def test_keys_are_not_printed(self) -> None:
        keys = derive_session_keys(Dialect.SMB_3_0, SMB311_SESSION_KEY, None, None)
        assert keys.signing_key.hex() not in repr(keys)

    @pytest.mark.parametrize("length", [16, 32, 48, 64])
    def test_kdf_matches_cryptography_kbkdf(self, length: int) -> None:
        ki, label, context = b"\x11" * 16, b"SMBSigningKey\x00", PREAUTH_FINAL
        assert smb3_kdf(ki, label, context, length) == _reference_kdf(ki, label, context, length)

    def test_kdf_matches_smbprotocol_and_impacket(self) -> None:
        smb_session = pytest.importorskip("smbprotocol.session")
        impacket_crypto = pytest.importorskip("impacket.crypto")
        for ki, label, context, length in [
            (SMB311_SESSION_KEY, b"SMB2AESCMAC\x00", b"SmbSign\x00", 16),
            (SMB311_SESSION_KEY, b"SMBC2SCipherKey\x00", PREAUTH_FINAL, 16),
            (bytes(range(32)), b"SMBS2CCipherKey\x00", PREAUTH_FINAL, 32),
        ]:
            ours = smb3_kdf(ki, label, context, length)
            assert ours == smb_session.Session._smb3kdf(None, ki, label, context, length)
            assert ours == impacket_crypto.KDF_CounterMode(ki, label, context, length * 8)


def _reference_kdf(ki: bytes, label: bytes, context: bytes, length: int) -> bytes:
    """SP800-108 counter-mode KDF by the `cryptography` package (independent implementation)."""
    kdf = KBKDFHMAC(
        algorithm=hashes.SHA256(),
        mode=Mode.CounterMode,
        length=length,
        rlen=4,
        llen=4,
        location=CounterLocation.BeforeFixed,
        label=label,
        context=context,
        fixed=None,
    )
    return kdf.derive(ki)


# =============================================================================================
# Preauth integrity
# =============================================================================================


class TestPreauth:
    def test_master_channel_chain(self) -> None:
        """[ANATOMY] Connection hash over NEGOTIATE, then the session's over SESSION_SETUPs."""
        value = PREAUTH_INITIAL
        assert value == bytes(64)
        for message, expected in [
            (NEGOTIATE_REQUEST, PREAUTH_AFTER_NEGOTIATE_REQUEST),
            (NEGOTIATE_RESPONSE, PREAUTH_AFTER_NEGOTIATE_RESPONSE),
            (SESSION_SETUP_REQUEST_1, PREAUTH_AFTER_SESSION_SETUP_REQUEST_1),
            (SESSION_SETUP_RESPONSE_1, PREAUTH_AFTER_SESSION_SETUP_RESPONSE_1),
            (SESSION_SETUP_REQUEST_2, PREAUTH_FINAL),
        ]:
            value = preauth_hash_update(value, message)
            assert value == expected

    def test_binding_channel_chain(self) -> None:
        """The binding channel's session hash includes the *signed* SESSION_SETUP messages."""
        value = BIND_PREAUTH_AFTER_NEGOTIATE
        value = preauth_hash_update(value, BIND_SESSION_SETUP_REQUEST_1)
        assert value == BIND_PREAUTH_AFTER_REQUEST_1
        value = preauth_hash_update(value, memoryview(BIND_SESSION_SETUP_RESPONSE_1))
        assert value == BIND_PREAUTH_AFTER_RESPONSE_1
        value = preauth_hash_update(value, bytearray(BIND_SESSION_SETUP_REQUEST_2))
        assert value == BIND_PREAUTH_FINAL

    def test_end_to_end_keys_from_the_chain(self) -> None:
        value = PREAUTH_INITIAL
        for message in (
            NEGOTIATE_REQUEST,
            NEGOTIATE_RESPONSE,
            SESSION_SETUP_REQUEST_1,
            SESSION_SETUP_RESPONSE_1,
            SESSION_SETUP_REQUEST_2,
        ):
            value = preauth_hash_update(value, message)
        keys = derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, value, Cipher.AES_128_GCM)
        assert verify_signature(SigningAlgorithm.AES_CMAC, keys.signing_key, SESSION_SETUP_RESPONSE_2)

    def test_rejects_wrong_previous_length(self) -> None:
        with pytest.raises(ValueError):
            preauth_hash_update(b"\x00" * 32, NEGOTIATE_REQUEST)


# =============================================================================================
# Signing
# =============================================================================================

ALL_SIGNING = [SigningAlgorithm.HMAC_SHA256, SigningAlgorithm.AES_CMAC, SigningAlgorithm.AES_GMAC]


def _message(
    *, message_id: int = 7, command: int = 0x000D, flags: int = 0, body: bytes = b"\x04\x00\x00\x00"
) -> bytearray:
    """A plain SMB2 header (sync form) + body, Signature zero."""
    header = struct.pack(
        "<4sHHIHHIIQIIQ16s",
        b"\xfeSMB", 64, 1, 0, command, 1, flags, 0, message_id, 0xFEFF, 1, 0x1122334455667788, bytes(16),
    )
    return bytearray(header + body)


def _hundred_byte_message(flags: int = 0) -> bytearray:
    return _message(flags=flags, body=bytes(range(36)))


class TestSigningVectors:
    """[ANATOMY] AES-CMAC signatures on SESSION_SETUP messages (3.1.1 uses AES-CMAC unless a
    signing context negotiated otherwise)."""

    @pytest.mark.parametrize(
        ("key", "message"),
        [
            (SMB311_SIGNING_KEY, SESSION_SETUP_RESPONSE_2),
            (SMB311_SIGNING_KEY, BIND_SESSION_SETUP_REQUEST_1),
            (SMB311_SIGNING_KEY, BIND_SESSION_SETUP_RESPONSE_1),
            (SMB311_SIGNING_KEY, BIND_SESSION_SETUP_REQUEST_2),
            (BIND_CHANNEL_SIGNING_KEY, BIND_SESSION_SETUP_RESPONSE_2),
        ],
        ids=["final-response", "bind-request-1", "bind-response-1", "bind-request-2", "bind-final-response"],
    )
    def test_published_cmac_signatures(self, key: bytes, message: bytes) -> None:
        assert verify_signature(SigningAlgorithm.AES_CMAC, key, message)
        assert compute_signature(SigningAlgorithm.AES_CMAC, key, message) == message[48:64]
        # signing a copy with a zeroed Signature field reproduces the captured bytes exactly
        buf = bytearray(message)
        buf[48:64] = bytes(16)
        sign_message(SigningAlgorithm.AES_CMAC, key, buf)
        assert bytes(buf) == message
        crypto_ = SessionCrypto.create(
            Dialect.SMB_3_1_1, None, None, SessionKeys(key, b"", b"", b"")
        )
        assert crypto_.verify(message)
        assert crypto_.signature(message) == message[48:64]

    def test_signing_sets_the_signed_flag(self) -> None:
        buf = bytearray(SESSION_SETUP_RESPONSE_2)
        struct.pack_into("<I", buf, 16, 0x1)  # SERVER_TO_REDIR only, SIGNED cleared
        buf[48:64] = b"\xaa" * 16
        sign_message(SigningAlgorithm.AES_CMAC, SMB311_SIGNING_KEY, buf)
        assert bytes(buf) == SESSION_SETUP_RESPONSE_2

    def test_wrong_key_fails(self) -> None:
        assert not verify_signature(SigningAlgorithm.AES_CMAC, BIND_CHANNEL_SIGNING_KEY, SESSION_SETUP_RESPONSE_2)


class TestSigning:
    @pytest.mark.parametrize("algorithm", ALL_SIGNING)
    def test_round_trip(self, algorithm: SigningAlgorithm) -> None:
        key = b"\x5a" * 16
        msg = _hundred_byte_message()
        assert len(msg) == 100
        sign_message(algorithm, key, msg)
        assert struct.unpack_from("<I", msg, 16)[0] & 0x8
        assert msg[48:64] != bytes(16)
        assert verify_signature(algorithm, key, msg)
        assert verify_signature(algorithm, key, bytes(msg))
        assert verify_signature(algorithm, key, memoryview(msg))
        assert compute_signature(algorithm, key, msg) == msg[48:64]

    @pytest.mark.parametrize("algorithm", ALL_SIGNING)
    def test_every_tampered_byte_fails(self, algorithm: SigningAlgorithm) -> None:
        key = b"\x5a" * 16
        msg = _hundred_byte_message()
        sign_message(algorithm, key, msg)
        signed = bytes(msg)
        session = SessionCrypto.create(Dialect.SMB_3_1_1, algorithm, None, SessionKeys(key, b"", b"", b""))
        for i in range(len(signed)):
            for flip in (0x01, 0x80):
                tampered = bytearray(signed)
                tampered[i] ^= flip
                assert not verify_signature(algorithm, key, tampered), (i, flip)
                assert not session.verify(tampered), (i, flip)
        # truncation and extension fail too
        assert not verify_signature(algorithm, key, signed[:-1])
        assert not verify_signature(algorithm, key, signed + b"\x00")

    @pytest.mark.parametrize("algorithm", ALL_SIGNING)
    def test_short_messages(self, algorithm: SigningAlgorithm) -> None:
        key = b"\x5a" * 16
        assert not verify_signature(algorithm, key, b"\xfeSMB" + bytes(59))
        assert not verify_signature(algorithm, key, b"")
        with pytest.raises(ValueError):
            sign_message(algorithm, key, bytearray(63))
        with pytest.raises(ValueError):
            compute_signature(algorithm, key, bytes(10))

    @pytest.mark.parametrize("algorithm", ALL_SIGNING)
    def test_signs_one_message_of_a_compound_in_place(self, algorithm: SigningAlgorithm) -> None:
        key = b"\x33" * 16
        first = _message(message_id=1, body=bytes(8))  # 72 bytes, 8-aligned
        second = _message(message_id=2)
        chain = bytearray(first + second)
        view = memoryview(chain)
        sign_message(algorithm, key, view[len(first) :])
        assert chain[: len(first)] == first  # the other message is untouched
        assert verify_signature(algorithm, key, view[len(first) :])
        alone = bytearray(second)
        sign_message(algorithm, key, alone)
        assert bytes(view[len(first) :]) == bytes(alone)

    def test_verify_does_not_modify_the_buffer(self) -> None:
        key = b"\x33" * 16
        msg = _hundred_byte_message()
        sign_message(SigningAlgorithm.AES_GMAC, key, msg)
        before = bytes(msg)
        assert verify_signature(SigningAlgorithm.AES_GMAC, key, msg)
        assert bytes(msg) == before

    def test_hmac_sha256_is_truncated_hmac(self) -> None:
        """MS-SMB2 3.1.4.1, 2.0.2/2.1: HMAC-SHA256 over the message, first 16 bytes."""
        key = bytes(range(16))
        msg = bytes(_hundred_byte_message())
        expected = hmac.new(key, msg, hashlib.sha256).digest()[:16]
        assert compute_signature(SigningAlgorithm.HMAC_SHA256, key, msg) == expected
        # any key length works for HMAC (Session.SessionKey is 16 bytes, but be lenient)
        long_key = bytes(range(100))
        assert compute_signature(SigningAlgorithm.HMAC_SHA256, long_key, msg) == (
            hmac.new(long_key, msg, hashlib.sha256).digest()[:16]
        )

    def test_gmac_nonce_layout(self) -> None:
        """MS-SMB2 3.1.4.1: nonce = MessageId (8 bytes) || 4 bytes, bit 0 = sent by the server,
        bit 1 = SMB2 CANCEL request."""
        key = bytes(range(16))
        for flags, command, role in [
            (0x0, 0x000D, 0),
            (0x1, 0x000D, 1),
            (0x0, 0x000C, 2),
            (0x1, 0x000C, 3),
        ]:
            msg = bytes(_message(message_id=0x0102030405060708, flags=flags, command=command))
            nonce = (0x0102030405060708).to_bytes(8, "little") + role.to_bytes(4, "little")
            expected = AESGCM(key).encrypt(nonce, b"", msg)
            assert compute_signature(SigningAlgorithm.AES_GMAC, key, msg) == expected
            if role:  # the role/cancel bits really enter the nonce
                wrong = (0x0102030405060708).to_bytes(8, "little") + bytes(4)
                assert AESGCM(key).encrypt(wrong, b"", msg) != expected

    def test_aes_signing_needs_128_bit_key(self) -> None:
        with pytest.raises(ValueError):
            compute_signature(SigningAlgorithm.AES_CMAC, b"\x00" * 32, bytes(_message()))
        with pytest.raises(ValueError):
            compute_signature(SigningAlgorithm.AES_GMAC, b"\x00" * 15, bytes(_message()))
        with pytest.raises(ValueError):
            compute_signature(0x0007, b"\x00" * 16, bytes(_message()))


class TestSigningInteropWithSmbprotocol:
    """smbprotocol's client signs and verifies with Connection._generate_signature."""

    @staticmethod
    def _connection(dialect: int, signing_algorithm: int | None) -> Any:
        smb_connection = pytest.importorskip("smbprotocol.connection")
        conn = smb_connection.Connection(uuid.uuid4(), "localhost")
        conn.dialect = dialect
        conn.signing_algorithm_id = signing_algorithm
        return conn

    @pytest.mark.parametrize(
        ("dialect", "negotiated"),
        [
            (Dialect.SMB_2_0_2, None),
            (Dialect.SMB_2_1, None),
            (Dialect.SMB_3_0, None),
            (Dialect.SMB_3_0_2, None),
            (Dialect.SMB_3_1_1, None),
            (Dialect.SMB_3_1_1, SigningAlgorithm.HMAC_SHA256),
            (Dialect.SMB_3_1_1, SigningAlgorithm.AES_CMAC),
            (Dialect.SMB_3_1_1, SigningAlgorithm.AES_GMAC),
        ],
    )
    @pytest.mark.parametrize(("flags", "command"), [(0x0, 0x000D), (0x1, 0x000D), (0x0, 0x000C), (0x1, 0x0008)])
    def test_same_signature(self, dialect: Dialect, negotiated: int | None, flags: int, command: int) -> None:
        conn = self._connection(dialect, negotiated)
        key = bytes(range(0x40, 0x50))
        algorithm = signing_algorithm_for(dialect, negotiated)
        msg = _message(message_id=0x1234, flags=flags | 0x8, command=command, body=bytes(range(40)))
        theirs = conn._generate_signature(bytes(msg), key, 0x1234, bool(flags & 1), command)
        assert compute_signature(algorithm, key, msg) == theirs
        session = SessionCrypto.create(dialect, negotiated, None, SessionKeys(key, b"", b"", b""))
        session.sign(msg)
        assert bytes(msg[48:64]) == theirs


class TestSigningAlgorithmFor:
    @pytest.mark.parametrize(
        ("dialect", "negotiated", "expected"),
        [
            (Dialect.SMB_2_0_2, None, SigningAlgorithm.HMAC_SHA256),
            (Dialect.SMB_2_1, SigningAlgorithm.AES_GMAC, SigningAlgorithm.HMAC_SHA256),
            (Dialect.SMB_3_0, None, SigningAlgorithm.AES_CMAC),
            (Dialect.SMB_3_0_2, SigningAlgorithm.AES_GMAC, SigningAlgorithm.AES_CMAC),
            (Dialect.SMB_3_1_1, None, SigningAlgorithm.AES_CMAC),
            (Dialect.SMB_3_1_1, SigningAlgorithm.AES_GMAC, SigningAlgorithm.AES_GMAC),
            (Dialect.SMB_3_1_1, SigningAlgorithm.HMAC_SHA256, SigningAlgorithm.HMAC_SHA256),
        ],
    )
    def test_table(self, dialect: Dialect, negotiated: int | None, expected: SigningAlgorithm) -> None:
        assert signing_algorithm_for(dialect, negotiated) == expected

    def test_rejects_unknown(self) -> None:
        with pytest.raises(ValueError):
            signing_algorithm_for(Dialect.SMB_3_1_1, 0x0003)
        with pytest.raises(ValueError):
            signing_algorithm_for(0x0200, None)


# =============================================================================================
# Encryption vectors
# =============================================================================================

# [ENC30] AES-128-CCM, SMB 3.0. Client -> server WRITE request.
ENC30_SESSION_KEY = h("B4546771B515F766A86735532DD6C4F0")
ENC30_SESSION_ID = 0x8E40014000011
ENC30_REQUEST = h("""
FE534D4240000100000000000900400008000000000000000400000000000000
FFFE0000010000001100001400E4080000000000000000000000000000000000
3100700017000000000000000000000015010000390000020100000039020000
00000000000000007000000000000000536D623320656E6372797074696F6E20
74657374696E67
""")
ENC30_REQUEST_TRANSFORM = h("""
FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A
744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5
2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4
4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5
AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6
C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB
""")
# Server -> client WRITE response.
ENC30_RESPONSE = h("""
FE534D4240000100000000000900210009000000000000000400000000000000
FFFE0000010000001100001400E4080000000000000000000000000000000000
11000000170000000000000000000000
""")
ENC30_RESPONSE_TRANSFORM = h("""
FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014
00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079
E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787
1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1
77309E5B
""")

# [ENC311] AES-128-GCM, SMB 3.1.1.
ENC311_SESSION_KEY = h("419FDDF34C1E001909D362AE7FB6AF79")
ENC311_PREAUTH = h("""
B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9
77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770
""")
ENC311_SESSION_ID = 0x100000000025
ENC311_REQUEST = h("""
FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000
25000000001000000000000000000000000000000000000031007000170000000000000000000000
0600000004000000010000000400000000000000000000007000000000000000536D623320656E63
72797074696F6E2074657374696E67
""")
ENC311_REQUEST_TRANSFORM = h("""
FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000
0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02
D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4
4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9
1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8
""")
ENC311_RESPONSE = h("""
FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000
25000000001000000000000000000000000000000000000011000000170000000000000000000000
""")
ENC311_RESPONSE_TRANSFORM = h("""
FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000
00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8
F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B
82E03C9E18A050FF0EA1C967
""")

ENCRYPTION_VECTORS = [
    pytest.param(
        Cipher.AES_128_CCM,
        derive_session_keys(Dialect.SMB_3_0, ENC30_SESSION_KEY, None, None),
        ENC30_SESSION_ID,
        (ENC30_REQUEST, ENC30_REQUEST_TRANSFORM),
        (ENC30_RESPONSE, ENC30_RESPONSE_TRANSFORM),
        id="smb30-aes128ccm",
    ),
    pytest.param(
        Cipher.AES_128_GCM,
        derive_session_keys(Dialect.SMB_3_1_1, ENC311_SESSION_KEY, ENC311_PREAUTH, Cipher.AES_128_GCM),
        ENC311_SESSION_ID,
        (ENC311_REQUEST, ENC311_REQUEST_TRANSFORM),
        (ENC311_RESPONSE, ENC311_RESPONSE_TRANSFORM),
        id="smb311-aes128gcm",
    ),
]


class TestEncryptionVectors:
    @pytest.mark.parametrize(("cipher", "keys", "session_id", "request_pair", "response_pair"), ENCRYPTION_VECTORS)
    def test_server_decrypts_the_client_request(
        self,
        cipher: Cipher,
        keys: SessionKeys,
        session_id: int,
        request_pair: tuple[bytes, bytes],
        response_pair: tuple[bytes, bytes],
    ) -> None:
        plaintext, transform = request_pair
        assert parse_transform_session_id(transform) == session_id
        assert decrypt_message(cipher, keys.decryption_key, transform) == (session_id, plaintext)
        assert decrypt_message(cipher, keys.decryption_key, memoryview(transform)) == (session_id, plaintext)
        session = SessionCrypto.create(
            Dialect.SMB_3_1_1 if cipher == Cipher.AES_128_GCM else Dialect.SMB_3_0, None,
            cipher if cipher == Cipher.AES_128_GCM else None, keys,
        )
        assert session.decrypt(transform) == (session_id, plaintext)
        # The same bytes come out when sealing with the captured nonce (whole 16-byte field).
        assert encrypt_message(cipher, keys.decryption_key, session_id, plaintext, transform[20:36]) == transform

    @pytest.mark.parametrize(("cipher", "keys", "session_id", "request_pair", "response_pair"), ENCRYPTION_VECTORS)
    def test_server_encrypts_the_response(
        self,
        cipher: Cipher,
        keys: SessionKeys,
        session_id: int,
        request_pair: tuple[bytes, bytes],
        response_pair: tuple[bytes, bytes],
    ) -> None:
        plaintext, transform = response_pair
        nonce_field = transform[20:36]
        assert encrypt_message(cipher, keys.encryption_key, session_id, plaintext, nonce_field) == transform
        assert decrypt_message(cipher, keys.encryption_key, transform) == (session_id, plaintext)

    def test_short_nonce_is_zero_padded(self) -> None:
        # [ENC311]'s request nonce field is the 12-byte GCM nonce followed by four zero bytes.
        keys = derive_session_keys(Dialect.SMB_3_1_1, ENC311_SESSION_KEY, ENC311_PREAUTH, Cipher.AES_128_GCM)
        nonce = ENC311_REQUEST_TRANSFORM[20:32]
        out = encrypt_message(Cipher.AES_128_GCM, keys.decryption_key, ENC311_SESSION_ID, ENC311_REQUEST, nonce)
        assert out == ENC311_REQUEST_TRANSFORM


# =============================================================================================
# Encryption: round trips, failure modes, interop
# =============================================================================================

ALL_CIPHERS = [Cipher.AES_128_CCM, Cipher.AES_128_GCM, Cipher.AES_256_CCM, Cipher.AES_256_GCM]


def _server_and_client(cipher: Cipher) -> tuple[SessionCrypto, SessionCrypto, SessionKeys]:
    """A server SessionCrypto and its mirror image on the client side (keys swapped)."""
    keys = derive_session_keys(Dialect.SMB_3_1_1, bytes(range(32)), PREAUTH_FINAL, cipher)
    client_keys = SessionKeys(keys.signing_key, keys.decryption_key, keys.encryption_key, keys.application_key)
    server = SessionCrypto.create(Dialect.SMB_3_1_1, SigningAlgorithm.AES_GMAC, cipher, keys)
    client = SessionCrypto.create(Dialect.SMB_3_1_1, SigningAlgorithm.AES_GMAC, cipher, client_keys)
    return server, client, keys


class TestEncryption:
    @pytest.mark.parametrize("cipher", ALL_CIPHERS)
    def test_round_trip_both_directions(self, cipher: Cipher) -> None:
        server, client, keys = _server_and_client(cipher)
        request = bytes(_hundred_byte_message())
        sealed = client.encrypt(0xABCDEF, request)
        assert len(sealed) == 52 + len(request)
        assert sealed[:4] == b"\xfdSMB"
        assert struct.unpack_from("<IHHQ", sealed, 36) == (len(request), 0, 1, 0xABCDEF)
        assert server.decrypt(sealed) == (0xABCDEF, request)
        assert decrypt_message(cipher, keys.decryption_key, sealed) == (0xABCDEF, request)
        response = server.encrypt(0xABCDEF, bytearray(request))
        assert client.decrypt(response) == (0xABCDEF, request)
        assert decrypt_message(cipher, keys.encryption_key, response) == (0xABCDEF, request)
        # free functions with random nonces
        sealed2 = encrypt_message(cipher, keys.encryption_key, 5, request)
        assert client.decrypt(sealed2) == (5, request)

    @pytest.mark.parametrize("cipher", ALL_CIPHERS)
    def test_session_nonces_are_a_counter(self, cipher: Cipher) -> None:
        server, _client, _keys = _server_and_client(cipher)
        size = 12 if cipher in (Cipher.AES_128_GCM, Cipher.AES_256_GCM) else 11
        fields = [server.encrypt(1, b"x" * 70)[20:36] for _ in range(5)]
        assert len(set(fields)) == 5
        prefix = fields[0][: size - 8]
        for n, field in enumerate(fields, start=1):
            assert field[: size - 8] == prefix
            assert int.from_bytes(field[size - 8 : size], "little") == n
            assert field[size:] == bytes(16 - size)  # reserved rest of the Nonce field is zero

    @pytest.mark.parametrize("cipher", ALL_CIPHERS)
    def test_every_tampered_byte_fails(self, cipher: Cipher) -> None:
        server, client, keys = _server_and_client(cipher)
        sealed = client.encrypt(0x42, bytes(_hundred_byte_message()))
        for i in range(len(sealed)):
            tampered = bytearray(sealed)
            tampered[i] ^= 0x01
            with pytest.raises(DecryptError):
                server.decrypt(tampered)
            with pytest.raises(DecryptError):
                decrypt_message(cipher, keys.decryption_key, bytes(tampered))

    @pytest.mark.parametrize("cipher", ALL_CIPHERS)
    def test_wrong_session_or_direction_fails(self, cipher: Cipher) -> None:
        server, client, keys = _server_and_client(cipher)
        other_keys = derive_session_keys(Dialect.SMB_3_1_1, b"\x99" * 32, PREAUTH_FINAL, cipher)
        other = SessionCrypto.create(Dialect.SMB_3_1_1, None, cipher, other_keys)
        sealed = client.encrypt(0x42, bytes(_hundred_byte_message()))
        with pytest.raises(DecryptError):
            other.decrypt(sealed)
        # A message the server itself sent must not open with its decryption key (reflection).
        with pytest.raises(DecryptError):
            server.decrypt(server.encrypt(0x42, bytes(_hundred_byte_message())))
        # Re-labelling a message for another SessionId breaks the tag (SessionId is in the AAD).
        relabelled = bytearray(sealed)
        struct.pack_into("<Q", relabelled, 44, 0x43)
        assert parse_transform_session_id(relabelled) == 0x43
        with pytest.raises(DecryptError):
            server.decrypt(relabelled)
        with pytest.raises(DecryptError):
            decrypt_message(cipher, keys.encryption_key, sealed)

    @pytest.mark.parametrize("cipher", ALL_CIPHERS)
    def test_short_and_malformed_inputs(self, cipher: Cipher) -> None:
        server, client, keys = _server_and_client(cipher)
        sealed = client.encrypt(0x42, bytes(_hundred_byte_message()))
        for bad in (b"", b"\xfdSMB", sealed[:51], sealed[:52]):
            with pytest.raises(DecryptError):
                server.decrypt(bad)
            with pytest.raises(DecryptError):
                decrypt_message(cipher, keys.decryption_key, bad)
        with pytest.raises(DecryptError):
            server.decrypt(sealed[:-1])  # OriginalMessageSize mismatch
        with pytest.raises(DecryptError):
            server.decrypt(sealed + b"\x00")
        with pytest.raises(DecryptError):
            server.decrypt(b"\xfeSMB" + sealed[4:])  # plain SMB2 magic
        bad_flags = bytearray(sealed)
        struct.pack_into("<H", bad_flags, 42, 0x0002)
        with pytest.raises(DecryptError):
            server.decrypt(bad_flags)
        assert issubclass(DecryptError, ValueError)

    def test_parse_transform_session_id(self) -> None:
        assert parse_transform_session_id(ENC30_REQUEST_TRANSFORM) == ENC30_SESSION_ID
        assert parse_transform_session_id(memoryview(ENC311_RESPONSE_TRANSFORM)[:52]) == ENC311_SESSION_ID
        for bad in (b"", ENC30_REQUEST_TRANSFORM[:51]):
            with pytest.raises(DecryptError):
                parse_transform_session_id(bad)
        with pytest.raises(DecryptError):
            parse_transform_session_id(b"\xfeSMB" + bytes(60))

    def test_key_and_nonce_sizes_are_checked(self) -> None:
        with pytest.raises(ValueError):
            encrypt_message(Cipher.AES_128_GCM, b"\x00" * 32, 1, b"x" * 64)
        with pytest.raises(ValueError):
            encrypt_message(Cipher.AES_256_GCM, b"\x00" * 16, 1, b"x" * 64)
        with pytest.raises(ValueError):
            encrypt_message(Cipher.AES_128_CCM, b"\x00" * 16, 1, b"x" * 64, nonce=b"\x00" * 12)
        with pytest.raises(ValueError):
            encrypt_message(0x0009, b"\x00" * 16, 1, b"x" * 64)
        keys = derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, PREAUTH_FINAL, Cipher.AES_128_GCM)
        with pytest.raises(ValueError):
            SessionCrypto.create(Dialect.SMB_3_1_1, None, Cipher.AES_256_GCM, keys)

    @pytest.mark.parametrize("cipher", ALL_CIPHERS)
    def test_channels_share_the_nonce_counter(self, cipher: Cipher) -> None:
        server, client, _keys = _server_and_client(cipher)
        channel = server.for_channel(BIND_CHANNEL_SIGNING_KEY)
        assert channel.can_encrypt and channel.cipher == cipher
        fields = {server.encrypt(1, b"x" * 64)[20:36], channel.encrypt(1, b"x" * 64)[20:36]}
        fields |= {server.encrypt(1, b"x" * 64)[20:36], channel.encrypt(1, b"x" * 64)[20:36]}
        assert len(fields) == 4
        assert client.decrypt(channel.encrypt(7, b"y" * 64)) == (7, b"y" * 64)
        assert channel.decrypt(client.encrypt(7, b"z" * 64)) == (7, b"z" * 64)
        msg = _hundred_byte_message()
        channel.sign(msg)
        assert verify_signature(SigningAlgorithm.AES_GMAC, BIND_CHANNEL_SIGNING_KEY, msg)
        assert not server.verify(msg)

    def test_sessions_without_a_cipher(self) -> None:
        smb2_keys = derive_session_keys(Dialect.SMB_2_1, b"k" * 16, None, None)
        smb2 = SessionCrypto.create(Dialect.SMB_2_1, None, None, smb2_keys)
        assert smb2.signing_algorithm == SigningAlgorithm.HMAC_SHA256
        assert smb2.cipher is None
        with pytest.raises(ValueError):
            smb2.encrypt(1, b"x" * 64)
        with pytest.raises(ValueError):
            smb2.decrypt(ENC30_REQUEST_TRANSFORM)
        no_cipher = derive_session_keys(Dialect.SMB_3_1_1, SMB311_SESSION_KEY, PREAUTH_FINAL, None)
        assert SessionCrypto.create(Dialect.SMB_3_1_1, None, None, no_cipher).cipher is None
        # 3.0 / 3.0.2 always imply AES-128-CCM
        smb30 = derive_session_keys(Dialect.SMB_3_0_2, ENC30_SESSION_KEY, None, None)
        assert SessionCrypto.create(Dialect.SMB_3_0_2, None, None, smb30).cipher == Cipher.AES_128_CCM
        assert "SessionKeys" not in repr(smb2) and "6b6b" not in repr(smb2)


class TestEncryptionInteropWithSmbprotocol:
    """smbprotocol as the client: its Connection._encrypt/_decrypt against our server side.

    smbprotocol's session.encryption_key is the client's (SMBC2SCipherKey / ServerIn), i.e. our
    decryption_key; its decryption_key is our encryption_key.
    """

    @pytest.mark.parametrize(
        ("dialect", "cipher"),
        [
            (Dialect.SMB_3_0, Cipher.AES_128_CCM),
            (Dialect.SMB_3_0_2, Cipher.AES_128_CCM),
            (Dialect.SMB_3_1_1, Cipher.AES_128_CCM),
            (Dialect.SMB_3_1_1, Cipher.AES_128_GCM),
            (Dialect.SMB_3_1_1, Cipher.AES_256_CCM),
            (Dialect.SMB_3_1_1, Cipher.AES_256_GCM),
        ],
    )
    def test_both_directions(self, dialect: Dialect, cipher: Cipher) -> None:
        smb_connection = pytest.importorskip("smbprotocol.connection")
        smb_session = pytest.importorskip("smbprotocol.session")
        full_key = bytes(range(0x80, 0xA0))  # 32 bytes, as from Kerberos AES-256
        preauth = PREAUTH_FINAL if dialect == Dialect.SMB_3_1_1 else None
        keys = derive_session_keys(dialect, full_key, preauth, cipher if dialect == Dialect.SMB_3_1_1 else None)

        # smbprotocol's own key schedule (Session.connect, 3.2.5.3.1), replayed with its KDF.
        kdf: Callable[..., bytes] = lambda *args: smb_session.Session._smb3kdf(None, *args)  # noqa: E731
        if dialect == Dialect.SMB_3_1_1:
            wide = cipher in (Cipher.AES_256_CCM, Cipher.AES_256_GCM)
            ki, size = (full_key, 32) if wide else (full_key[:16], 16)
            client_enc = kdf(ki, b"SMBC2SCipherKey\x00", preauth, size)
            client_dec = kdf(ki, b"SMBS2CCipherKey\x00", preauth, size)
        else:
            client_enc = kdf(full_key[:16], b"SMB2AESCCM\x00", b"ServerIn \x00")
            client_dec = kdf(full_key[:16], b"SMB2AESCCM\x00", b"ServerOut\x00")
        assert (client_enc, client_dec) == (keys.decryption_key, keys.encryption_key)

        conn = smb_connection.Connection(uuid.uuid4(), "localhost")
        conn.dialect = dialect
        conn.cipher_id = cipher
        session_id = 0x0000100000000419
        fake_session = types.SimpleNamespace(
            session_id=session_id, encryption_key=client_enc, decryption_key=client_dec
        )
        conn.session_table[session_id] = fake_session
        server = SessionCrypto.create(dialect, None, cipher if dialect == Dialect.SMB_3_1_1 else None, keys)

        request = bytes(_hundred_byte_message())
        their_transform = conn._encrypt(request, fake_session).pack()
        assert server.decrypt(their_transform) == (session_id, request)

        response = bytes(_hundred_byte_message(flags=1))
        our_transform = server.encrypt(session_id, response)
        header = smb_connection.SMB2TransformHeader()
        header.unpack(our_transform)
        assert conn._decrypt(header) == response


def test_module_exports() -> None:
    for name in crypto.__all__:
        assert hasattr(crypto, name)
    assert isinstance(AESCCM, type)  # the cryptography AEADs this module relies on
