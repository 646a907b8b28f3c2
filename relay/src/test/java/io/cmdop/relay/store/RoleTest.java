package io.cmdop.relay.store;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoleTest {
    @Test
    void rolesCapWhatTheirHolderMayDo() {
        assertThat(Role.GUEST.canObserve()).isTrue();
        assertThat(Role.GUEST.canOperate()).isFalse();
        assertThat(Role.MEMBER.canOperate()).isTrue();
        assertThat(Role.MEMBER.canManage()).isFalse();
        assertThat(Role.ADMIN.canManage()).isTrue();
        assertThat(Role.OWNER.canManage()).isTrue();
        assertThat(Role.OWNER.atLeast(Role.ADMIN)).isTrue();
        assertThat(Role.ADMIN.atLeast(Role.OWNER)).isFalse();
        assertThat(Role.OWNER.lowerOf(Role.GUEST)).isEqualTo(Role.GUEST);
        assertThat(Role.GUEST.lowerOf(Role.OWNER)).isEqualTo(Role.GUEST);
    }

    @Test
    void rolesHaveStableNames() {
        for (Role role : Role.values()) {
            assertThat(Role.parse(role.wireName())).isEqualTo(role);
        }
        assertThat(Role.parse("Admin")).isEqualTo(Role.ADMIN);
        assertThat(Role.MEMBER.wireName()).isEqualTo("member");
        assertThatThrownBy(() -> Role.parse("root")).hasMessage("unknown role 'root' (expected owner, admin, member or guest)");
    }

    @Test
    void refusalCodesAreStable() {
        assertThat(Refusal.MALFORMED.code()).isEqualTo("malformed");
        assertThat(Refusal.UNKNOWN.code()).isEqualTo("unknown");
        assertThat(Refusal.REVOKED.code()).isEqualTo("revoked");
        assertThat(Refusal.EXPIRED.code()).isEqualTo("expired");
        assertThat(Refusal.USED_UP.code()).isEqualTo("used_up");
        assertThat(Refusal.REVOKED.describe("the API key")).isEqualTo("the API key has been revoked");
    }
}
