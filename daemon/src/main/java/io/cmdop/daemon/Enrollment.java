package io.cmdop.daemon;

import io.cmdop.client.CertificatePin;
import io.cmdop.client.RelayChannels;
import io.cmdop.client.RelayEndpoint;
import io.cmdop.protocol.v1.AgentLinkGrpc;
import io.cmdop.protocol.v1.EnrollRequest;
import io.cmdop.protocol.v1.EnrollResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Enrolls this machine into a relay's fleet with a join key, once, and keeps the credential it gets. */
public final class Enrollment {
    private Enrollment() {
    }

    /**
     * Trades the join key for a machine credential and saves it in {@code home}.
     *
     * @param fingerprint the relay certificate's pinned fingerprint (ignored for plaintext loopback)
     */
    public static RelaySettings enroll(Path home, String url, String joinKey, String machineName, String fingerprint)
            throws IOException {
        RelayEndpoint endpoint = RelayEndpoint.parse(url);
        ManagedChannel channel = RelayChannels.open(endpoint, endpoint.tls() ? new CertificatePin(fingerprint) : null);
        try {
            EnrollResponse r = AgentLinkGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .enroll(EnrollRequest.newBuilder().setJoinKey(joinKey).setName(machineName)
                            .setAgentVersion(Daemon.VERSION).build());
            RelaySettings settings = new RelaySettings(endpoint.url(), endpoint.tls() ? fingerprint : "",
                    r.getMachineId(), machineName, r.getMachineCredential());
            settings.save(home);
            return settings;
        } catch (StatusRuntimeException e) {
            throw io.cmdop.client.CmdopClient.translate(e, endpoint.url());
        } finally {
            channel.shutdownNow();
        }
    }
}
