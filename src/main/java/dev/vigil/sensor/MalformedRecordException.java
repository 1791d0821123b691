package dev.vigil.sensor;

/** A ring-buffer record that does not fit its declared layout; it is dropped and counted, never trusted. */
public final class MalformedRecordException extends Exception {
    public MalformedRecordException(String message) {
        super(message);
    }
}
