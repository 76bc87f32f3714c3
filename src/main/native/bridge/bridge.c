/*
 * A compatibility library with an old SONAME (libcudnn.so.8, libcublas.so.12) whose every export jumps
 * to the same-named function of the new library (libcudnn.so.9 and its sub-libraries, libcublas.so.13).
 * The JCuda natives were linked against the old names; see docs/jcuda-native-libraries.md.
 *
 * build.sh compiles this file once per library with:
 *   SYMBOLS_H     a generated file of X(index, name) lines: the symbols the JCuda native imports
 *   SYMBOL_COUNT  how many there are
 *   TARGET        the new library's SONAME, e.g. "libcudnn.so.9"
 *   ENV_1, ENV_2  variables that may name the new library (its file or its directory)
 *   SUBLIBS       a comma-separated list of string literals: libraries searched after TARGET
 *   NOT_SUPPORTED the old API's "not supported" status, returned by functions the new library lacks
 * and the version script that exports exactly those names under the old version node.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bind to the oldest dlopen/dlsym so the bridge needs no newer glibc than the JCuda natives. */
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");

static long cae_not_supported(void) { return NOT_SUPPORTED; }

/* The jump table: entry i is where export i goes. Hidden, so the trampolines address it directly. */
__attribute__((visibility("hidden"))) void *cae_bridge_table[SYMBOL_COUNT];

static const char *const cae_names[SYMBOL_COUNT] = {
#define X(i, name) #name,
#include SYMBOLS_H
#undef X
};

/* Each export: one indirect jump, so arguments and return values pass through whatever their types. */
#define X(i, name) __asm__(".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n" \
                           "\tjmp *cae_bridge_table+8*" #i "(%rip)\n.size " #name ",.-" #name "\n");
#include SYMBOLS_H
#undef X

static void *cae_open(const char *dir, const char *soname) {
    if (dir == NULL) return dlopen(soname, RTLD_NOW | RTLD_GLOBAL);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, soname);
    return dlopen(path, RTLD_NOW | RTLD_GLOBAL);
}

__attribute__((constructor)) static void cae_bridge_init(void) {
    static const char *const subs[] = {SUBLIBS};
    const char *given = getenv(ENV_1);
    if (given == NULL || *given == 0) given = getenv(ENV_2);
    char dir[4096];
    const char *where = NULL;
    void *libs[1 + sizeof subs / sizeof subs[0]];
    int count = 0;
    if (given != NULL && *given != 0) {
        /* the variable names the library itself, or the directory that holds it */
        snprintf(dir, sizeof dir, "%s", given);
        libs[count] = dlopen(given, RTLD_NOW | RTLD_GLOBAL);
        if (libs[count] != NULL) {
            count++;
            char *slash = strrchr(dir, '/');
            if (slash != NULL) *slash = 0; else snprintf(dir, sizeof dir, ".");
        } else {
            libs[count] = cae_open(dir, TARGET);
            if (libs[count] != NULL) count++;
        }
        where = dir;
    }
    if (count == 0) {
        libs[count] = dlopen(TARGET, RTLD_NOW | RTLD_GLOBAL);
        if (libs[count] != NULL) count++;
        where = NULL;
    }
    if (count == 0) fprintf(stderr, "cae bridge: cannot open %s: %s\n", TARGET, dlerror());
    for (size_t s = 0; s < sizeof subs / sizeof subs[0]; s++) {
        void *h = cae_open(where, subs[s]);
        if (h == NULL && where != NULL) h = dlopen(subs[s], RTLD_NOW | RTLD_GLOBAL);
        if (h != NULL) libs[count++] = h;
    }
    for (int i = 0; i < SYMBOL_COUNT; i++) {
        void *f = NULL;
        for (int l = 0; l < count && f == NULL; l++) f = dlsym(libs[l], cae_names[i]);
        cae_bridge_table[i] = f != NULL ? f : (void *)cae_not_supported;
    }
}
