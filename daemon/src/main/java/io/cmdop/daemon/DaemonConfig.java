package io.cmdop.daemon;

import io.cmdop.session.ResizePolicy;
import io.cmdop.session.SessionConfig;
import io.cmdop.session.SessionSpec;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's settings, read from {@code $CMDOP_HOME/config.yaml}. Every key is optional; a missing
 * file means all defaults. A bad file is refused whole with its path, line and key named.
 *
 * @param session settings every session gets
 * @param endedRetention how long an ended session stays listable with its final screen
 * @param idleTimeout a session with no client and no activity for this long is ended; zero: never
 * @param maxSessions sessions one daemon hosts at most
 * @param detachKey the key that detaches an interactive attach (read by the CLI)
 * @param filesRoot the directory the files service is confined to
 */
public record DaemonConfig(SessionConfig session, Duration endedRetention, Duration idleTimeout, int maxSessions,
                           String detachKey, Path filesRoot) {
    public static final String FILE_NAME = "config.yaml";
    public static final String DEFAULT_DETACH_KEY = "ctrl-]";

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|K|M|G)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");
    private static final Pattern DETACH_KEY = Pattern.compile("ctrl-[a-z\\]\\\\^_@\\[]");

    public static DaemonConfig defaults() {
        return new DaemonConfig(SessionConfig.defaults(), Duration.ofMinutes(10), Duration.ZERO, 256,
                DEFAULT_DETACH_KEY, SessionSpec.homeDirectory());
    }

    public DaemonConfig withSession(SessionConfig sessionConfig) {
        return new DaemonConfig(sessionConfig, endedRetention, idleTimeout, maxSessions, detachKey, filesRoot);
    }

    public DaemonConfig withFilesRoot(Path root) {
        return new DaemonConfig(session, endedRetention, idleTimeout, maxSessions, detachKey, root);
    }

    /** Reads the file; defaults when it does not exist. */
    public static DaemonConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return defaults();
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(file, text);
    }

    static DaemonConfig parse(Path file, String text) {
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(file.toString()).build()).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new ConfigException(file + ":" + line + ": not valid YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        Reader reader = new Reader(file);
        DaemonConfig config = defaults();
        if (root.isEmpty()) {
            return config;
        }
        MappingNode top = reader.mapping(root.get(), "(top level)");
        SessionConfig session = config.session();
        Duration retention = config.endedRetention();
        Duration idle = config.idleTimeout();
        int maxSessions = config.maxSessions();
        String detachKey = config.detachKey();
        Path filesRoot = config.filesRoot();
        for (NodeTuple section : top.getValue()) {
            String sectionName = reader.key(section);
            switch (sectionName) {
                case "session" -> {
                    for (NodeTuple t : reader.mapping(section.getValueNode(), sectionName).getValue()) {
                        String key = sectionName + "." + reader.key(t);
                        Node v = t.getValueNode();
                        switch (key) {
                            case "session.ring_size" -> session = session.withRingBytes(reader.size(v, key, 4096));
                            case "session.grace" -> session = session.withGrace(reader.duration(v, key));
                            case "session.resize_policy" -> session = session.withResizePolicy(reader.policy(v, key));
                            case "session.send_queue" -> session = session.withSendQueueBytes(reader.size(v, key, 65536));
                            case "session.max_clients" -> session = session.withMaxAttachments(
                                    (int) reader.number(v, key, 1, 10_000));
                            case "session.ended_retention" -> retention = reader.duration(v, key);
                            case "session.idle_timeout" -> idle = reader.duration(v, key);
                            default -> throw reader.unknown(t, key, "ring_size, grace, resize_policy, send_queue, "
                                    + "max_clients, ended_retention, idle_timeout");
                        }
                    }
                }
                case "daemon" -> {
                    for (NodeTuple t : reader.mapping(section.getValueNode(), sectionName).getValue()) {
                        String key = sectionName + "." + reader.key(t);
                        if (!key.equals("daemon.max_sessions")) {
                            throw reader.unknown(t, key, "max_sessions");
                        }
                        maxSessions = (int) reader.number(t.getValueNode(), key, 1, 10_000);
                    }
                }
                case "attach" -> {
                    for (NodeTuple t : reader.mapping(section.getValueNode(), sectionName).getValue()) {
                        String key = sectionName + "." + reader.key(t);
                        if (!key.equals("attach.detach_key")) {
                            throw reader.unknown(t, key, "detach_key");
                        }
                        detachKey = reader.detachKey(t.getValueNode(), key);
                    }
                }
                case "files" -> {
                    for (NodeTuple t : reader.mapping(section.getValueNode(), sectionName).getValue()) {
                        String key = sectionName + "." + reader.key(t);
                        if (!key.equals("files.root")) {
                            throw reader.unknown(t, key, "root");
                        }
                        filesRoot = reader.directory(t.getValueNode(), key);
                    }
                }
                default -> throw reader.unknown(section, sectionName, "session, daemon, attach, files");
            }
        }
        return new DaemonConfig(session, retention, idle, maxSessions, detachKey, filesRoot);
    }

    /** Reads 500ms, 30s, 10m, 1h or plain seconds, as the config file and the CLI's flags accept them. */
    public static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches() || m.group(1).length() > 12) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        });
    }

    /** The byte a detach key sends: ctrl-] is 0x1d. */
    public static byte detachByte(String key) {
        char c = Character.toUpperCase(key.charAt(key.length() - 1));
        return (byte) (c & 0x1f);
    }

    /** Reads typed values from YAML nodes, naming file, line and key in every error. */
    private record Reader(Path file) {
        MappingNode mapping(Node node, String key) {
            if (node instanceof MappingNode m) {
                return m;
            }
            throw error(node, key, "expected a mapping of keys");
        }

        String key(NodeTuple tuple) {
            if (tuple.getKeyNode() instanceof ScalarNode s) {
                return s.getValue();
            }
            throw error(tuple.getKeyNode(), "(key)", "keys must be plain words");
        }

        String scalar(Node node, String key) {
            if (node instanceof ScalarNode s) {
                return s.getValue().trim();
            }
            throw error(node, key, "expected a single value");
        }

        long size(Node node, String key, long min) {
            String text = scalar(node, key);
            Matcher m = SIZE.matcher(text);
            if (!m.matches()) {
                throw error(node, key, "'" + text + "' is not a size (e.g. 2MiB, 512KiB, 65536)");
            }
            long unit = switch (m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT)) {
                case "k", "kib" -> 1024L;
                case "m", "mib" -> 1024L * 1024;
                case "g", "gib" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            long value;
            try {
                value = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
            } catch (ArithmeticException | NumberFormatException e) {
                throw error(node, key, "'" + text + "' is too large");
            }
            if (value < min || value > 1024L * 1024 * 1024) {
                throw error(node, key, "'" + text + "' is out of range (" + min + " bytes to 1GiB)");
            }
            return value;
        }

        Duration duration(Node node, String key) {
            String text = scalar(node, key);
            return parseDuration(text).orElseThrow(
                    () -> error(node, key, "'" + text + "' is not a duration (e.g. 30s, 10m, 1h, 0)"));
        }

        long number(Node node, String key, long min, long max) {
            String text = scalar(node, key);
            try {
                long n = Long.parseLong(text);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(node, key, "'" + text + "' is not a whole number from " + min + " to " + max);
        }

        ResizePolicy policy(Node node, String key) {
            String text = scalar(node, key);
            try {
                return ResizePolicy.valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw error(node, key, "'" + text + "' is not a resize policy (latest, smallest, largest, fixed)");
            }
        }

        String detachKey(Node node, String key) {
            String text = scalar(node, key).toLowerCase(Locale.ROOT);
            if (!DETACH_KEY.matcher(text).matches()) {
                throw error(node, key, "'" + text + "' is not a detach key (ctrl-LETTER, ctrl-], ctrl-\\, ctrl-^, ctrl-_)");
            }
            return text;
        }

        /** An absolute path, or one starting with ~ (the user's home); whether it exists is checked at use. */
        Path directory(Node node, String key) {
            String text = scalar(node, key);
            if (text.equals("~") || text.startsWith("~/")) {
                return SessionSpec.homeDirectory().resolve(text.substring(1).replaceFirst("^/+", "")).normalize();
            }
            if (!text.startsWith("/") || text.indexOf('\0') >= 0) {
                throw error(node, key, "'" + text + "' is not an absolute path (e.g. /srv/data or ~/shared)");
            }
            return Path.of(text).normalize();
        }

        ConfigException unknown(NodeTuple tuple, String key, String known) {
            return error(tuple.getKeyNode(), key, "unknown key (known here: " + known + ")");
        }

        ConfigException error(Node node, String key, String problem) {
            int line = node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
            return new ConfigException(file + ":" + line + ": " + key + ": " + problem);
        }
    }
}
