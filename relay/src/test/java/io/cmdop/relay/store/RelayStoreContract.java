package io.cmdop.relay.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The relay store's behaviour, run unchanged against every database it supports: each subclass
 * supplies a fresh, empty database per test.
 */
abstract class RelayStoreContract {
    static final Instant START = Instant.parse("2031-03-04T05:06:07.123456Z");
    /** Flyway quotes its table's name: lower case on both databases. */
    static final String HISTORY = '"' + Migrations.HISTORY_TABLE + '"';
    private static final List<String> TABLES =
            List.of("fleets", "members", "api_keys", "join_keys", "machines", "audit_events", "share_links", HISTORY);

    TestClock clock;
    String url;
    private final List<RelayStore> opened = Collections.synchronizedList(new ArrayList<>());

    /** The URL of a new, empty database, for one test. */
    abstract String freshDatabaseUrl() throws Exception;

    /** Adds what the database needs besides its URL, such as credentials. */
    abstract RelayStore.Builder configure(RelayStore.Builder builder);

    @BeforeEach
    void freshDatabase() throws Exception {
        clock = new TestClock(START);
        url = freshDatabaseUrl();
    }

    @AfterEach
    void closeStores() {
        synchronized (opened) {
            opened.forEach(RelayStore::close);
        }
    }

    RelayStore open() {
        return open(4);
    }

    RelayStore open(int maxConnections) {
        RelayStore store = configure(RelayStore.builder(url)).clock(clock).maxConnections(maxConnections).open();
        opened.add(store);
        return store;
    }

    // --- migrations --------------------------------------------------------------------------

    @Test
    void migrationsBuildAFreshDatabaseAndAreNotRerunOnRestart() {
        RelayStore first = open();
        assertThat(first.migrationsApplied()).isPositive();
        assertThat(first.schemaVersion()).isNotBlank();
        NewFleet acme = first.fleets().create("acme", "alice", false);
        first.close();

        RelayStore second = open();
        assertThat(second.migrationsApplied()).isZero();
        assertThat(second.schemaVersion()).isEqualTo(first.schemaVersion());
        assertThat(second.fleets().find("acme")).contains(acme.fleet());
        assertThat(second.apiKeys().verify(acme.ownerKey().secret()).isAccepted()).isTrue();
        // One history row per migration (Flyway may add a marker row without a version).
        assertThat(count(second, HISTORY + " WHERE \"version\" IS NOT NULL AND \"success\" = TRUE"))
                .isEqualTo(first.migrationsApplied());
    }

    // --- API keys ----------------------------------------------------------------------------

    @Test
    void anApiKeyIsShownOnceAndOnlyItsHashIsStored() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        Member bob = store.members().add(acme.fleet().id(), "bob", Role.MEMBER);
        clock.advance(Duration.ofSeconds(1));
        CreatedApiKey ci = store.apiKeys().create(acme.fleet().id(), bob.id(), "ci", Role.MEMBER);

        for (CreatedApiKey created : List.of(acme.ownerKey(), ci)) {
            String secret = created.secret();
            assertThat(secret).matches("cmdop_[a-z2-7]{16}_[a-z2-7]{52}").startsWith("cmdop_" + created.key().id() + "_");
            assertThat(created.toString()).doesNotContain(secret).doesNotContain(secretPart(secret));
            String stored = everyStoredValue(store);
            assertThat(stored).doesNotContain(secret).doesNotContain(secretPart(secret)).contains(Credential.hash(secret));
        }
        assertThat(store.apiKeys().list(acme.fleet().id())).extracting(ApiKey::name).containsExactly("owner", "ci");
        assertThat(store.apiKeys().list(acme.fleet().id()).toString())
                .doesNotContain(secretPart(acme.ownerKey().secret()))
                .doesNotContain(secretPart(ci.secret()));
    }

    @Test
    void aVerifiedKeyNamesItsPrincipalAndRecordsItsLastUse() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", true);
        ApiKey key = acme.ownerKey().key();
        assertThat(key.lastUsedAt()).isEmpty();

        clock.advance(Duration.ofHours(3));
        Principal principal = accepted(store.apiKeys().verify(acme.ownerKey().secret()));

        assertThat(principal).isEqualTo(new Principal(acme.fleet().id(), acme.owner().id(), "alice", Role.OWNER, key.id(), true));
        assertThat(store.apiKeys().get(acme.fleet().id(), key.id()).orElseThrow().lastUsedAt())
                .contains(START.plus(Duration.ofHours(3)));
    }

    @Test
    void refusedKeysSayWhyAndDoNotCountAsUse() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        String secret = acme.ownerKey().secret();
        String fleetId = acme.fleet().id();
        String keyId = acme.ownerKey().key().id();

        assertThat(refusal(store.apiKeys().verify(Credential.API_KEY.issue(Credential.newId())))).isEqualTo(Refusal.UNKNOWN);
        String sameIdOtherSecret = Credential.API_KEY.issue(keyId);
        assertThat(refusal(store.apiKeys().verify(sameIdOtherSecret))).isEqualTo(Refusal.UNKNOWN);

        assertThat(store.apiKeys().revoke(fleetId, keyId)).isTrue();
        assertThat(refusal(store.apiKeys().verify(secret))).isEqualTo(Refusal.REVOKED);
        // Without the right secret, a revoked key is as unknown as any other.
        assertThat(refusal(store.apiKeys().verify(sameIdOtherSecret))).isEqualTo(Refusal.UNKNOWN);

        ApiKey listed = store.apiKeys().get(fleetId, keyId).orElseThrow();
        assertThat(listed.revoked()).isTrue();
        assertThat(listed.lastUsedAt()).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        assertThat(store.apiKeys().revoke(fleetId, keyId)).isTrue();
        assertThat(store.apiKeys().get(fleetId, keyId).orElseThrow().revokedAt()).isEqualTo(listed.revokedAt());
        assertThat(store.apiKeys().revoke(fleetId, Credential.newId())).isFalse();
    }

    @Test
    void malformedSecretsAreRefusedWithoutAskingTheDatabase() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        CreatedJoinKey join = store.joinKeys().create(acme.fleet().id(), 1, Duration.ofHours(1));
        String apiKey = acme.ownerKey().secret();
        store.close();

        List<String> malformed = new ArrayList<>(List.of("", "cmdop_", "hello", apiKey + "a", apiKey.substring(1),
                apiKey.toUpperCase(), apiKey.replace('_', '-'), " " + apiKey, join.secret(), "cmdop_" + "a".repeat(10_000)));
        malformed.add(null);
        for (String presented : malformed) {
            assertThat(refusal(store.apiKeys().verify(presented))).as("%s", presented).isEqualTo(Refusal.MALFORMED);
            assertThat(refusal(store.machines().verify(presented))).as("%s", presented).isEqualTo(Refusal.MALFORMED);
        }
        for (String presented : List.of("", apiKey, join.secret() + "x", "cmdop_enroll_")) {
            assertThat(refusal(store.joinKeys().consume(presented))).isEqualTo(Refusal.MALFORMED);
            assertThat(refusal(store.machines().enroll(presented, "web-1", "1.0"))).isEqualTo(Refusal.MALFORMED);
        }
        // The store is closed: a well-formed secret does need the database.
        assertThatThrownBy(() -> store.apiKeys().verify(apiKey)).isInstanceOf(StoreException.class);
    }

    @Test
    void aKeyNeverDoesMoreThanItsMember() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        String fleetId = acme.fleet().id();
        Member bob = store.members().add(fleetId, "bob", Role.MEMBER);

        assertThatThrownBy(() -> store.apiKeys().create(fleetId, bob.id(), "too much", Role.ADMIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more rights than its member");
        CreatedApiKey watcher = store.apiKeys().create(fleetId, bob.id(), "watcher", Role.GUEST);
        CreatedApiKey operator = store.apiKeys().create(fleetId, bob.id(), "operator", Role.MEMBER);

        assertThat(accepted(store.apiKeys().verify(watcher.secret())).role()).isEqualTo(Role.GUEST);
        assertThat(accepted(store.apiKeys().verify(operator.secret())).role()).isEqualTo(Role.MEMBER);

        assertThat(store.members().changeRole(fleetId, bob.id(), Role.GUEST)).isTrue();
        Principal demoted = accepted(store.apiKeys().verify(operator.secret()));
        assertThat(demoted.role()).isEqualTo(Role.GUEST);
        assertThat(demoted.role().canOperate()).isFalse();
        assertThat(demoted.relayAdmin()).isFalse();
    }

    // --- join keys ---------------------------------------------------------------------------

    @Test
    void aJoinKeyExpires() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        CreatedJoinKey join = store.joinKeys().create(acme.fleet().id(), 5, Duration.ofHours(24));
        assertThat(join.secret()).matches("cmdop_enroll_[a-z2-7]{16}_[a-z2-7]{52}").contains(join.key().id());
        assertThat(join.key().expiresAt()).isEqualTo(START.plus(Duration.ofHours(24)));

        clock.advance(Duration.ofHours(24).minusNanos(1000));
        assertThat(store.joinKeys().consume(join.secret()).isAccepted()).isTrue();
        clock.advance(Duration.ofNanos(1000));
        assertThat(refusal(store.joinKeys().consume(join.secret()))).isEqualTo(Refusal.EXPIRED);
        assertThat(refusal(store.machines().enroll(join.secret(), "web-1", "1.0"))).isEqualTo(Refusal.EXPIRED);
        assertThat(store.joinKeys().get(acme.fleet().id(), join.key().id()).orElseThrow().uses()).isEqualTo(1);
        assertThat(store.machines().list(acme.fleet().id())).isEmpty();
    }

    @Test
    void aJoinKeyAllowsItsNumberOfUsesThenIsUsedUp() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        CreatedJoinKey join = store.joinKeys().create(acme.fleet().id(), 2, Duration.ofHours(1));

        assertThat(accepted(store.joinKeys().consume(join.secret())).uses()).isEqualTo(1);
        assertThat(accepted(store.machines().enroll(join.secret(), "web-1", "1.0")).machine().name()).isEqualTo("web-1");
        assertThat(refusal(store.joinKeys().consume(join.secret()))).isEqualTo(Refusal.USED_UP);
        assertThat(refusal(store.machines().enroll(join.secret(), "web-2", "1.0"))).isEqualTo(Refusal.USED_UP);

        JoinKey listed = store.joinKeys().get(acme.fleet().id(), join.key().id()).orElseThrow();
        assertThat(listed.uses()).isEqualTo(2);
        assertThat(listed.usesLeft()).isZero();
        assertThat(store.machines().list(acme.fleet().id())).extracting(Machine::name).containsExactly("web-1");
    }

    @Test
    void aRevokedOrUnknownJoinKeyIsRefusedAndSpendsNothing() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        String fleetId = acme.fleet().id();
        CreatedJoinKey join = store.joinKeys().create(fleetId, 3, Duration.ofHours(1));

        assertThat(refusal(store.joinKeys().consume(Credential.JOIN_KEY.issue(join.key().id())))).isEqualTo(Refusal.UNKNOWN);
        assertThat(refusal(store.joinKeys().consume(Credential.JOIN_KEY.issue(Credential.newId())))).isEqualTo(Refusal.UNKNOWN);
        assertThat(store.joinKeys().get(fleetId, join.key().id()).orElseThrow().uses()).isZero();

        assertThat(store.joinKeys().revoke(fleetId, join.key().id())).isTrue();
        assertThat(refusal(store.joinKeys().consume(join.secret()))).isEqualTo(Refusal.REVOKED);
        assertThat(refusal(store.machines().enroll(join.secret(), "web-1", "1.0"))).isEqualTo(Refusal.REVOKED);
        JoinKey listed = store.joinKeys().get(fleetId, join.key().id()).orElseThrow();
        assertThat(listed.revoked()).isTrue();
        assertThat(listed.uses()).isZero();
        assertThat(everyStoredValue(store)).doesNotContain(secretPart(join.secret()));
    }

    @Test
    void ofEnrollmentsRacingForASingleUseJoinKeyExactlyOneWins() throws Exception {
        RelayStore store = open(8);
        NewFleet acme = store.fleets().create("acme", "alice", false);
        int racers = 8;
        for (int round = 0; round < 5; round++) {
            CreatedJoinKey join = store.joinKeys().create(acme.fleet().id(), 1, Duration.ofHours(1));
            int r = round;
            List<Verification<EnrolledMachine>> outcomes =
                    race(racers, i -> store.machines().enroll(join.secret(), "racer-" + r + "-" + i, "1.0"));

            assertThat(outcomes.stream().filter(Verification::isAccepted)).hasSize(1);
            assertThat(outcomes.stream().filter(v -> !v.isAccepted()).map(RelayStoreContract::refusal))
                    .hasSize(racers - 1).containsOnly(Refusal.USED_UP);
            assertThat(store.machines().list(acme.fleet().id()).stream().filter(m -> m.name().startsWith("racer-" + r + "-")))
                    .hasSize(1);
            assertThat(store.joinKeys().get(acme.fleet().id(), join.key().id()).orElseThrow().uses()).isEqualTo(1);
        }
    }

    @Test
    void concurrentConsumersNeverSpendMoreUsesThanAJoinKeyHas() throws Exception {
        RelayStore store = open(8);
        NewFleet acme = store.fleets().create("acme", "alice", false);
        CreatedJoinKey join = store.joinKeys().create(acme.fleet().id(), 3, Duration.ofHours(1));

        List<Verification<JoinKey>> outcomes = race(10, i -> store.joinKeys().consume(join.secret()));

        assertThat(outcomes.stream().filter(Verification::isAccepted).map(v -> accepted(v).uses()))
                .containsExactlyInAnyOrder(1, 2, 3);
        assertThat(outcomes.stream().filter(v -> !v.isAccepted()).map(RelayStoreContract::refusal))
                .hasSize(7).containsOnly(Refusal.USED_UP);
        assertThat(store.joinKeys().get(acme.fleet().id(), join.key().id()).orElseThrow().uses()).isEqualTo(3);
    }

    // --- machines ----------------------------------------------------------------------------

    @Test
    void anEnrolledMachineHasItsOwnCredentialUntilItIsRevoked() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        String fleetId = acme.fleet().id();
        CreatedJoinKey join = store.joinKeys().create(fleetId, 2, Duration.ofHours(1));

        clock.advance(Duration.ofMinutes(1));
        EnrolledMachine enrolled = accepted(store.machines().enroll(join.secret(), "web-1", "0.1.0"));
        Machine machine = enrolled.machine();
        assertThat(machine.fleetId()).isEqualTo(fleetId);
        assertThat(machine.name()).isEqualTo("web-1");
        assertThat(machine.agentVersion()).isEqualTo("0.1.0");
        assertThat(machine.createdAt()).isEqualTo(START.plus(Duration.ofMinutes(1)));
        assertThat(enrolled.credential()).matches("cmdop_machine_[a-z2-7]{16}_[a-z2-7]{52}").startsWith("cmdop_machine_" + machine.id() + "_");
        assertThat(enrolled.toString()).doesNotContain(secretPart(enrolled.credential()));
        assertThat(everyStoredValue(store)).doesNotContain(secretPart(enrolled.credential())).contains(Credential.hash(enrolled.credential()));

        clock.advance(Duration.ofMinutes(1));
        Machine seen = accepted(store.machines().verify(enrolled.credential()));
        assertThat(seen.id()).isEqualTo(machine.id());
        assertThat(seen.lastSeenAt()).contains(START.plus(Duration.ofMinutes(2)));
        assertThat(refusal(store.machines().verify(Credential.MACHINE.issue(machine.id())))).isEqualTo(Refusal.UNKNOWN);
        // An API key or a join key is not a machine credential.
        assertThat(refusal(store.machines().verify(acme.ownerKey().secret()))).isEqualTo(Refusal.MALFORMED);

        assertThat(store.machines().markSeen(fleetId, machine.id(), "0.2.0")).isTrue();
        assertThat(store.machines().find(fleetId, "web-1").orElseThrow().agentVersion()).isEqualTo("0.2.0");

        assertThat(store.machines().revoke(fleetId, machine.id())).isTrue();
        assertThat(refusal(store.machines().verify(enrolled.credential()))).isEqualTo(Refusal.REVOKED);
        assertThat(store.machines().markSeen(fleetId, machine.id(), "0.2.0")).isFalse();
        assertThat(store.machines().get(fleetId, machine.id()).orElseThrow().revoked()).isTrue();
        assertThat(store.machines().find(fleetId, "web-1")).isEmpty();

        // Its name is free again: the machine can be enrolled anew (with a new join key use).
        EnrolledMachine again = accepted(store.machines().enroll(join.secret(), "web-1", "0.2.0"));
        assertThat(again.machine().id()).isNotEqualTo(machine.id());
        assertThat(store.machines().list(fleetId)).extracting(Machine::name, Machine::revoked)
                .containsExactlyInAnyOrder(tuple("web-1", true), tuple("web-1", false));
        assertThat(refusal(store.machines().verify(enrolled.credential()))).isEqualTo(Refusal.REVOKED);
        assertThat(accepted(store.machines().verify(again.credential())).id()).isEqualTo(again.machine().id());
    }

    @Test
    void machineNamesAreUniqueWithinAFleetAndATakenNameSpendsNoUse() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        NewFleet umbrella = store.fleets().create("umbrella", "carol", false);
        CreatedJoinKey acmeJoin = store.joinKeys().create(acme.fleet().id(), 5, Duration.ofHours(1));
        CreatedJoinKey umbrellaJoin = store.joinKeys().create(umbrella.fleet().id(), 5, Duration.ofHours(1));

        accepted(store.machines().enroll(acmeJoin.secret(), "web-1", "1.0"));
        assertThatThrownBy(() -> store.machines().enroll(acmeJoin.secret(), "web-1", "1.0"))
                .isInstanceOfSatisfying(NameTakenException.class, e -> {
                    assertThat(e.kind()).isEqualTo("machine");
                    assertThat(e.name()).isEqualTo("web-1");
                })
                .hasMessage("a machine named 'web-1' already exists in this fleet");
        assertThat(store.joinKeys().get(acme.fleet().id(), acmeJoin.key().id()).orElseThrow().uses()).isEqualTo(1);

        accepted(store.machines().enroll(umbrellaJoin.secret(), "web-1", "1.0"));
        assertThat(store.machines().list(acme.fleet().id())).hasSize(1);
        assertThat(store.machines().list(umbrella.fleet().id())).hasSize(1);

        for (String bad : List.of("", "web/1", " web", "-web", "a".repeat(64), "web 1", "web\n1")) {
            assertThatThrownBy(() -> store.machines().enroll(acmeJoin.secret(), bad, "1.0"))
                    .as("%s", bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid machine name");
        }
        assertThat(store.joinKeys().get(acme.fleet().id(), acmeJoin.key().id()).orElseThrow().uses()).isEqualTo(1);
    }

    @Test
    void fleetAndMemberNamesAreUnique() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", true);
        assertThatThrownBy(() -> store.fleets().create("acme", "mallory", false))
                .isInstanceOf(NameTakenException.class).hasMessage("a fleet named 'acme' already exists on this relay");
        assertThat(store.fleets().list()).containsExactly(acme.fleet());
        assertThatThrownBy(() -> store.members().add(acme.fleet().id(), "alice", Role.GUEST))
                .isInstanceOf(NameTakenException.class);
        assertThat(store.members().list(acme.fleet().id())).containsExactly(acme.owner());
        NewFleet umbrella = store.fleets().create("umbrella", "alice", false);
        assertThat(store.fleets().list()).extracting(Fleet::name).containsExactly("acme", "umbrella");
        assertThat(umbrella.owner().role()).isEqualTo(Role.OWNER);
    }

    // --- isolation ---------------------------------------------------------------------------

    @Test
    void withFleetBsCredentialsFleetAsRecordsDoNotExist() {
        RelayStore store = open();
        NewFleet a = store.fleets().create("acme", "alice", false);
        NewFleet b = store.fleets().create("umbrella", "bert", false);
        String aId = a.fleet().id();
        Member aMember = store.members().add(aId, "ann", Role.MEMBER);
        CreatedApiKey aKey = store.apiKeys().create(aId, aMember.id(), "ci", Role.MEMBER);
        CreatedJoinKey aJoin = store.joinKeys().create(aId, 2, Duration.ofHours(1));
        EnrolledMachine aMachine = accepted(store.machines().enroll(aJoin.secret(), "web-1", "1.0"));
        store.audit().append(aId, "alice", "machine.enroll", aMachine.machine().id(), "127.0.0.1");

        String bId = accepted(store.apiKeys().verify(b.ownerKey().secret())).fleetId();
        assertThat(bId).isEqualTo(b.fleet().id()).isNotEqualTo(aId);

        assertThat(store.machines().get(bId, aMachine.machine().id())).isEmpty();
        assertThat(store.machines().find(bId, "web-1")).isEmpty();
        assertThat(store.machines().list(bId)).isEmpty();
        assertThat(store.machines().revoke(bId, aMachine.machine().id())).isFalse();
        assertThat(store.machines().markSeen(bId, aMachine.machine().id(), "9")).isFalse();
        assertThat(store.members().get(bId, aMember.id())).isEmpty();
        assertThat(store.members().find(bId, "ann")).isEmpty();
        assertThat(store.members().list(bId)).extracting(Member::name).containsExactly("bert");
        assertThat(store.members().changeRole(bId, aMember.id(), Role.OWNER)).isFalse();
        assertThat(store.apiKeys().get(bId, aKey.key().id())).isEmpty();
        assertThat(store.apiKeys().list(bId)).extracting(ApiKey::id).containsExactly(b.ownerKey().key().id());
        assertThat(store.apiKeys().revoke(bId, aKey.key().id())).isFalse();
        assertThatThrownBy(() -> store.apiKeys().create(bId, aMember.id(), "stolen", Role.GUEST))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.joinKeys().get(bId, aJoin.key().id())).isEmpty();
        assertThat(store.joinKeys().list(bId)).isEmpty();
        assertThat(store.joinKeys().revoke(bId, aJoin.key().id())).isFalse();
        assertThat(store.audit().list(bId, 100)).isEmpty();

        // Fleet A saw none of that.
        assertThat(accepted(store.machines().verify(aMachine.credential())).revoked()).isFalse();
        assertThat(accepted(store.apiKeys().verify(aKey.secret())).role()).isEqualTo(Role.MEMBER);
        assertThat(store.joinKeys().consume(aJoin.secret()).isAccepted()).isTrue();
        assertThat(store.members().get(aId, aMember.id()).orElseThrow().role()).isEqualTo(Role.MEMBER);
        assertThat(store.audit().list(aId, 100)).hasSize(1);
    }

    // --- audit -------------------------------------------------------------------------------

    @Test
    void theAuditTrailListsNewestFirstAndIsPrunedByAge() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        String fleetId = acme.fleet().id();

        AuditEntry first = store.audit().append(fleetId, "alice (key " + acme.ownerKey().key().id() + ")", "key.create", "k1", "10.0.0.7:5123");
        clock.advance(Duration.ofDays(10));
        store.audit().append(fleetId, "alice", "join_key.create", "j1", "10.0.0.7:5123");
        clock.advance(Duration.ofDays(10));
        AuditEntry last = store.audit().append(fleetId, "x".repeat(500), "machine.revoke", "m1\u0007", "");

        assertThat(first.at()).isEqualTo(START);
        assertThat(store.audit().list(fleetId, 10)).extracting(AuditEntry::action)
                .containsExactly("machine.revoke", "join_key.create", "key.create");
        assertThat(store.audit().list(fleetId, 2)).extracting(AuditEntry::id).first().isEqualTo(last.id());
        assertThat(store.audit().list(fleetId, 10).getLast()).isEqualTo(first);
        assertThat(last.actor()).hasSize(200);
        assertThat(last.target()).isEqualTo("m1?");

        assertThat(store.audit().prune(Duration.ofDays(15))).isEqualTo(1);
        assertThat(store.audit().list(fleetId, 10)).extracting(AuditEntry::action).containsExactly("machine.revoke", "join_key.create");
        assertThat(store.audit().prune(Duration.ofDays(15))).isZero();
    }

    // --- share links -------------------------------------------------------------------------

    @Test
    void aShareLinkOpensItsSessionUntilItExpiresAndOnlyItsHashIsStored() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        CreatedShareLink created = store.shareLinks().create(acme.fleet().id(), "web-1", "s1", "build", false,
                "alice", Duration.ofHours(1));
        assertThat(created.token()).matches("cmdop_share_[a-z2-7]{16}_[a-z2-7]{52}").contains(created.link().id());
        assertThat(created.toString()).doesNotContain(created.token());
        assertThat(everyStoredValue(store)).doesNotContain(secretPart(created.token()))
                .contains(Credential.hash(created.token()));

        ShareLink link = accepted(store.shareLinks().verify(created.token()));
        assertThat(link).isEqualTo(created.link());
        assertThat(link.operator()).isFalse();
        assertThat(link.expiresAt()).isEqualTo(START.plus(Duration.ofHours(1)));

        store.shareLinks().countView(link.id());
        store.shareLinks().countView(link.id());
        assertThat(store.shareLinks().get(acme.fleet().id(), link.id()).orElseThrow().views()).isEqualTo(2);
        assertThat(store.shareLinks().verify(created.token()).isAccepted()).as("verifying is not a view").isTrue();
        assertThat(store.shareLinks().list(acme.fleet().id())).singleElement().satisfies(l -> assertThat(l.views()).isEqualTo(2));

        clock.advance(Duration.ofHours(1));
        assertThat(refusal(store.shareLinks().verify(created.token()))).isEqualTo(Refusal.EXPIRED);
    }

    @Test
    void aRevokedForgedOrForeignShareLinkIsRefused() {
        RelayStore store = open();
        NewFleet acme = store.fleets().create("acme", "alice", false);
        NewFleet other = store.fleets().create("other", "bob", false);
        CreatedShareLink created = store.shareLinks().create(acme.fleet().id(), "web-1", "s1", "", true,
                "alice", Duration.ofHours(24));
        String forged = created.token().substring(0, created.token().length() - 4) + "aaaa";
        assertThat(refusal(store.shareLinks().verify(forged))).isEqualTo(Refusal.UNKNOWN);
        assertThat(refusal(store.shareLinks().verify("cmdop_share_nonsense"))).isEqualTo(Refusal.MALFORMED);
        assertThat(refusal(store.shareLinks().verify(acme.ownerKey().secret()))).isEqualTo(Refusal.MALFORMED);

        assertThat(store.shareLinks().revoke(other.fleet().id(), created.link().id())).as("another fleet's").isFalse();
        assertThat(store.shareLinks().get(other.fleet().id(), created.link().id())).isEmpty();
        assertThat(store.shareLinks().verify(created.token()).isAccepted()).isTrue();
        assertThat(store.shareLinks().revoke(acme.fleet().id(), created.link().id())).isTrue();
        assertThat(refusal(store.shareLinks().verify(created.token()))).isEqualTo(Refusal.REVOKED);
        assertThat(store.shareLinks().get(acme.fleet().id(), created.link().id()).orElseThrow().revoked()).isTrue();
    }

    @Test
    void aShareLinksLifetimeIsBounded() {
        RelayStore store = open();
        String fleetId = store.fleets().create("acme", "alice", false).fleet().id();
        assertThatThrownBy(() -> store.shareLinks().create(fleetId, "web-1", "s1", "", false, "alice", Duration.ofDays(31)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("30 days");
        assertThatThrownBy(() -> store.shareLinks().create(fleetId, "web-1", "s1", "", false, "alice", Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.shareLinks().create(fleetId, "../x", "s1", "", false, "alice", Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- helpers -----------------------------------------------------------------------------

    static <T> T accepted(Verification<T> verification) {
        assertThat(verification).isInstanceOf(Verification.Accepted.class);
        return ((Verification.Accepted<T>) verification).value();
    }

    static Refusal refusal(Verification<?> verification) {
        assertThat(verification).isInstanceOf(Verification.Refused.class);
        return ((Verification.Refused<?>) verification).reason();
    }

    static String secretPart(String secret) {
        return secret.substring(secret.lastIndexOf('_') + 1);
    }

    /** Runs {@code attempt} on {@code count} threads released at the same moment; their results. */
    static <T> List<T> race(int count, Function<Integer, T> attempt) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch ready = new CountDownLatch(count);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(threads.submit(() -> {
                    ready.countDown();
                    go.await();
                    return attempt.apply(index);
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Every value in every table of the store, as text, to search for secrets. */
    static String everyStoredValue(RelayStore store) {
        return store.database().run(c -> {
            StringBuilder all = new StringBuilder();
            for (String table : TABLES) {
                try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT * FROM " + table)) {
                    ResultSetMetaData meta = rows.getMetaData();
                    while (rows.next()) {
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            all.append(rows.getString(i)).append('\n');
                        }
                    }
                }
            }
            return all.toString();
        });
    }

    static long count(RelayStore store, String tableAndCondition) {
        AtomicReference<Long> result = new AtomicReference<>();
        store.database().run(c -> {
            try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM " + tableAndCondition)) {
                rows.next();
                result.set(rows.getLong(1));
            }
            return null;
        });
        return result.get();
    }
}
