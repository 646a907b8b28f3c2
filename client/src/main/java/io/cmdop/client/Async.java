package io.cmdop.client;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The asynchronous face of a blocking SDK call: it runs on a virtual thread of its own. */
final class Async {
    private Async() {
    }

    static <T> CompletableFuture<T> run(String name, Supplier<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name(name).start(() -> {
            try {
                result.complete(call.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
