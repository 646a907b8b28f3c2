package io.cmdop.cli;

import io.cmdop.client.CmdopHome;
import io.cmdop.client.RelayLogin;
import io.cmdop.protocol.v1.CreatedShareLink;
import io.cmdop.protocol.v1.Mode;
import io.cmdop.protocol.v1.ShareLink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Share links: a browser link to one remote session, observer unless asked otherwise, until it expires or is revoked. */
@Command(name = "share", description = "Share a session through a link that opens it in a browser (observer by default).")
final class ShareCommand implements Callable<Integer> {
    // Optional for picocli only, so that `share list` and `share revoke` parse; a link needs it.
    @Parameters(paramLabel = "MACHINE/SESSION", arity = "0..1", description = "The session to share, e.g. web-1/build.")
    String address;
    @Option(names = "--ttl", description = "How long the link works (default 1h; e.g. 30m, 24h).",
            converter = SessionCommand.DurationConverter.class)
    Duration ttl = Duration.ofHours(1);
    @Option(names = "--operator", description = "Let the link type into the session (admins and owners only).")
    boolean operator;
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        String[] parts = address == null ? new String[] {""} : Target.split(address);
        if (parts[0].isEmpty()) {
            throw new UserException("name the machine: cmdop share MACHINE/SESSION (links go through the relay)");
        }
        CreatedShareLink created = FleetCommands.admin(a -> a.createShareLink(parts[0], parts[1], ttl, operator));
        String url = relayUrl() + "/share#" + created.getToken();
        if (json) {
            Map<String, Object> m = describe(created.getLink());
            m.put("url", url);
            m.put("token", created.getToken());
            System.out.println(Json.pretty(m));
        } else {
            System.out.println("share link " + created.getLink().getId() + " (" + mode(created.getLink()) + ", until "
                    + Json.time(created.getLink().getExpiresAtMs()) + "; shown once):");
            System.out.println(url);
        }
        return 0;
    }

    private static String relayUrl() {
        return RelayLogin.load(CmdopHome.resolve()).map(RelayLogin::url).orElseThrow().replaceAll("/+$", "");
    }

    static String mode(ShareLink link) {
        return link.getMode() == Mode.MODE_OPERATOR ? "operator" : "observer";
    }

    static Map<String, Object> describe(ShareLink l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.getId());
        m.put("machine", l.getMachine());
        m.put("session", l.getSessionName().isEmpty() ? l.getSessionId() : l.getSessionName());
        m.put("session_id", l.getSessionId());
        m.put("mode", mode(l));
        m.put("created_by", l.getCreatedBy());
        m.put("created_at", Json.time(l.getCreatedAtMs()));
        m.put("expires_at", Json.time(l.getExpiresAtMs()));
        m.put("revoked", l.getRevoked());
        m.put("views", l.getViews());
        return m;
    }

    @Command(name = "list", description = "Share links: yours, or the fleet's for admins and owners.")
    static final class ListLinks implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            List<ShareLink> links = FleetCommands.admin(a -> a.shareLinks());
            if (json) {
                System.out.println(Json.pretty(links.stream().map(ShareCommand::describe).toList()));
                return 0;
            }
            System.out.printf("%-18s %-24s %-9s %-25s %-8s %s%n", "ID", "SESSION", "MODE", "EXPIRES", "VIEWS", "STATE");
            long now = System.currentTimeMillis();
            for (ShareLink l : links) {
                String state = l.getRevoked() ? "revoked" : l.getExpiresAtMs() <= now ? "expired" : "active";
                System.out.printf("%-18s %-24s %-9s %-25s %-8d %s%n", l.getId(), l.getMachine() + "/"
                        + (l.getSessionName().isEmpty() ? l.getSessionId() : l.getSessionName()), mode(l),
                        Json.time(l.getExpiresAtMs()), l.getViews(), state);
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a share link: viewers that have it open are detached within seconds.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            FleetCommands.admin(a -> a.revokeShareLink(id));
            System.out.println("revoked " + id);
            return 0;
        }
    }
}
