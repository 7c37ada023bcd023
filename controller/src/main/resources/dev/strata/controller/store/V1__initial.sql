-- Nodes, tenants, placements and migrations. Portable between PostgreSQL and H2.
CREATE TABLE nodes (
    node_id BIGINT PRIMARY KEY,
    address VARCHAR(1024) NOT NULL,
    registered_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- generation: the newest generation issued for the tenant; only the placement holding it is current.
CREATE TABLE tenants (
    tenant_id CHAR(32) PRIMARY KEY,
    generation BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- generation is null for Secondary; attached modes always carry one.
CREATE TABLE placements (
    tenant_id CHAR(32) NOT NULL REFERENCES tenants (tenant_id),
    node_id BIGINT NOT NULL REFERENCES nodes (node_id),
    mode VARCHAR(16) NOT NULL,
    generation BIGINT,
    PRIMARY KEY (tenant_id, node_id)
);

CREATE INDEX placements_by_node ON placements (node_id);

-- One unfinished migration per tenant; step is the last transition committed.
CREATE TABLE migrations (
    tenant_id CHAR(32) PRIMARY KEY REFERENCES tenants (tenant_id),
    source_node BIGINT NOT NULL REFERENCES nodes (node_id),
    target_node BIGINT NOT NULL REFERENCES nodes (node_id),
    step VARCHAR(32) NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
