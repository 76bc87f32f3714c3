/*
 * Loads a bridge and checks it against the fake target libraries:
 *   bridge_check cudnn BRIDGE SYMBOLS_FILE    (CAE_CUDNN_LIB names the fake libcudnn.so.9)
 *   bridge_check cublas BRIDGE SYMBOLS_FILE   (CAE_CUBLAS_LIB names the fake libcublas.so.13)
 * Every name in SYMBOLS_FILE (one a line) must resolve in the bridge; calls must reach the fake,
 * including a function found only in a sub-library; a function the fake lacks must return the old
 * "not supported" status. Prints one line per failure and exits non-zero if there was any.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void expect(int ok, const char *what) {
    if (!ok) { printf("FAIL %s\n", what); failures++; }
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: bridge_check cudnn|cublas BRIDGE SYMBOLS_FILE\n"); return 2; }
    void *bridge = dlopen(argv[2], RTLD_NOW | RTLD_GLOBAL);
    if (bridge == NULL) { printf("FAIL dlopen %s: %s\n", argv[2], dlerror()); return 1; }

    FILE *symbols = fopen(argv[3], "r");
    if (symbols == NULL) { printf("FAIL cannot read %s\n", argv[3]); return 1; }
    char name[512];
    int resolved = 0;
    while (fscanf(symbols, "%511s", name) == 1) {
        if (dlsym(bridge, name) == NULL) { printf("FAIL %s does not resolve in the bridge\n", name); failures++; }
        else resolved++;
    }
    fclose(symbols);
    expect(resolved > 0, "the symbol list is not empty");

    if (strcmp(argv[1], "cudnn") == 0) {
        size_t (*get_version)(void) = (size_t (*)(void))dlsym(bridge, "cudnnGetVersion");
        int (*create)(void **) = (int (*)(void **))dlsym(bridge, "cudnnCreate");
        int (*create_tensor)(void **) = (int (*)(void **))dlsym(bridge, "cudnnCreateTensorDescriptor");
        int (*destroy)(void *) = (int (*)(void *))dlsym(bridge, "cudnnDestroy");
        void *handle = NULL, *descriptor = NULL;
        expect(get_version != NULL && get_version() == 90000, "cudnnGetVersion reaches the fake libcudnn.so.9 (90000)");
        expect(create != NULL && create(&handle) == 0 && handle != NULL, "cudnnCreate writes a handle");
        expect(create_tensor != NULL && create_tensor(&descriptor) == 77 && descriptor != NULL,
               "cudnnCreateTensorDescriptor reaches the sub-library libcudnn_ops.so.9 (77)");
        expect(destroy != NULL && destroy(handle) == 9, "cudnnDestroy, missing from the fake, returns CUDNN_STATUS_NOT_SUPPORTED (9)");
    } else {
        int (*create)(void **) = (int (*)(void **))dlsym(bridge, "cublasCreate_v2");
        int (*get_version)(void *, int *) = (int (*)(void *, int *))dlsym(bridge, "cublasGetVersion_v2");
        int (*destroy)(void *) = (int (*)(void *))dlsym(bridge, "cublasDestroy_v2");
        void *handle = NULL;
        int version = 0;
        expect(create != NULL && create(&handle) == 0 && handle != NULL, "cublasCreate_v2 reaches the fake libcublas.so.13");
        expect(get_version != NULL && get_version(handle, &version) == 0 && version == 130000, "cublasGetVersion_v2 returns 130000");
        expect(destroy != NULL && destroy(handle) == 15, "cublasDestroy_v2, missing from the fake, returns CUBLAS_STATUS_NOT_SUPPORTED (15)");
    }
    if (failures == 0) printf("OK %d symbols resolve\n", resolved);
    return failures == 0 ? 0 : 1;
}
