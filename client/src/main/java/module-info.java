/**
 * The Java client of a Strata node: management calls (JSON) and the page API (a compact binary format,
 * {@link dev.strata.client.wire.PageWire}), over blocking HTTP/1.1 keep-alive connections.
 */
module dev.strata.client {
    requires transitive dev.strata.api;
    requires com.fasterxml.jackson.databind;

    exports dev.strata.client;
    exports dev.strata.client.wire;
}
