package io.cmdop.client;

/**
 * Names of what a daemon or relay does beyond the base protocol, as it lists them
 * ({@code Attached.features}, {@code AgentHello.features}). A peer uses a feature only when it is
 * listed: an older one lists none, and would take the frame for a malformed one.
 */
public final class Features {
    /** In {@code Attached}: a {@code RefreshFrame} is answered with a requested {@code Resync}. */
    public static final String REFRESH = "refresh";
    /** In {@code AgentHello}: a {@code refresh_feed} is answered with the screen in the session's feed. */
    public static final String FEED_REFRESH = "feed_refresh";

    private Features() {
    }
}
