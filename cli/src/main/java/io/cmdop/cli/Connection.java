package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopHome;
import io.cmdop.client.RelayLogin;
import io.cmdop.protocol.v1.ClientKind;

import java.nio.file.Files;

/** Opens the CLI's connections: to the local daemon, or to the relay this user logged in to. */
final class Connection {
    private Connection() {
    }

    static CmdopClient open() {
        CmdopHome home = CmdopHome.resolve();
        if (!Files.exists(home.socket())) {
            throw new UserException("the cmdop daemon is not running for " + home.dir()
                    + "; start it with `cmdop agent start`");
        }
        return CmdopClient.local(home, ClientKind.CLIENT_KIND_CLI);
    }

    /** The relay of `cmdop login`. */
    static CmdopClient remote() {
        CmdopHome home = CmdopHome.resolve();
        return RelayLogin.load(home).orElseThrow(() -> new UserException(
                "not logged in to a relay: run `cmdop login --relay https://HOST:PORT --key cmdop_...` first"))
                .connect(ClientKind.CLIENT_KIND_CLI);
    }
}
