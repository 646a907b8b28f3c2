package io.cmdop.relay;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.FileEntry;
import io.cmdop.client.FileTransfer;
import io.cmdop.client.Files;
import io.cmdop.client.TransferProgress;
import io.cmdop.client.CommandResult;
import io.cmdop.client.FleetExecResult;
import io.cmdop.client.PermissionDeniedException;
import io.cmdop.client.Signal;
import io.cmdop.client.Terminal;
import io.cmdop.client.TerminalStream;
import io.cmdop.protocol.v1.CreateSessionRequest;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.SessionInfo;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * The examples of docs/sdk.md, as a program a user would write: {@link SdkGuideTest} runs it in a JVM
 * of its own with {@code CMDOP_HOME} and {@code CMDOP_API_KEY} set, and checks that every snippet in
 * the guide is one of the regions marked here ({@code // sdk.md: NAME} to {@code // end}).
 */
public final class SdkExamples {
    private SdkExamples() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "execute" -> execute();
            case "stream" -> stream();
            case "observe" -> observe();
            case "remote" -> remote(System.getenv("CMDOP_API_KEY"));
            case "files" -> files();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void execute() {
        // sdk.md: execute
        try (CmdopClient client = CmdopClient.local()) {
            CommandResult r = client.terminal().execute("echo built-$((6*7))", Duration.ofSeconds(30));
            System.out.println("exit " + r.exitCode() + ": " + r.text().strip());
        }
        // end
    }

    static void stream() throws Exception {
        // sdk.md: stream
        try (CmdopClient client = CmdopClient.local()) {
            Terminal terminal = client.terminal();
            SessionInfo session = terminal.getActiveSession(); // the newest running session, or a new shell
            TerminalStream stream = terminal.stream(Mode.MODE_OPERATOR)
                    .onOutput(bytes -> { /* draw them */ })
                    .onEvent(event -> {
                        if (event.hasInput()) {
                            System.out.println("typed by " + event.getInput().getSender().getPrincipal());
                        }
                    });
            stream.attach(session.getId());
            String id = stream.sendCommand("ls / | grep -c usr");
            CommandResult r = stream.waitForCommand(id, Duration.ofSeconds(30));
            System.out.println("exit " + r.exitCode() + ": " + r.text().strip());
            stream.resize(120, 40);
            stream.sendInput("sleep 60\r".getBytes(StandardCharsets.UTF_8));
            stream.signal(Signal.INT);
            stream.detach();
        }
        // end
    }

    static void observe() throws Exception {
        // sdk.md: observe
        try (CmdopClient client = CmdopClient.local()) {
            Terminal terminal = client.terminal();
            String session = terminal.create(CreateSessionRequest.getDefaultInstance()).getId(); // a new shell
            TerminalStream watcher = terminal.stream(Mode.MODE_OBSERVER);
            CountDownLatch exited = new CountDownLatch(1);
            watcher.events().subscribe(new Flow.Subscriber<Event>() {
                public void onSubscribe(Flow.Subscription s) { s.request(Long.MAX_VALUE); }
                public void onNext(Event e) { if (e.hasCommandFinished()) exited.countDown(); }
                public void onError(Throwable t) { }
                public void onComplete() { }
            });
            watcher.attach(session);
            try {
                watcher.sendInput("rm -rf /\r".getBytes(StandardCharsets.UTF_8));
            } catch (PermissionDeniedException e) {
                System.out.println("refused: " + e.reasonName());
            }
            CompletableFuture<CommandResult> run = terminal.executeAsync("true", Duration.ofSeconds(30));
            terminal.run(session, "echo watched", Duration.ofSeconds(30), bytes -> { });
            System.out.println("saw a command finish: " + exited.await(30, TimeUnit.SECONDS)
                    + ", exec exit " + run.get().exitCode());
            watcher.detach();
        }
        // end
    }

    static void files() throws Exception {
        // sdk.md: files
        try (CmdopClient client = CmdopClient.local()) {
            Files files = client.files(); // confined to the daemon's files root (default: its user's home)
            files.mkdir("reports", true);
            byte[] report = "all green\n".getBytes(StandardCharsets.UTF_8);
            files.write("reports/today.txt", new ByteArrayInputStream(report), report.length, TransferProgress.NONE);
            for (FileEntry e : files.list("reports")) {
                System.out.println(e.name() + " " + e.size() + " bytes");
            }
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            FileTransfer t = files.read("reports/today.txt", back, TransferProgress.NONE);
            System.out.println("read " + t.bytes() + " bytes, sha256 " + t.sha256().substring(0, 8) + ": " + back);
            try {
                files.read("../../etc/passwd", OutputStream.nullOutputStream(), TransferProgress.NONE);
            } catch (CmdopException e) {
                System.out.println("refused: " + e.reasonName());
            }
            files.delete("reports", true);
        }
        // end
    }

    static void remote(String apiKey) {
        // sdk.md: remote
        try (CmdopClient client = CmdopClient.remote(apiKey)) { // the relay saved by `cmdop login`
            Terminal terminal = client.terminal();
            terminal.setMachine("web-1");
            CommandResult r = terminal.execute("uname -s", Duration.ofMinutes(10));
            System.out.println("web-1: exit " + r.exitCode() + ": " + r.text().strip());
            SessionInfo active = terminal.getActiveSession("web-1");
            System.out.println("active on web-1: " + terminal.getSession(active.getId()).getState());
            FleetExecResult all = terminal.executeOn(List.of("web-1", "db-9"), "uptime", Duration.ofSeconds(30));
            all.results().forEach((machine, on) -> System.out.println(machine + ": "
                    + (on.result() != null ? "exit " + on.result().exitCode() : on.error().reasonName())));
        }
        // end
    }
}
