package io.cmdop.relay.store;

/**
 * A newly enrolled machine and its credential ({@code cmdop_machine_<id>_<secret>}), which the
 * agent keeps and presents on every connection. Shown once; the store keeps only its hash.
 * {@link #toString()} leaves the credential out.
 */
public record EnrolledMachine(Machine machine, String credential) {
    @Override
    public String toString() {
        return "EnrolledMachine[machine=" + machine + ", credential=(hidden)]";
    }
}
