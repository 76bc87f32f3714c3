package cae.cli;

/** A mistake the user can fix (a bad file, a missing folder): printed as one line, no stack trace. */
public final class UserError extends RuntimeException {
    public UserError(String message) { super(message); }
}
