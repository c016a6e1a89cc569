#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Issue 15, symmetric keys: gpsntpd -n checks the key file (mode, format, errors by line);
# MD5 and SHA-1 requests built with python's hashlib get replies whose MAC verifies, a bad MAC
# or an unknown key a crypto-NAK; chronyd -Q (AES-CMAC, `key 1`) and ntpdig -k/-a (AES-CMAC,
# SHA1, MD5) accept the server with the right key and refuse it with a wrong one.
# The daemon serves 127.0.0.15:123 (ntpdig has no port option; an address of our own keeps
# clear of other tests on 127.0.0.2).
. "$(dirname "$0")/lib.sh"
gn_need_root
for tool in ntpdig chronyd python3; do
    command -v "$tool" >/dev/null || gn_skip "$tool is not installed (board/install-deps.sh)"
done
ADDR=127.0.0.15
gn_port_free $ADDR 123 || gn_skip "$ADDR:123 is in use"

AES=2b7e151628aed2a6abf7158809cf4f3c
SHA=00112233445566778899aabbccddeeff00112233
cat >"$GN_TMP/keys" <<KEYS
# chrony's format
1 AES128 HEX:$AES
2 SHA1 HEX:$SHA
3 MD5 ASCII:gpsntpd-md5-pass
4 AES256 HEX:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4
KEYS
chmod 600 "$GN_TMP/keys"
cat >"$GN_TMP/gpsntpd.conf" <<CONF
port 123
bindaddress $ADDR
allow 127.0.0.0/8
local stratum 1
keyfile $GN_TMP/keys
controlsocket $GN_TMP/ctl.sock
CONF

# -n: the key file is checked, errors name the file (and the line).
"$GN_BIN/gpsntpd" -n -f "$GN_TMP/gpsntpd.conf" | grep -q "^keyfile $GN_TMP/keys" ||
    gn_fail "gpsntpd -n does not accept a good key file"
chmod 644 "$GN_TMP/keys"
out=$("$GN_BIN/gpsntpd" -n -f "$GN_TMP/gpsntpd.conf" 2>&1) && gn_fail "a 0644 key file was accepted"
echo "$out" | grep -q "$GN_TMP/keys: the key file's mode is 0644" || gn_fail "mode message: $out"
chmod 600 "$GN_TMP/keys"
cp "$GN_TMP/keys" "$GN_TMP/badkeys"
echo "5 AES128 HEX:0011" >>"$GN_TMP/badkeys"
sed "s|^keyfile .*|keyfile $GN_TMP/badkeys|" "$GN_TMP/gpsntpd.conf" >"$GN_TMP/bad.conf"
out=$("$GN_BIN/gpsntpd" -n -f "$GN_TMP/bad.conf" 2>&1) && gn_fail "a bad key line was accepted"
echo "$out" | grep -q "$GN_TMP/badkeys:6: key 5: AES128 needs a 16-byte key" ||
    gn_fail "bad line message: $out"
echo "-n: mode 0644 and a bad line are refused, naming file and line"

gn_start_daemon "$GN_TMP/gpsntpd.conf"
gn_wait_for 5 test -S "$GN_TMP/ctl.sock" || gn_fail "no control socket"

# Hand-made MACs (hashlib): right, wrong, unknown key.
q() { python3 "$GN_SRC/tests/integration/macquery.py" $ADDR 123 "$@"; }
[ "$(q 2 sha1 $SHA)" = "mac ok" ] || gn_fail "SHA1 request not answered with a valid MAC"
[ "$(q 3 md5 "$(printf gpsntpd-md5-pass | od -An -tx1 | tr -d ' \n')")" = "mac ok" ] ||
    gn_fail "MD5 request not answered with a valid MAC"
[ "$(q 2 sha1 $SHA bad)" = "crypto-nak" ] || gn_fail "a bad SHA1 MAC was not NAKed"
[ "$(q 7 md5 00)" = "crypto-nak" ] || gn_fail "an unknown key was not NAKed"
echo "hashlib MD5/SHA1: MACs verify; bad MAC and unknown key get a crypto-NAK"

# ntpdig: NTPsec's key file format (hex when longer than 20 characters).
cat >"$GN_TMP/ntp.keys" <<KEYS
1 AES-128 $AES
2 SHA1 $SHA
3 MD5 gpsntpd-md5-pass
8 AES-128 ${AES%?}d
KEYS
for k in 1 2 3; do
    out=$(timeout 20 ntpdig -j -t 2 -k "$GN_TMP/ntp.keys" -a $k $ADDR 2>&1)
    echo "$out" | grep -q '"stratum":1' || gn_fail "ntpdig -a $k refused the server: $out"
done
# A key the server does not have: crypto-NAK, whose MAC check fails in ntpdig (NTPsec 1.2.2
# then stops on its own bug, setting .trusted on a bytes object: no answer is printed).
out=$(timeout 20 ntpdig -j -t 2 -k "$GN_TMP/ntp.keys" -a 8 $ADDR 2>&1)
echo "$out" | grep -q '"stratum"' && gn_fail "ntpdig accepted an answer to a wrong key: $out"
echo "$out" | grep -q 'trusted\|MAC verification' || gn_fail "ntpdig output: $out"
echo "ntpdig: keys 1 (AES-CMAC), 2 (SHA1), 3 (MD5) accepted; a wrong key refused"

# chronyd -Q with key 1 (AES-CMAC): measures the server (stratum 1 in its measurements log);
# with a wrong secret for key 1, no suitable source.
mkdir -p "$GN_TMP/chrony"
chrony_conf() {
    cat <<CONF
server $ADDR port 123 key 1 iburst minpoll 0 maxpoll 0
keyfile $1
pidfile $GN_TMP/chrony/chronyd.pid
logdir $GN_TMP/chrony
log measurements
cmdport 0
CONF
}
chrony_conf "$GN_TMP/keys" >"$GN_TMP/chrony.conf"
out=$(timeout 30 chronyd -Q -u root -t 20 -f "$GN_TMP/chrony.conf" 2>&1) || gn_fail "chronyd -Q: $out"
echo "$out" | grep -q 'System clock wrong by' || gn_fail "chronyd -Q with key 1 measured nothing: $out"
grep -E " $ADDR " "$GN_TMP/chrony/measurements.log" | tail -1
awk -v a=$ADDR '$3 == a && $5 == 1 { n++ } END { exit n == 0 }' \
    "$GN_TMP/chrony/measurements.log" || gn_fail "chronyd measured no stratum-1 answer"
printf '1 AES128 HEX:%s\n' "${AES%?}d" >"$GN_TMP/wrong.keys"
chmod 600 "$GN_TMP/wrong.keys"
chrony_conf "$GN_TMP/wrong.keys" >"$GN_TMP/chrony.conf"
rm -f "$GN_TMP/chrony/measurements.log"
out=$(timeout 30 chronyd -Q -u root -t 6 -f "$GN_TMP/chrony.conf" 2>&1)
echo "$out" | grep -q 'System clock wrong by' && gn_fail "chronyd accepted a wrong key: $out"
echo "$out" | grep -q 'No suitable source' || gn_fail "chronyd with a wrong key: $out"
echo "chronyd -Q: key 1 accepted (K), a wrong key refused (no suitable source)"

stats=$(gn_ctl -j serverstats)
echo "$stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("serverstats: auth_mac_answered", s["auth_mac_answered"], "auth_crypto_naks", s["auth_crypto_naks"])
sys.exit(s["auth_mac_answered"] < 6 or s["auth_crypto_naks"] < 3)' || gn_fail "serverstats: $stats"
gn_stop_daemon
echo "PASS: symmetric keys (AES-CMAC, SHA1, MD5) with hashlib, ntpdig and chronyd"
