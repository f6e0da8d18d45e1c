-- Who owns each partition of a processor group, as an epoch bumped every
-- time a member is assigned the partition. A checkpoint locks its
-- partitions' rows and writes only if it still holds their epochs, so a
-- member frozen past its session (a zombie) cannot write an older cut over
-- its successor's.
CREATE TABLE partition_owners (
    consumer_group  text NOT NULL,
    topic           text NOT NULL,
    "partition"     integer NOT NULL CHECK ("partition" >= 0),
    owner_epoch     bigint NOT NULL CHECK (owner_epoch > 0),
    owner           text NOT NULL,
    claimed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, "partition")
);
