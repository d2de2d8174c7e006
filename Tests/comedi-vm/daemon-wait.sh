# Sourced by the guest scripts (busybox sh; also POSIX sh): waiting on a ketamapd
# started in the background without hiding its end. A daemon that exits early
# fails the run at once, with its exit status and its log, instead of leaving a
# wait to run into the VM's timeout.

# running PID: whether the process still runs (a zombie, ended but not yet waited
# for, does not: `kill -0` would still find it).
running() {
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# daemon_ended PID LOG WHAT: reports that the daemon ended before WHAT, with its
# exit status and its log (the file LOG, or - when its errors went to ours), and exits 1.
daemon_ended() {
	status=0
	wait "$1" || status=$?
	if [ "$2" = - ]; then
		echo "guest: ketamapd (pid $1) exited $status before $3; its log is above" >&2
	else
		echo "guest: ketamapd (pid $1) exited $status before $3; its log ($2):" >&2
		cat "$2" >&2
	fi
	exit 1
}

# wait_for_socket PID SOCKET LOG: returns once the daemon has opened its control
# socket; if it ends first, daemon_ended.
wait_for_socket() {
	while [ ! -S "$2" ]; do
		running "$1" || daemon_ended "$1" "$3" "its control socket $2 opened"
		sleep 0.1
	done
}
