-- Per-device secrets the iOS app signs HealthKit batches with (Standard
-- Webhooks scheme). A user may have several devices, so several keys; each
-- secret is encrypted at rest like user states (AES-256-GCM under key_id,
-- the user id as associated data).
CREATE TABLE device_keys (
    user_id        text NOT NULL,
    device_key_id  text NOT NULL,
    key_id         text NOT NULL,
    secret         bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, device_key_id)
);
