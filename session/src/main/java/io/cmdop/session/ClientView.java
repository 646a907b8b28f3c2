package io.cmdop.session;

/** What everyone may know about an attached client: presence. */
public record ClientView(String clientId, String principal, ClientKind kind, Mode mode, long sinceMs,
                         boolean connected, TerminalSize size) {
}
