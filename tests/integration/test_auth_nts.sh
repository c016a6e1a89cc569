#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 15, NTS: a private CA and a server certificate for "localhost" made with certtool;
# chronyd -Q (`nts`, `ntstrustedcerts`) accepts the server; a certificate from another CA and
# a name the certificate does not carry are refused; a tampered cookie and a bad authenticator
# get an NTSN kiss; a KE request without Next Protocol gets error 1; a flood of stalled KE
# connections (more than ntsmaxconns) never stalls NTP; the cookie keys survive a restart in
# ntsdumpdir with mode 0600.
. "$(dirname "$0")/lib.sh"
gn_need_root
for tool in chronyd certtool python3; do
    command -v "$tool" >/dev/null || gn_skip "$tool is not installed (board/install-deps.sh)"
done
PORT=11523
KEPORT=11560
gn_port_free 127.0.0.1 $PORT || gn_skip "127.0.0.1:$PORT is in use"
ss -Hnlt "sport = :$KEPORT" | grep -q . && gn_skip "TCP port $KEPORT is in use"

# The private CA, a server certificate for localhost, and a second CA nobody trusts.
cd "$GN_TMP" || exit 1
mkcert() { # NAME CN [CA]
    certtool --generate-privkey --key-type=ecdsa --outfile "$1.key" >/dev/null 2>&1
    if [ $# -eq 2 ]; then
        printf 'cn = "%s"\nca\ncert_signing_key\nexpiration_days = 30\n' "$2" >"$1.tmpl"
        certtool --generate-self-signed --load-privkey "$1.key" --template "$1.tmpl" \
            --outfile "$1.pem" >/dev/null 2>&1
    else
        printf 'cn = "%s"\ndns_name = "%s"\ntls_www_server\nsigning_key\nexpiration_days = 30\n' \
            "$2" "$2" >"$1.tmpl"
        certtool --generate-certificate --load-privkey "$1.key" --load-ca-certificate "$3.pem" \
            --load-ca-privkey "$3.key" --template "$1.tmpl" --outfile "$1.pem" >/dev/null 2>&1
    fi
    [ -s "$1.pem" ] || gn_fail "certtool could not make $1.pem"
}
mkcert ca "gpsntpd test CA"
mkcert other "someone else's CA"
mkcert server localhost ca
mkdir -p "$GN_TMP/nts"
cat >"$GN_TMP/gpsntpd.conf" <<CONF
port $PORT
bindaddress 127.0.0.1
bindaddress ::1
allow 127.0.0.0/8
allow ::1
local stratum 1
ntsservercert $GN_TMP/server.pem
ntsserverkey $GN_TMP/server.key
ntsport $KEPORT
ntsdumpdir $GN_TMP/nts
ntsmaxconns 16
ntstimeout 1000
controlsocket $GN_TMP/ctl.sock
CONF
"$GN_BIN/gpsntpd" -n -f "$GN_TMP/gpsntpd.conf" | grep -q "^ntsport $KEPORT" || gn_fail "-n"
sed "s|^ntsserverkey .*|ntsserverkey $GN_TMP/other.key|" "$GN_TMP/gpsntpd.conf" >"$GN_TMP/bad.conf"
out=$("$GN_BIN/gpsntpd" -n -f "$GN_TMP/bad.conf" 2>&1) && gn_fail "-n accepted a key that is not the certificate's"
echo "$out" | grep -q "cannot use the certificate" || gn_fail "-n message: $out"

gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"
[ "$(stat -c %a "$GN_TMP/nts/ntskeys")" = 600 ] || gn_fail "ntskeys is not mode 0600"
keys_before=$(cat "$GN_TMP/nts/ntskeys")

mkdir -p "$GN_TMP/chrony"
# chrony_run NAME TRUSTED-CA SECONDS: chronyd -Q against `server NAME ... nts`.
chrony_run() {
    rm -rf "$GN_TMP/chrony/"*
    cat >"$GN_TMP/chrony.conf" <<CONF
server $1 port $PORT nts ntsport $KEPORT iburst minpoll 0 maxpoll 0
ntstrustedcerts $2
ntsdumpdir $GN_TMP/chrony
pidfile $GN_TMP/chrony/chronyd.pid
logdir $GN_TMP/chrony
log measurements
cmdport 0
CONF
    timeout 40 chronyd -Q -u root -t "$3" -f "$GN_TMP/chrony.conf" 2>&1
}
nts_answered() {
    gn_ctl -j serverstats | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
out=$(chrony_run localhost "$GN_TMP/ca.pem" 20)
echo "$out" | grep -q 'System clock wrong by' || gn_fail "chronyd -Q refused the NTS server: $out"
n=$(nts_answered nts_answered)
[ "$n" -ge 1 ] || gn_fail "no NTS-protected request was answered ($n)"
echo "chronyd -Q over NTS: $(echo "$out" | grep -o 'System clock wrong by.*'); $n NTS requests answered"

before=$(nts_answered ntske_tls_failures)
out=$(chrony_run localhost "$GN_TMP/other.pem" 5)
echo "$out" | grep -q 'System clock wrong by' && gn_fail "chronyd accepted a certificate of another CA"
echo "$out" | grep -q 'No suitable source' || gn_fail "chronyd with another CA: $out"
[ "$(nts_answered ntske_tls_failures)" -gt "$before" ] || gn_fail "the refused handshake was not counted"
out=$(chrony_run 127.0.0.1 "$GN_TMP/ca.pem" 5)
echo "$out" | grep -q 'System clock wrong by' && gn_fail "chronyd accepted a certificate for another name"
echo "$out" | grep -q 'No suitable source' || gn_fail "chronyd with a wrong name: $out"
echo "chronyd -Q: another CA and a wrong name are refused"

c() { python3 "$GN_SRC/tests/integration/ntsclient.py" "$GN_TMP/ca.pem" localhost $KEPORT $PORT "$@"; }
[ "$(c tampered)" = NTSN ] || gn_fail "a tampered cookie did not get an NTS NAK"
[ "$(c badauth)" = NTSN ] || gn_fail "a bad authenticator did not get an NTS NAK"
[ "$(c badke)" = "error 1" ] || gn_fail "a bad KE request did not get error 1"
[ "$(nts_answered nts_naks)" -ge 2 ] || gn_fail "NTS NAKs not counted"
echo "tampered cookie and bad authenticator: NTSN; bad KE request: error 1"

# 64 stalled KE connections against a limit of 16: NTP answers throughout.
out=$(python3 "$GN_SRC/tests/integration/ntsclient.py" "$GN_TMP/ca.pem" 127.0.0.1 $KEPORT $PORT flood 64 3)
echo "KE flood: $out"
echo "$out" | grep -q ' ntp_missed 0 ' || gn_fail "NTP requests were lost during the KE flood"
gn_wait_for 5 test "$(nts_answered ntske_timeouts)" -ge 1 || gn_fail "stalled KE connections never timed out"
[ "$(nts_answered ntske_refused)" -ge 1 ] || gn_fail "the connection limit refused nothing"
# and NTS-KE still works after the flood
[ "$(c tampered)" = NTSN ] || gn_fail "NTS-KE does not work after the flood"

# A restart keeps the cookie keys.
gn_stop_daemon
gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket after restart"
[ "$(cat "$GN_TMP/nts/ntskeys")" = "$keys_before" ] || gn_fail "the cookie keys changed at restart"
gn_stop_daemon
echo "PASS: NTS with chronyd (accepted; other CA, wrong name refused), NAKs, KE flood, key persistence"
