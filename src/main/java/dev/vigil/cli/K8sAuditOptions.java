package dev.vigil.cli;

import dev.vigil.agent.K8sAuditIntake;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** The Kubernetes audit sources on the command line: shared by `vigil run`, `vigil agent` and `vigil server` (a picocli mixin). */
final class K8sAuditOptions {
    @Option(names = "--k8s-audit", paramLabel = "HOST:PORT",
            description = "Serve the Kubernetes API server's audit webhook (POST /k8s-audit) on HOST:PORT; callers need the bearer token"
                    + " kept in DIR/k8s-audit.token, or a client certificate with --k8s-audit-tls.")
    String listen;

    @Option(names = "--k8s-audit-tls", split = ",", paramLabel = "CERT,KEY[,CLIENT-CA]",
            description = "Serve the webhook over TLS with this PEM certificate and PKCS#8 key; with a CA, only clients holding a"
                    + " certificate it signed get in (and no token is needed).")
    List<Path> tls;

    @Option(names = "--k8s-audit-insecure", description = "No token and no TLS for the webhook: allowed on a loopback address only.")
    boolean insecure;

    @Option(names = "--k8s-audit-file", paramLabel = "PATH",
            description = "Follow a Kubernetes audit log (JSON lines) through rotation, from where the last run left off.")
    Path file;

    @Option(names = "--cluster", defaultValue = "", paramLabel = "NAME",
            description = "The Kubernetes cluster's name, for ka.cluster.name (and, in fleet mode, the key its audit events go under).")
    String cluster;

    /** The intake's options, its token and file offset kept in `dataDir`. */
    K8sAuditIntake.Options intake(Path dataDir) {
        return new K8sAuditIntake.Options(listen, insecure, tls, file, cluster, dataDir);
    }
}
