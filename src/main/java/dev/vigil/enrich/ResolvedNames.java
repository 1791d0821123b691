package dev.vigil.enrich;

import dev.vigil.event.DnsEvent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The name each address was last given in a DNS reply this host received (any process, any
 * container: the dns hook sees replies in every network namespace), so that a connection to an
 * address says which name led there (Falco's fd.sip.name). A reply's first question is the name;
 * its A and AAAA answers are the addresses. Replies are the network's, not ours: names are cut to
 * 253 bytes and the table keeps the latest 16,384 addresses.
 */
final class ResolvedNames {
    private static final int MAX = 16_384;

    private final Map<String, String> byAddress = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX;
        }
    };

    void saw(DnsEvent d) {
        if (!d.response() || d.rcode() != 0 || d.query() == null || d.query().isEmpty()) {
            return;
        }
        String name = d.query().length() > 253 ? d.query().substring(0, 253) : d.query();
        for (String a : d.answers()) {
            if (looksLikeAddress(a)) {
                byAddress.remove(a); // the latest reply is the eldest no more
                byAddress.put(a, name);
            }
        }
    }

    /** The name `address` was last resolved from, or null. */
    String nameOf(String address) {
        return address == null || address.isEmpty() ? null : byAddress.get(address);
    }

    private static boolean looksLikeAddress(String a) {
        return !a.isEmpty() && a.length() <= 45 && (a.indexOf(':') >= 0 || Character.isDigit(a.charAt(0)))
                && a.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':' || (c >= 'a' && c <= 'f'));
    }
}
