#!/bin/sh
# Runs inside the comedi_test VM (busybox sh); /data is this folder, /out comes
# back to the host. Usage: guest-session.sh KETAMAPD KETAMAPCTL
set -e
. /data/daemon-wait.sh
ketamapd=$1
ketamapctl=$2
"$ketamapctl" devices > /out/devices.txt
# Beside the board, a node of the comedi major with no board behind it (the kernel
# answers its open with ENODEV, as for a minor no driver configured): the listing
# says it has no board and how to attach one, not that a board went away.
mkdir /tmp/nodes
ln -s /dev/comedi0 /tmp/nodes/comedi0
mknod /tmp/nodes/comedi1 c "$(cut -d: -f1 /sys/class/comedi/comedi0/dev)" 1
"$ketamapctl" devices --directory /tmp/nodes > /out/devices-unattached.txt
# A steady session: 4 s of the sample clock, allowed to lock its memory (as the
# unit's LimitMEMLOCK=infinity does); its log says what it was granted.
(ulimit -l unlimited && exec "$ketamapd" --config /data/comedi.toml --session steady --duration 4) 2> /out/steady.log
# An overrun: a 0.1 s kernel buffer, and the whole daemon paused for 1 s mid-way.
"$ketamapd" --config /data/comedi-overrun.toml --session overrun --duration 8 &
pid=$!
# Pause only once acquisition runs (the control socket opens after it starts).
wait_for_socket "$pid" /tmp/overrun.sock -
sleep 1
kill -STOP "$pid"
sleep 1
kill -CONT "$pid"
wait "$pid"
echo "guest-session: done"
