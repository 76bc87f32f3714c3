package cae.io;

/**
 * A model or checkpoint file that cannot be used: missing, truncated, malformed, or holding tensors
 * that do not fit the model. The message is meant for the user: it names the file and the problem.
 */
public class ModelFileException extends RuntimeException {
    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
