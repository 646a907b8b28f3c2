package io.cmdop.daemon;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;

/**
 * This machine's membership of a relay: where it is, the pinned certificate, and the machine
 * credential enrollment gave. Kept in {@code $CMDOP_HOME/relay.properties}, readable by the user only.
 */
public record RelaySettings(String url, String fingerprint, String machineId, String machineName, String credential) {
    public static final String FILE_NAME = "relay.properties";

    public static Optional<RelaySettings> load(Path home) {
        Path file = home.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        for (String key : new String[] {"url", "machine_id", "machine_name", "credential"}) {
            if (p.getProperty(key, "").isBlank()) {
                throw new ConfigException(file + ": missing key '" + key + "' (enroll again with --join-key)");
            }
        }
        return Optional.of(new RelaySettings(p.getProperty("url"), p.getProperty("fingerprint", ""),
                p.getProperty("machine_id"), p.getProperty("machine_name"), p.getProperty("credential")));
    }

    public void save(Path home) throws IOException {
        Properties p = new Properties();
        p.setProperty("url", url);
        p.setProperty("fingerprint", fingerprint);
        p.setProperty("machine_id", machineId);
        p.setProperty("machine_name", machineName);
        p.setProperty("credential", credential);
        Files.createDirectories(home);
        Path tmp = Files.createTempFile(home, FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "cmdop machine credential: keep it secret");
        }
        Files.move(tmp, home.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public String toString() {
        return "RelaySettings[url=" + url + ", machine=" + machineName + "]";
    }
}
