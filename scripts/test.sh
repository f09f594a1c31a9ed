#!/usr/bin/env bash
# Install everything the tests need, then run them all. Arguments go to pytest.
#   ./scripts/test.sh                 # the whole suite
#   ./scripts/test.sh tests/unit -q   # a part of it
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# Real clients nobody here wrote are the judge: Samba's smbclient/rpcclient/nmblookup and tshark.
missing=()
command -v smbclient >/dev/null 2>&1 || missing+=(smbclient)
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
# nmblookup (the NetBIOS name service tests) is in samba-common-bin, which smbclient does not pull in.
command -v nmblookup >/dev/null 2>&1 || missing+=(samba-common-bin)
# Samba's own gensec (the NTLM/SPNEGO client inside smbclient) is driven through its Python bindings.
/usr/bin/python3 -c 'import samba.gensec' >/dev/null 2>&1 || missing+=(python3-samba)
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

exec .venv/bin/python -m pytest "$@"
