package dev.vigil.testapp;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/** A deserialization gadget of the team's own: reading one starts the command it carries. */
public final class Gadget implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String cmd;

    public Gadget(String cmd) {
        this.cmd = cmd;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        try {
            Runtime.getRuntime().exec(new String[] {"sh", "-c", cmd}).waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
