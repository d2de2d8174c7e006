#!/bin/sh
# A systemd-journald of a test's own, for reading back the fields ketamapd
# sends: run as `unshare --mount --propagation private sh private-journald.sh DIR`
# (root). /run and /var/log/journal are fresh tmpfs in this mount namespace
# only, so the journal, its sockets and everything under /run are private;
# the test starts ketamapd in the same namespace (`nsenter --target PID --mount`).
# Touches DIR/ready once the journal's socket is up; when DIR/stop appears,
# writes every record as JSON lines to DIR/journal.json and ends.
set -eu
dir=$1
mount -t tmpfs -o mode=0755 tmpfs /run
if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=0755 tmpfs /var/log/journal; fi
/lib/systemd/systemd-journald &
journald=$!
tries=0
until [ -S /run/systemd/journal/socket ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ]; then echo "systemd-journald did not start" >&2; exit 1; fi
    sleep 0.1
done
touch "$dir/ready"
until [ -e "$dir/stop" ]; do sleep 0.1; done
journalctl --directory /run/log/journal --output json --no-pager > "$dir/journal.json.part"
mv "$dir/journal.json.part" "$dir/journal.json"
kill "$journald"
wait "$journald" || true
