package io.cmdop.transport;

/**
 * The sizes that keep a file transfer's memory bounded on every hop (files.proto): data travels in
 * chunks of at most {@link #MAX_BYTES}, and through a relay at most {@link #WINDOW} chunks of one
 * transfer are in flight before the receiver grants more credit.
 */
public final class FileChunks {
    /** The largest data message of a transfer. */
    public static final int MAX_BYTES = 64 * 1024;
    /** Data messages of one transfer in flight through a relay. */
    public static final int WINDOW = 16;

    private FileChunks() {
    }
}
