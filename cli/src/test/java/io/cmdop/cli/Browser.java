package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real headless Chromium (Debian's /usr/bin/chromium) driven through playwright-core by
 * web/e2e/browser.mjs, one JSON command a line. Pages are named; each is a separate person (its
 * own context and session storage). Screenshots go to cli/target/console-screenshots.
 */
final class Browser implements AutoCloseable {
    static final Path WEB = Path.of(System.getProperty("cmdop.web", "../web"));
    static final Path SCREENSHOTS = Path.of(System.getProperty("cmdop.screenshots", "target/console-screenshots"));
    private static final String CHROMIUM = System.getenv().getOrDefault("CMDOP_CHROMIUM", "/usr/bin/chromium");

    private final Process node;
    private final Writer in;
    private final BlockingQueue<JsonNode> answers = new LinkedBlockingQueue<>();
    private final List<String> stderr = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    private Browser(Process node) {
        this.node = node;
        this.in = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("cmdop-it-browser").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    answers.add(CliHome.JSON.readTree(line));
                }
            } catch (IOException ignored) {
                // the browser process ended
            }
        });
        Thread.ofPlatform().daemon().name("cmdop-it-browser-err").start(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(node.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the browser process ended
            }
        });
    }

    static Browser start() {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            throw new AssertionError("the console's browser tests need Chromium at " + CHROMIUM
                    + ": install Debian's chromium (apt-get install chromium), as .ci/run does");
        }
        if (!Files.isDirectory(WEB.resolve("node_modules/playwright-core"))) {
            throw new AssertionError("playwright-core is not installed under " + WEB + ": build the web module first");
        }
        try {
            Files.createDirectories(SCREENSHOTS);
            Process node = new ProcessBuilder("node", "e2e/browser.mjs").directory(WEB.toFile()).start();
            Browser browser = new Browser(node);
            JsonNode ready = browser.answers.poll(60, TimeUnit.SECONDS);
            if (ready == null || !ready.path("ready").asBoolean()) {
                browser.close();
                throw new AssertionError("the browser did not start: " + browser.stderr());
            }
            return browser;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A new person with a screen of this size. */
    Page open(String name, int width, int height) {
        call("open", "page", name, "width", width, "height", height);
        return new Page(name);
    }

    JsonNode call(String op, Object... fields) {
        ObjectNode command = CliHome.JSON.createObjectNode();
        long id = ids.incrementAndGet();
        command.put("id", id).put("op", op);
        for (int i = 0; i < fields.length; i += 2) {
            command.set((String) fields[i], CliHome.JSON.valueToTree(fields[i + 1]));
        }
        try {
            synchronized (in) {
                in.write(command + "\n");
                in.flush();
            }
            JsonNode answer = answers.poll(90, TimeUnit.SECONDS);
            if (answer == null) {
                throw new AssertionError("the browser did not answer " + op + " within 90 s; " + stderr());
            }
            if (!answer.path("ok").asBoolean()) {
                throw new AssertionError("browser " + op + " " + command + " failed: " + answer.path("error").asText());
            }
            return answer.path("value");
        } catch (IOException e) {
            throw new UncheckedIOException("the browser process is gone: " + stderr(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private String stderr() {
        synchronized (stderr) {
            return String.join("\n", stderr);
        }
    }

    @Override
    public void close() {
        try {
            synchronized (in) {
                in.write("{\"op\":\"quit\"}\n");
                in.flush();
            }
            if (!node.waitFor(20, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        } catch (IOException e) {
            node.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            node.destroyForcibly();
        }
    }

    /** One person's page. */
    final class Page {
        final String name;

        private Page(String name) {
            this.name = name;
        }

        Page go(String url) {
            call("goto", "page", name, "url", url);
            return this;
        }

        Page fill(String selector, String text) {
            call("fill", "page", name, "selector", selector, "text", text);
            return this;
        }

        Page click(String selector) {
            call("click", "page", name, "selector", selector);
            return this;
        }

        /** Types into what has the focus, key by key, as a person would. */
        Page type(String text) {
            call("type", "page", name, "text", text);
            return this;
        }

        Page press(String key) {
            call("press", "page", name, "key", key);
            return this;
        }

        /** Waits until an element matching {@code selector} contains {@code text}. */
        Page awaitText(String selector, String text) {
            try {
                call("waitText", "page", name, "selector", selector, "text", text, "timeout", 30_000);
            } catch (AssertionError e) {
                throw new AssertionError(name + "'s page never showed '" + text + "' in " + selector + "; it shows "
                        + call("evaluate", "page", name, "script", "document.body.innerText.slice(0, 3000)").asText(), e);
            }
            return this;
        }

        List<String> texts(String selector) {
            List<String> texts = new ArrayList<>();
            call("text", "page", name, "selector", selector).forEach(n -> texts.add(n.asText()));
            return texts;
        }

        String text(String selector) {
            return String.join("\n", texts(selector));
        }

        /** The terminal's rows as the page renders them. */
        List<String> terminalRows() {
            return texts(".xterm-rows > div").stream().map(r -> r.replace('\u00a0', ' ').stripTrailing()).toList();
        }

        /** Waits until the rendered terminal shows {@code text}. */
        Page awaitTerminal(String text) {
            return awaitText(".xterm-rows", text);
        }

        JsonNode evaluate(String script) {
            return call("evaluate", "page", name, "script", script);
        }

        /** Keeps a screenshot of the page as a test artifact. */
        Page screenshot(String file) {
            call("screenshot", "page", name, "file", SCREENSHOTS.resolve(file + ".png").toAbsolutePath().toString());
            return this;
        }

        /** Console errors and uncaught exceptions of the page so far (CSP violations among them). */
        List<String> problems() {
            List<String> problems = new ArrayList<>();
            call("problems", "page", name).forEach(n -> problems.add(n.asText()));
            return problems;
        }

        void close() {
            call("close", "page", name);
        }
    }
}
