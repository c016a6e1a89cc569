#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# An example `eventcommand` for gpsntpd (docs/monitoring.md): every event to a remote syslog
# collector, warnings and critical events also by mail. Install it where only root can write,
# e.g. as root:
#   install -m 755 gpsntpd-event.sh /usr/local/lib/gpsntpd/event.sh
# and in /etc/gpsntpd.conf:
#   eventcommand /usr/local/lib/gpsntpd/event.sh
# gpsntpd runs it as its user (_gpsntpd), without capabilities, inside the service's sandbox:
# it may use the network, but not a setuid or setgid program (postfix's sendmail hands mail
# to the setgid postdrop, which NoNewPrivileges= stops), so the mail goes out by SMTP (curl).
# It has 30 s before it is terminated. Adjust the settings below.
COLLECTOR=syslog.example.net          # a syslog server; empty: none
COLLECTOR_PORT=514                    # ... its UDP port
SMTP=smtp://mail.example.net:25       # a mail relay that accepts mail from this box; empty: none
MAILTO=timekeeper@example.net

host=$(hostname)
line="$GPSNTPD_EVENT_TAG severity=$GPSNTPD_EVENT_SEVERITY source=${GPSNTPD_EVENT_SOURCE:--}: $GPSNTPD_EVENT_MESSAGE"
if [ "$GPSNTPD_EVENTS_SUPPRESSED" -gt 0 ]; then
    line="$line (and $GPSNTPD_EVENTS_SUPPRESSED more: gpsntpctl events)"
fi

if [ -n "$COLLECTOR" ]; then
    case $GPSNTPD_EVENT_SEVERITY in
        critical) prio=daemon.crit ;;
        warning) prio=daemon.warning ;;
        *) prio=daemon.info ;;
    esac
    logger --udp --server "$COLLECTOR" --port "$COLLECTOR_PORT" --tag gpsntpd-event --priority "$prio" \
        -- "$host: $line"
fi

if [ -n "$SMTP" ] && [ "$GPSNTPD_EVENT_SEVERITY" != info ]; then
    printf 'From: gpsntpd on %s <gpsntpd@%s>\r\nTo: %s\r\nSubject: [%s] %s %s\r\n\r\n%s\r\n\r\nTime: %s\r\nStratum now: %s\r\nReference now: %s\r\n' \
        "$host" "$host" "$MAILTO" "$host" "$GPSNTPD_EVENT_SEVERITY" "$GPSNTPD_EVENT_TAG" \
        "$line" "$GPSNTPD_EVENT_TIME" "$GPSNTPD_STRATUM" "${GPSNTPD_REFERENCE:-none}" |
        curl --silent --show-error --max-time 20 --url "$SMTP" \
            --mail-from "gpsntpd@$host" --mail-rcpt "$MAILTO" --upload-file -
fi
