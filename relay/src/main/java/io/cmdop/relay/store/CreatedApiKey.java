package io.cmdop.relay.store;

/**
 * A new API key and its secret ({@code cmdop_<keyid>_<secret>}). The secret is shown to its owner
 * once and cannot be recovered later: the store keeps only its hash. {@link #toString()} leaves it
 * out so it cannot reach a log by accident.
 */
public record CreatedApiKey(ApiKey key, String secret) {
    @Override
    public String toString() {
        return "CreatedApiKey[key=" + key + ", secret=(hidden)]";
    }
}
