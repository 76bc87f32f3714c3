/* A stand-in for libcudnn.so.9 (the dispatcher) in the bridge tests: a few functions, known answers. */
#include <stddef.h>

size_t cudnnGetVersion(void) { return 90000; }

int cudnnCreate(void **handle) {
    static int the_handle;
    *handle = &the_handle;
    return 0;
}

const char *cudnnGetErrorString(int status) { return status == 0 ? "CUDNN_STATUS_SUCCESS" : "fake error"; }
