package io.cmdop.client;

/**
 * A finished, verified transfer.
 *
 * @param file the remote file (for a download, as it was when the download began)
 * @param bytes how many bytes were transferred
 * @param sha256 lower-case hex SHA-256 of those bytes, checked by the receiving end
 */
public record FileTransfer(FileEntry file, long bytes, String sha256) {
}
