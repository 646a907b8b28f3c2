package io.cmdop.cli;

import io.cmdop.client.FileEntry;
import io.cmdop.client.PathNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cmdop files ...}: a machine's files under its daemon's files root. */
@Command(name = "files", description = "List, copy, move and remove files of a machine (under its files root). "
        + "Paths are MACHINE:PATH through the relay, or PATH on this machine.")
final class FilesCommand {
    private static final DateTimeFormatter LISTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());

    @Command(name = "ls", description = "List a directory (or show one file): type and mode, size, modified, name.")
    static final class Ls implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "[MACHINE:]PATH", description = "Default: the root of this machine.")
        String address = "";
        @Option(names = "--json", description = "Print a JSON array of entries.")
        boolean json;

        @Override
        public Integer call() {
            try (FileTarget target = FileTarget.open(address)) {
                FileEntry self = target.files().stat(target.path());
                List<FileEntry> entries = self.type() == FileEntry.Type.DIRECTORY
                        ? target.files().list(target.path()) : List.of(self);
                if (json) {
                    System.out.println(Json.pretty(entries.stream().map(FilesCommand::json).toList()));
                    return 0;
                }
                for (FileEntry e : entries) {
                    System.out.printf("%s %10s  %s  %s%n", modeString(e), e.type() == FileEntry.Type.FILE
                            ? String.valueOf(e.size()) : "-", LISTED.format(e.modified()),
                            e.name() + (e.type() == FileEntry.Type.DIRECTORY ? "/" : e.type() == FileEntry.Type.SYMLINK ? "@" : ""));
                }
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Download a file; it appears only once complete and verified (SHA-256).")
    static final class Get implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "[MACHINE:]PATH", description = "The file to download.")
        String address;
        @Parameters(index = "1", arity = "0..1", paramLabel = "LOCAL",
                description = "Where to put it: a file, a directory, or - for stdout. Default: its name, here.")
        String local;

        @Override
        public Integer call() throws Exception {
            try (FileTarget target = FileTarget.open(address)) {
                String name = Path.of(target.path().isEmpty() ? "." : target.path()).getFileName().toString();
                ProgressBar progress = ProgressBar.forTerminal(target.display());
                try {
                    if ("-".equals(local)) {
                        OutputStream stdout = System.out;
                        target.files().read(target.path(), stdout, progress);
                        stdout.flush();
                    } else {
                        Path destination = Path.of(local == null ? name : local);
                        if (Files.isDirectory(destination)) {
                            destination = destination.resolve(name);
                        }
                        target.files().read(target.path(), destination, progress);
                    }
                } finally {
                    progress.finish();
                }
            }
            return 0;
        }
    }

    @Command(name = "put", description = "Upload a file, creating or replacing the remote one; it appears only "
            + "once complete and verified (SHA-256).")
    static final class Put implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "LOCAL", description = "The file to upload, or - for stdin.")
        String local;
        @Parameters(index = "1", paramLabel = "[MACHINE:]PATH",
                description = "Where to: a file, or a directory (ending in / or existing) to put it in.")
        String address;

        @Override
        public Integer call() throws Exception {
            Path source = Path.of(local);
            boolean stdin = local.equals("-");
            if (!stdin && !Files.isRegularFile(source)) {
                throw new UserException(local + " is not a file here");
            }
            try (FileTarget target = FileTarget.open(address)) {
                String path = target.path();
                if (!stdin && (path.isEmpty() || path.endsWith("/") || isDirectory(target))) {
                    path = (path.isEmpty() || path.endsWith("/") ? path : path + "/") + source.getFileName();
                }
                ProgressBar progress = ProgressBar.forTerminal(target.at(path).display());
                try {
                    if (stdin) {
                        InputStream in = System.in;
                        target.files().write(path, in, -1, progress);
                    } else {
                        target.files().write(path, source, progress);
                    }
                } finally {
                    progress.finish();
                }
            }
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove files, links (never what they point to) or empty directories.")
    static final class Rm implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "[MACHINE:]PATH")
        List<String> addresses = new ArrayList<>();
        @Option(names = {"-r", "--recursive"}, description = "Also directories with everything in them.")
        boolean recursive;

        @Override
        public Integer call() {
            for (String address : addresses) {
                try (FileTarget target = FileTarget.open(address)) {
                    target.files().delete(target.path(), recursive);
                }
            }
            return 0;
        }
    }

    @Command(name = "mv", description = "Rename or move a file or directory on one machine.")
    static final class Mv implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "[MACHINE:]FROM")
        String from;
        @Parameters(index = "1", paramLabel = "TO",
                description = "The new path on the same machine (MACHINE: may be repeated); an existing directory "
                        + "receives it.")
        String to;
        @Option(names = {"-f", "--force"}, description = "Replace an existing file at TO.")
        boolean force;

        @Override
        public Integer call() {
            String[] destination = FileTarget.split(to);
            try (FileTarget target = FileTarget.open(from)) {
                if (!destination[0].isEmpty() && !destination[0].equals(target.machine())) {
                    throw new UserException("mv moves within one machine: " + from + " and " + to + " are on different ones");
                }
                String path = destination[1];
                if (isDirectory(target.at(path))) {
                    String name = Path.of(target.path()).getFileName().toString();
                    path = (path.isEmpty() || path.endsWith("/") ? path : path + "/") + name;
                }
                target.files().move(target.path(), path, force);
            }
            return 0;
        }
    }

    @Command(name = "mkdir", description = "Create directories.")
    static final class Mkdir implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "[MACHINE:]PATH")
        List<String> addresses = new ArrayList<>();
        @Option(names = {"-p", "--parents"}, description = "Also missing parents; an existing directory is fine.")
        boolean parents;

        @Override
        public Integer call() {
            for (String address : addresses) {
                try (FileTarget target = FileTarget.open(address)) {
                    target.files().mkdir(target.path(), parents);
                }
            }
            return 0;
        }
    }

    private static boolean isDirectory(FileTarget target) {
        try {
            return target.files().stat(target.path()).type() == FileEntry.Type.DIRECTORY;
        } catch (PathNotFoundException e) {
            return false;
        }
    }

    /** An entry of `files ls --json`, documented in docs/cli.md. */
    static Map<String, Object> json(FileEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", e.path());
        m.put("name", e.name());
        m.put("type", e.type().name().toLowerCase(java.util.Locale.ROOT));
        m.put("size", e.size());
        m.put("modified", e.modified().toString());
        m.put("mode", String.format("%04o", e.mode()));
        return m;
    }

    /** As ls -l shows it: d, l or - and the nine permission bits. */
    private static String modeString(FileEntry e) {
        StringBuilder s = new StringBuilder(switch (e.type()) {
            case DIRECTORY -> "d";
            case SYMLINK -> "l";
            case OTHER -> "?";
            case FILE -> "-";
        });
        String letters = "rwxrwxrwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((e.mode() & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
        }
        return s.toString();
    }
}
