-- One booking attempt as a single statement: take a unit by conditional UPDATE, insert the
-- booking from its RETURNING (performance anchors §2.5). `pools` is passed with -D.
\set pid random(1, 100000000)
\set sid random(1, :pools)
WITH u AS (
    UPDATE bench_raw.pool SET booked = booked + 1
    WHERE id = :sid AND booked < capacity
    RETURNING id
)
INSERT INTO bench_raw.booking (pool_id, patient_id) SELECT id, :pid FROM u;
