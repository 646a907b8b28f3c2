package io.cmdop.relay.store;

import java.util.Objects;

/**
 * The outcome of presenting a secret: either {@link Accepted} with what it proves, or
 * {@link Refused} with a stable {@link Refusal}. Match it with a {@code switch}:
 *
 * <pre>{@code
 * switch (store.apiKeys().verify(secret)) {
 *     case Verification.Accepted(var principal) -> ...
 *     case Verification.Refused(var reason) -> ...
 * }
 * }</pre>
 *
 * @param <T> what an accepted secret proves
 */
public sealed interface Verification<T> {

    /** The secret was accepted; {@code value} is what it proves. */
    record Accepted<T>(T value) implements Verification<T> {
        public Accepted {
            Objects.requireNonNull(value, "value");
        }
    }

    /** The secret was refused for {@code reason}. */
    record Refused<T>(Refusal reason) implements Verification<T> {
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static <T> Verification<T> accepted(T value) {
        return new Accepted<>(value);
    }

    static <T> Verification<T> refused(Refusal reason) {
        return new Refused<>(reason);
    }

    /** True when the secret was accepted. */
    default boolean isAccepted() {
        return this instanceof Accepted<T>;
    }
}
