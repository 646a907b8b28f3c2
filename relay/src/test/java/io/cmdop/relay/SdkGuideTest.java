package io.cmdop.relay;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.RelayLogin;
import io.cmdop.daemon.Daemon;
import io.cmdop.daemon.DaemonConfig;
import io.cmdop.daemon.Enrollment;
import io.cmdop.relay.store.NewFleet;
import io.cmdop.relay.store.RelayStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/sdk.md is true: each of its Java snippets is a region of {@link SdkExamples}, and each
 * example runs, as a separate program (its own JVM, {@code CMDOP_HOME} set as a user's would be),
 * against a real daemon enrolled into a real relay.
 */
class SdkGuideTest {
    private static final Path GUIDE = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."),
            "docs", "sdk.md");
    private static final Path EXAMPLES = Path.of("src/test/java/io/cmdop/relay/SdkExamples.java");

    @TempDir
    static Path relayHome;
    @TempDir
    static Path home;

    private static RelayStore store;
    private static RelayServer relay;
    private static Daemon daemon;
    private static NewFleet fleet;

    @BeforeAll
    static void start() throws Exception {
        store = RelayStore.open(RelayStore.embeddedUrl(relayHome));
        fleet = store.fleets().create("default", "owner", true);
        relay = RelayServer.start(store, "127.0.0.1", 0,
                RelayTls.createSelfSigned(relayHome.resolve("tls.p12"), List.of("127.0.0.1")));
        String url = "https://127.0.0.1:" + relay.port();
        Enrollment.enroll(home, url, store.joinKeys().create(fleet.fleet().id(), 1, Duration.ofHours(1)).secret(),
                "web-1", relay.fingerprint());
        daemon = Daemon.start(home, DaemonConfig.defaults());
        // What `cmdop login` leaves behind, so that CmdopClient.remote(apiKey) finds the relay.
        new RelayLogin(url, relay.fingerprint(), fleet.ownerKey().secret()).save(new io.cmdop.client.CmdopHome(home));
        try (CmdopClient owner = CmdopClient.remote(url, fleet.ownerKey().secret(), relay.fingerprint(),
                io.cmdop.protocol.v1.ClientKind.CLIENT_KIND_SDK)) {
            RelayTest.await(() -> owner.fleet().machines().stream().anyMatch(m -> m.getOnline()), "web-1 online");
        }
    }

    @AfterAll
    static void stop() {
        daemon.stop();
        relay.close();
        store.close();
    }

    @Test
    void everySnippetOfTheGuideIsAnExampleThatCompiles() throws IOException {
        Map<String, String> regions = regions(Files.readString(EXAMPLES));
        Matcher snippet = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(GUIDE));
        List<String> snippets = new ArrayList<>();
        while (snippet.find()) {
            snippets.add(normalized(snippet.group(1)));
        }
        assertThat(snippets).as("the guide's Java snippets").isNotEmpty();
        assertThat(regions.values()).as("every snippet of docs/sdk.md is an example region of SdkExamples")
                .containsAll(snippets);
    }

    @Test
    void executeRunsACommandInAFreshSession() throws Exception {
        assertThat(run("execute")).isEqualTo("exit 0: built-42\n");
    }

    @Test
    void aStreamSendsACommandAndWaitsForIt() throws Exception {
        assertThat(run("stream")).contains("exit 0: 1\n").contains("typed by ");
    }

    @Test
    void anObserverWatchesAndCannotType() throws Exception {
        assertThat(run("observe")).contains("refused: OBSERVER_READ_ONLY\n")
                .contains("saw a command finish: true, exec exit 0\n");
    }

    @Test
    void aRemoteClientUsesTheSavedRelay() throws Exception {
        assertThat(run("remote")).contains("web-1: exit 0: Linux\n").contains("active on web-1: SESSION_STATE_RUNNING\n")
                .contains("web-1: exit 0\n").contains("db-9: ");
    }

    /** Runs one example as its own program and returns what it printed; it must succeed. */
    private static String run(String example) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile(home, "example-", ".err");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), SdkExamples.class.getName(), example)
                .redirectError(stderr.toFile());
        pb.environment().put("CMDOP_HOME", home.toString());
        pb.environment().put("CMDOP_API_KEY", fleet.ownerKey().secret());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("example " + example + " did not end: " + out + Files.readString(stderr));
        }
        assertThat(p.exitValue()).as("example " + example + " printed:\n" + out + Files.readString(stderr)).isZero();
        return out;
    }

    private static Map<String, String> regions(String source) {
        Map<String, String> regions = new LinkedHashMap<>();
        Matcher m = Pattern.compile("// sdk\\.md: (\\S+)\\n(.*?)\\n\\s*// end", Pattern.DOTALL).matcher(source);
        while (m.find()) {
            regions.put(m.group(1), normalized(m.group(2)));
        }
        return regions;
    }

    /** The same code whatever its indentation. */
    private static String normalized(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
