package io.cmdop.relay.store;

/**
 * A name that must be unique is already in use: a fleet name on this relay, or a member or active
 * machine name within a fleet. Nothing was changed (an enrollment refused for this reason does not
 * spend a use of its join key).
 */
public final class NameTakenException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String kind;
    private final String name;

    NameTakenException(String kind, String name, String scope) {
        super("a " + kind + " named '" + name + "' already exists" + scope);
        this.kind = kind;
        this.name = name;
    }

    /** What kind of thing the name belongs to: {@code fleet}, {@code member} or {@code machine}. */
    public String kind() {
        return kind;
    }

    /** The name that is taken. */
    public String name() {
        return name;
    }
}
