package io.cmdop.session;

/** How the terminal size is chosen when clients of different sizes share a session. */
public enum ResizePolicy {
    /** The operator who resized last sets the size. */
    LATEST,
    /** The smallest counted client, per dimension, so everyone sees the whole screen. */
    SMALLEST,
    /** The largest counted client, per dimension. */
    LARGEST,
    /** The size given at creation; resize requests are refused. */
    FIXED
}
