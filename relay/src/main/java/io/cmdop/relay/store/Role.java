package io.cmdop.relay.store;

import java.util.Locale;

/**
 * A member's role in a fleet, from most to least rights. The role caps what its holder may do:
 * a guest only observes, a member may operate, an admin or owner may also manage the fleet's keys,
 * join keys, machines and share links.
 */
public enum Role {
    OWNER,
    ADMIN,
    MEMBER,
    GUEST;

    /** Every role may watch a session: view output, read the screen, read files. */
    public boolean canObserve() {
        return true;
    }

    /** May attach as an operator: send input, run commands, write files, resize, signal. */
    public boolean canOperate() {
        return atLeast(MEMBER);
    }

    /** May manage the fleet: API keys, join keys, machines, share links. */
    public boolean canManage() {
        return atLeast(ADMIN);
    }

    /** True when this role has at least the rights of {@code other}. */
    public boolean atLeast(Role other) {
        return ordinal() <= other.ordinal();
    }

    /** The role with fewer rights of the two. */
    public Role lowerOf(Role other) {
        return atLeast(other) ? other : this;
    }

    /** The stable lower-case name used on the wire, in the database and on the command line. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The role named {@code name} ({@code owner}, {@code admin}, {@code member} or {@code guest},
     * any case).
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
     */
    public static Role parse(String name) {
        if (name != null) {
            for (Role role : values()) {
                if (role.wireName().equalsIgnoreCase(name)) {
                    return role;
                }
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "' (expected owner, admin, member or guest)");
    }
}
