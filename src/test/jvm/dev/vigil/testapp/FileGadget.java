package dev.vigil.testapp;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/** A gadget of the team's own that drops a script as it is read: the path it carries gets a line of shell. */
public final class FileGadget implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String path;

    public FileGadget(String path) {
        this.path = path;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        try (FileOutputStream out = new FileOutputStream(path)) {
            out.write("#!/bin/sh\nid\n".getBytes(StandardCharsets.UTF_8));
        }
    }
}
