/*
 * The native side of cae.profile.Nvtx: NVTX's nvtxRangePushA and nvtxRangePop, bound at run time
 * from the library the Java side found (dlopen), so that the build needs no CUDA and the program runs
 * where there is none. NVTX ranges belong to the thread that pushes them; the Java side pushes and
 * pops each on one thread.
 *
 * Exports (JNI): String Nvtx.bind(String library)  null when bound, else why not
 *                void   Nvtx.rangePush(String name)
 *                void   Nvtx.rangePop()
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jni.h>
#include <stddef.h>

/* Bind to the oldest dlopen/dlsym so the shim needs no newer glibc than the JCuda natives. */
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");
__asm__(".symver dlclose,dlclose@GLIBC_2.2.5");

typedef int (*range_push_t)(const char *message);
typedef int (*range_pop_t)(void);

static range_push_t range_push;
static range_pop_t range_pop;

JNIEXPORT jstring JNICALL Java_cae_profile_Nvtx_bind(JNIEnv *env, jclass cls, jstring library) {
    (void) cls;
    const char *path = (*env)->GetStringUTFChars(env, library, NULL);
    if (path == NULL) return NULL; /* an OutOfMemoryError is pending */
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    (*env)->ReleaseStringUTFChars(env, library, path);
    if (handle == NULL) {
        const char *why = dlerror();
        return (*env)->NewStringUTF(env, why != NULL ? why : "dlopen failed");
    }
    range_push_t push = (range_push_t) dlsym(handle, "nvtxRangePushA");
    range_pop_t pop = (range_pop_t) dlsym(handle, "nvtxRangePop");
    if (push == NULL || pop == NULL) {
        dlclose(handle);
        return (*env)->NewStringUTF(env, "it has no nvtxRangePushA or no nvtxRangePop");
    }
    range_push = push;
    range_pop = pop;
    return NULL;
}

JNIEXPORT void JNICALL Java_cae_profile_Nvtx_rangePush(JNIEnv *env, jclass cls, jstring name) {
    (void) cls;
    if (range_push == NULL) return;
    const char *text = (*env)->GetStringUTFChars(env, name, NULL);
    if (text == NULL) return;
    range_push(text);
    (*env)->ReleaseStringUTFChars(env, name, text);
}

JNIEXPORT void JNICALL Java_cae_profile_Nvtx_rangePop(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    if (range_pop != NULL) range_pop();
}
