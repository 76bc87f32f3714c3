package cae.engine.cuda;

/** A CUDA, cuDNN or cuBLAS call failed, or the native stack could not be set up; the message names the call. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) { super(message); }
    public CudaException(String message, Throwable cause) { super(message, cause); }
}
