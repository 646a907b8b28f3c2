package io.cmdop.client;

import com.google.protobuf.ByteString;
import io.cmdop.protocol.v1.FilesGrpc;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.protocol.v1.WriteFileRequest;
import io.cmdop.protocol.v1.WriteFileResponse;
import io.cmdop.protocol.v1.WriteHeader;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One Files.Write call: header, chunks, checksum. A chunk is sent only when the call's flow control
 * takes it, so the memory an upload needs is one chunk whatever the file's size. Stopping early
 * (a failing input, an interrupt) cancels the call, and the machine then keeps nothing of it.
 */
final class UploadCall implements ClientResponseObserver<WriteFileRequest, WriteFileResponse> {
    static final int CHUNK_BYTES = 64 * 1024;
    /** Giving up when the machine takes nothing, or does not answer, for this long. */
    private static final Duration STALL = Duration.ofMinutes(5);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private ClientCallStreamObserver<WriteFileRequest> requests;
    private WriteFileResponse response;
    private Throwable failure;
    private boolean closed;

    private UploadCall() {
    }

    static WriteFileResponse run(Channel channel, WriteHeader header, InputStream in, long size,
                                 TransferProgress progress, String target) {
        UploadCall call = new UploadCall();
        FilesGrpc.newStub(channel).write(call);
        try {
            return call.upload(header, in, size, progress);
        } catch (StatusRuntimeException e) {
            throw CmdopClient.translate(e, target);
        } catch (IOException e) {
            call.requests.cancel("the input failed", e);
            throw new UncheckedIOException("cannot read what was to be uploaded to " + header.getPath() + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            call.requests.cancel("interrupted", e);
            Thread.currentThread().interrupt();
            throw new CmdopException(Reason.REASON_INTERNAL, "the upload of " + header.getPath() + " was interrupted");
        } catch (RuntimeException e) {
            call.requests.cancel("failed", e);
            throw e;
        }
    }

    private WriteFileResponse upload(WriteHeader header, InputStream in, long size, TransferProgress progress)
            throws IOException, InterruptedException {
        MessageDigest sha256 = sha256();
        requests.onNext(WriteFileRequest.newBuilder().setHeader(header).build());
        byte[] chunk = new byte[CHUNK_BYTES];
        long done = 0;
        while (true) {
            int n = in.readNBytes(chunk, 0, chunk.length);
            if (n == 0) {
                break;
            }
            awaitReady();
            sha256.update(chunk, 0, n);
            requests.onNext(WriteFileRequest.newBuilder().setData(ByteString.copyFrom(chunk, 0, n)).build());
            done += n;
            progress.update(done, size);
        }
        awaitReady();
        requests.onNext(WriteFileRequest.newBuilder().setSha256(HexFormat.of().formatHex(sha256.digest())).build());
        requests.onCompleted();
        return awaitResponse();
    }

    /** Until the call takes more; a refusal from the machine ends the upload at once. */
    private void awaitReady() throws InterruptedException {
        lock.lock();
        try {
            long left = STALL.toNanos();
            while (failure == null && !closed && !requests.isReady()) {
                if (left <= 0) {
                    throw new CmdopException(Reason.REASON_TIMEOUT, "the machine took nothing of the upload for "
                            + STALL.toMinutes() + " minutes");
                }
                left = changed.awaitNanos(left);
            }
            rethrow();
        } finally {
            lock.unlock();
        }
    }

    private WriteFileResponse awaitResponse() throws InterruptedException {
        lock.lock();
        try {
            long left = STALL.toNanos();
            while (failure == null && !closed) {
                if (left <= 0) {
                    throw new CmdopException(Reason.REASON_TIMEOUT, "the machine did not confirm the upload within "
                            + STALL.toMinutes() + " minutes");
                }
                left = changed.awaitNanos(left);
            }
            rethrow();
            if (response == null) {
                throw new CmdopException(Reason.REASON_INTERNAL, "the machine ended the upload without an answer");
            }
            return response;
        } finally {
            lock.unlock();
        }
    }

    private void rethrow() {
        if (failure instanceof StatusRuntimeException s) {
            throw s;
        }
        if (failure != null) {
            throw new CmdopException(Reason.REASON_INTERNAL, String.valueOf(failure));
        }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WriteFileRequest> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(this::signal);
    }

    @Override
    public void onNext(WriteFileResponse value) {
        lock.lock();
        try {
            response = value;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onError(Throwable t) {
        lock.lock();
        try {
            failure = t instanceof StatusRuntimeException ? t : io.grpc.Status.fromThrowable(t).asRuntimeException();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onCompleted() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
