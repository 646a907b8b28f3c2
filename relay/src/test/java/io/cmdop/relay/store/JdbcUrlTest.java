package io.cmdop.relay.store;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JdbcUrlTest {
    @Test
    void redactionRemovesPasswordsWhereverTheyAre() {
        assertThat(JdbcUrl.redact("jdbc:postgresql://db:5432/relay?user=u&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db:5432/relay?user=u&ssl=true");
        assertThat(JdbcUrl.redact("jdbc:postgresql://db/relay?password=s3cret&user=u"))
                .isEqualTo("jdbc:postgresql://db/relay?user=u");
        assertThat(JdbcUrl.redact("jdbc:postgresql://db/relay?PASSWORD=s3cret"))
                .isEqualTo("jdbc:postgresql://db/relay");
        assertThat(JdbcUrl.redact("jdbc:postgresql://db/relay?sslpassword=k&sslmode=verify-full"))
                .isEqualTo("jdbc:postgresql://db/relay?sslmode=verify-full");
        assertThat(JdbcUrl.redact("jdbc:postgresql://u:s3cret@db:5432/relay?ssl=true"))
                .isEqualTo("jdbc:postgresql://u@db:5432/relay?ssl=true");
        assertThat(JdbcUrl.redact("jdbc:postgresql://u:p@ss/w@rd@db/relay"))
                .isEqualTo("jdbc:postgresql://u@db/relay");
        assertThat(JdbcUrl.redact("jdbc:postgresql://:s3cret@db/relay")).isEqualTo("jdbc:postgresql://db/relay");
        assertThat(JdbcUrl.redact("jdbc:h2:file:/srv/relay;USER=sa;PASSWORD=s3cret;LOCK_TIMEOUT=5"))
                .isEqualTo("jdbc:h2:file:/srv/relay;USER=sa;LOCK_TIMEOUT=5");
        // A raw separator inside the password does not let its tail through.
        assertThat(JdbcUrl.redact("jdbc:postgresql://db/relay?password=ab&cd&user=u")).isEqualTo("jdbc:postgresql://db/relay?user=u");
        assertThat(JdbcUrl.redact("jdbc:h2:file:/srv/relay")).isEqualTo("jdbc:h2:file:/srv/relay");
    }

    @Test
    void userInformationBecomesConnectionProperties() {
        JdbcUrl url = JdbcUrl.parse("jdbc:postgresql://relay%40corp:p%40ss@db:5432/relay?ssl=true");
        assertThat(url.vendor()).isEqualTo(JdbcUrl.Vendor.POSTGRESQL);
        assertThat(url.connectUrl()).isEqualTo("jdbc:postgresql://db:5432/relay?ssl=true");
        assertThat(url.user()).contains("relay@corp");
        assertThat(url.password()).contains("p@ss");
        assertThat(url.passwords()).contains("p@ss");
        assertThat(url.redacted()).isEqualTo("jdbc:postgresql://relay%40corp@db:5432/relay?ssl=true");
        assertThat(url.toString()).isEqualTo(url.redacted());
    }

    @Test
    void passwordParametersAreKnownForScrubbing() {
        JdbcUrl url = JdbcUrl.parse("jdbc:postgresql://db/relay?user=u&password=a%2Fb");
        assertThat(url.passwords()).contains("a%2Fb", "a/b");
        assertThat(JdbcUrl.scrub("FATAL: bad password a/b", url.passwords())).isEqualTo("FATAL: bad password (hidden)");
    }

    @Test
    void embeddedUrlsGetSafeDefaultsUnlessTheyChooseOtherwise() {
        assertThat(JdbcUrl.parse("jdbc:h2:file:/srv/relay").connectUrl())
                .isEqualTo("jdbc:h2:file:/srv/relay;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000");
        assertThat(JdbcUrl.parse("jdbc:h2:file:/srv/relay;LOCK_TIMEOUT=5").connectUrl())
                .isEqualTo("jdbc:h2:file:/srv/relay;LOCK_TIMEOUT=5;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(JdbcUrl.embedded(Path.of("/home/ann/.cmdop"))).isEqualTo("jdbc:h2:file:/home/ann/.cmdop/relay/relay");
    }

    @Test
    void otherUrlsAreRefusedNamingTheAcceptedForms() {
        for (String url : new String[] {"", "postgres://db/relay", "jdbc:mysql://db/relay", "jdbc:postgresql:relay"}) {
            assertThatThrownBy(() -> JdbcUrl.parse(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("jdbc:h2:file:PATH or jdbc:postgresql://HOST:PORT/DATABASE");
        }
    }
}
