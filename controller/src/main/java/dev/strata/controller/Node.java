package dev.strata.controller;

import java.net.URI;
import java.util.Objects;

/** A registered node: its id and the base URL of its HTTP API. */
public record Node(long id, URI address) {
    public Node {
        if (id < 0) {
            throw new ControllerException.InvalidInput("node id must not be negative: " + id);
        }
        Objects.requireNonNull(address, "address is null");
        if (!"http".equals(address.getScheme()) && !"https".equals(address.getScheme())) {
            throw new ControllerException.InvalidInput("node address must be an http or https URL: " + address);
        }
    }
}
