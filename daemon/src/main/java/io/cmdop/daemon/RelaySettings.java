package io.cmdop.daemon;

import io.cmdop.client.PrivateProperties;

import java.io.IOException;
import java.nio.file.Path;
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
        return PrivateProperties.read(file).map(p -> {
            for (String key : new String[] {"url", "machine_id", "machine_name", "credential"}) {
                if (p.getProperty(key, "").isBlank()) {
                    throw new ConfigException(file + ": missing key '" + key + "' (enroll again with --join-key)");
                }
            }
            return new RelaySettings(p.getProperty("url"), p.getProperty("fingerprint", ""),
                    p.getProperty("machine_id"), p.getProperty("machine_name"), p.getProperty("credential"));
        });
    }

    public void save(Path home) throws IOException {
        Properties p = new Properties();
        p.setProperty("url", url);
        p.setProperty("fingerprint", fingerprint);
        p.setProperty("machine_id", machineId);
        p.setProperty("machine_name", machineName);
        p.setProperty("credential", credential);
        PrivateProperties.write(home.resolve(FILE_NAME), p, "cmdop machine credential: keep it secret");
    }

    @Override
    public String toString() {
        return "RelaySettings[url=" + url + ", machine=" + machineName + "]";
    }
}
