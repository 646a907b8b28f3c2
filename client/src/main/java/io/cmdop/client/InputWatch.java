package io.cmdop.client;

/**
 * A descriptor watched from a client's transport thread ({@link CmdopClient#watchInput}). Closing it
 * stops the calls; the descriptor itself stays open.
 */
public interface InputWatch extends AutoCloseable {
    @Override
    void close();
}
