/* A stand-in for libcublas.so.13 in the bridge tests. */
int cublasCreate_v2(void **handle) {
    static int the_handle;
    *handle = &the_handle;
    return 0;
}

int cublasGetVersion_v2(void *handle, int *version) {
    (void)handle;
    *version = 130000;
    return 0;
}
