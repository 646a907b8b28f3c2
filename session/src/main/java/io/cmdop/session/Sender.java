package io.cmdop.session;

import java.util.Objects;

/**
 * Who did something to a session: the authenticated principal, the client id, its kind and mode.
 * Every input, resize and signal event carries one.
 */
public record Sender(String principal, String clientId, ClientKind kind, Mode mode) {
    public Sender {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(mode, "mode");
    }
}
