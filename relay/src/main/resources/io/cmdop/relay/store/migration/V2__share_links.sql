-- Share links: time-bound capabilities for one session (ARCHITECTURE §5). As for keys, only the
-- SHA-256 of the token is kept. The session is named by its machine and id (names can be reused).
CREATE TABLE share_links (
    id            VARCHAR(32)              NOT NULL,
    fleet_id      VARCHAR(32)              NOT NULL,
    machine       VARCHAR(63)              NOT NULL,
    session_id    VARCHAR(64)              NOT NULL,
    session_name  VARCHAR(64)              NOT NULL,
    mode          VARCHAR(16)              NOT NULL,
    created_by    VARCHAR(100)             NOT NULL,
    secret_hash   VARCHAR(64)              NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at    TIMESTAMP WITH TIME ZONE,
    views         BIGINT                   NOT NULL,
    CONSTRAINT share_links_pk PRIMARY KEY (id),
    CONSTRAINT share_links_fleet_fk FOREIGN KEY (fleet_id) REFERENCES fleets (id),
    CONSTRAINT share_links_mode_known CHECK (mode IN ('observer', 'operator')),
    CONSTRAINT share_links_views_counted CHECK (views >= 0)
);
CREATE INDEX share_links_fleet ON share_links (fleet_id);
