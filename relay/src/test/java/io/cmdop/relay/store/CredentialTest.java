package io.cmdop.relay.store;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CredentialTest {
    @Test
    void eachKindIsRecognisedByItsOwnFormatOnly() {
        String id = Credential.newId();
        String api = Credential.API_KEY.issue(id);
        String join = Credential.JOIN_KEY.issue(id);
        String machine = Credential.MACHINE.issue(id);

        assertThat(api).startsWith("cmdop_" + id + "_").hasSize(6 + 16 + 1 + 52);
        assertThat(join).startsWith("cmdop_enroll_" + id + "_");
        assertThat(machine).startsWith("cmdop_machine_" + id + "_");
        assertThat(Credential.API_KEY.idOf(api)).contains(id);
        assertThat(Credential.JOIN_KEY.idOf(join)).contains(id);
        assertThat(Credential.MACHINE.idOf(machine)).contains(id);
        assertThat(Credential.API_KEY.idOf(join)).isEmpty();
        assertThat(Credential.API_KEY.idOf(machine)).isEmpty();
        assertThat(Credential.JOIN_KEY.idOf(api)).isEmpty();
        assertThat(Credential.MACHINE.idOf(join)).isEmpty();
    }

    @Test
    void secretsAreFreshEachTime() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(Credential.API_KEY.issue(Credential.newId()))).isTrue();
        }
    }

    @Test
    void onlyTheExactSecretMatchesItsHash() {
        String secret = Credential.API_KEY.issue(Credential.newId());
        String hash = Credential.hash(secret);
        assertThat(hash).hasSize(64).doesNotContain(secret.substring(23));
        assertThat(Credential.matches(secret, hash)).isTrue();
        assertThat(Credential.matches(secret.substring(0, secret.length() - 1) + "a", hash)).isEqualTo(secret.endsWith("a"));
        assertThat(Credential.matches(secret, "not hex")).isFalse();
    }

    @Test
    void base32IsLowerCaseAndDense() {
        assertThat(Credential.base32(new byte[] {0, 0, 0, 0, 0})).isEqualTo("aaaaaaaa");
        assertThat(Credential.base32(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff})).isEqualTo("77777777");
        assertThat(Credential.base32(new byte[] {(byte) 0x80})).isEqualTo("qa");
    }
}
