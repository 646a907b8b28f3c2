package io.cmdop.cli;

import io.cmdop.client.CertificatePin;
import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopException;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.RelayEndpoint;
import io.cmdop.client.RelayLogin;
import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.Identity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.Callable;

/** {@code cmdop login}: remember a relay and an API key for the remote commands. */
@Command(name = "login", description = "Log in to a relay with an API key; pins its certificate on first use.")
final class LoginCommand implements Callable<Integer> {
    @Option(names = "--relay", required = true, description = "https://HOST:PORT")
    String relay;
    @Option(names = "--key", required = true, description = "An API key (cmdop_...).")
    String key;
    @Option(names = "--fingerprint", description = "The relay certificate's SHA256:... fingerprint.")
    String fingerprint;

    @Override
    public Integer call() throws Exception {
        RelayEndpoint endpoint = RelayEndpoint.parse(relay);
        String pin = endpoint.tls() ? Pinning.resolve(endpoint, fingerprint) : "";
        RelayLogin login = new RelayLogin(endpoint.url(), pin, key);
        Identity who;
        try (CmdopClient client = login.connect(ClientKind.CLIENT_KIND_CLI)) {
            who = client.fleet().whoAmI();
        }
        login.save(CmdopHome.resolve());
        System.out.println("logged in to " + endpoint.url() + " as " + who.getMember() + "@" + who.getFleet()
                + " (" + Json.word(who.getRole().name(), "ROLE_") + ")");
        return 0;
    }

    /** Trust on first use, as ssh does: an interactive first use asks, a non-interactive one needs --fingerprint. */
    static final class Pinning {
        private Pinning() {
        }

        static String resolve(RelayEndpoint endpoint, String given) throws Exception {
            if (given != null) {
                return given.trim();
            }
            String presented = presented(endpoint);
            if (System.console() == null || !System.console().isTerminal()) {
                throw new UserException("the relay's certificate is not pinned yet: pass --fingerprint " + presented
                        + " after checking it against the one `cmdop relay init` printed");
            }
            System.out.println("The relay at " + endpoint.url() + " presents the certificate fingerprint");
            System.out.println("  " + presented);
            System.out.print("Is it the one `cmdop relay init` printed? (yes/no) ");
            System.out.flush();
            String answer = new BufferedReader(new InputStreamReader(System.in)).readLine();
            if (answer == null || !answer.trim().equalsIgnoreCase("yes")) {
                throw new UserException("not pinned: nothing was saved");
            }
            return presented;
        }

        /** The relay's fingerprint, read from a handshake that is then refused on purpose. */
        private static String presented(RelayEndpoint endpoint) {
            CertificatePin probe = new CertificatePin("SHA256:" + "A".repeat(43));
            try (CmdopClient client = CmdopClient.remote(endpoint.url(), "cmdop_probe", probe)) {
                client.fleet().whoAmI();
            } catch (CmdopException expected) {
                // The handshake failed on the pin, as intended; the certificate was seen.
            }
            if (probe.presented() == null) {
                throw new UserException("no TLS answer from " + endpoint.url());
            }
            return probe.presented();
        }
    }
}
