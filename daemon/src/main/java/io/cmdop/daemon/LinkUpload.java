package io.cmdop.daemon;

import io.cmdop.protocol.v1.FileCredit;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.Reason;
import io.cmdop.transport.FileChunks;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An upload relayed over the link. Its messages arrive on the link's thread, which must never wait
 * for a disk, so they are queued and written on a thread of their own. The queue holds a window:
 * the relay sends data only as the credit granted here allows (a window after the header, one more
 * per message written), and a relay that sends more ends the upload rather than growing the queue.
 */
final class LinkUpload {
    private final long callId;
    private final RelayLink link;
    private final Upload upload;
    /** The window, plus the checksum and the close that may follow it. */
    private final BlockingQueue<LinkDown> queue = new ArrayBlockingQueue<>(FileChunks.WINDOW + 2);
    private volatile boolean overrun;

    LinkUpload(long callId, RelayLink link, Upload upload) {
        this.callId = callId;
        this.link = link;
        this.upload = upload;
        Thread.ofVirtual().name("cmdop-files-upload-" + callId).start(this::drain);
    }

    /** A message of the call (write_file or call_closed), from the link's thread; never waits. */
    void offer(LinkDown message) {
        if (!queue.offer(message)) {
            overrun = true;
        }
    }

    private void drain() {
        try {
            while (!upload.ended().isDone()) {
                if (overrun) {
                    upload.refuse(new FileException(Reason.REASON_LIMIT_REACHED,
                            "the relay sent more upload data than it was granted"));
                    return;
                }
                LinkDown message = queue.poll(FilesService.STALL.toMillis(), TimeUnit.MILLISECONDS);
                if (message == null) {
                    upload.refuse(new FileException(Reason.REASON_TIMEOUT, "the upload was given up: nothing came for "
                            + FilesService.STALL.toMinutes() + " minutes; nothing was written"));
                    return;
                }
                if (message.hasCallClosed()) {
                    if (message.getCallClosed().getAbrupt()) {
                        upload.onError(new IllegalStateException("the remote client went away"));
                    } else {
                        upload.onCompleted();
                    }
                    return;
                }
                upload.onNext(message.getWriteFile());
                if (!upload.ended().isDone()) {
                    int credit = message.getWriteFile().hasHeader() ? FileChunks.WINDOW : 1;
                    link.send(LinkUp.newBuilder().setCallId(callId)
                            .setFileCredit(FileCredit.newBuilder().setMessages(credit)).build());
                }
            }
        } catch (InterruptedException e) {
            upload.onError(e);
        } finally {
            link.forget(callId);
        }
    }
}
