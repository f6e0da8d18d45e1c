-- OAuth2 connections to Oura and WHOOP. The token columns of
-- provider_accounts were reserved from the start; a connection now also has a
-- token_version, bumped by every refresh (a replica that read an older
-- version uses the stored token instead of spending the single-use refresh
-- token again), and a status: a refresh answered invalid_grant revokes it.
ALTER TABLE provider_accounts
    ADD COLUMN token_version bigint NOT NULL DEFAULT 0 CHECK (token_version >= 0),
    ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- The single-use `state` of a connect flow, stored as a SHA-256 hash so the
-- table never holds a value that could finish someone's flow.
CREATE TABLE oauth_states (
    state_hash  text PRIMARY KEY,
    provider    text NOT NULL,
    user_id     text NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
