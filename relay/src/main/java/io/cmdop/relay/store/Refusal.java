package io.cmdop.relay.store;

/**
 * Why a presented secret (API key, join key or machine credential) was refused. The {@link #code()}
 * is stable: clients and tests may match on it. Neither the code nor the message ever contains
 * the secret.
 */
public enum Refusal {
    /** Not in any of the formats cmdop issues; refused without looking anything up. */
    MALFORMED("malformed", "is malformed"),
    /** Well formed but not known to this relay, or its secret part does not match. */
    UNKNOWN("unknown", "is not known"),
    /** Known, and revoked. */
    REVOKED("revoked", "has been revoked"),
    /** A join key past its expiry. */
    EXPIRED("expired", "has expired"),
    /** A join key whose uses are all spent. */
    USED_UP("used_up", "has no uses left");

    private final String code;
    private final String predicate;

    Refusal(String code, String predicate) {
        this.code = code;
        this.predicate = predicate;
    }

    /** The stable, lower-case reason code, e.g. {@code revoked}. */
    public String code() {
        return code;
    }

    /** A sentence for a person: {@code what} followed by the reason, e.g. "the API key has been revoked". */
    public String describe(String what) {
        return what + " " + predicate;
    }
}
