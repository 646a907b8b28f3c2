package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.FleetAdmin;
import io.cmdop.protocol.v1.ApiKey;
import io.cmdop.protocol.v1.CreatedSecret;
import io.cmdop.protocol.v1.Machine;
import io.cmdop.protocol.v1.Member;
import io.cmdop.protocol.v1.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** Fleet administration through the relay of `cmdop login`: machines, keys, join keys, members, fleets. */
final class FleetCommands {
    private FleetCommands() {
    }

    /** Runs {@code action} against the logged-in relay's fleet service. */
    static <T> T admin(Function<FleetAdmin, T> action) {
        try (CmdopClient client = Connection.remote()) {
            return action.apply(client.fleet());
        }
    }

    static String role(Role role) {
        return Json.word(role.name(), "ROLE_");
    }

    static void printSecret(CreatedSecret s, boolean json, String what) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.getId());
            m.put("secret", s.getSecret());
            m.put("fleet", s.getFleet());
            if (s.getExpiresAtMs() > 0) {
                m.put("expires_at", Json.time(s.getExpiresAtMs()));
            }
            System.out.println(Json.pretty(m));
        } else {
            System.out.println(what + " " + s.getId() + " (shown once, keep it secret):");
            System.out.println(s.getSecret());
        }
    }

    @Command(name = "machines", description = "The fleet's machines.")
    static final class Machines {
        @Command(name = "list", description = "Name, online, last seen, sessions, agent version.")
        static final class ListMachines implements Callable<Integer> {
            @Option(names = "--json", description = "Print JSON.")
            boolean json;

            @Override
            public Integer call() {
                List<Machine> machines = admin(FleetAdmin::machines);
                if (json) {
                    System.out.println(Json.pretty(machines.stream().map(m -> {
                        Map<String, Object> o = new LinkedHashMap<>();
                        o.put("id", m.getId());
                        o.put("name", m.getName());
                        o.put("online", m.getOnline());
                        o.put("last_seen", m.getLastSeenMs() == 0 ? null : Json.time(m.getLastSeenMs()));
                        o.put("sessions", m.getSessions());
                        o.put("agent_version", m.getAgentVersion());
                        o.put("revoked", m.getRevoked());
                        return o;
                    }).toList()));
                    return 0;
                }
                System.out.printf("%-20s %-8s %-25s %-9s %s%n", "NAME", "ONLINE", "LAST SEEN", "SESSIONS", "VERSION");
                for (Machine m : machines) {
                    System.out.printf("%-20s %-8s %-25s %-9d %s%n", m.getName(),
                            m.getRevoked() ? "revoked" : m.getOnline() ? "yes" : "no",
                            m.getLastSeenMs() == 0 ? "-" : Json.time(m.getLastSeenMs()), m.getSessions(), m.getAgentVersion());
                }
                return 0;
            }
        }

        @Command(name = "revoke", description = "Revoke a machine: it is disconnected and cannot come back without a new join key.")
        static final class Revoke implements Callable<Integer> {
            @Parameters(paramLabel = "MACHINE")
            String machine;

            @Override
            public Integer call() {
                Machine m = admin(a -> a.revokeMachine(machine));
                System.out.println("revoked " + m.getName());
                return 0;
            }
        }
    }

    @Command(name = "keys", description = "API keys of the fleet.")
    static final class Keys {
        @Command(name = "create", description = "A new API key (for a member of the same name); shown once.")
        static final class Create implements Callable<Integer> {
            @Option(names = "--name", required = true)
            String name;
            @Option(names = "--role", description = "owner, admin, member (default) or guest.")
            String role = "member";
            @Option(names = "--json")
            boolean json;

            @Override
            public Integer call() {
                Role wire;
                try {
                    wire = Role.valueOf("ROLE_" + role.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new UserException("--role is owner, admin, member or guest, not '" + role + "'");
                }
                printSecret(admin(a -> a.createApiKey(name, wire)), json, "API key");
                return 0;
            }
        }

        @Command(name = "list", description = "Keys: id, name, role, last use, revoked.")
        static final class ListKeys implements Callable<Integer> {
            @Option(names = "--json")
            boolean json;

            @Override
            public Integer call() {
                List<ApiKey> keys = admin(FleetAdmin::apiKeys);
                if (json) {
                    System.out.println(Json.pretty(keys.stream().map(k -> {
                        Map<String, Object> o = new LinkedHashMap<>();
                        o.put("id", k.getId());
                        o.put("name", k.getName());
                        o.put("member", k.getMember());
                        o.put("role", role(k.getRole()));
                        o.put("created_at", Json.time(k.getCreatedAtMs()));
                        o.put("last_used_at", k.hasLastUsedMs() ? Json.time(k.getLastUsedMs()) : null);
                        o.put("revoked", k.getRevoked());
                        return o;
                    }).toList()));
                    return 0;
                }
                System.out.printf("%-14s %-16s %-8s %-25s %s%n", "ID", "NAME", "ROLE", "LAST USED", "REVOKED");
                for (ApiKey k : keys) {
                    System.out.printf("%-14s %-16s %-8s %-25s %s%n", k.getId(), k.getName(), role(k.getRole()),
                            k.hasLastUsedMs() ? Json.time(k.getLastUsedMs()) : "-", k.getRevoked() ? "yes" : "no");
                }
                return 0;
            }
        }

        @Command(name = "revoke", description = "Revoke a key: it stops working at once.")
        static final class Revoke implements Callable<Integer> {
            @Parameters(paramLabel = "ID")
            String id;

            @Override
            public Integer call() {
                admin(a -> a.revokeApiKey(id));
                System.out.println("revoked " + id);
                return 0;
            }
        }
    }

    @Command(name = "join-keys", description = "Keys that enroll machines.")
    static final class JoinKeys {
        @Command(name = "create", description = "A join key for N machines within a time to live; shown once.")
        static final class Create implements Callable<Integer> {
            @Option(names = "--uses", description = "Machines it may enroll (default 1).")
            int uses = 1;
            @Option(names = "--ttl", description = "Valid for (default 24h).", converter = SessionCommand.DurationConverter.class)
            Duration ttl = Duration.ofHours(24);
            @Option(names = "--json")
            boolean json;

            @Override
            public Integer call() {
                printSecret(admin(a -> a.createJoinKey(uses, ttl)), json, "join key");
                return 0;
            }
        }
    }

    @Command(name = "members", description = "Members of the fleet.")
    static final class Members {
        @Command(name = "list")
        static final class ListMembers implements Callable<Integer> {
            @Override
            public Integer call() {
                for (Member m : admin(FleetAdmin::members)) {
                    System.out.printf("%-20s %s%n", m.getName(), role(m.getRole()));
                }
                return 0;
            }
        }
    }

    @Command(name = "fleet", description = "Fleets (relay administrators).")
    static final class Fleet {
        @Command(name = "create", description = "A new isolated fleet and its owner key.")
        static final class Create implements Callable<Integer> {
            @Parameters(paramLabel = "NAME")
            String name;
            @Option(names = "--json")
            boolean json;

            @Override
            public Integer call() {
                printSecret(admin(a -> a.createFleet(name)), json, "owner key of fleet " + name);
                return 0;
            }
        }
    }
}
