-- Every checkpoint rewrites the changed users' rows. With room left on each
-- page, the new version of a row goes on the same page and the primary key
-- index is left alone (a heap-only tuple update), instead of an index entry
-- per user per checkpoint. Pages are filled to half on insert.
ALTER TABLE user_state SET (fillfactor = 50);
