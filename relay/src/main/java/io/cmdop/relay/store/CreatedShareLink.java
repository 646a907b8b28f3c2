package io.cmdop.relay.store;

/** A share link just created, with its token: the only time the token exists outside the browser. */
public record CreatedShareLink(ShareLink link, String token) {
    @Override
    public String toString() {
        return "CreatedShareLink[" + link + ", token=<hidden>]";
    }
}
