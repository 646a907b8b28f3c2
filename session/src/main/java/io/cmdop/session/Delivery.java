package io.cmdop.session;

/** What an attachment hands to its carrier, in order. */
public sealed interface Delivery {
    /** The next event of the stream. */
    record Event(SessionEvent event) implements Delivery {}

    /**
     * The client missed output (it fell behind, or resumed too late): what was lost, and the screen
     * to continue from. Events after {@code screen.seq()} follow. A screen the client asked for
     * ({@link Attachment#refresh}) is one with nothing lost, reason {@value #REQUESTED}.
     */
    record Resync(long gapFrom, long gapTo, String reason, ScreenState screen) implements Delivery {
        /** The reason of a screen the client asked for. */
        public static final String REQUESTED = "requested";

        public boolean requested() {
            return REQUESTED.equals(reason);
        }
    }

    /** Nothing more will come: the attachment ended (detached, session gone, taken over by a resume). */
    record End(String reason) implements Delivery {}
}
