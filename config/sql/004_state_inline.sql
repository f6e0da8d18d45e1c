-- A sealed state is ~2.2 KB while its switch history is short: just above the
-- ~2 KB at which PostgreSQL moves a bytea out of line, so every checkpoint
-- wrote each state to the TOAST table (chunks, their index, the old chunks
-- deleted) besides the row. Keep rows inline up to a page; only states with
-- long histories go out of line.
ALTER TABLE user_state SET (toast_tuple_target = 8160);
