// Runs Neo4j 5.26 Community embedded with Bolt on a loopback address, for machines
// without Docker. Usage:
//   NEO4J_PASSWORD=... java ... referral.Neo4jLauncher --home DIR [--host 127.0.0.1]
//       [--port 7687] [--pagecache 256m] [--user neo4j]
// Authentication is on: the password comes from the environment (NEO4J_PASSWORD, never the
// command line, which every local user can read), and before the "ready" line is printed
// the user is made to hold exactly that password, whatever the store held before: a new
// store (whose `neo4j` user starts with the default password `neo4j`), a store created
// while auth was off, or one whose password was changed. HTTP and usage reporting are off,
// and only two rotated transaction logs are kept. A JVM shutdown hook shuts the database
// down cleanly on SIGTERM/SIGINT. Prints one "bolt listening" line when the default
// database is available and the password is set; if Neo4j cannot start (port taken, store
// locked, password refused), the exception ends the JVM (status 1).
package referral;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

public final class Neo4jLauncher {
    private Neo4jLauncher() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> opts = parse(args);
        Path home = Path.of(opts.getOrDefault("home", "var/neo4j")).toAbsolutePath();
        String host = opts.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(opts.getOrDefault("port", "7687"));
        long pageCache = ByteUnit.parse(opts.getOrDefault("pagecache", "256m"));
        String user = opts.getOrDefault("user", "neo4j");
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.isEmpty()) {
            System.err.println("neo4j-launcher: NEO4J_PASSWORD is not set; refusing to start without auth");
            System.exit(2);
        }

        DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(64))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                // A plan is cached per query text and parameter types; with this on, also
                // per order of magnitude of every string's and list's size, so a longer path
                // or one more list entry compiled the whole statement again (60-360 ms here,
                // docs/benchmarks.md). The product's statements seek by key: sizes do not
                // change their plans.
                .setConfig(GraphDatabaseInternalSettings.cypher_size_hint_parameters, false)
                // Bolt's Netty quiet period (5 s by default) is most of a clean stop's time.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 1)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j-launcher: shutting down");
            service.shutdown();
        }, "neo4j-shutdown"));

        String how;
        try {
            how = ensurePassword(service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), user, password);
            service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME)
                    .executeTransactionally("RETURN 1");
        } catch (RuntimeException e) {
            // Neo4j's own threads would keep the JVM alive: end it (the hook shuts down).
            System.err.println("neo4j-launcher: cannot serve: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.printf("neo4j-launcher: auth on, user %s (%s)%n", user, how);
        System.out.printf("neo4j-launcher: bolt listening on %s:%d (home %s)%n", host, port, home);
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Make `user` exist with exactly `password` and no pending change; say what was done.
     * Embedded transactions run with full access, so no old password is needed. */
    private static String ensurePassword(GraphDatabaseService system, String user, String password) {
        Map<String, Object> params = Map.of("user", user, "password", password);
        long found = system.executeTransactionally(
                "SHOW USERS YIELD user WHERE user = $user RETURN count(*) AS n",
                params,
                result -> (Long) result.next().get("n"));
        if (found == 0) {
            system.executeTransactionally(
                    "CREATE USER $user SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED", params);
            return "user created";
        }
        try {
            system.executeTransactionally(
                    "ALTER USER $user SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED", params);
            return "password set";
        } catch (QueryExecutionException e) {
            // Neo4j refuses to "change" a password to the one it already is: then it is right.
            if (!e.getMessage().contains("cannot be the same")) {
                throw e;
            }
            system.executeTransactionally("ALTER USER $user SET PASSWORD CHANGE NOT REQUIRED", params);
            return "password unchanged";
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }
}
