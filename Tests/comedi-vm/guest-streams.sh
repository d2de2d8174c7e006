#!/bin/sh
# Runs inside the comedi_test VM started with --devices 2 (busybox sh); /data is
# this folder, /out comes back to the host.
# Usage: guest-streams.sh KETAMAPD STALL_THREAD (stall-thread.c, built)
#
# One session of two streams, 14 s (clock rows at 0, 5 and 10 s of the session
# clock), and two faults of the micro stream alone while acq-seeg reads on (its
# voluntary context switches, one per wake-up to read, are counted across the stall):
# - an overrun: stall-thread stops only micro's acquisition thread (acq-micro,
#   SCHED_FIFO) for 1 s, and its board's 0.256 s kernel buffer overruns;
# - then its board vanishes: stall-thread stops acq-micro again and holds it in
#   the one instant the kernel has released the overrun board, while
#   comedi_config -r detaches the driver from /dev/comedi1 (at any other time it
#   refuses: EBUSY). micro stops (on_fault = continue), seeg records to the end.
set -e
. /data/daemon-wait.sh
ketamapd=$1
stall_thread=$2
if [ ! -x "$stall_thread" ]; then
	echo "guest-streams: usage: guest-streams.sh KETAMAPD STALL_THREAD (add Tests/comedi-vm/stall-thread.c built: cc -O2 -static)" >&2
	exit 2
fi
"$ketamapd" --config /data/streams.toml --session streams --duration 14 > /out/streams.summary 2> /out/streams.log &
pid=$!
# The control socket opens once both streams acquire (a daemon that ends first fails the run).
wait_for_socket "$pid" /tmp/streams.sock /out/streams.log
tid=
seeg=
while [ -z "$tid" ] || [ -z "$seeg" ]; do
	running "$pid" || daemon_ended "$pid" /out/streams.log "both acquisition threads were found"
	for task in /proc/$pid/task/*; do
		case $(cat "$task/comm" 2>/dev/null) in
		acq-micro) tid=${task##*/} ;;
		acq-seeg) seeg=${task##*/} ;;
		esac
	done
done
switches() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$pid/task/$seeg/status"; }
# stall-thread TID ... (it prints "stopped=S released=R" on the monotonic clock);
# on failure, what the daemon's threads were.
stall() {
	"$stall_thread" "$@" || { echo "guest-streams: stall-thread $* failed; threads:" $(cat /proc/$pid/task/*/comm) >&2; exit 1; }
}
# Field 41 of the thread's stat: its scheduling policy (1 = SCHED_FIFO).
policy=$(cut -d' ' -f41 "/proc/$pid/task/$tid/stat")
sleep 1
seeg_before=$(switches)
overrun=$(stall "$tid" 1)
seeg_after=$(switches)
# After micro's second clock row (5 s of the session clock), so that its drift is measured.
sleep 4
vanish=$(stall "$tid" 1 comedi_config -r /dev/comedi1)
echo "$overrun" | sed 's/stopped=/stalled_at=/; s/released=/resumed_at=/' > /out/stall.txt
echo "$vanish" | sed 's/stopped=/held_at=/; s/released=/detached_at=/' >> /out/stall.txt
echo "policy=$policy seeg_wakeups=$((seeg_after - seeg_before))" >> /out/stall.txt
status=0
wait "$pid" || status=$?
echo "$status" > /out/streams.status
echo "guest-streams: done (ketamapd exited $status)"
