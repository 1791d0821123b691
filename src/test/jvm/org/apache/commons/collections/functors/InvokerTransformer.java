package org.apache.commons.collections.functors;

import java.io.Serializable;

/**
 * The team's own stand-in under the name of commons-collections' best-known gadget (none of its
 * code): a stream that names this class is what a CommonsCollections chain sends, and the RASP
 * judges by the name the stream asks for.
 */
public final class InvokerTransformer implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String method;

    public InvokerTransformer(String method) {
        this.method = method;
    }

    @Override
    public String toString() {
        return "InvokerTransformer(" + method + ")";
    }
}
