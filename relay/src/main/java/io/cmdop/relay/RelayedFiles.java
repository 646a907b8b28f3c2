package io.cmdop.relay;

import io.cmdop.protocol.v1.ClientKind;
import io.cmdop.protocol.v1.DeleteFileRequest;
import io.cmdop.protocol.v1.DeleteFileResponse;
import io.cmdop.protocol.v1.FileInfo;
import io.cmdop.protocol.v1.FilesGrpc;
import io.cmdop.protocol.v1.LinkDown;
import io.cmdop.protocol.v1.LinkUp;
import io.cmdop.protocol.v1.ListFilesRequest;
import io.cmdop.protocol.v1.ListFilesResponse;
import io.cmdop.protocol.v1.MakeDirectoryRequest;
import io.cmdop.protocol.v1.MoveFileRequest;
import io.cmdop.protocol.v1.ReadFileRequest;
import io.cmdop.protocol.v1.ReadFileResponse;
import io.cmdop.protocol.v1.StatFileRequest;
import io.cmdop.protocol.v1.WriteFileRequest;
import io.cmdop.protocol.v1.WriteFileResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.function.Function;

/**
 * cmdop.v1.Files for remote clients: each call goes to the daemon of the machine it names, which
 * confines paths and decides permissions. The relay refuses writes of observers early and keeps
 * transfers flowing at the pace of the slower end (RemoteRead, RemoteWrite).
 */
final class RelayedFiles extends FilesGrpc.FilesImplBase {
    private final Agents agents;

    RelayedFiles(Agents agents) {
        this.agents = agents;
    }

    @Override
    public void stat(StatFileRequest request, StreamObserver<FileInfo> response) {
        Calls.unary(response, () -> relay(request.getMachine(), LinkDown.newBuilder().setStatFile(request),
                LinkUp::getFileInfo));
    }

    @Override
    public void list(ListFilesRequest request, StreamObserver<ListFilesResponse> response) {
        Calls.unary(response, () -> relay(request.getMachine(), LinkDown.newBuilder().setListFiles(request),
                LinkUp::getFileList));
    }

    @Override
    public void delete(DeleteFileRequest request, StreamObserver<DeleteFileResponse> response) {
        Calls.unary(response, () -> {
            Caller.current().requireOperator("delete files");
            return relay(request.getMachine(), LinkDown.newBuilder().setDeleteFile(request), LinkUp::getFileDeleted);
        });
    }

    @Override
    public void move(MoveFileRequest request, StreamObserver<FileInfo> response) {
        Calls.unary(response, () -> {
            Caller.current().requireOperator("move files");
            return relay(request.getMachine(), LinkDown.newBuilder().setMoveFile(request), LinkUp::getFileInfo);
        });
    }

    @Override
    public void mkdir(MakeDirectoryRequest request, StreamObserver<FileInfo> response) {
        Calls.unary(response, () -> {
            Caller.current().requireOperator("create directories");
            return relay(request.getMachine(), LinkDown.newBuilder().setMakeDirectory(request), LinkUp::getFileInfo);
        });
    }

    @Override
    public void read(ReadFileRequest request, StreamObserver<ReadFileResponse> response) {
        try {
            RemoteRead.start(agents, Caller.current(), request, (ServerCallStreamObserver<ReadFileResponse>) response);
        } catch (StatusRuntimeException e) {
            response.onError(e);
        }
    }

    @Override
    public StreamObserver<WriteFileRequest> write(StreamObserver<WriteFileResponse> response) {
        try {
            Caller.current().requireOperator("write files");
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return new StreamObserver<>() {
                public void onNext(WriteFileRequest ignored) { }
                public void onError(Throwable t) { }
                public void onCompleted() { }
            };
        }
        return new RemoteWrite(agents, Caller.current(), (ServerCallStreamObserver<WriteFileResponse>) response);
    }

    private <T> T relay(String machine, LinkDown.Builder body, Function<LinkUp, T> answer) {
        Caller caller = Caller.current();
        return agents.require(caller, machine).unary(caller.relayed(ClientKind.CLIENT_KIND_UNSPECIFIED), body, answer);
    }
}
