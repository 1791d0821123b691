package dev.vigil.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * cgroup v2 id to container. The id events carry is the inode of the cgroup's directory: one walk
 * of /sys/fs/cgroup at start maps the existing ones, then the kernel's cgroup_mkdir/rmdir events
 * keep the map (no rescans on the event path, which a process making cgroups could otherwise
 * drive). The container id is the 64-hex id in the cgroup path (docker, containerd, cri-o,
 * podman), printed cut to 12 characters as Falco does; empty on the host. Runtime, image and
 * privileged flag are read once per container from the runtime's own state, where one exists.
 */
public final class Containers {
    private static final Pattern ID = Pattern.compile("([0-9a-f]{64})");
    /** State folders of the runtimes, overridable (tests, unusual installs) with -Dvigil.containers.state=DIR[:DIR…]. */
    static final List<Path> DEFAULT_STATE = List.of(Path.of("/var/lib/docker/containers"), Path.of("/run/containerd/io.containerd.runtime.v2.task"),
            Path.of("/run/containers/storage/overlay-containers"), Path.of("/var/lib/containers/storage/overlay-containers"));
    private static final int MAX_CGROUPS = 200_000;

    /**
     * What the runtime says about a container; runtime "" when no state was found. The pod's name
     * and namespace ("" outside Kubernetes) are what the kubelet labels (docker) or annotates (CRI
     * runtimes) every container of a pod with.
     */
    public record Info(String id, String runtime, String image, boolean privileged, String podName, String podNamespace) {
        public Info(String id, String runtime, String image, boolean privileged) {
            this(id, runtime, image, privileged, "", "");
        }

        public String shortId() {
            return id.substring(0, Math.min(12, id.length()));
        }
    }

    /** The kubelet's labels (dockershim, cri-dockerd, cri-o) and containerd's CRI annotations naming a container's pod. */
    private static final String[] POD_NAME = {"io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name"};
    private static final String[] POD_NAMESPACE = {"io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"};

    private static String first(JsonNode labels, String[] keys) {
        for (String k : keys) {
            if (labels.path(k).isTextual()) {
                String v = labels.path(k).asText();
                return v.length() > 253 ? v.substring(0, 253) : v; // a DNS subdomain at most; the label is the runtime's, not ours
            }
        }
        return "";
    }

    private final Path root;
    private final List<Path> stateRoots;
    private final Map<Long, String> byCgroup = new ConcurrentHashMap<>();
    private final Map<String, Info> info = new ConcurrentHashMap<>();
    private final ObjectMapper json = new ObjectMapper();

    public Containers(Path root) {
        this(root, stateRoots());
    }

    Containers(Path root, List<Path> stateRoots) {
        this.root = v2Root(root);
        this.stateRoots = stateRoots;
        scan();
    }

    /** The cgroup v2 hierarchy: `root` itself, or where cgroup2 is mounted beside v1 ones (hybrid systems). */
    private static Path v2Root(Path root) {
        if (Files.isRegularFile(root.resolve("cgroup.controllers"))) {
            return root;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("cgroup2")) {
                    return Path.of(f[1]);
                }
            }
        } catch (IOException unreadable) {
            // fall back to the given root
        }
        return root;
    }

    private static List<Path> stateRoots() {
        String given = System.getProperty("vigil.containers.state");
        if (given == null || given.isBlank()) {
            return DEFAULT_STATE;
        }
        return Stream.of(given.split(":")).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    /** The container of a cgroup, or null on the host. */
    public Info container(long cgroupId) {
        String id = byCgroup.get(cgroupId);
        if (id == null || id.isEmpty()) {
            return null;
        }
        return info.computeIfAbsent(id, this::read);
    }

    /** From the kernel: a cgroup v2 directory made or removed (path relative to the hierarchy's root). */
    public void cgroupChanged(long cgroupId, String path, boolean removed) {
        if (removed) {
            byCgroup.remove(cgroupId);
            return;
        }
        if (byCgroup.size() < MAX_CGROUPS) {
            byCgroup.put(cgroupId, idFromPath(path));
        }
    }

    static String idFromPath(String path) {
        Matcher m = ID.matcher(path);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? "" : last;
    }

    /** Runtime, image and privileged flag from the first runtime whose state knows this id. */
    private Info read(String id) {
        for (Path base : stateRoots) {
            try {
                Path docker = base.resolve(id);
                if (Files.isRegularFile(docker.resolve("config.v2.json"))) {
                    JsonNode config = json.readTree(docker.resolve("config.v2.json").toFile());
                    JsonNode host = Files.isRegularFile(docker.resolve("hostconfig.json"))
                            ? json.readTree(docker.resolve("hostconfig.json").toFile()) : config.path("HostConfig");
                    JsonNode labels = config.path("Config").path("Labels");
                    return new Info(id, "docker", config.path("Config").path("Image").asText(""), host.path("Privileged").asBoolean(false),
                            first(labels, POD_NAME), first(labels, POD_NAMESPACE));
                }
                Path oci = Files.isRegularFile(base.resolve(id).resolve("userdata").resolve("config.json"))
                        ? base.resolve(id).resolve("userdata").resolve("config.json") : containerdConfig(base, id);
                if (oci != null) {
                    return fromOci(id, base, json.readTree(oci.toFile()));
                }
            } catch (IOException | RuntimeException unreadable) {
                // try the next runtime
            }
        }
        return new Info(id, "", "", false);
    }

    /** containerd keeps bundles per namespace: BASE/NAMESPACE/ID/config.json. */
    private static Path containerdConfig(Path base, String id) throws IOException {
        if (!Files.isDirectory(base)) {
            return null;
        }
        try (Stream<Path> namespaces = Files.list(base)) {
            for (Path ns : namespaces.toList()) {
                Path c = ns.resolve(id).resolve("config.json");
                if (Files.isRegularFile(c)) {
                    return c;
                }
            }
        }
        return null;
    }

    /** An OCI runtime spec: image from the annotations CRI runtimes write; privileged when every capability is in the bounding set. */
    private static Info fromOci(String id, Path base, JsonNode spec) {
        JsonNode a = spec.path("annotations");
        String image = "";
        for (String key : new String[] {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName", "io.kubernetes.cri-o.Image",
                "org.opencontainers.image.ref.name", "io.podman.annotations.image"}) {
            if (a.hasNonNull(key)) {
                image = a.get(key).asText();
                break;
            }
        }
        String runtime = base.toString().contains("containerd") ? "containerd"
                : a.has("io.kubernetes.cri-o.ContainerID") ? "cri-o" : "podman";
        JsonNode bounding = spec.path("process").path("capabilities").path("bounding");
        List<String> caps = new ArrayList<>();
        bounding.forEach(c -> caps.add(c.asText()));
        return new Info(id, runtime, image, caps.contains("CAP_SYS_ADMIN") && caps.size() >= 38, first(a, POD_NAME), first(a, POD_NAMESPACE));
    }

    /** Once, at start: the cgroups that exist already. */
    private void scan() {
        if (!Files.isDirectory(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, java.util.Set.of(), 32, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    Object key = attrs.fileKey();
                    if (key != null && byCgroup.size() < MAX_CGROUPS) {
                        String k = key.toString();
                        int i = k.indexOf("ino=");
                        if (i >= 0) {
                            long ino = Long.parseLong(k.substring(i + 4, k.indexOf(')', i)));
                            byCgroup.putIfAbsent(ino, idFromPath(root.relativize(dir).toString()));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | RuntimeException unreadable) {
            // ids stay unknown
        }
    }
}
