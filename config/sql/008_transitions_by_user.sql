-- The agent API asks for a user's newest switches: their current mode, and
-- their transitions newest first. A user's event_time never goes back, but
-- several switches can share one (late events are decided at the user's
-- clock), so a sequence in insertion order breaks ties; the checkpoint
-- inserts each user's switches in decision order. Rows written before this
-- migration are numbered in their physical order.
ALTER TABLE mode_transitions ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX mode_transitions_user_recent ON mode_transitions (user_id, event_time DESC, seq DESC);
DROP INDEX mode_transitions_user_time;
