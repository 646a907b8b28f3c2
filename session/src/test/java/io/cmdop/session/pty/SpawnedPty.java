package io.cmdop.session.pty;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.time.Duration;

/**
 * Test helper: a spawned {@link Pty} that, when closed, kills whatever of its processes still
 * runs (with {@link ProcessHandle}, independently of the code under test), reaps it and closes the
 * PTY.
 */
final class SpawnedPty implements AutoCloseable {
    final Pty pty;
    private PtyOutput output;

    private SpawnedPty(Pty pty) {
        this.pty = pty;
    }

    static SpawnedPty spawn(PtySpec spec) throws IOException {
        return new SpawnedPty(Pty.spawn(spec));
    }

    static SpawnedPty spawn(String... command) throws IOException {
        return spawn(PtySpec.builder(command).build());
    }

    /** Starts reading the output in the background (at most once). */
    synchronized PtyOutput output() {
        if (output == null) {
            output = new PtyOutput(pty);
        }
        return output;
    }

    void type(String text) throws IOException {
        byte[] bytes = text.getBytes(UTF_8);
        pty.write(bytes, 0, bytes.length);
    }

    int waitFor() throws InterruptedException {
        return pty.waitFor(PtyOutput.TIMEOUT)
                .orElseThrow(() -> new AssertionError("process " + pty.pid() + " did not end within " + PtyOutput.TIMEOUT));
    }

    @Override
    public void close() {
        try {
            if (pty.exitStatus().isEmpty()) {
                ProcessHandle.of(pty.pid()).ifPresent(process -> {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                });
                pty.waitFor(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pty.close();
        }
    }
}
