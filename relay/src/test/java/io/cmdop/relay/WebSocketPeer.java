package io.cmdop.relay;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.cmdop.client.CertificatePin;
import io.cmdop.protocol.v1.CallStart;
import io.cmdop.protocol.v1.SignIn;
import io.cmdop.protocol.v1.WebFrame;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A program speaking the /ws carrier, as docs/protocol.md describes it: the JDK's WebSocket client. */
final class WebSocketPeer implements AutoCloseable {
    record Closed(int code, String reason) {
    }

    private final HttpClient http;
    private final WebSocket socket;
    private final List<WebFrame> received;
    private final CompletableFuture<Closed> closed;

    private WebSocketPeer(HttpClient http, WebSocket socket, Listener listener) {
        this.http = http;
        this.socket = socket;
        this.received = listener.received;
        this.closed = listener.closed;
    }

    static WebSocketPeer connect(String relayUrl, String fingerprint, String origin) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new CertificatePin(fingerprint)}, null);
        HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
        WebSocket.Builder builder = http.newWebSocketBuilder();
        if (origin != null) {
            builder.header("Origin", origin);
        }
        Listener listener = new Listener();
        WebSocket socket = builder.buildAsync(URI.create(relayUrl.replace("https:", "wss:") + "/ws"), listener)
                .get(20, TimeUnit.SECONDS);
        return new WebSocketPeer(http, socket, listener);
    }

    WebSocketPeer signIn(String credential) {
        return send(WebFrame.newBuilder().setSignIn(SignIn.newBuilder().setCredential(credential)).build());
    }

    WebSocketPeer start(long call, String method) {
        return send(WebFrame.newBuilder().setCall(call).setStart(CallStart.newBuilder().setMethod(method)).build());
    }

    WebSocketPeer message(long call, Message message) {
        return send(WebFrame.newBuilder().setCall(call).setMessage(message.toByteString()).build());
    }

    WebSocketPeer halfClose(long call) {
        return send(WebFrame.newBuilder().setCall(call).setHalfClose(io.cmdop.protocol.v1.CallHalfClose.getDefaultInstance()).build());
    }

    WebSocketPeer send(WebFrame frame) {
        return sendRaw(frame.toByteArray());
    }

    WebSocketPeer sendRaw(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    void sendText(String text) {
        socket.sendText(text, true).join();
    }

    /** The first frame received (so far or within 20 s) that matches; nothing is consumed. */
    WebFrame await(Predicate<WebFrame> matching) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (WebFrame f : received) {
                if (matching.test(f)) {
                    return f;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no matching frame within 20 s among " + received);
    }

    /** The first message on {@code call} that parses as {@code type} and matches. */
    <T extends Message> T awaitMessage(long call, com.google.protobuf.Parser<T> type, Predicate<T> matching)
            throws InterruptedException {
        WebFrame frame = await(f -> f.getCall() == call && f.hasMessage() && matching.test(parse(type, f.getMessage())));
        return parse(type, frame.getMessage());
    }

    static <T> T parse(com.google.protobuf.Parser<T> type, ByteString bytes) {
        try {
            return type.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    Closed awaitClose() throws Exception {
        return closed.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        socket.abort();
        http.close();
    }

    private static final class Listener implements WebSocket.Listener {
        private final List<WebFrame> received = new CopyOnWriteArrayList<>();
        private final CompletableFuture<Closed> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            partial.writeBytes(bytes);
            if (last) {
                byte[] whole = partial.toByteArray();
                partial.reset();
                received.add(parse(WebFrame.parser(), ByteString.copyFrom(whole)));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(new Closed(1006, String.valueOf(error)));
        }
    }
}
