package io.cmdop.relay;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitTest {
    @Test
    void eachKeyGetsItsLimitPerWindowAndTheTableStaysBounded() throws InterruptedException {
        RateLimit limit = new RateLimit(3, Duration.ofMillis(200), 2);
        assertThat(limit.tryAcquire("a")).isTrue();
        assertThat(limit.tryAcquire("a")).isTrue();
        assertThat(limit.tryAcquire("a")).isTrue();
        assertThat(limit.tryAcquire("a")).as("the fourth in the window").isFalse();
        assertThat(limit.tryAcquire("b")).as("another key is not affected").isTrue();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!limit.tryAcquire("a")) {
            assertThat(System.nanoTime()).as("a new window opens").isLessThan(deadline);
            Thread.sleep(20);
        }
        limit.tryAcquire("c");
        limit.tryAcquire("d");
        assertThat(limit.tryAcquire("a")).as("forgotten past the table's size: a fresh window").isTrue();
    }
}
