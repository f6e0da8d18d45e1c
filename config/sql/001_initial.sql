-- The processor's tables. Column names that are SQL keywords ("offset",
-- "partition", "version") are quoted everywhere, here and in queries.

-- One row per user: the encoded cognitive state, encrypted at rest
-- (AES-256-GCM under key_id, so keys can rotate).
CREATE TABLE user_state (
    user_id     text PRIMARY KEY,
    "version"   bigint NOT NULL,
    key_id      text NOT NULL,
    state       bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The next offset to read per partition, written in the same transaction as
-- the states it belongs to: the processor's exactly-once cut.
CREATE TABLE processor_offsets (
    consumer_group  text NOT NULL,
    topic           text NOT NULL,
    "partition"     integer NOT NULL CHECK ("partition" >= 0),
    "offset"        bigint NOT NULL CHECK ("offset" >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, "partition")
);

-- Every mode switch, as published on neuros-mode-switches. switch_id is
-- derived from (user, state version), so a replay writes the same row again.
CREATE TABLE mode_transitions (
    switch_id       text PRIMARY KEY,
    user_id         text NOT NULL,
    previous_mode   text NOT NULL,
    new_mode        text NOT NULL,
    reason_code     text NOT NULL,
    confidence      double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    event_time      timestamptz NOT NULL,
    config_version  text NOT NULL,
    payload         jsonb NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mode_transitions_user_time ON mode_transitions (user_id, event_time);

-- Provider user ids mapped to internal user ids, with the OAuth2 tokens the
-- processor uses to fetch records, encrypted under token_key_id.
CREATE TABLE provider_accounts (
    provider          text NOT NULL,
    provider_user_id  text NOT NULL,
    user_id           text NOT NULL,
    token_key_id      text,
    access_token      bytea,
    refresh_token     bytea,
    token_expires_at  timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, provider_user_id)
);
CREATE INDEX provider_accounts_user ON provider_accounts (user_id);
