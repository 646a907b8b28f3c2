package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Node.js client in {@code src/test/node} (grpc-js and proto-loader from npm, the project's own
 * .proto files), installed with {@code npm ci} into the build directory once and run as a process of
 * its own, stopped by its pid. It prints one JSON object a line.
 */
final class NodeClient implements AutoCloseable {
    private static final Path SOURCES = Path.of(System.getProperty("cmdop.node.client", "src/test/node"));
    private static final Path WORK = Path.of(System.getProperty("cmdop.node.work", "target/node-client"));
    private static final Path PROTOS = Path.of(System.getProperty("cmdop.protos", "../protocol/src/main/proto"));

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stderr = new StringBuilder();

    private NodeClient(Process process) {
        this.process = process;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
            } catch (IOException e) {
                // the process ended
            }
        });
        Thread.ofVirtual().start(() -> {
            try {
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (stderr) {
                    stderr.append(err);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    /** Runs {@code client.mjs} with these arguments after the proto directory. */
    static NodeClient start(String... args) throws IOException, InterruptedException {
        install();
        List<String> command = new ArrayList<>(List.of("node", WORK.resolve("client.mjs").toString(), PROTOS.toString()));
        command.addAll(List.of(args));
        return new NodeClient(new ProcessBuilder(command).directory(WORK.toFile()).start());
    }

    /** The next line the client printed, as JSON, which must have {@code field}. */
    JsonNode next(String field) throws InterruptedException, IOException {
        String line = lines.poll(CliHome.WAIT.toSeconds(), TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("the Node.js client printed nothing within " + CliHome.WAIT.toSeconds()
                    + " s waiting for '" + field + "'; its stderr: " + stderr());
        }
        JsonNode node = CliHome.JSON.readTree(line);
        if (!node.has(field)) {
            throw new AssertionError("the Node.js client printed " + line + " instead of '" + field + "'; stderr: " + stderr());
        }
        return node.get(field);
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(CliHome.WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("the Node.js client did not exit; stderr: " + stderr());
        }
        return process.exitValue();
    }

    private String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    /** Copies the client into the build directory; installs its locked dependencies when they changed. */
    private static synchronized void install() throws IOException, InterruptedException {
        Files.createDirectories(WORK);
        Path lock = WORK.resolve("package-lock.json");
        boolean current = Files.isDirectory(WORK.resolve("node_modules/@grpc/grpc-js")) && Files.exists(lock)
                && Files.mismatch(lock, SOURCES.resolve("package-lock.json")) == -1;
        for (String file : List.of("package.json", "package-lock.json", "client.mjs")) {
            Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (current) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
                .directory(WORK.toFile()).redirectErrorStream(true).start();
        byte[] out = npm.getInputStream().readAllBytes();
        if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new UncheckedIOException(new IOException("npm ci failed: " + new String(out, StandardCharsets.UTF_8)));
        }
    }
}
