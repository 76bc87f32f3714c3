package cae.data;

/**
 * A problem with the user's data: a missing, unreadable, malformed or unverified file or directory.
 * The message is meant for the user as is: it names the file and says what is wrong in one sentence.
 */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
