package io.cmdop.client;

import io.cmdop.protocol.v1.ClientKind;

import java.io.IOException;
import java.util.Optional;
import java.util.Properties;

/**
 * How this user reaches their fleet: the relay, its pinned certificate and an API key. Saved by
 * {@code cmdop login} in {@code $CMDOP_HOME/login.properties}, readable by the user only.
 */
public record RelayLogin(String url, String fingerprint, String apiKey) {
    public static final String FILE_NAME = "login.properties";

    public static Optional<RelayLogin> load(CmdopHome home) {
        return PrivateProperties.read(home.dir().resolve(FILE_NAME)).map(p -> new RelayLogin(
                p.getProperty("url", ""), p.getProperty("fingerprint", ""), p.getProperty("key", "")));
    }

    public void save(CmdopHome home) throws IOException {
        Properties p = new Properties();
        p.setProperty("url", url);
        p.setProperty("fingerprint", fingerprint);
        p.setProperty("key", apiKey);
        PrivateProperties.write(home.dir().resolve(FILE_NAME), p, "cmdop login: keep it secret");
    }

    public CmdopClient connect(ClientKind kind) {
        return CmdopClient.remote(url, apiKey, fingerprint, kind);
    }

    @Override
    public String toString() {
        return "RelayLogin[url=" + url + "]";
    }
}
