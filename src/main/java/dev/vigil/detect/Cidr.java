package dev.vigil.detect;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** IPv4 and IPv6 networks ("10.0.0.0/8", "fd00::/8") and whether an address lies in one. Never resolves a name. */
final class Cidr {
    private Cidr() {}

    private record Network(byte[] prefix, int bits) {}

    private static final Network INVALID = new Network(new byte[0], -1);
    /** Rule literals are few; parsed once each. */
    private static final Map<String, Network> NETWORKS = new ConcurrentHashMap<>();

    static boolean contains(String cidr, String ip) {
        Network net = NETWORKS.computeIfAbsent(cidr, Cidr::network);
        byte[] addr = address(ip);
        if (net == INVALID || addr == null || addr.length != net.prefix.length) {
            return false;
        }
        int full = net.bits / 8, rest = net.bits % 8;
        for (int i = 0; i < full; i++) {
            if (addr[i] != net.prefix[i]) {
                return false;
            }
        }
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (addr[full] & mask) == (net.prefix[full] & mask);
    }

    private static Network network(String cidr) {
        int slash = cidr.indexOf('/');
        byte[] prefix = address(slash < 0 ? cidr : cidr.substring(0, slash));
        if (prefix == null) {
            return INVALID;
        }
        int bits = prefix.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(cidr.substring(slash + 1));
            } catch (NumberFormatException bad) {
                return INVALID;
            }
        }
        return bits < 0 || bits > prefix.length * 8 ? INVALID : new Network(prefix, bits);
    }

    /** The address's bytes, or null when it is not a numeric IPv4 or IPv6 address. */
    static byte[] address(String s) {
        if (s == null || s.isEmpty() || s.length() > 45) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
                    return null;
                }
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    return null;
                }
                b[i] = (byte) v;
            }
            return b;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null; // only a numeric literal reaches InetAddress, so no name is ever looked up
            }
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException bad) {
            return null;
        }
    }
}
