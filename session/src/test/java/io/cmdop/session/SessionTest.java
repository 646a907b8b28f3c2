package io.cmdop.session;

import io.cmdop.terminal.ScreenSnapshot;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The session contract (ARCHITECTURE §3) on real PTYs and shells, without any network. */
class SessionTest {
    @TempDir
    Path home;

    private final List<Session> sessions = new ArrayList<>();
    private final List<Drain> drains = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Drain d : drains) {
            d.close();
        }
        for (Session s : sessions) {
            s.destroy(Duration.ofSeconds(2));
        }
    }

    private Session start(List<String> command, SessionConfig config) {
        Session s = Session.start(Session.newId(), SessionSpec.shell().withCommand(command).withName(null),
                config.withIntegrationDir(home.resolve("shell")), "tester");
        sessions.add(s);
        return s;
    }

    private Session bash() throws InterruptedException {
        Session s = start(List.of("/bin/bash"), SessionConfig.defaults());
        assertThat(s.awaitPrompt(Duration.ofSeconds(20))).as("bash shows its prompt").isTrue();
        return s;
    }

    /** cat without terminal echo: its output is exactly the input, in order. */
    private Session quietCat(SessionConfig config) throws InterruptedException {
        Session s = start(List.of("/bin/sh", "-c", "stty -echo; echo cat-ready; exec cat"), config);
        // From the start: "cat-ready" may well be printed before anyone could attach.
        Drain ready = drain(s.attachFromStart("setup", ClientKind.SDK));
        ready.awaitText("cat-ready");
        ready.attachment().detach();
        return s;
    }

    private Drain drain(Session.Attached attached) {
        Drain d = new Drain(attached);
        drains.add(d);
        return d;
    }

    private static Sender operator(String principal, String clientId) {
        return new Sender(principal, clientId, ClientKind.CLI, Mode.OPERATOR);
    }

    @Test
    void concurrentOperatorsAreSerializedAttributedAndSeenIdenticallyByEveryClient() throws Exception {
        Session s = start(List.of("/bin/cat"), SessionConfig.defaults());
        Drain first = drain(s.attach("alice", ClientKind.CLI, Mode.OBSERVER, null, false));
        Drain second = drain(s.attach("bob", ClientKind.WEB, Mode.OBSERVER, null, false));
        int writers = 4;
        int perWriter = 50;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String who = "op" + w;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perWriter; i++) {
                    s.sendInput(operator(who, who + "-client"), (who + ":" + i + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        first.awaitEvent(SessionEvent.InputApplied.class, e -> e.inputId() == writers * perWriter);
        second.awaitEvent(SessionEvent.InputApplied.class, e -> e.inputId() == writers * perWriter);
        // cat echoes every line (tty echo) and prints it back: wait for the last one from each writer.
        for (int w = 0; w < writers; w++) {
            first.awaitText("op" + w + ":" + (perWriter - 1) + "\r\n");
            second.awaitText("op" + w + ":" + (perWriter - 1) + "\r\n");
        }
        long lastSeq = Math.min(last(first).seq(), last(second).seq());
        List<SessionEvent> a = first.events().stream().filter(e -> e.seq() <= lastSeq && !(e instanceof SessionEvent.ClientJoined)).toList();
        List<SessionEvent> b = second.events().stream().filter(e -> e.seq() <= lastSeq && !(e instanceof SessionEvent.ClientJoined)).toList();
        assertThat(b).as("both clients see the identical event sequence").isEqualTo(a);

        List<SessionEvent.InputApplied> inputs = a.stream().filter(e -> e instanceof SessionEvent.InputApplied)
                .map(e -> (SessionEvent.InputApplied) e).toList();
        assertThat(inputs).hasSize(writers * perWriter);
        for (int i = 0; i < inputs.size(); i++) {
            SessionEvent.InputApplied in = inputs.get(i);
            assertThat(in.inputId()).as("input ids strictly increase").isEqualTo(i + 1);
            String text = new String(in.data(), StandardCharsets.UTF_8);
            assertThat(text).as("attributed to its sender").startsWith(in.sender().principal() + ":");
            assertThat(in.sender().clientId()).isEqualTo(in.sender().principal() + "-client");
        }
        for (int i = 1; i < a.size(); i++) {
            assertThat(a.get(i).seq()).as("seq strictly increases").isGreaterThan(a.get(i - 1).seq());
        }
        // Each writer's lines were applied in the order it sent them.
        for (int w = 0; w < writers; w++) {
            String who = "op" + w;
            List<Integer> order = inputs.stream().filter(in -> in.sender().principal().equals(who))
                    .map(in -> Integer.parseInt(new String(in.data(), StandardCharsets.UTF_8).trim().split(":")[1])).toList();
            assertThat(order).isSorted();
        }
    }

    private static SessionEvent last(Drain d) {
        List<SessionEvent> events = d.events();
        return events.getLast();
    }

    @Test
    void aSessionAtItsClientLimitRefusesOneMoreByNameAndKeepsTheOthers() throws Exception {
        Session s = quietCat(SessionConfig.defaults().withMaxAttachments(2));
        Session.Attached first = s.attach("a", ClientKind.SDK, Mode.OBSERVER, null, false);
        Session.Attached second = s.attach("b", ClientKind.SDK, Mode.OBSERVER, null, false);
        assertThatThrownBy(() -> s.attach("c", ClientKind.SDK, Mode.OBSERVER, null, false))
                .isInstanceOfSatisfying(SessionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.LIMIT_REACHED);
                    assertThat(e.getMessage()).contains("2 attached clients").contains("session.max_clients");
                });
        assertThat(s.view().attached()).extracting(ClientView::clientId)
                .containsExactlyInAnyOrder(first.attachment().clientId(), second.attachment().clientId());
        first.attachment().detach();
        assertThat(s.attach("c", ClientKind.SDK, Mode.OBSERVER, null, false).attachment().clientId()).isNotEmpty();
    }

    @Test
    void observersAreRefusedWithTheRuleAndNothingReachesThePty() throws Exception {
        Session s = bash();
        Session.Attached watcher = s.attach("eve", ClientKind.CLI, Mode.OBSERVER, new TerminalSize(100, 30), true);
        Drain d = drain(watcher);
        Attachment a = watcher.attachment();
        long seqBefore = s.view().lastSeq();
        String before = s.screen().screen().text();

        assertThatThrownBy(() -> a.sendInput("touch /tmp/observer-was-here\r".getBytes()))
                .isInstanceOfSatisfying(SessionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.OBSERVER_READ_ONLY);
                    assertThat(e.getMessage()).contains("observer").contains("send input");
                });
        assertThatThrownBy(() -> a.sendCommand("echo nope"))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OBSERVER_READ_ONLY));
        assertThatThrownBy(() -> a.resize(new TerminalSize(50, 10)))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.getMessage()).contains("resize"));
        assertThatThrownBy(() -> a.signal("INT"))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.getMessage()).contains("signals"));

        assertThat(s.view().size()).as("size unchanged").isEqualTo(TerminalSize.DEFAULT);
        // An operator's marker proves the PTY processed everything sent before it.
        s.sendInput(operator("op", "op-1"), "echo marker-$((40+2))\r".getBytes());
        d.awaitText("marker-42");
        // (bash may still be printing the end of its prompt meanwhile: output events are not the actions')
        assertThat(d.events()).filteredOn(e -> e.seq() > seqBefore)
                .as("no event was produced by refused actions")
                .noneMatch(e -> e instanceof SessionEvent.Resized || e instanceof SessionEvent.Signaled
                        || e instanceof SessionEvent.CommandStarted c && !c.commandId().isEmpty()
                        || e instanceof SessionEvent.InputApplied in && in.sender().mode() == Mode.OBSERVER);
        assertThat(s.screen().screen().text()).doesNotContain("observer-was-here").doesNotContain("nope");
        assertThat(before).isNotNull();
    }

    @Test
    void aDroppedClientResumesWithItsTokenAndMissesNothing() throws Exception {
        Session s = quietCat(SessionConfig.defaults());
        Sender op = operator("op", "op-1");
        Session.Attached attached = s.attach("alice", ClientKind.SDK, Mode.OBSERVER, null, false);
        Drain before = new Drain(attached);
        s.sendInput(op, "one\n".getBytes());
        before.awaitText("one\r\n");
        before.close();
        long lastSeq = before.events().getLast().seq();
        long nextOffset = before.bytes().length;
        attached.attachment().disconnect(attached.epoch());

        s.sendInput(op, "two\n".getBytes());
        s.sendInput(op, "three\n".getBytes());
        // From the start of the ring: cat may echo "three" before a live attach would begin.
        Drain probe = drain(s.attachFromStart("probe", ClientKind.SDK));
        probe.awaitText("three\r\n");

        assertThat(s.view().attached()).anyMatch(c -> c.clientId().equals(attached.attachment().clientId())
                && !c.connected());
        Session.Attached resumed = s.resume(attached.token(), lastSeq, nextOffset);
        assertThat(resumed.attachment()).isSameAs(attached.attachment());
        assertThat(resumed.token()).as("the token rotates").isNotEqualTo(attached.token());
        Drain after = drain(resumed);
        after.awaitText("three\r\n");
        String all = before.text() + after.text();
        assertThat(all).as("every byte exactly once, in order").endsWith("one\r\ntwo\r\nthree\r\n");
        assertThat(before.text()).doesNotContain("two");
        assertThat(after.events().getFirst().seq()).isEqualTo(lastSeq + 1);

        Session.Attached lostAnswer = s.resume(resumed.token(), lastSeq, nextOffset);
        lostAnswer.attachment().disconnect(lostAnswer.epoch());
        assertThat(s.resume(resumed.token(), lastSeq, nextOffset).attachment())
                .as("a resume whose answer was lost with its carrier can be repeated with the same token")
                .isSameAs(attached.attachment());
        assertThatThrownBy(() -> s.resume(attached.token(), lastSeq, nextOffset))
                .as("a used token is refused")
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOKEN_INVALID));
    }

    @Test
    void aTokenPresentedAfterTheGraceWindowIsRefusedAsExpired() throws Exception {
        Session s = start(List.of("/bin/cat"), SessionConfig.defaults().withGrace(Duration.ofMillis(200)));
        Session.Attached attached = s.attach("alice", ClientKind.SDK, Mode.OBSERVER, null, false);
        attached.attachment().disconnect(attached.epoch());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // The janitor's sweep ends it; here we sweep ourselves until the window has passed.
        while (!s.view().attached().isEmpty() && System.nanoTime() < deadline) {
            s.expireGrace();
            Thread.onSpinWait();
        }
        assertThat(s.view().attached()).as("the attachment left after its grace window").isEmpty();
        assertThatThrownBy(() -> s.resume(attached.token(), 0, 0))
                .isInstanceOfSatisfying(SessionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOKEN_EXPIRED);
                    assertThat(e.getMessage()).contains("grace window");
                });
        assertThatThrownBy(() -> s.resume(s.id() + ".forged", 0, 0))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOKEN_INVALID));
    }

    @Test
    void resumingAfterTheRingOverflowedGivesAGapAndAFreshScreen() throws Exception {
        Session s = quietCat(SessionConfig.defaults().withRingBytes(8192));
        Sender op = operator("op", "op-1");
        Session.Attached attached = s.attach("alice", ClientKind.SDK, Mode.OBSERVER, null, false);
        attached.attachment().disconnect(attached.epoch());
        Drain probe = drain(s.attach("probe", ClientKind.SDK, Mode.OBSERVER, null, false));
        String line = "x".repeat(70) + "\n";
        for (int i = 0; i < 300; i++) {
            s.sendInput(op, line.getBytes());
        }
        s.sendInput(op, "the-end\n".getBytes());
        probe.awaitText("the-end\r\n");

        Session.Attached resumed = s.resume(attached.token(), 0, 0);
        Drain after = drain(resumed);
        Delivery.Resync resync = after.await(Delivery.Resync.class, r -> true, "a resync");
        assertThat(resync.reason()).isEqualTo("ring_overflow");
        assertThat(resync.gapFrom()).isZero();
        assertThat(resync.gapTo()).isEqualTo(resync.screen().offset()).isGreaterThan(8192);
        assertThat(resync.screen().screen().text()).contains("the-end");
        assertThat(after.deliveries().getFirst()).as("the gap comes before anything else").isInstanceOf(Delivery.Resync.class);
    }

    @Test
    void aRefreshIsTheScreenInStreamOrderAndOneQueuedAnswersTheRequestsAfterIt() throws Exception {
        Session s = quietCat(SessionConfig.defaults());
        Sender op = operator("op", "op-1");
        Session.Attached watcher = s.attach("watcher", ClientKind.SDK, Mode.OBSERVER, null, false);
        Drain probe = drain(s.attach("probe", ClientKind.SDK, Mode.OBSERVER, null, false));
        s.sendInput(op, "before\n".getBytes());
        probe.awaitText("before\r\n"); // in the watcher's queue too: it has not read yet

        watcher.attachment().refresh();
        watcher.attachment().refresh();
        s.sendInput(op, "after\n".getBytes());
        probe.awaitText("after\r\n");

        List<Delivery> got = new ArrayList<>();
        StringBuilder output = new StringBuilder();
        while (!output.toString().contains("after")) {
            Delivery d = watcher.attachment().poll(watcher.epoch(), Duration.ofSeconds(10));
            assertThat(d).as("the watcher's deliveries go on until the output after the refresh").isNotNull();
            got.add(d);
            if (d instanceof Delivery.Event(SessionEvent.Output o)) {
                output.append(new String(o.data(), StandardCharsets.UTF_8));
            }
        }
        List<Delivery.Resync> screens = got.stream().filter(d -> d instanceof Delivery.Resync)
                .map(d -> (Delivery.Resync) d).toList();
        assertThat(screens).as("two requests, one screen: the second came while the first was queued").hasSize(1);
        Delivery.Resync screen = screens.getFirst();
        assertThat(screen.requested()).isTrue();
        assertThat(screen.gapFrom()).as("nothing missed").isEqualTo(screen.gapTo()).isEqualTo(screen.screen().offset());
        assertThat(screen.screen().screen().text()).contains("before").doesNotContain("after");

        int at = got.indexOf(screen);
        SessionEvent.Output last = null;
        for (Delivery d : got.subList(0, at)) {
            if (d instanceof Delivery.Event(SessionEvent.Output o)) {
                last = o;
            }
        }
        assertThat(last).as("the output before the request comes before the screen").isNotNull();
        assertThat(new String(last.data(), StandardCharsets.UTF_8)).contains("before");
        assertThat(last.endOffset()).isEqualTo(screen.screen().offset());
        SessionEvent.Output afterwards = got.subList(at + 1, got.size()).stream()
                .flatMap(d -> d instanceof Delivery.Event(SessionEvent.Output o) ? java.util.stream.Stream.of(o)
                        : java.util.stream.Stream.empty()).findFirst().orElseThrow();
        assertThat(afterwards.offset()).as("the output after the screen continues where it stands")
                .isEqualTo(screen.screen().offset());
        assertThat(((Delivery.Event) got.get(at + 1)).event().seq()).isEqualTo(screen.screen().seq() + 1);

        Session.Attached relayed = s.attachRelayed("remote", ClientKind.SDK, Mode.OBSERVER, null, false, false);
        assertThatThrownBy(() -> relayed.attachment().refresh()).isInstanceOfSatisfying(SessionException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT));
    }

    @Test
    void aClientThatStopsReadingSlowsNobodyAndStaysBounded() throws Exception {
        long queueBytes = 4 * 1024 * 1024;
        long total = 30_000_000L;
        Session s = start(List.of("/bin/sh", "-c", "stty -echo; read go; head -c " + total + " /dev/zero | tr '\\0' a; echo done"),
                SessionConfig.defaults().withSendQueueBytes(queueBytes));
        Session.Attached stalled = s.attach("stuck", ClientKind.SDK, Mode.OBSERVER, null, false);
        Session.Attached reader = s.attach("fast", ClientKind.SDK, Mode.OBSERVER, null, false);
        long[] counted = new long[2];
        Thread fast = Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    Delivery d = reader.attachment().poll(reader.epoch(), Duration.ofSeconds(20));
                    if (d == null || d instanceof Delivery.End) {
                        return;
                    }
                    if (d instanceof Delivery.Resync) {
                        counted[1]++;
                    } else if (d instanceof Delivery.Event(SessionEvent.Output o)) {
                        for (byte b : o.data()) {
                            if (b == 'a') {
                                counted[0]++;
                            }
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        s.sendInput(operator("op", "op-1"), "go\n".getBytes());
        assertThat(s.exit().get(60, TimeUnit.SECONDS)).isZero();
        fast.join(Duration.ofSeconds(30));

        assertThat(counted[1]).as("the reading client was never skipped").isZero();
        assertThat(counted[0]).as("the reading client got every byte").isEqualTo(total);
        assertThat(stalled.attachment().queuedBytes()).as("the stalled queue stays within its bound")
                .isLessThanOrEqualTo(queueBytes);

        // When it finally reads, it learns what it missed and gets the current screen.
        Delivery first = stalled.attachment().poll(stalled.epoch(), Duration.ofSeconds(5));
        assertThat(first).isInstanceOf(Delivery.Resync.class);
        Delivery.Resync r = (Delivery.Resync) first;
        assertThat(r.reason()).isEqualTo("client_lagged");
        assertThat(r.screen().screen().text()).contains("done");
    }

    @Test
    void correlatedCommandsReportOutputAndExitCodeInBash() throws Exception {
        Session s = bash();
        Session.Attached runner = s.attach("ci", ClientKind.SDK, Mode.OPERATOR, null, false);
        Drain d = drain(runner);

        String ok = runner.attachment().sendCommand("printf 'no-newline'").commandId();
        SessionEvent.CommandFinished okEnd = d.awaitEvent(SessionEvent.CommandFinished.class, f -> f.commandId().equals(ok));
        assertThat(okEnd.exitCode()).isZero();
        assertThat(commandOutput(d, ok)).isEqualTo("no-newline");

        String failing = runner.attachment().sendCommand("ls /definitely/not/here").commandId();
        SessionEvent.CommandFinished failEnd = d.awaitEvent(SessionEvent.CommandFinished.class,
                f -> f.commandId().equals(failing));
        assertThat(failEnd.exitCode()).isEqualTo(2);
        assertThat(commandOutput(d, failing)).contains("No such file or directory");

        assertThat(d.events()).anyMatch(e -> e instanceof SessionEvent.InputApplied in && in.commandId().equals(ok)
                && in.sender().principal().equals("ci"));
    }

    @Test
    void aShellWithoutIntegrationStillCorrelatesCommands() throws Exception {
        Session s = start(List.of("/bin/sh"), SessionConfig.defaults());
        Session.Attached runner = s.attach("ci", ClientKind.SDK, Mode.OPERATOR, null, false);
        Drain d = drain(runner);
        String id = runner.attachment().sendCommand("echo out; (exit 5)").commandId();
        SessionEvent.CommandFinished end = d.awaitEvent(SessionEvent.CommandFinished.class, f -> f.commandId().equals(id));
        assertThat(end.exitCode()).isEqualTo(5);
        assertThat(commandOutput(d, id)).isEqualTo("out\r\n");
    }

    @Test
    void aCommandWhileAnotherRunsIsRefusedAsBusy() throws Exception {
        Session s = bash();
        Sender op = operator("op", "op-1");
        s.sendCommand(op, "sleep 30");
        assertThatThrownBy(() -> s.sendCommand(op, "echo second"))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SHELL_BUSY));
        s.signal(op, "INT");
    }

    /** The output bytes between a command's start and finish events. */
    private static String commandOutput(Drain d, String commandId) {
        StringBuilder out = new StringBuilder();
        boolean in = false;
        for (SessionEvent e : d.events()) {
            if (e instanceof SessionEvent.CommandStarted st && st.commandId().equals(commandId)) {
                in = true;
            } else if (e instanceof SessionEvent.CommandFinished f && f.commandId().equals(commandId)) {
                break;
            } else if (in && e instanceof SessionEvent.Output o) {
                out.append(new String(o.data(), StandardCharsets.UTF_8));
            }
        }
        return out.toString();
    }

    @Test
    void resizePoliciesDecideTheSize() throws Exception {
        Session latest = start(List.of("/bin/cat"), SessionConfig.defaults());
        Attachment a = latest.attach("a", ClientKind.CLI, Mode.OPERATOR, new TerminalSize(100, 30), false).attachment();
        assertThat(latest.view().size()).isEqualTo(new TerminalSize(100, 30));
        Attachment b = latest.attach("b", ClientKind.CLI, Mode.OPERATOR, new TerminalSize(90, 20), false).attachment();
        assertThat(latest.view().size()).isEqualTo(new TerminalSize(90, 20));
        a.resize(new TerminalSize(120, 40));
        assertThat(latest.view().size()).as("latest: the last operator who resized").isEqualTo(new TerminalSize(120, 40));
        latest.attach("sdk", ClientKind.SDK, Mode.OPERATOR, new TerminalSize(20, 5), false);
        assertThat(latest.view().size()).as("programmatic clients do not count").isEqualTo(new TerminalSize(120, 40));
        assertThat(b).isNotNull();

        Session smallest = start(List.of("/bin/cat"), SessionConfig.defaults().withResizePolicy(ResizePolicy.SMALLEST));
        smallest.attach("a", ClientKind.CLI, Mode.OPERATOR, new TerminalSize(100, 20), false);
        Attachment small = smallest.attach("b", ClientKind.WEB, Mode.OPERATOR, new TerminalSize(60, 40), false).attachment();
        assertThat(smallest.view().size()).isEqualTo(new TerminalSize(60, 20));
        small.detach();
        assertThat(smallest.view().size()).as("recomputed when a client leaves").isEqualTo(new TerminalSize(100, 20));

        Session fixed = start(List.of("/bin/cat"), SessionConfig.defaults().withResizePolicy(ResizePolicy.FIXED));
        Attachment f = fixed.attach("a", ClientKind.CLI, Mode.OPERATOR, new TerminalSize(100, 20), false).attachment();
        assertThat(fixed.view().size()).isEqualTo(TerminalSize.DEFAULT);
        assertThatThrownBy(() -> f.resize(new TerminalSize(50, 10)))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.RESIZE_FIXED));
    }

    @Test
    void theProgramSeesTheNewSizeAndTheScreenModelFollows() throws Exception {
        Session s = bash();
        Sender op = operator("op", "op-1");
        Drain d = drain(s.attach("w", ClientKind.SDK, Mode.OBSERVER, null, false));
        s.resize(op, new TerminalSize(132, 43));
        d.awaitEvent(SessionEvent.Resized.class, r -> r.size().equals(new TerminalSize(132, 43)));
        s.sendInput(op, "stty size\r".getBytes());
        d.awaitText("43 132");
        assertThat(s.screen().screen().cols()).isEqualTo(132);
    }

    @Test
    void withNobodyAttachedTheSessionRunsOnAndALateJoinerSeesTheScreen() throws Exception {
        Session s = bash();
        s.sendInput(operator("op", "op-1"), "for i in 1 2 3; do echo line-$i; done\r".getBytes());
        Drain late;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!s.screen().screen().text().contains("line-3") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Session.Attached joined = s.attach("late", ClientKind.CLI, Mode.OBSERVER, null, false);
        assertThat(joined.screen()).isPresent();
        ScreenState screen = joined.screen().get();
        assertThat(screen.screen().text()).contains("line-1").contains("line-2").contains("line-3");
        late = drain(joined);
        s.sendInput(operator("op", "op-1"), "echo more\r".getBytes());
        SessionEvent.Output next = late.awaitEvent(SessionEvent.Output.class, o -> true);
        assertThat(next.offset()).as("live output continues exactly where the screen left off").isEqualTo(screen.offset());
        assertThat(late.events()).allMatch(e -> e.seq() > screen.seq());
    }

    @Test
    void aSessionQuietAfterStreamingGivesBackMemoryAndStillShowsItsHistory() throws Exception {
        Session s = start(List.of("/bin/sh", "-c",
                "stty -echo; yes 'a line of plain output' | head -n 50000; echo the-end; exec cat"),
                SessionConfig.defaults());
        Drain d = drain(s.attachFromStart("watcher", ClientKind.SDK));
        d.awaitText("the-end\r\n");
        assertThat(s.heldOutputBytes()).as("streaming plain output is held back").isPositive();
        assertThat(s.readBufferBytes()).as("streamed: reads go into a big buffer").isEqualTo(64 * 1024);
        long busy = s.view().memoryBytes();

        s.compactMemory(Duration.ofDays(1));
        assertThat(s.heldOutputBytes()).as("not quiet for a day yet: still held").isPositive();
        assertThat(s.readBufferBytes()).isEqualTo(64 * 1024);

        s.compactMemory(Duration.ZERO);
        assertThat(s.heldOutputBytes()).as("quiet: the memory is given back").isZero();
        assertThat(s.readBufferBytes()).as("quiet: the read buffer too").isZero();
        assertThat(s.view().memoryBytes()).as("what the session reports").isLessThan(busy / 4);
        ScreenSnapshot screen = s.screen().screen();
        assertThat(screen.text()).contains("a line of plain output\nthe-end");
        assertThat(screen.scrollback()).as("the packed scrollback reads as it was")
                .hasSize(SessionConfig.defaults().scrollbackLines()).containsOnly("a line of plain output");
        byte[] output = d.bytes();
        assertThat(s.ringOutputMemory()).as("the ring, packed").isLessThan(output.length / 10);
        Drain fromStart = drain(s.attachFromStart("late", ClientKind.SDK));
        fromStart.awaitText("the-end\r\n");
        assertThat(fromStart.bytes()).as("read back from the packed ring: every byte").isEqualTo(output);

        s.sendInput(operator("op", "op-1"), "after the quiet\n".getBytes(StandardCharsets.UTF_8));
        d.awaitText("after the quiet\r\n");
        assertThat(s.readBufferBytes()).as("output again: a small buffer").isEqualTo(4096);
    }

    @Test
    void whenTheProcessExitsClientsSeeTheCodeAndTheSessionStaysReadable() throws Exception {
        Session s = start(List.of("/bin/sh", "-c", "read x; echo bye; exit 3"), SessionConfig.defaults());
        Drain d = drain(s.attach("w", ClientKind.CLI, Mode.OPERATOR, null, false));
        s.sendInput(operator("op", "op-1"), "now\n".getBytes());
        SessionEvent.Exited exited = d.awaitEvent(SessionEvent.Exited.class, e -> true);
        assertThat(exited.exitCode()).isEqualTo(3);
        d.await(Delivery.End.class, e -> e.reason().equals("session_ended"), "the end of the stream");
        assertThat(s.exit().get(5, TimeUnit.SECONDS)).isEqualTo(3);
        SessionView v = s.view();
        assertThat(v.running()).isFalse();
        assertThat(v.exitCode()).hasValue(3);
        assertThat(v.attached()).isEmpty();
        assertThat(s.screen().screen().text()).contains("bye");
        assertThatThrownBy(() -> s.sendInput(operator("op", "op-1"), "x".getBytes()))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SESSION_EXITED));
    }

    @Test
    void signalsGoToTheForegroundProgramAndAreAnnounced() throws Exception {
        Session s = bash();
        Sender op = operator("op", "op-1");
        Drain d = drain(s.attach("w", ClientKind.CLI, Mode.OBSERVER, null, false));
        s.sendInput(op, "sh -c 'echo sleeping-$((6*7)); exec sleep 100'; echo after-$((2+3))\r".getBytes());
        // Printed by the program itself: it holds the terminal's foreground by then, not the shell.
        d.awaitText("sleeping-42");
        s.signal(op, "INT");
        SessionEvent.Signaled sig = d.awaitEvent(SessionEvent.Signaled.class, e -> true);
        assertThat(sig.signal()).isEqualTo("INT");
        assertThat(sig.sender()).isEqualTo(op);
        SessionEvent.CommandFinished f = d.awaitEvent(SessionEvent.CommandFinished.class, e -> true);
        assertThat(f.exitCode()).as("sleep was interrupted").isEqualTo(130);
        assertThat(d.text()).doesNotContain("after-5");
        assertThat(s.running()).as("the shell survives ^C").isTrue();
        assertThatThrownBy(() -> s.signal(op, "NOPE"))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SIGNAL));
    }

    @Test
    void aDetachedClientCanNoLongerTypeAndItsTokenIsDead() throws Exception {
        Session s = quietCat(SessionConfig.defaults());
        Session.Attached attached = s.attach("alice", ClientKind.CLI, Mode.OPERATOR, null, false);
        attached.attachment().detach();
        assertThatThrownBy(() -> attached.attachment().sendInput("late\n".getBytes()))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.getMessage()).contains("ended (detached)"));
        assertThatThrownBy(() -> s.resume(attached.token(), 0, 0))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOKEN_INVALID));
        assertThat(s.view().attached()).noneMatch(c -> c.clientId().equals(attached.attachment().clientId()));
    }

    @Test
    void destroyingASessionShowsItsEndToEveryClientAndKeepsItReadable() throws Exception {
        Session s = bash();
        Drain watcher = drain(s.attach("w", ClientKind.CLI, Mode.OBSERVER, null, false));
        s.sendInput(operator("op", "op-1"), "echo last-words\r".getBytes());
        watcher.awaitText("last-words\r\n");
        s.destroy(Duration.ofSeconds(2));
        SessionEvent.Exited exited = watcher.awaitEvent(SessionEvent.Exited.class, e -> true);
        assertThat(exited.exitCode()).as("bash hung up: 128 + SIGHUP").isEqualTo(129);
        watcher.await(Delivery.End.class, e -> true, "the end of the stream");
        assertThat(s.view().running()).isFalse();
        assertThat(s.screen().screen().text()).contains("last-words");
    }

    @Test
    void aProgramThatMissesTheHangupIsHungUpAgainRatherThanKilled() throws Exception {
        // Ignores every hangup for a moment after the first, as bash does when one arrives just as
        // it accepts a line; then the default (exit on SIGHUP) is back.
        Session s = start(List.of("/bin/bash", "-c", "trap 'trap \"\" HUP; echo hangup-missed; sleep 0.05; trap - HUP' HUP; "
                + "echo ready; while :; do sleep 1 & wait $!; done"), SessionConfig.defaults());
        Drain watcher = drain(s.attachFromStart("w", ClientKind.CLI));
        watcher.awaitText("ready");
        s.destroy(Duration.ofSeconds(10));
        assertThat(watcher.text()).contains("hangup-missed");
        assertThat(s.exit().get(5, TimeUnit.SECONDS)).as("ended by a later hangup: 128 + SIGHUP, not SIGKILL").isEqualTo(129);
    }

    @Test
    void aProgramThatIgnoresTheHangupIsKilledOnceThePatienceIsOver() throws Exception {
        Session s = start(List.of("/bin/sh", "-c", "trap '' HUP; echo ready; exec sleep 60"), SessionConfig.defaults());
        Drain watcher = drain(s.attachFromStart("w", ClientKind.CLI));
        watcher.awaitText("ready");
        s.destroy(Duration.ofMillis(300));
        assertThat(s.exit().get(5, TimeUnit.SECONDS)).as("killed: 128 + SIGKILL").isEqualTo(137);
        watcher.await(Delivery.End.class, e -> true, "the end of the stream");
        assertThat(s.view().running()).isFalse();
    }

    @Test
    void badNamesAndSizesAreRefusedClearly() {
        assertThatThrownBy(() -> SessionSpec.shell().withName("../etc"))
                .isInstanceOfSatisfying(SessionException.class, e -> assertThat(e.getMessage()).contains("invalid session name"));
        assertThatThrownBy(() -> new TerminalSize(0, 10)).isInstanceOf(SessionException.class);
        assertThatThrownBy(() -> new TerminalSize(100_000, 10)).isInstanceOf(SessionException.class);
        assertThat(Optional.of(SessionSpec.shell().withName("build-1.x_y").name())).isPresent();
    }
}
