package dev.vigil.event;

/** 610: a USB device uevent from the kernel's uevent netlink socket; the header names no process. */
public record UsbEvent(Header header, String action, String subsystem, String devpath, String productInfo,
                       String manufacturer, String serial) implements Event {
    @Override
    public void fields(FieldSink out) {
        out.field("action", action);
        out.field("subsystem", subsystem);
        out.field("devpath", devpath);
        out.field("product_info", productInfo);
        out.field("manufacturer", manufacturer);
        out.field("serial", serial);
    }
}
