#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# gpsntp-nmea from outside: the exact JSON lines for a small capture with each kind of
# sentence and damage (per sentence and --cycles), stdin and file input, --pivot, line
# numbers across comments and CR CR LF, and the errors for bad usage. Then every corpus log
# must go through without a crash (when ../shared is there).
. "$(dirname "$0")/lib.sh"
tool="$GN_BIN/gpsntp-nmea"
[ -x "$tool" ] || gn_fail "$tool not built"

# sum BODY: the sentence with its checksum and CR LF.
sum() {
    local c=0 i o
    for ((i = 0; i < ${#1}; i++)); do
        printf -v o '%d' "'${1:i:1}"
        c=$((c ^ o))
    done
    printf '$%s*%02X\r\n' "$1" "$c"
}
{
    echo "# Date: 2019-03-14"
    echo "#"
    sum 'GPRMC,235959.00,V,,,,,,,060419,,,N'           # 3: no fix yet
    sum 'GPGGA,235959.00,,,,,0,00,99.9,,M,,M,,'         # 4
    sum 'GPRMC,000000.00,A,1,N,2,E,0,0,070419,,,A'      # 5
    sum 'GPGGA,000000.00,1,N,2,E,1,08,0.9,1,M,1,M,,'    # 6
    printf '$GPGGA,000001.00,1,N,2,E,1,08*00\r\n'       # 7: checksum
    sum 'GPRMC,000001.00,A,1,N,2,E,0,0,220899,,,A'      # 8: rollover victim
    printf '\xb5\x62\x01\x07\x00\x00$GPZD'              # 9: binary, a sentence cut short,
    sum 'GPZDA,000001.00,22,08,1999,00,00'              #    then a good one
    printf '$'                                          # 10: doubled '$'
    sum 'GNGLL,1,N,2,E,000002.00,A,A'
    printf '$GPTXT,%0300d\r\n' 0                        # 11: length
    sum 'GPRMC,000002.00,A,1,N,2,E,0,0,320419,,,A'      # 12: format (32 April)
    sum 'GPRMC,000003.00,A,1,N,2,E,0,0,070419,,,A'      # 13
} >"$GN_TMP/in.nmea"

cat >"$GN_TMP/want" <<'EOF'
{"line":3,"sentence":"GPRMC","utc":"2019-04-06T23:59:59.000Z","valid":false}
{"line":4,"sentence":"GPGGA","utc":"2019-04-06T23:59:59.000Z","valid":false}
{"line":5,"sentence":"GPRMC","utc":"2019-04-07T00:00:00.000Z","valid":true}
{"line":6,"sentence":"GPGGA","utc":"2019-04-07T00:00:00.000Z","valid":true}
{"line":7,"error":"checksum"}
{"line":8,"sentence":"GPRMC","utc":"2019-04-07T00:00:01.000Z","valid":true}
{"line":9,"error":"format"}
{"line":9,"sentence":"GPZDA","utc":"2019-04-07T00:00:01.000Z","valid":true}
{"line":10,"sentence":"GNGLL","utc":"2019-04-07T00:00:02.000Z","valid":true}
{"line":11,"error":"length"}
{"line":12,"error":"format"}
{"line":13,"sentence":"GPRMC","utc":"2019-04-07T00:00:03.000Z","valid":true}
EOF
"$tool" --pivot 2019-03-14 "$GN_TMP/in.nmea" >"$GN_TMP/got" || gn_fail "exit status $?"
diff "$GN_TMP/want" "$GN_TMP/got" || gn_fail "per-sentence output differs (want, got above)"
"$tool" --pivot 2019-03-14 <"$GN_TMP/in.nmea" >"$GN_TMP/got.stdin" || gn_fail "stdin run failed"
cmp -s "$GN_TMP/got" "$GN_TMP/got.stdin" || gn_fail "stdin and file input differ"

# CR CR LF line ends (Telit PLS83-W) count one line each.
sed 's/\r$/\r\r/' "$GN_TMP/in.nmea" >"$GN_TMP/crcr.nmea"
"$tool" --pivot 2019-03-14 "$GN_TMP/crcr.nmea" >"$GN_TMP/got.crcr"
cmp -s "$GN_TMP/got" "$GN_TMP/got.crcr" || gn_fail "CR CR LF changed the output"

# Cycles: the no-fix one is not valid; the GLL one second after a dated cycle is a fragment.
cat >"$GN_TMP/want.cycles" <<'EOF'
{"utc":"2019-04-06T23:59:59.000Z","valid":false,"sentences":["GPRMC","GPGGA"]}
{"utc":"2019-04-07T00:00:00.000Z","valid":true,"sentences":["GPRMC","GPGGA"]}
{"utc":"2019-04-07T00:00:01.000Z","valid":true,"sentences":["GPRMC","GPZDA"]}
{"utc":"2019-04-07T00:00:02.000Z","valid":false,"sentences":["GNGLL"]}
{"utc":"2019-04-07T00:00:03.000Z","valid":true,"sentences":["GPRMC"]}
EOF
"$tool" --cycles --pivot 2019-03-14 "$GN_TMP/in.nmea" >"$GN_TMP/got.cycles"
diff "$GN_TMP/want.cycles" "$GN_TMP/got.cycles" || gn_fail "--cycles output differs"

# Without the pivot the 1999 date stays 1999 only if the build is older than 2000: the
# default pivot (the build date) moves it forward by 1024 weeks at least once.
"$tool" "$GN_TMP/in.nmea" | grep -q '"line":8,.*"utc":"1999' && gn_fail "no rollover correction"

# A leap second prints as :60 and is no sample.
{
    sum 'GPRMC,235959.00,A,1,N,2,E,0,0,311216,,,A'
    sum 'GPRMC,235960.00,A,1,N,2,E,0,0,311216,,,A'
    sum 'GPRMC,000000.00,A,1,N,2,E,0,0,010117,,,A'
} >"$GN_TMP/leap.nmea"
"$tool" --pivot 2016-06-01 "$GN_TMP/leap.nmea" | grep -q '"utc":"2016-12-31T23:59:60.000Z","valid":true' ||
    gn_fail "second 60 not printed as :60"
"$tool" --cycles --pivot 2016-06-01 "$GN_TMP/leap.nmea" >"$GN_TMP/leap.cycles"
grep -q '"utc":"2016-12-31T23:59:60.000Z","valid":false' "$GN_TMP/leap.cycles" ||
    gn_fail "the 23:59:60 cycle is taken as a sample"
[ "$(grep -c '"valid":true' "$GN_TMP/leap.cycles")" -eq 2 ] || gn_fail "leap: want 2 samples"

# Usage errors.
"$tool" --pivot 2019-13-01 "$GN_TMP/in.nmea" >/dev/null 2>&1 && gn_fail "bad --pivot accepted"
"$tool" --bogus >/dev/null 2>&1 && gn_fail "unknown option accepted"
"$tool" "$GN_TMP/does-not-exist" >/dev/null 2>&1 && gn_fail "missing file accepted"
"$tool" --help | grep -q 'usage: gpsntp-nmea' || gn_fail "--help"

# The whole corpus, both modes: no crash, every line JSON-shaped.
corpus="${GN_SHARED:-}/nmea-corpus"
if [ -d "$corpus" ]; then
    n=0
    for log in "$corpus"/*.log; do
        for mode in "" --cycles; do
            "$tool" $mode --pivot 2020-01-01 "$log" >"$GN_TMP/c.out" ||
                gn_fail "$log $mode: exit status $?"
            if grep -qv '^{.*}$' "$GN_TMP/c.out"; then
                gn_fail "$log $mode: a line that is not a JSON object"
            fi
        done
        n=$((n + 1))
    done
    echo "corpus: $n logs read in both modes"
else
    echo "NOTE: $corpus not found; corpus pass skipped (the rest ran)" >&2
fi
echo "PASS"
