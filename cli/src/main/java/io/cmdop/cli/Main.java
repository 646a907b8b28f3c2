package io.cmdop.cli;

import io.cmdop.client.CmdopException;
import io.cmdop.daemon.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** The {@code cmdop} command. */
@Command(name = "cmdop", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Main.Version.class,
        description = "Live terminal sessions that outlive their clients, shared by many clients at once.")
public final class Main {
    /** Exit code for errors cmdop reports itself (usage errors exit 2, as picocli does). */
    static final int EXIT_ERROR = 1;

    /** The subcommands, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(UpCommand.class, AgentCommand.class, SessionCommand.class,
            ConnectCommand.class, ExecCommand.class, FilesCommand.class, RelayCommand.class, LoginCommand.class,
            FleetCommands.Machines.class, FleetCommands.Keys.class, FleetCommands.JoinKeys.class,
            FleetCommands.Members.class, FleetCommands.Fleet.class, ShareCommand.class, AotTraining.class,
            CommandLine.HelpCommand.class);
    /**
     * The commands that group others, with theirs in the order help lists them: here, not in their
     * annotations, so that a command line builds only what it names; and as class literals, which
     * initialise no class (a group's static fields are not needed to list its subcommands).
     */
    private static final Map<Class<?>, List<Class<?>>> GROUPS = Map.ofEntries(
            Map.entry(AgentCommand.class, List.of(AgentCommand.Start.class, AgentCommand.Stop.class,
                    AgentCommand.Status.class, AgentCommand.Run.class)),
            Map.entry(SessionCommand.class, List.of(SessionCommand.Create.class, SessionCommand.ListSessions.class,
                    SessionCommand.Attach.class, SessionCommand.ScreenCommand.class, SessionCommand.Send.class,
                    SessionCommand.Run.class, SessionCommand.Watch.class, SessionCommand.Signal.class,
                    SessionCommand.Destroy.class)),
            Map.entry(FilesCommand.class, List.of(FilesCommand.Ls.class, FilesCommand.Get.class, FilesCommand.Put.class,
                    FilesCommand.Rm.class, FilesCommand.Mv.class, FilesCommand.Mkdir.class)),
            Map.entry(RelayCommand.class, List.of(RelayCommand.Init.class, RelayCommand.Start.class)),
            Map.entry(ShareCommand.class, List.of(ShareCommand.ListLinks.class, ShareCommand.Revoke.class)),
            Map.entry(FleetCommands.Machines.class, List.of(FleetCommands.Machines.ListMachines.class,
                    FleetCommands.Machines.Revoke.class)),
            Map.entry(FleetCommands.Keys.class, List.of(FleetCommands.Keys.Create.class,
                    FleetCommands.Keys.ListKeys.class, FleetCommands.Keys.Revoke.class)),
            Map.entry(FleetCommands.JoinKeys.class, List.of(FleetCommands.JoinKeys.Create.class)),
            Map.entry(FleetCommands.Members.class, List.of(FleetCommands.Members.ListMembers.class)),
            Map.entry(FleetCommands.Fleet.class, List.of(FleetCommands.Fleet.Create.class)));

    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        // Netty samples one buffer in 128 for leaks, building a stack trace each time: 2.5 % of a
        // daemon's CPU as it echoes keys. Off in cmdop's own processes unless asked for by that property.
        if (System.getProperty(LEAK_DETECTION) == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
        System.exit(run(args));
    }

    /** Held so the level settings are not garbage collected with their loggers. */
    private static final java.util.List<java.util.logging.Logger> QUIET = java.util.List.of(
            java.util.logging.Logger.getLogger("io.netty"), java.util.logging.Logger.getLogger("io.grpc"),
            java.util.logging.Logger.getLogger("com.zaxxer.hikari"), java.util.logging.Logger.getLogger("org.flywaydb"),
            java.util.logging.Logger.getLogger("org.eclipse.jetty"));

    static int run(String... args) {
        // Transport chatter (e.g. socket options a Unix socket lacks) is not for the user's terminal.
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.SEVERE));
        CommandLine cli = new CommandLine(new Main());
        addCommands(cli, COMMANDS, args.length > 0 && args[0].equals("help") ? List.of() : List.of(args));
        cli.setExecutionExceptionHandler(Main::report);
        return cli.execute(args);
    }

    /**
     * picocli reflects over every option of every command it is given (~100 ms for all of them in a
     * fresh JVM), so each level of a command line that names its command gets that one alone, and
     * the next word goes on to its subcommands. Help, and anything else, needs them all, all the way down.
     */
    private static void addCommands(CommandLine parent, List<Class<?>> commands, List<String> words) {
        String named = words.isEmpty() ? "" : words.getFirst();
        List<Class<?>> only = commands.stream().filter(c -> name(c).equals(named)).toList();
        List<String> rest = only.isEmpty() ? List.of() : words.subList(1, words.size());
        for (Class<?> command : only.isEmpty() ? commands : only) {
            parent.addSubcommand(command);
            List<Class<?>> subcommands = GROUPS.get(command);
            if (subcommands != null) {
                addCommands(parent.getSubcommands().get(name(command)), subcommands, rest);
            }
        }
    }

    private static String name(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    /** Expected failures get one clear line with their stable reason; anything else gets a stack trace. */
    private static int report(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        switch (e) {
            case CmdopException c -> err.println("cmdop: " + c.getMessage()
                    + (c.reasonName().equals("UNSPECIFIED") ? "" : " [" + c.reasonName() + "]"));
            case ConfigException c -> err.println("cmdop: invalid configuration: " + c.getMessage());
            case UserException u -> err.println("cmdop: " + u.getMessage());
            default -> {
                err.println("cmdop: internal error: " + e);
                e.printStackTrace(err);
            }
        }
        if (System.getenv("CMDOP_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_ERROR;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cmdop " + io.cmdop.daemon.Daemon.VERSION};
        }
    }
}
