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
 * podman), or the name a `ctr run` gave (see containerdNamed), printed cut to 12 characters as
 * Falco does; empty on the host. Runtime, name, image,
 * privileged flag, mounts and pod are read once per container from the runtime's own state, where
 * one exists.
 */
public final class Containers {
    private static final Pattern ID = Pattern.compile("([0-9a-f]{64})");
    /** State folders of the runtimes, overridable (tests, unusual installs) with -Dvigil.containers.state=DIR[:DIR…]. */
    static final List<Path> DEFAULT_STATE = List.of(Path.of("/var/lib/docker/containers"), Path.of("/run/containerd/io.containerd.runtime.v2.task"),
            Path.of("/run/docker/containerd/daemon/io.containerd.runtime.v2.task"),
            Path.of("/run/containers/storage/overlay-containers"), Path.of("/var/lib/containers/storage/overlay-containers"));
    private static final int MAX_CGROUPS = 200_000;

    /**
     * A host path mounted into a container, as the runtime set it up, in Falco's form
     * source:dest:mode:rdrw:propagation: source on the host, destination in the container, the mode
     * given (docker's "ro", "z"…; "" when none), read-write or not, and the propagation (rprivate…).
     * Made once per container; every exec in it carries the same strings.
     */
    static String mount(String source, String dest, String mode, boolean rw, String propagation) {
        return source + ":" + dest + ":" + mode + ":" + rw + ":" + propagation;
    }

    /**
     * What the runtime says about a container. Runtime from its state, else from the cgroup's
     * name ("" when neither says); name and image "" and no mounts when no state was found (a
     * container gone before it was read). The pod's name and namespace ("" outside Kubernetes)
     * are what the kubelet labels (docker) or annotates (CRI runtimes) every container of a pod
     * with; the pod's labels (key:value) are those the kubelet put on the pod's sandbox container
     * (docker through cri-dockerd or dockershim: the container names its sandbox by
     * io.kubernetes.sandbox.id), without the kubelet's own io.kubernetes.* keys. Mounts are the host paths mounted in (bind mounts and volumes), not the runtime's
     * own files (hosts, resolv.conf, the shm), each in Falco's form (see {@link #mount}).
     */
    public record Info(String id, String runtime, String name, String image, boolean privileged, List<String> mounts,
                       String podName, String podNamespace, List<String> podLabels) {
        public Info(String id, String runtime, String image, boolean privileged) {
            this(id, runtime, "", image, privileged, List.of(), "", "", List.of());
        }

        public String shortId() {
            return id.substring(0, Math.min(12, id.length()));
        }
    }

    /** Where a cgroup belongs: a container's id and the runtime its name shows, or the host. */
    private record Where(String id, String runtime) {}

    private static final Where HOST = new Where("", "");
    /** Mounts kept per container, and the length kept of a name, image or path: the runtime's state is read, not trusted. */
    private static final int MAX_MOUNTS = 64, MAX_TEXT = 4096;
    /** Where runtimes keep a container's own files, which they bind into it: not a host path the user mounted. */
    private static final List<String> RUNTIME_FILES = List.of("/var/lib/docker/containers/", "/run/containers/storage/",
            "/var/lib/containers/storage/", "/run/containerd/", "/var/lib/containerd/", "/run/crio/", "/var/run/containers/storage/");

    /** The kubelet's labels (dockershim, cri-dockerd, cri-o) and containerd's CRI annotations naming a container's pod. */
    private static final String[] POD_NAME = {"io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name"};
    private static final String[] POD_NAMESPACE = {"io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"};

    private static String first(JsonNode labels, String[] keys) {
        for (String k : keys) {
            if (labels.path(k).isTextual()) {
                String v = labels.path(k).asText();
                return cut(v, 253); // a DNS subdomain at most; the label is the runtime's, not ours
            }
        }
        return "";
    }

    private static String cut(String s, int most) {
        return s.length() > most ? s.substring(0, most) : s;
    }

    private final Path root;
    private final List<Path> stateRoots;
    private final Map<Long, Where> byCgroup = new ConcurrentHashMap<>();
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
        Where w = byCgroup.get(cgroupId);
        if (w == null || w.id().isEmpty()) {
            return null;
        }
        return info.computeIfAbsent(w.id(), id -> read(id, w.runtime()));
    }

    /** From the kernel: a cgroup v2 directory made or removed (path relative to the hierarchy's root). */
    public void cgroupChanged(long cgroupId, String path, boolean removed) {
        if (removed) {
            byCgroup.remove(cgroupId);
            return;
        }
        if (byCgroup.size() < MAX_CGROUPS) {
            byCgroup.put(cgroupId, where(path));
        }
    }

    private Where where(String path) {
        String id = idFromPath(path);
        if (!id.isEmpty()) {
            return new Where(id, runtimeOfPath(path, id));
        }
        return containerdNamed(path);
    }

    /** Names containerd takes for a namespace and a container (`ctr run IMAGE NAME`): any such string, not a 64-hex id. */
    private static final Pattern CONTAINERD_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,75}");

    /**
     * A container containerd runs under a name of its user's choosing (`ctr run`): its cgroup is
     * /NAMESPACE/NAME, and containerd keeps its bundle at STATE/NAMESPACE/NAME/config.json (made
     * before the cgroup). Anything else without a 64-hex id is the host's.
     */
    private Where containerdNamed(String path) {
        String[] parts = path.startsWith("/") ? path.substring(1).split("/") : path.split("/");
        if (parts.length != 2 || !CONTAINERD_NAME.matcher(parts[0]).matches() || !CONTAINERD_NAME.matcher(parts[1]).matches()) {
            return HOST;
        }
        for (Path base : stateRoots) {
            if (base.toString().contains("containerd") && Files.isRegularFile(base.resolve(parts[0]).resolve(parts[1]).resolve("config.json"))) {
                return new Where(parts[1], "containerd");
            }
        }
        return HOST;
    }

    /** The runtime a container's cgroup is named after: docker-ID.scope or /docker/ID, libpod-ID, cri-containerd-ID, crio-ID. */
    static String runtimeOfPath(String path, String id) {
        String before = path.substring(0, path.lastIndexOf(id));
        int slash = before.lastIndexOf('/', Math.max(0, before.length() - 2));
        String name = before.substring(slash + 1);
        if (name.startsWith("libpod")) {
            return "podman";
        }
        if (name.startsWith("cri-containerd")) {
            return "containerd";
        }
        if (name.startsWith("crio")) {
            return "cri-o";
        }
        return name.startsWith("docker") ? "docker" : "";
    }

    static String idFromPath(String path) {
        Matcher m = ID.matcher(path);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? "" : last;
    }

    /** What the first runtime whose state knows this id says; its id and the cgroup's runtime when none does. */
    private Info read(String id, String runtimeOfCgroup) {
        for (Path base : stateRoots) {
            try {
                Path docker = base.resolve(id);
                if (Files.isRegularFile(docker.resolve("config.v2.json"))) {
                    return fromDocker(id, docker);
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
        return new Info(id, runtimeOfCgroup, "", "", false, List.of(), "", "", List.of());
    }

    /** docker's config.v2.json (name, image, labels, mount points) and hostconfig.json (privileged). */
    private Info fromDocker(String id, Path dir) throws IOException {
        JsonNode config = json.readTree(dir.resolve("config.v2.json").toFile());
        JsonNode host = Files.isRegularFile(dir.resolve("hostconfig.json"))
                ? json.readTree(dir.resolve("hostconfig.json").toFile()) : config.path("HostConfig");
        JsonNode labels = config.path("Config").path("Labels");
        List<String> mounts = new ArrayList<>();
        for (JsonNode m : config.path("MountPoints")) {
            if (mounts.size() < MAX_MOUNTS && m.path("Source").isTextual() && !m.path("Source").asText().isEmpty()) {
                mounts.add(mount(cut(m.path("Source").asText(), MAX_TEXT), cut(m.path("Destination").asText(""), MAX_TEXT),
                        cut(m.path("Relabel").asText(""), 64), m.path("RW").asBoolean(true), cut(m.path("Propagation").asText(""), 64)));
            }
        }
        String name = config.path("Name").asText("");
        return new Info(id, "docker", cut(name.startsWith("/") ? name.substring(1) : name, 253), cut(config.path("Config").path("Image").asText(""), MAX_TEXT),
                host.path("Privileged").asBoolean(false), List.copyOf(mounts), first(labels, POD_NAME), first(labels, POD_NAMESPACE),
                dockerPodLabels(dir, labels));
    }

    /** The kubelet's mark of a pod's sandbox container, and every container's link to its sandbox (dockershim, cri-dockerd). */
    private static final String SANDBOX_TYPE = "io.kubernetes.docker.type", SANDBOX_ID = "io.kubernetes.sandbox.id";
    private static final int MAX_LABELS = 64;

    /** A docker container's pod labels: its own when it is the sandbox, else its sandbox's (a sibling directory); none outside Kubernetes. */
    private List<String> dockerPodLabels(Path dir, JsonNode labels) {
        JsonNode podLabels = labels;
        if (!"podsandbox".equals(labels.path(SANDBOX_TYPE).asText())) {
            String sandbox = labels.path(SANDBOX_ID).asText("");
            if (!sandbox.matches("[0-9a-f]{12,64}") || dir.getParent() == null) {
                return List.of();
            }
            try {
                podLabels = json.readTree(dir.getParent().resolve(sandbox).resolve("config.v2.json").toFile()).path("Config").path("Labels");
            } catch (IOException | RuntimeException goneOrUnreadable) {
                return List.of();
            }
        }
        List<String> out = new ArrayList<>();
        podLabels.fields().forEachRemaining(kv -> {
            String k = kv.getKey();
            if (out.size() < MAX_LABELS && kv.getValue().isTextual() && !k.startsWith("io.kubernetes.") && !k.startsWith("annotation.")) {
                out.add(cut(k, 317) + ":" + cut(kv.getValue().asText(), 256));
            }
        });
        return List.copyOf(out);
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

    /**
     * An OCI runtime spec (containerd, CRI-O, podman): image from the annotations CRI runtimes
     * write, or podman's containers.json beside the bundles, which also names the container;
     * privileged from podman's annotation, or when every capability is in the bounding set.
     */
    private Info fromOci(String id, Path base, JsonNode spec) throws IOException {
        JsonNode a = spec.path("annotations");
        String image = "";
        for (String key : new String[] {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName", "io.kubernetes.cri-o.Image",
                "org.opencontainers.image.ref.name", "io.podman.annotations.image"}) {
            if (a.hasNonNull(key)) {
                image = a.get(key).asText();
                break;
            }
        }
        String name = a.path("io.kubernetes.cri.container-name").asText(a.path("io.kubernetes.cri-o.ContainerName").asText(""));
        if (name.isEmpty() && !ID.matcher(id).matches()) {
            name = id; // a container containerd runs under its user's name for it (ctr run)
        }
        boolean podman = "libpod".equals(a.path("io.container.manager").asText());
        String runtime = base.toString().contains("containerd") ? "containerd" : podman || !a.has("io.kubernetes.cri-o.ContainerID") ? "podman" : "cri-o";
        if (runtime.equals("podman")) {
            JsonNode c = podmanContainer(base, id);
            if (c != null) {
                name = c.path("names").path(0).asText(name);
                if (image.isEmpty() && c.path("metadata").isTextual()) {
                    image = json.readTree(c.path("metadata").asText()).path("image-name").asText("");
                }
            }
        }
        JsonNode bounding = spec.path("process").path("capabilities").path("bounding");
        List<String> caps = new ArrayList<>();
        bounding.forEach(c -> caps.add(c.asText()));
        boolean privileged = "TRUE".equalsIgnoreCase(a.path("io.podman.annotations.privileged").asText())
                || caps.contains("CAP_SYS_ADMIN") && caps.size() >= 38;
        return new Info(id, runtime, cut(name, 253), cut(image, MAX_TEXT), privileged, ociMounts(spec), first(a, POD_NAME), first(a, POD_NAMESPACE),
                List.of());
    }

    /** podman's own record of a container (names, image) in containers.json beside the bundles; null when absent. */
    private JsonNode podmanContainer(Path base, String id) {
        Path list = base.resolve("containers.json");
        try {
            if (!Files.isRegularFile(list) || Files.size(list) > 64L << 20) {
                return null;
            }
            for (JsonNode c : json.readTree(list.toFile())) {
                if (id.equals(c.path("id").asText())) {
                    return c;
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // name and image stay unknown
        }
        return null;
    }

    /** The spec's bind mounts of host paths, leaving out the runtime's own files. */
    private static List<String> ociMounts(JsonNode spec) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : spec.path("mounts")) {
            String source = m.path("source").asText("");
            List<String> options = new ArrayList<>();
            m.path("options").forEach(o -> options.add(o.asText()));
            boolean bind = "bind".equals(m.path("type").asText()) || options.contains("bind") || options.contains("rbind");
            if (!bind || !source.startsWith("/") || RUNTIME_FILES.stream().anyMatch(source::startsWith) || out.size() >= MAX_MOUNTS) {
                continue;
            }
            boolean ro = options.contains("ro");
            String propagation = options.stream().filter(o -> o.matches("r?(private|shared|slave|unbindable)")).findFirst().orElse("");
            out.add(mount(cut(source, MAX_TEXT), cut(m.path("destination").asText(""), MAX_TEXT), ro ? "ro" : "", !ro, propagation));
        }
        return List.copyOf(out);
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
                            byCgroup.putIfAbsent(ino, where(root.relativize(dir).toString()));
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
