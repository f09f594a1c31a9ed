#!/usr/bin/env bash
# Install everything the tests need, then run them all. Arguments go to pytest.
#   ./scripts/test.sh                          # the whole suite, in .venv (python3)
#   ./scripts/test.sh tests/unit -q            # a part of it
#   PYTHON=python3.13 ./scripts/test.sh        # on another Python, in its own .venv-3.13
set -euo pipefail
cd "$(dirname "$0")/.."

# The interpreter to test with. pyenv's shim for `python3.13` refuses to run unless 3.13 is
# the selected version; then the interpreter pyenv installed is used directly.
runnable() {
    if "$1" -c '' >/dev/null 2>&1; then
        echo "$1"
        return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/*/bin/"$1"; do
            if [ -x "$candidate" ] && "$candidate" -c '' >/dev/null 2>&1; then
                echo "$candidate"
                return
            fi
        done
    fi
    echo "test.sh: cannot run $1 (set PYTHON to an installed Python 3.11 or newer)" >&2
    return 1
}

# One virtual environment per Python, so that CI can test the oldest and the newest supported
# version side by side: .venv for the default python3, .venv-X.Y when PYTHON picks one.
if [ -n "${PYTHON:-}" ]; then
    python=$(runnable "$PYTHON")
    venv=.venv-$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
else
    python=$(runnable python3)
    venv=.venv
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'

# Real clients nobody here wrote are the judge: Samba's smbclient/rpcclient/nmblookup, tshark, nmap.
missing=()
command -v smbclient >/dev/null 2>&1 || missing+=(smbclient)
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
# nmblookup (the NetBIOS name service tests) is in samba-common-bin, which smbclient does not pull in.
command -v nmblookup >/dev/null 2>&1 || missing+=(samba-common-bin)
# Samba's own gensec (the NTLM/SPNEGO client inside smbclient) is driven through its Python bindings.
/usr/bin/python3 -c 'import samba.gensec' >/dev/null 2>&1 || missing+=(python3-samba)
# nmap's SMB scripts and service fingerprints (tests/interop/test_nmap.py), run inside a network
# namespace of their own (tests/netns.py: `ip netns`, from iproute2) because they insist on port 445/139.
command -v nmap >/dev/null 2>&1 || missing+=(nmap)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# Samba's own test suite as a judge: smbtorture (tests/interop/test_srvwks_smbtorture.py: rpc.srvsvc,
# rpc.wkssvc; tests/interop/test_smbtorture.py: the rpc.* and smb2.* suites of issue 15;
# tests/interop/test_wire_fixes.py: smb2.session, re-authentication and a malformed NTLMv2
# AUTHENTICATE), and a standalone smbd (with pdbedit for its users) to compare smbemu with.
command -v smbtorture >/dev/null 2>&1 || missing+=(samba-testsuite)
{ command -v smbd >/dev/null 2>&1 || [ -x /usr/sbin/smbd ]; } && command -v pdbedit >/dev/null 2>&1 || missing+=(samba)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing ${missing[*]} (Debian packages)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "warning: ${missing[*]} missing and not root; run: sudo apt-get install ${missing[*]}" >&2
        echo "         the interop tests that need them will fail" >&2
    fi
fi

# The fingerprinting tool of the wire-identity tests (tests/interop/test_wire_identity_tools.py):
# enum4linux-ng in its own environment, .venv-tools (tests/tools/README.md says why and where it
# comes from). Rebuilt only when tests/tools/ changes.
tools_stamp=$(cat tests/tools/requirements.txt | sha256sum | cut -c1-16)
if [ "$(cat .venv-tools/.stamp 2>/dev/null)" != "$tools_stamp" ]; then
    rm -rf .venv-tools
    python3 -m venv .venv-tools
    .venv-tools/bin/python -m pip install -q --disable-pip-version-check -r tests/tools/requirements.txt
    .venv-tools/bin/python -m pip install -q --disable-pip-version-check --no-deps e4l==0.1.4
    echo "$tools_stamp" > .venv-tools/.stamp
fi

# impacket's remote test suite ships in its source distribution only: fetch it once into the
# cache (~/.cache/smbemu-suites; tests/interop/test_impacket_suite.py fetches it too if missing).
"$venv/bin/python" tests/interop/test_impacket_suite.py --fetch >/dev/null || echo "warning: could not fetch impacket's sdist" >&2

exec "$venv/bin/python" -m pytest "$@"
