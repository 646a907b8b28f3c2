package io.cmdop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console end to end: a relay process and a daemon process as users run them, a real
 * headless Chromium, the CLI beside it. One relay for the class; each test uses its own sessions;
 * the relay restart comes last. Screenshots are kept in cli/target/console-screenshots.
 */
@Timeout(240)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    private CliHome relayHome;
    private CliHome machine;
    private CliHome.Live relay;

    /**
     * A browser test that fails says whether the relay still answered a plain HTTPS request and what
     * it logged: a Chromium that hangs on its first page (seen once in CI) is then told apart from
     * a relay that stopped serving.
     */
    @org.junit.jupiter.api.extension.RegisterExtension
    final org.junit.jupiter.api.extension.TestWatcher diagnosis = new org.junit.jupiter.api.extension.TestWatcher() {
        @Override
        public void testFailed(org.junit.jupiter.api.extension.ExtensionContext context, Throwable cause) {
            System.err.println("ConsoleIT diagnosis for " + context.getDisplayName() + ": GET " + url + "/ -> "
                    + probe() + "; relay log tail:\n" + (relay == null ? "(no relay)"
                    : String.join("\n", relay.lines().subList(Math.max(0, relay.lines().size() - 20), relay.lines().size()))));
        }
    };

    private String probe() {
        try {
            javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
            trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String type) { }
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String type) { }
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            try (java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(trustAll)
                    .connectTimeout(java.time.Duration.ofSeconds(5)).build()) {
                var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/"))
                        .timeout(java.time.Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                return "HTTP " + response.statusCode() + ", " + response.body().length() + " chars";
            }
        } catch (Exception e) {
            return "no answer: " + e;
        }
    }
    private Browser browser;
    private int port;
    private String url;
    private String ownerKey;
    private Browser.Page alice;

    @BeforeAll
    void start() throws IOException {
        browser = Browser.start();
        relayHome = CliHome.create();
        machine = CliHome.create();
        JsonNode init = relayHome.json("relay", "init", "--json");
        ownerKey = init.path("owner_key").asText();
        String fingerprint = init.path("fingerprint").asText();
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        url = "https://127.0.0.1:" + port;
        relay = startRelay();
        machine.writeConfig("session:\n  grace: 30s\n");
        machine.ok("agent", "start", "--relay", url, "--join-key", init.path("join_key").asText(),
                "--fingerprint", fingerprint, "--name", "web-1");
        machine.ok("login", "--relay", url, "--key", ownerKey, "--fingerprint", fingerprint);
        CliHome.Await.until("web-1 online", () -> {
            JsonNode machines = machine.json("machines", "list", "--json");
            return machines.size() == 1 && machines.get(0).path("online").asBoolean() ? machines : null;
        });
        alice = browser.open("alice", 1280, 900);
    }

    private CliHome.Live startRelay() {
        CliHome.Live live = relayHome.spawn("relay", "start", "--listen", "127.0.0.1:" + port);
        live.awaitLine("relay listening", 0, l -> l.startsWith("relay listening on https://127.0.0.1:" + port));
        return live;
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (machine != null) {
            machine.close();
        }
        if (relayHome != null) {
            relayHome.close();
        }
    }

    private Browser.Page signIn(Browser.Page page, String key) {
        page.go(url + "/").fill("[data-testid=key]", key).click("[data-testid=sign-in]");
        return page.awaitText("[data-testid=machines]", "web-1");
    }

    private void session(String name, String... command) {
        List<String> args = new java.util.ArrayList<>(List.of("session", "create", "--machine", "web-1", "--name", name));
        if (command.length > 0) {
            args.add("--");
            args.addAll(List.of(command));
        }
        machine.ok(args.toArray(String[]::new));
    }

    /** Rows without the blank ones at the bottom. */
    private static List<String> content(List<String> rows) {
        int end = rows.size();
        while (end > 0 && rows.get(end - 1).isBlank()) {
            end--;
        }
        return rows.subList(0, end);
    }

    @Test
    @Order(1)
    void aWrongKeyIsRefusedThenTheFleetAndAFullScreenProgramAppearAsTheyAre() throws IOException {
        Files.writeString(machine.userHome().resolve("notes.txt"), "first line of the notes\nsecond line\nthird line\n");
        session("editor", "vim", "-u", "NONE", "-N", "notes.txt");
        CliHome.Await.until("vim drawn", () -> machine.ok("session", "screen", "web-1/editor").stdout()
                .contains("second line") ? true : null);

        alice.go(url + "/").fill("[data-testid=key]", "cmdop_" + "a".repeat(16) + "_" + "b".repeat(52))
                .click("[data-testid=sign-in]").awaitText("[data-testid=error]", "the API key is not known");
        alice.screenshot("01-wrong-key");
        assertThat(alice.evaluate("location.href").asText()).as("no secret in the URL").isEqualTo(url + "/");
        signIn(alice, ownerKey).awaitText("[data-session='web-1/editor']", "editor");
        assertThat(alice.evaluate("location.href").asText()).isEqualTo(url + "/");
        assertThat(alice.text("[data-machine=web-1]")).contains("web-1");

        alice.click("[data-testid='watch web-1/editor']").awaitTerminal("third line");
        alice.awaitText("[data-testid=mode]", "observer");
        List<String> daemonScreen = machine.ok("session", "screen", "web-1/editor").stdout().lines().toList();
        List<String> browserScreen = alice.terminalRows();
        assertThat(content(browserScreen)).as("the browser shows the daemon's screen of vim, row by row")
                .isEqualTo(content(daemonScreen));
        assertThat(browserScreen.get(3)).isEqualTo("~");
        alice.awaitText("[data-testid=presence]", "owner@default");
        alice.screenshot("02-vim-at-once");
        assertThat(alice.problems()).as("no CSP violation or script error").isEmpty();
    }

    @Test
    @Order(2)
    void anOperatorTypesTheCliSeesItAndEveryInputIsAttributed() {
        session("pair");
        RealTerminal cli = RealTerminal.open(machine);
        try {
            cli.typeLine("cmdop session attach web-1/pair");
            cli.awaitText("pair as operator");
            alice.click("[data-testid='open web-1/pair']").awaitText("[data-testid=mode]", "operator");
            alice.awaitText("[data-testid=presence]", "cli").awaitText("[data-testid=state]", "live");
            alice.click(".terminal").type("echo from-web-$((6*7))").press("Enter");
            cli.await("from-web-42", s -> s.lines().anyMatch("from-web-42"::equals));

            cli.typeLine("echo from-cli-$((5*5))");
            alice.awaitTerminal("from-cli-25");
            alice.awaitText("[data-testid=activity]", "echo from-cli-$((5*5))⏎");
            String activity = alice.text("[data-testid=activity] li");
            assertThat(activity).contains("owner@default (web) (you) echo from-web-$((6*7))⏎")
                    .contains("owner@default (cli) echo from-cli-$((5*5))⏎");
            alice.click(".terminal").type("(exit 3)").press("Enter");
            alice.awaitText("[data-testid=activity]", "exit 3");
            assertThat(alice.text("[data-testid=presence]")).contains("web").contains("cli").contains("operator");
            alice.screenshot("03-operator-and-cli");
        } finally {
            cli.close();
        }
    }

    @Test
    @Order(3)
    void aPasteLongerThanAnInputFrameArrivesWholeAndInOrder() throws IOException {
        int size = 150_000;
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < size; i++) {
            text.append("pasted-").append(i).append(' ');
        }
        String pasted = text.substring(0, size);
        Path received = machine.userHome().resolve("pasted.txt");
        session("paste", "sh", "-c", "stty raw -echo; head -c " + size + " > \"$0\"; stty sane; echo all-pasted",
                received.toString());
        alice.click("[data-testid='open web-1/paste']").awaitText("[data-testid=mode]", "operator");
        alice.awaitText("[data-testid=state]", "live");
        // What a browser does with the clipboard: a paste event on the terminal's input.
        alice.evaluate("(() => { const data = new DataTransfer(); data.setData('text/plain', " + CliHome.JSON.valueToTree(pasted)
                + "); document.querySelector('.xterm-helper-textarea').dispatchEvent(new ClipboardEvent('paste',"
                + " { clipboardData: data, bubbles: true, cancelable: true })); })()");
        alice.awaitTerminal("all-pasted");
        assertThat(Files.readString(received)).isEqualTo(pasted);
    }

    @Test
    @Order(4)
    void anObserverIsBadgedAndItsKeystrokesNeverReachTheSession() {
        session("watched");
        String guestKey = machine.json("keys", "create", "--name", "visitor", "--role", "guest", "--json").path("secret").asText();
        Browser.Page bob = signIn(browser.open("bob", 1280, 900), guestKey);
        bob.awaitText("[data-session='web-1/watched']", "watched");
        assertThat(bob.texts("[data-testid='open web-1/watched']")).as("a guest may only watch").isEmpty();
        bob.click("[data-testid='watch web-1/watched']").awaitText("[data-testid=mode]", "observer · read-only");
        bob.awaitText("[data-testid=state]", "live");
        bob.click(".terminal").type("echo SHOULD-NOT-RUN").press("Enter");
        machine.ok("session", "send", "web-1/watched", "--enter", "echo marker-$((3*3))");
        bob.awaitTerminal("marker-9");
        assertThat(String.join("\n", bob.terminalRows())).doesNotContain("SHOULD-NOT-RUN");
        assertThat(machine.ok("session", "screen", "web-1/watched").stdout()).doesNotContain("SHOULD-NOT-RUN");
        assertThat(bob.text("[data-testid=activity]")).doesNotContain("SHOULD-NOT-RUN");
        bob.screenshot("04-observer");
        bob.close();
    }

    @Test
    @Order(5)
    void aShareLinkOpensOneSessionWithoutAnAccountUntilItIsRevokedOrExpires() {
        session("demo");
        machine.ok("session", "send", "web-1/demo", "--enter", "echo shared-$((4*4))");
        JsonNode cliLink = machine.json("share", "web-1/demo", "--ttl", "24h", "--json");
        assertThat(cliLink.path("mode").asText()).isEqualTo("observer");
        assertThat(cliLink.path("url").asText()).startsWith(url + "/share#cmdop_share_");

        Browser.Page carol = browser.open("carol", 1280, 900).go(cliLink.path("url").asText());
        carol.awaitText("[data-testid=mode]", "observer · read-only").awaitTerminal("shared-16");
        assertThat(carol.evaluate("location.href").asText()).as("the token leaves the address bar").isEqualTo(url + "/share");
        assertThat(carol.texts("[data-testid=machines]")).as("a link shows its one session, not the fleet").isEmpty();
        CliHome.Await.until("one view counted", () -> machine.json("share", "list", "--json").get(0)
                .path("views").asInt() == 1 ? true : null);
        carol.screenshot("05-share-link-viewer");

        alice.click("[data-testid='open web-1/demo']").awaitText("[data-testid=mode]", "operator");
        alice.click("[data-testid='create share link']").awaitText("[data-testid=share-created]", "shown only now");
        String webUrl = alice.evaluate("document.querySelector('[data-testid=share-url]').value").asText();
        assertThat(webUrl).startsWith(url + "/share#cmdop_share_");
        Browser.Page dave = browser.open("dave", 1280, 900).go(webUrl);
        dave.awaitTerminal("shared-16");
        alice.screenshot("06-share-panel");
        String webId = machine.json("share", "list", "--json").get(1).path("id").asText();
        alice.click("[data-testid='revoke " + webId + "']");
        dave.awaitText("[data-testid=error]", "the share link was revoked");
        dave.screenshot("07-share-link-revoked");

        machine.ok("share", "revoke", cliLink.path("id").asText());
        carol.awaitText("[data-testid=error]", "the share link was revoked");
        Browser.Page again = browser.open("again", 1280, 900).go(cliLink.path("url").asText());
        again.awaitText("[data-testid=error]", "This share link was revoked.");

        JsonNode brief = machine.json("share", "web-1/demo", "--ttl", "10s", "--json");
        Browser.Page erin = browser.open("erin", 1280, 900).go(brief.path("url").asText());
        erin.awaitTerminal("shared-16");
        erin.awaitText("[data-testid=error]", "the share link has expired");
        erin.screenshot("08-share-link-expired");

        Browser.Page forger = browser.open("forger", 1280, 900)
                .go(url + "/share#cmdop_share_" + "a".repeat(16) + "_" + "b".repeat(52));
        forger.awaitText("[data-testid=error]", "This share link is not valid.");
        List.of(carol, dave, again, erin, forger).forEach(Browser.Page::close);
    }

    @Test
    @Order(6)
    void aForeignOriginMalformedAndOversizedFramesGetClearErrorsAndNothingElseIsAffected() throws IOException {
        // Another site on this machine (the browser would not let a public one reach loopback at all).
        HttpServer site = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] page = ("<!doctype html><title>elsewhere</title><body><script>"
                + "const ws = new WebSocket('wss://127.0.0.1:" + port + "/ws');"
                + "ws.onclose = (e) => { document.body.textContent = 'closed ' + e.code + ' ' + e.reason; };"
                + "</script></body>").getBytes(StandardCharsets.UTF_8);
        site.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        site.start();
        try {
            String foreign = "http://127.0.0.1:" + site.getAddress().getPort();
            Browser.Page evil = browser.open("evil", 1280, 900).go(foreign + "/");
            evil.awaitText("body", "closed 1008 origin " + foreign + " is not allowed");
            evil.close();
        } finally {
            site.stop(0);
        }

        String raw = "new Promise((done) => { const ws = new WebSocket(`wss://${location.host}/ws`);"
                + " ws.onopen = () => ws.send(%s); ws.onclose = (e) => done(e.code + ' ' + e.reason); })";
        assertThat(alice.evaluate(raw.formatted("new Uint8Array([255, 255, 255])")).asText())
                .startsWith("1007 not a WebFrame");
        assertThat(alice.evaluate(raw.formatted("new Uint8Array(2 * 1024 * 1024)")).asText())
                .startsWith("1009 a frame of 2097152 bytes is over the limit");
        assertThat(alice.evaluate(raw.formatted("'hello'")).asText()).startsWith("1003 text messages are not part");

        alice.click(".terminal").type("echo still-$((10+1))").press("Enter");
        alice.awaitTerminal("still-11");
        assertThat(alice.text("[data-testid=state]")).contains("live");
    }

    @Test
    @Order(7)
    void onAPhoneSizedScreenTheConsoleStaysUsable() {
        Browser.Page phone = signIn(browser.open("phone", 390, 844), ownerKey);
        phone.screenshot("09-phone-fleet");
        phone.click("[data-testid='open web-1/pair']").awaitText("[data-testid=mode]", "operator");
        phone.awaitText("[data-testid=state]", "live");
        assertThat(phone.evaluate("document.documentElement.scrollWidth").asInt()).as("no sideways scrolling").isLessThanOrEqualTo(390);
        for (String part : List.of(".terminal", "[data-testid=presence]", "[data-testid=activity]", "[data-testid=share]", "header")) {
            JsonNode box = phone.evaluate("(() => { const r = document.querySelector(\"" + part.replace("\"", "\\\"")
                    + "\").getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width}; })()");
            assertThat(box.path("left").asDouble()).as(part).isGreaterThanOrEqualTo(0);
            assertThat(box.path("right").asDouble()).as(part).isLessThanOrEqualTo(390);
            assertThat(box.path("width").asDouble()).as(part).isGreaterThan(300);
        }
        phone.click(".terminal").type("echo phone-$((2*21))").press("Enter");
        phone.awaitTerminal("phone-42");
        phone.screenshot("10-phone-session");
        phone.close();
    }

    @Test
    @Order(8)
    void aRelayRestartShowsReconnectingThenTheTerminalContinuesWithNothingLostOrRepeated() {
        session("counter", "/bin/sh", "-c", "stty -echo; read go; i=0; while [ $i -lt 200 ]; do printf '%d,' $i; "
                + "i=$((i+1)); sleep 0.03; done; echo; echo DONE");
        alice.awaitText("[data-session='web-1/counter']", "counter");
        alice.click("[data-testid='watch web-1/counter']").awaitText("[data-testid=state]", "live");
        machine.ok("session", "send", "web-1/counter", "--enter", "go");
        alice.awaitTerminal("10,");

        relay.kill();
        alice.awaitText("[data-testid=state]", "reconnecting…");
        alice.screenshot("11-reconnecting");
        relay = startRelay();
        alice.awaitTerminal("DONE");
        alice.awaitText("[data-testid=state]", "exited (0)");
        String shown = String.join("", alice.terminalRows());
        String expected = IntStream.range(0, 200).mapToObj(i -> i + ",").reduce("", String::concat) + "DONE";
        assertThat(shown).as("every number once, in order, across the restart").contains(expected);
        assertThat(shown.indexOf("0,1,2,")).isEqualTo(shown.lastIndexOf("0,1,2,"));
        alice.screenshot("12-after-restart");
    }
}
