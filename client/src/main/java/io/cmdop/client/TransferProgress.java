package io.cmdop.client;

/** Follows a transfer as it goes; called on the transferring thread after each chunk. */
@FunctionalInterface
public interface TransferProgress {
    /** Ignores progress. */
    TransferProgress NONE = (done, total) -> { };

    /**
     * @param done bytes transferred so far
     * @param total the size of the whole transfer, or -1 when it is not known
     */
    void update(long done, long total);
}
