package io.cmdop.cli;

import io.cmdop.client.CmdopClient;
import io.cmdop.client.CmdopHome;
import io.cmdop.protocol.v1.ClientKind;

import java.nio.file.Files;

/** Opens the CLI's connection to the local daemon, with a clear word when there is none. */
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
}
