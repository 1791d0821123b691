package dev.vigil.enrich;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Container ids from cgroup paths, kept by cgroup events; runtime, image and privileged flag from each runtime's state. */
class ContainersTest {
    private static final String A = "a".repeat(64), B = "b".repeat(64), C = "c".repeat(64);

    @Test
    void ociStateOfContainerdAndCriO() throws Exception {
        Path containerd = Files.createTempDirectory("vigil-containerd"), crio = Files.createTempDirectory("vigil-crio");
        Files.createDirectories(containerd.resolve("k8s.io").resolve(A));
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 41; i++) {
            all.append(i == 0 ? "" : ",").append(i == 21 ? "\"CAP_SYS_ADMIN\"" : "\"CAP_" + i + "\"");
        }
        Files.writeString(containerd.resolve("k8s.io").resolve(A).resolve("config.json"), "{\"annotations\":{\"io.kubernetes.cri.image-name\":"
                + "\"docker.io/library/nginx:1.27\",\"io.kubernetes.cri.sandbox-name\":\"web-1\",\"io.kubernetes.cri.sandbox-namespace\":\"shop\"},\"process\":{\"capabilities\":{\"bounding\":[" + all + "]}}}");
        Files.createDirectories(crio.resolve(B).resolve("userdata"));
        Files.writeString(crio.resolve(B).resolve("userdata").resolve("config.json"), "{\"annotations\":{\"io.kubernetes.cri-o.ImageName\":"
                + "\"quay.io/x/y:2\",\"io.kubernetes.pod.name\":\"db-0\",\"io.kubernetes.pod.namespace\":\"billing\",\"io.kubernetes.cri-o.ContainerID\":\"" + B + "\"},\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}}}");

        Containers c = new Containers(Files.createTempDirectory("vigil-nocgroup"), List.of(containerd, crio));
        c.cgroupChanged(7, "/kubepods/besteffort/pod1/cri-containerd-" + A + ".scope", false);
        c.cgroupChanged(8, "/machine.slice/crio-" + B + ".scope", false);
        c.cgroupChanged(9, "/system.slice/docker-" + C + ".scope", false);
        c.cgroupChanged(10, "/user.slice/user-1000.slice", false);

        Containers.Info a = c.container(7);
        assertEquals("containerd", a.runtime());
        assertEquals("docker.io/library/nginx:1.27", a.image());
        assertTrue(a.privileged());
        assertEquals("web-1", a.podName(), "containerd's CRI annotations name the pod");
        assertEquals("shop", a.podNamespace());
        assertEquals(A.substring(0, 12), c.container(7).shortId());
        Containers.Info b = c.container(8);
        assertEquals("cri-o", b.runtime());
        assertEquals("quay.io/x/y:2", b.image());
        assertFalse(b.privileged());
        assertEquals("db-0", b.podName(), "CRI-O's annotations name the pod");
        assertEquals("billing", b.podNamespace());
        assertEquals("docker", c.container(9).runtime(), "a container with no runtime state still is a container, of the runtime its cgroup names");
        assertEquals("", c.container(9).name());
        assertEquals("", c.container(9).podName(), "outside Kubernetes, no pod");
        assertNull(c.container(10), "the host");
        c.cgroupChanged(7, "", true);
        assertNull(c.container(7), "removed with its cgroup");
    }

    @Test
    void dockerAndPodmanStateNameTheContainerAndItsMounts() throws Exception {
        Path docker = Files.createTempDirectory("vigil-docker"), podman = Files.createTempDirectory("vigil-podman");
        Path none = Files.createTempDirectory("vigil-nocgroup");
        try {
            Files.createDirectories(docker.resolve(A));
            Files.writeString(docker.resolve(A).resolve("config.v2.json"), """
                    {"Name":"/web","Config":{"Image":"shop/web:2","Labels":{"io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"shop"}},
                     "MountPoints":{"/host/etc":{"Source":"/etc","Destination":"/host/etc","RW":false,"Relabel":"ro","Propagation":"rprivate"},
                                    "/data":{"Source":"/var/lib/docker/volumes/d/_data","Destination":"/data","RW":true,"Relabel":"","Propagation":""}}}""");
            Files.writeString(docker.resolve(A).resolve("hostconfig.json"), "{\"Privileged\":false}");
            Files.createDirectories(podman.resolve(B).resolve("userdata"));
            Files.writeString(podman.resolve(B).resolve("userdata").resolve("config.json"), """
                    {"annotations":{"io.container.manager":"libpod","io.podman.annotations.privileged":"TRUE"},
                     "process":{"capabilities":{"bounding":["CAP_CHOWN"]}},
                     "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                               {"destination":"/var/run/docker.sock","type":"bind","source":"/var/run/docker.sock","options":["rbind","rprivate"]},
                               {"destination":"/etc/hosts","type":"bind","source":"/run/containers/storage/overlay-containers/x/userdata/hosts","options":["bind"]}]}""");
            Files.writeString(podman.resolve("containers.json"), "[{\"id\":\"" + B + "\",\"names\":[\"db\"],"
                    + "\"metadata\":\"{\\\"image-name\\\":\\\"localhost/db:1\\\"}\"}]");
            Containers c = new Containers(none, List.of(docker, podman));
            c.cgroupChanged(1, "/docker/" + A, false);
            c.cgroupChanged(2, "/libpod_parent/libpod-" + B, false);
            Containers.Info web = c.container(1);
            assertEquals("web", web.name(), "docker's name, without its slash");
            assertEquals("shop/web:2", web.image());
            assertEquals(List.of("/etc:/host/etc:ro:false:rprivate", "/var/lib/docker/volumes/d/_data:/data::true:"), web.mounts());
            assertEquals("web-0", web.podName());
            Containers.Info db = c.container(2);
            assertEquals("podman", db.runtime());
            assertEquals("db", db.name(), "podman's containers.json names it");
            assertEquals("localhost/db:1", db.image());
            assertTrue(db.privileged(), "podman's annotation");
            assertEquals(List.of("/var/run/docker.sock:/var/run/docker.sock::true:rprivate"), db.mounts(),
                    "host paths bound in; not proc, not the runtime's own files");
        } finally {
            new ProcessBuilder("rm", "-rf", docker.toString(), podman.toString(), none.toString()).start().waitFor();
        }
    }

    @Test
    void theCgroupNamesTheRuntime() {
        assertEquals("docker", Containers.runtimeOfPath("/system.slice/docker-" + A + ".scope", A));
        assertEquals("docker", Containers.runtimeOfPath("/docker/" + A, A));
        assertEquals("podman", Containers.runtimeOfPath("/machine.slice/libpod-" + A + ".scope", A));
        assertEquals("containerd", Containers.runtimeOfPath("/kubepods/pod1/cri-containerd-" + A + ".scope", A));
        assertEquals("cri-o", Containers.runtimeOfPath("/kubepods/pod1/crio-" + A + ".scope", A));
        assertEquals("", Containers.runtimeOfPath("/default/" + A, A), "ctr's namespace says nothing; its state does");
    }

    @Test
    void aContainerContainerdRunsUnderItsUsersNameIsAContainer() throws Exception {
        Path containerd = Files.createTempDirectory("vigil-containerd"), none = Files.createTempDirectory("vigil-nocgroup");
        try {
            Files.createDirectories(containerd.resolve("vigil").resolve("my-box"));
            Files.writeString(containerd.resolve("vigil").resolve("my-box").resolve("config.json"), """
                    {"process":{"capabilities":{"bounding":["CAP_CHOWN"]}},
                     "mounts":[{"destination":"/data","type":"bind","source":"/srv/data","options":["rbind","ro"]}]}""");
            Containers c = new Containers(none, List.of(containerd));
            c.cgroupChanged(11, "/vigil/my-box", false);
            c.cgroupChanged(12, "/system.slice/ssh.service", false);
            c.cgroupChanged(13, "/vigil/other", false);
            Containers.Info box = c.container(11);
            assertEquals("containerd", box.runtime());
            assertEquals("my-box", box.shortId(), "ctr's name is its id");
            assertEquals("my-box", box.name());
            assertEquals(List.of("/srv/data:/data:ro:false:"), box.mounts());
            assertNull(c.container(12), "a service's cgroup is the host's");
            assertNull(c.container(13), "a cgroup of that shape with no bundle is the host's");
        } finally {
            new ProcessBuilder("rm", "-rf", containerd.toString(), none.toString()).start().waitFor();
        }
    }
}
