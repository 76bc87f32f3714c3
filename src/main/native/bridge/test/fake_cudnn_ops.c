/* A stand-in for libcudnn_ops.so.9: a function the dispatcher does not have, found in a sub-library. */
int cudnnCreateTensorDescriptor(void **descriptor) {
    static int the_descriptor;
    *descriptor = &the_descriptor;
    return 77;
}
