/* stall-thread TID SECONDS [COMMAND [ARGS...]]
 *
 * Stalls one thread of a process for real, for the Comedi VM test
 * (guest-streams.sh): ptrace stops thread TID alone (PTRACE_SEIZE, then
 * PTRACE_INTERRUPT; SIGSTOP would stop every thread of the process, and a CPU
 * limit would not hold a SCHED_FIFO thread) for SECONDS, so that its board's
 * kernel buffer overruns, then lets it go on.
 *
 * With COMMAND, it makes the board vanish under the reader instead:
 * comedi_config -r refuses a board while a command runs on it (EBUSY); the
 * kernel releases the subdevice only inside the read() that reports the overrun
 * (EPIPE, or EINVAL when the draining read met the stop), and the reader
 * restarts its command microseconds later. So after the stall the thread runs
 * on to the exit of that read(), is held there while COMMAND runs
 * (comedi_config -r /dev/comediN, which then succeeds), and goes on into a
 * detached board.
 *
 * Prints "stopped=S released=R": CLOCK_MONOTONIC seconds when the thread was
 * stopped and let go (the daemon's clock, as in its clock tables).
 * Exit status: COMMAND's (0 without one); 1 when a ptrace call failed.
 * Build: cc -O2 -static -o stall-thread stall-thread.c
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double monotonic_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int fail(const char *what) {
    perror(what);
    return 1;
}

/* Waits for the tracee's next stop. */
static int next_stop(pid_t tid, int *status) {
    return waitpid(tid, status, __WALL) == tid && WIFSTOPPED(*status) ? 0 : -1;
}

/* Resumes the thread until it returns from a read() with EPIPE or EINVAL; returns
   that result, or 0 when a ptrace call failed. */
static long run_to_failed_read(pid_t tid) {
    long entered = -1; /* the system call the thread is in, between its entry and exit stops */
    long result = 0;
    int status;
    while (result != -EPIPE && result != -EINVAL) {
        if (ptrace(PTRACE_SYSCALL, tid, NULL, NULL) < 0) { perror("PTRACE_SYSCALL"); return 0; }
        if (next_stop(tid, &status) < 0) { perror("waitpid"); return 0; }
        if (WSTOPSIG(status) != (SIGTRAP | 0x80)) continue; /* not a system-call stop */
        struct __ptrace_syscall_info info;
        if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof info, &info) < 0) { perror("PTRACE_GET_SYSCALL_INFO"); return 0; }
        if (info.op == PTRACE_SYSCALL_INFO_ENTRY) entered = (long)info.entry.nr;
        if (info.op == PTRACE_SYSCALL_INFO_EXIT && entered == SYS_read) result = (long)info.exit.rval;
    }
    return result;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s TID SECONDS [COMMAND [ARGS...]]\n", argv[0]);
        return 2;
    }
    pid_t tid = (pid_t)atoi(argv[1]);
    double seconds = atof(argv[2]);
    struct timespec stall = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    int status;
    if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)PTRACE_O_TRACESYSGOOD) < 0) return fail("PTRACE_SEIZE");
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0) return fail("PTRACE_INTERRUPT");
    if (next_stop(tid, &status) < 0) return fail("waitpid");
    double stopped = monotonic_seconds();
    nanosleep(&stall, NULL);
    int command = 0;
    if (argc > 3) {
        long result = run_to_failed_read(tid);
        if (result == 0) return 1;
        fprintf(stderr, "stall-thread: thread %d held at the exit of read() = -%s\n", (int)tid, result == -EPIPE ? "EPIPE" : "EINVAL");
        pid_t child = fork();
        if (child == 0) {
            execvp(argv[3], argv + 3);
            _exit(127);
        }
        command = 1;
        if (child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status)) command = WEXITSTATUS(status);
        fprintf(stderr, "stall-thread: %s exited %d\n", argv[3], command);
    }
    double released = monotonic_seconds();
    if (ptrace(PTRACE_DETACH, tid, NULL, NULL) < 0) return fail("PTRACE_DETACH");
    printf("stopped=%.6f released=%.6f\n", stopped, released);
    return command;
}
