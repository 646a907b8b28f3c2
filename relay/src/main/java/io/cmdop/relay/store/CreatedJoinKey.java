package io.cmdop.relay.store;

/**
 * A new join key and its secret ({@code cmdop_enroll_<id>_<secret>}), shown once; the store keeps
 * only its hash. {@link #toString()} leaves the secret out.
 */
public record CreatedJoinKey(JoinKey key, String secret) {
    @Override
    public String toString() {
        return "CreatedJoinKey[key=" + key + ", secret=(hidden)]";
    }
}
