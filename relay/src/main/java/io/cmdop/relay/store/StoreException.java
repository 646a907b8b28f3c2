package io.cmdop.relay.store;

/**
 * The relay's database could not do what was asked: it is unreachable, refused the credentials,
 * or failed a statement. The message names the database by its URL without any password.
 */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
