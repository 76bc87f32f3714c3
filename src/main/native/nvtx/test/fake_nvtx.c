/*
 * A stand-in for NVTX's library in the tests (cae.profile.NvtxRangesTest): each nvtxRangePushA and
 * nvtxRangePop appends one line, "<thread id> push <name>" or "<thread id> pop", to the file named
 * by FAKE_NVTX_LOG, so that a test can check the names, their nesting on each thread, and that every
 * range pushed was popped. Each line is one write() on a file opened for appending: a line written
 * is in the file even when the process ends right after.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void record(const char *what, const char *name) {
    const char *file = getenv("FAKE_NVTX_LOG");
    if (file == NULL) return;
    char line[1024];
    int n = name != NULL ? snprintf(line, sizeof line, "%ld %s %s\n", (long) syscall(SYS_gettid), what, name)
                         : snprintf(line, sizeof line, "%ld %s\n", (long) syscall(SYS_gettid), what);
    if (n < 0) return;
    if (n >= (int) sizeof line) n = sizeof line - 1;
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return;
    if (write(fd, line, (size_t) n) != n) { /* a test reading the file will see the line missing */ }
    close(fd);
}

int nvtxRangePushA(const char *message) {
    record("push", message);
    return 0;
}

int nvtxRangePop(void) {
    record("pop", NULL);
    return 0;
}
