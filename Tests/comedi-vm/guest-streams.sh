#!/bin/sh
# Runs inside the comedi_test VM started with --devices 2 (busybox sh); /data is
# this folder, /out comes back to the host. Usage: guest-streams.sh KETAMAPD
set -e
# 11 s: clock rows at 0, 5 and 10 s of the session clock.
"$1" --config /data/streams.toml --session streams --duration 11 2> /out/streams.log
echo "guest-streams: done"
