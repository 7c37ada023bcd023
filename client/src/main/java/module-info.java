/**
 * The Java client of a Strata node: management calls (JSON) and the page API (a compact binary format,
 * {@link dev.strata.client.wire.PageWire}), over {@code java.net.http}.
 */
module dev.strata.client {
    requires transitive dev.strata.api;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports dev.strata.client;
    exports dev.strata.client.wire;
}
