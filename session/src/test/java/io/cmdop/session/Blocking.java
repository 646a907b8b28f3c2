package io.cmdop.session;

import java.time.Duration;
import java.util.Arrays;

/** Test helper: waits until a thread is blocked in a given method, by looking at its stack. */
public final class Blocking {
    private Blocking() {
    }

    public static void awaitBlockedIn(Thread thread, String method, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Arrays.stream(thread.getStackTrace()).noneMatch(frame -> frame.getMethodName().equals(method))) {
            if (!thread.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(thread + " never blocked in " + method);
            }
            Thread.sleep(5); // polling the condition, not synchronising on time
        }
    }
}
