package io.cmdop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cmdop.protocol.v1.AttachedClient;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Event;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.Screen;
import io.cmdop.protocol.v1.Sender;
import io.cmdop.protocol.v1.SessionInfo;
import io.cmdop.protocol.v1.SessionState;
import io.cmdop.protocol.v1.Size;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The CLI's JSON shapes: snake_case keys, lower-case enum words, ISO-8601 times. Documented in docs/cli.md. */
final class Json {
    /**
     * Built on first use: a mapper takes tens of milliseconds to build, which an attach, naming
     * modes in its status line, need not pay.
     */
    private static final class Mappers {
        static final ObjectMapper LINE = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);
        static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private Json() {
    }

    /** One line: for streams of objects. */
    static String line(Object value) {
        try {
            return Mappers.LINE.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Indented: for single answers. */
    static String pretty(Object value) {
        try {
            return Mappers.PRETTY.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> session(SessionInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.getId());
        m.put("name", s.getName());
        m.put("command", s.getCommandList());
        m.put("state", s.getState() == SessionState.SESSION_STATE_RUNNING ? "running" : "exited");
        m.put("exit_code", s.hasExitCode() ? s.getExitCode() : null);
        m.put("created_at", time(s.getCreatedAtMs()));
        m.put("ended_at", s.hasEndedAtMs() ? time(s.getEndedAtMs()) : null);
        m.put("size", size(s.getSize()));
        m.put("resize_policy", word(s.getResizePolicy().name(), "RESIZE_POLICY_"));
        m.put("attached", s.getAttachedList().stream().map(Json::client).toList());
        m.put("output_bytes", s.getOutputOffset());
        m.put("memory_bytes", s.getMemoryBytes());
        m.put("machine", s.getMachine());
        return m;
    }

    static Map<String, Object> client(AttachedClient c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client_id", c.getClientId());
        m.put("principal", c.getPrincipal());
        m.put("kind", kind(c.getKind()));
        m.put("mode", mode(c.getMode()));
        m.put("since", time(c.getSinceMs()));
        m.put("connected", c.getConnected());
        return m;
    }

    static Map<String, Object> sender(Sender s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("principal", s.getPrincipal());
        m.put("client_id", s.getClientId());
        m.put("kind", kind(s.getKind()));
        m.put("mode", mode(s.getMode()));
        return m;
    }

    static Map<String, Object> size(Size s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cols", s.getCols());
        m.put("rows", s.getRows());
        return m;
    }

    static Map<String, Object> screen(Screen s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", size(s.getSize()));
        m.put("lines", s.getLinesList());
        m.put("cursor", Map.of("x", s.getCursor().getX(), "y", s.getCursor().getY(),
                "visible", s.getCursor().getVisible()));
        m.put("alternate_screen", s.getAlternateScreen());
        m.put("title", s.getTitle());
        m.put("offset", s.getOffset());
        m.put("seq", s.getSeq());
        return m;
    }

    /** An event as one object: {"seq","time","type", ...type's fields}. */
    static Map<String, Object> event(Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", e.getSeq());
        m.put("time", time(e.getTimeMs()));
        switch (e.getKindCase()) {
            case OUTPUT -> {
                m.put("type", "output");
                m.put("offset", e.getOutput().getOffset());
                m.put("data", e.getOutput().getData().toString(StandardCharsets.UTF_8));
            }
            case INPUT -> {
                m.put("type", "input");
                m.put("input_id", e.getInput().getInputId());
                m.put("sender", sender(e.getInput().getSender()));
                m.put("data", e.getInput().getData().toString(StandardCharsets.UTF_8));
                if (!e.getInput().getCommandId().isEmpty()) {
                    m.put("command_id", e.getInput().getCommandId());
                }
            }
            case JOINED -> {
                m.put("type", "joined");
                m.put("client", client(e.getJoined().getClient()));
            }
            case LEFT -> {
                m.put("type", "left");
                m.put("client", client(e.getLeft().getClient()));
                m.put("reason", e.getLeft().getReason());
            }
            case RESIZED -> {
                m.put("type", "resized");
                m.put("size", size(e.getResized().getSize()));
                m.put("sender", sender(e.getResized().getSender()));
            }
            case SIGNALED -> {
                m.put("type", "signal");
                m.put("signal", e.getSignaled().getSignal());
                m.put("sender", sender(e.getSignaled().getSender()));
            }
            case COMMAND_STARTED -> {
                m.put("type", "command_started");
                m.put("command_id", e.getCommandStarted().getCommandId());
                m.put("command", e.getCommandStarted().getCommand());
                m.put("offset", e.getCommandStarted().getOffset());
            }
            case COMMAND_FINISHED -> {
                m.put("type", "command_finished");
                m.put("command_id", e.getCommandFinished().getCommandId());
                m.put("exit_code", e.getCommandFinished().getExitCode());
                m.put("offset", e.getCommandFinished().getOffset());
                m.put("duration_ms", e.getCommandFinished().getDurationMs());
            }
            case EXITED -> {
                m.put("type", "exited");
                m.put("exit_code", e.getExited().getExitCode());
            }
            default -> m.put("type", "unknown");
        }
        return m;
    }

    static String kind(ClientKind k) {
        return word(k.name(), "CLIENT_KIND_");
    }

    static String mode(Mode m) {
        return word(m.name(), "MODE_");
    }

    static String time(long epochMs) {
        return Instant.ofEpochMilli(epochMs).toString();
    }

    static String word(String enumName, String prefix) {
        return enumName.substring(prefix.length()).toLowerCase(Locale.ROOT);
    }
}
