package dev.vigil.testapp;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A gadget of the team's own that calls home as it is read: it connects to the host:port it carries. */
public final class ConnectGadget implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String address;

    public ConnectGadget(String address) {
        this.address = address;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        int colon = address.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 2000);
        }
    }
}
