package io.cmdop.relay.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store suite on the embedded database: an H2 file under a temporary cmdop home. */
class EmbeddedRelayStoreTest extends RelayStoreContract {
    @TempDir
    Path temp;
    private int homes;

    @Override
    String freshDatabaseUrl() {
        return RelayStore.embeddedUrl(temp.resolve("home-" + ++homes));
    }

    @Override
    RelayStore.Builder configure(RelayStore.Builder builder) {
        return builder;
    }

    @Test
    void theDefaultDatabaseIsAFileUnderTheCmdopHomeThatOnlyItsOwnerCanRead() throws Exception {
        Path home = temp.resolve("home");
        url = RelayStore.embeddedUrl(home);
        assertThat(url).isEqualTo("jdbc:h2:file:" + home.toAbsolutePath() + "/relay/relay");
        RelayStore store = open();
        store.fleets().create("default", "owner", true);
        store.close();

        assertThat(home.resolve("relay/relay.mv.db")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("relay")))).isEqualTo("rwx------");
        assertThat(open().fleets().find("default")).isPresent();
    }

    @Test
    void aFileInTheWayOfTheDatabaseIsAClearErrorWithoutThePassword() throws Exception {
        Path notADirectory = Files.writeString(temp.resolve("plain-file"), "x");
        String bad = "jdbc:h2:file:" + notADirectory + "/relay;PASSWORD=hunter2-secret";

        assertThatThrownBy(() -> RelayStore.builder(bad).open())
                .isInstanceOf(StoreException.class)
                .hasMessage("cannot open the relay database jdbc:h2:file:" + notADirectory + "/relay: cannot create the directory "
                        + notADirectory + ": a file of that name is in the way")
                .satisfies(e -> assertThat(chainText(e)).doesNotContain("hunter2-secret"));
    }

    @Test
    void aDamagedDatabaseFileIsAClearErrorWithoutThePassword() throws Exception {
        Path home = temp.resolve("damaged");
        Files.createDirectories(home.resolve("relay"));
        Files.write(home.resolve("relay/relay.mv.db"), new byte[64 * 1024]);
        String damaged = RelayStore.embeddedUrl(home);

        assertThatThrownBy(() -> RelayStore.builder(damaged + ";PASSWORD=hunter2-secret").open())
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open the relay database " + damaged + ": ")
                .satisfies(e -> assertThat(chainText(e)).doesNotContain("hunter2-secret"));
    }

    @Test
    void anUnsupportedUrlNamesTheAcceptedForms() {
        assertThatThrownBy(() -> RelayStore.open("jdbc:mysql://db.example/relay?password=hunter2-secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported database URL jdbc:mysql://db.example/relay"
                        + " (expected jdbc:h2:file:PATH or jdbc:postgresql://HOST:PORT/DATABASE)");
    }

    static String chainText(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t).append('\n');
            for (StackTraceElement frame : t.getStackTrace()) {
                text.append(frame).append('\n');
            }
        }
        return text.toString();
    }
}
