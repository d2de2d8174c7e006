#!/bin/sh
# Runs inside the comedi_test VM started with --devices 2 (busybox sh); /data is
# this folder, /out comes back to the host. Usage: guest-streams.sh KETAMAPD
#
# One session of two streams, 11 s (clock rows at 0, 5 and 10 s of the session
# clock). Mid-way, only the micro stream's acquisition thread (acq-micro) is
# frozen for 1 s: its board's 0.256 s kernel buffer overruns while acq-seeg
# reads on (its own 0.512 s buffer would overrun too if it stalled). The
# cgroup v2 freezer stops exactly the threads of a cgroup, SCHED_FIFO ones too
# (a CPU limit would not, and SIGSTOP stops every thread of the process).
set -e
ketamapd=$1
cgroup=/sys/fs/cgroup
mount -t cgroup2 none "$cgroup"
# The daemon starts in a cgroup of its own, so that one of its threads can move
# to a threaded child cgroup.
mkdir "$cgroup/ketamapd"
echo $$ > "$cgroup/ketamapd/cgroup.procs"
"$ketamapd" --config /data/streams.toml --session streams --duration 11 > /out/streams.summary 2> /out/streams.log &
pid=$!
# The control socket opens once both streams acquire.
while [ ! -S /tmp/streams.sock ]; do sleep 0.1; done
tid=
while [ -z "$tid" ]; do
	kill -0 "$pid"  # the daemon still runs
	for task in /proc/$pid/task/*; do
		if [ "$(cat "$task/comm" 2>/dev/null)" = acq-micro ]; then tid=${task##*/}; fi
	done
done
stalled=$cgroup/ketamapd/stalled
mkdir "$stalled"
echo threaded > "$stalled/cgroup.type"
echo "$tid" > "$stalled/cgroup.threads"
sleep 1
# /proc/uptime is CLOCK_BOOTTIME, the daemon's CLOCK_MONOTONIC in a VM that never suspends.
read -r frozen_at _ < /proc/uptime
echo 1 > "$stalled/cgroup.freeze"
grep -q 'frozen 1' "$stalled/cgroup.events" || { echo "guest-streams: acq-micro did not freeze" >&2; exit 1; }
sleep 1
read -r thawed_at _ < /proc/uptime
echo 0 > "$stalled/cgroup.freeze"
# Field 41 of the thread's stat: its scheduling policy (1 = SCHED_FIFO).
policy=$(cut -d' ' -f41 "/proc/$pid/task/$tid/stat")
echo "frozen_at=$frozen_at thawed_at=$thawed_at policy=$policy" > /out/stall.txt
status=0
wait "$pid" || status=$?
echo "$status" > /out/streams.status
echo "guest-streams: done (ketamapd exited $status)"
