-- scheduling_book: a booking (or a hold) decided and written in one call, on PostgreSQL.
--
-- The twin of `onetrip.scheduling.services.booking._decide_in_python` and `_record_booking`
-- (SQLite, the demo), rule for rule and in the same order; `tests/test_booking_twins.py` runs
-- random sequences through both and fails on any difference, in the answers and in the rows
-- written beside the appointment. Change one, change the other.
--
-- The caller has already checked what needs the actor (channel, priority, the patient is in the
-- actor's scope, overdue debt: `p_overdue`). This function locks the patient (D14), answers an
-- idempotent retry, applies the session, age, no-show and anti-scalper rules with the policy of
-- the session (defaults `p_defaults` overridden by the institution's, department's and doctor's
-- rows), takes one unit from the first open pool of the channel by conditional UPDATE (reclaiming
-- the slot's expired holds once when the pools look full) and inserts the appointment; then, in
-- the same call (D207), what every booking writes beside it: the patient's affiliation to the
-- institution (identity's rule: the first reason stays), the audit row (the actor's columns as
-- `core.audit.actor_columns` prepared them: `p_actor`) and, for a booking (not a hold), the
-- `appointment.booked` domain event (`scheduling.domain_events.booked`), and (D270) the booking's
-- notice in the outbox, as `booking._notify_booked` queues it through `notifications.notify`:
-- `p_notice` is the outbox row `notifications.services.queued_row` prepared (NULL: none), and the
-- notice is written here only for a name `scheduling_masked_name` masks as Python does (`detail`
-- says `noticed`; otherwise Python writes it). With `p_charge_fee` (D343: an app user's booking,
-- whose fee is paid on the phone) a session with a fee has it charged last, as `booking._book`
-- charges it after the booking: by billing's own function `billing_charge_registration_fee`
-- (onetrip/billing/sql/), which writes billing's rows; its answer is passed on under `fee`
-- without being read here; a refusal (an unpriced fee) raises SQLSTATE 'OTB02' with billing's
-- answer as the error's DETAIL, so the statement rolls back with the booking and all (D326), and
-- the caller raises billing's refusal.
--
-- `p_alone` (D326): the caller sent the call as its own transaction (autocommit, D323). When the
-- answer needs Python's writes beside it (the fees of expired holds it reclaimed, refusals
-- included; a booking's notice for a name it does not mask; a fee put on an inpatient bill,
-- whose deposit reminder is billing's Python) the function raises SQLSTATE 'OTB01', PostgreSQL
-- undoes everything it wrote, and the caller makes the booking again in a transaction.
--
-- Returns one row: `outcome` ('booked', 'earlier', or the refusal code of `BookingRefused` /
-- 'no_patient', 'no_slot', 'key_reused'), the appointment's id, the pool kind taken, and
-- `detail` (what a refusal's message needs; for a booking the holds reclaimed, whose fees
-- Python settles, and with 'earlier' too the booking as `scheduling_booking_details` gives it,
-- so nothing is read back).
-- The pools `p_channel` may draw on for a visit day at `p_now`, in the order to try them: the
-- twin of `onetrip.scheduling.quotas.open_pools` (release days at the policy's release time).
CREATE OR REPLACE FUNCTION scheduling_open_pools(
    p_channel text, p_visit date, p_now timestamptz, p_tz text, p_policy jsonb
) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_local timestamp := p_now AT TIME ZONE p_tz;
    -- The last visit day released `days` ahead: today's release counts once its time has come.
    v_released_today integer :=
        CASE WHEN v_local::time >= (p_policy->>'release_time')::time THEN 0 ELSE 1 END;
    v_shared date := v_local::date + (p_policy->>'window_days')::integer - v_released_today;
    v_primary date := v_local::date + (p_policy->>'primary_care_release_days')::integer
                      - v_released_today;
    v_returned date := v_local::date + (p_policy->>'primary_care_release_days')::integer
                       - (p_policy->>'primary_care_return_after_days')::integer
                       - v_released_today;
    v_own text := CASE p_channel WHEN 'phone' THEN 'phone' WHEN 'kiosk' THEN 'kiosk'
                  WHEN 'window' THEN 'window' WHEN 'in_clinic' THEN 'in_clinic' END;
    v_kinds text[] := '{}';
BEGIN
    IF p_channel = 'primary_care' THEN
        IF p_visit <= v_primary THEN v_kinds := v_kinds || 'primary_care'::text; END IF;
        IF p_visit <= v_shared THEN v_kinds := v_kinds || 'shared_online'::text; END IF;
        RETURN v_kinds;
    END IF;
    -- Doctors book return visits beyond the public window.
    IF v_own = 'in_clinic' OR (v_own IS NOT NULL AND p_visit <= v_shared) THEN
        v_kinds := v_kinds || v_own;
    END IF;
    IF p_visit <= v_shared THEN v_kinds := v_kinds || 'shared_online'::text; END IF;
    IF p_visit <= least(v_shared, v_returned) THEN
        v_kinds := v_kinds || 'primary_care'::text;
    END IF;
    RETURN v_kinds;
END
$$;

-- The UTC offset of `p_tz` at `p_at` as Python's isoformat writes it: "+08:00".
CREATE OR REPLACE FUNCTION scheduling_utc_offset(p_at timestamptz, p_tz text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    o interval := (p_at AT TIME ZONE p_tz) - (p_at AT TIME ZONE 'UTC');
BEGIN
    RETURN CASE WHEN o < interval '0' THEN '-' ELSE '+' END
           || to_char(abs(extract(epoch FROM o))::integer / 3600, 'FM00') || ':'
           || to_char(abs(extract(epoch FROM o))::integer % 3600 / 60, 'FM00');
END
$$;

-- The name as `core.masking.mask_name` masks it, for the names whose characters both tell
-- alike: all CJK (the usual name), or ASCII words joined by single spaces; NULL for any other
-- name, whose notice Python writes (D270). `test_booking_notice` holds the two to each other.
CREATE OR REPLACE FUNCTION scheduling_masked_name(p_name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_name ~ '^[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+$' THEN
        RETURN CASE length(p_name)
            WHEN 1 THEN '*'
            WHEN 2 THEN left(p_name, 1) || '*'
            ELSE left(p_name, 1) || repeat('*', length(p_name) - 2) || right(p_name, 1)
        END;
    ELSIF p_name ~ '^[A-Za-z0-9_]+( [A-Za-z0-9_]+)*$' THEN
        RETURN (SELECT string_agg(left(w, 1) || repeat('*', length(w) - 1), ' ' ORDER BY n)
                  FROM regexp_split_to_table(p_name, ' ') WITH ORDINALITY AS words(w, n));
    END IF;
    RETURN NULL;
END
$$;

-- `scheduling.models.booking_number_for`: the id in at least eight digits and a Luhn check digit.
CREATE OR REPLACE FUNCTION scheduling_booking_number(p_id bigint) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    digits text := CASE WHEN p_id < 100000000 THEN lpad(p_id::text, 8, '0') ELSE p_id::text END;
    n integer := length(digits);
    total integer := 0;
    v integer;
BEGIN
    -- From the right: every other digit doubled (its digits summed), starting with the last.
    FOR i IN 1 .. n LOOP
        v := substr(digits, n + 1 - i, 1)::integer * CASE WHEN i % 2 = 1 THEN 2 ELSE 1 END;
        total := total + CASE WHEN v > 9 THEN v - 9 ELSE v END;
    END LOOP;
    RETURN digits || ((10 - total % 10) % 10)::text;
END
$$;

-- A booking with everything its answer, its audit row and its notice show, as one JSON value:
-- the rows of the appointment, its slot, pool, session, doctor, substitute, clinic, department
-- and institution (each as `to_jsonb` gives it, for `booking_database.appointment_from`), and
-- the patient's name and phone (the notice's). Read after the writes, in the same call.
CREATE OR REPLACE FUNCTION scheduling_booking_details(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object(
        'appointment', to_jsonb(a), 'slot', to_jsonb(s), 'pool', to_jsonb(p),
        'session', to_jsonb(cs), 'doctor', to_jsonb(d), 'substitute', to_jsonb(sub),
        'clinic', to_jsonb(c), 'department', to_jsonb(dep), 'institution', to_jsonb(i),
        'patient', jsonb_build_object('name', pt.name, 'phone', pt.phone))
      FROM scheduling_appointment a
      JOIN scheduling_slot s ON s.id = a.slot_id
      JOIN scheduling_slotpool p ON p.id = a.pool_id
      JOIN scheduling_clinicsession cs ON cs.id = a.session_id
      JOIN consortium_doctor d ON d.id = cs.doctor_id
      LEFT JOIN consortium_doctor sub ON sub.id = cs.substitute_id
      JOIN consortium_clinic c ON c.id = cs.clinic_id
      JOIN consortium_department dep ON dep.id = cs.department_id
      JOIN consortium_institution i ON i.id = cs.institution_id
      JOIN identity_patient pt ON pt.id = a.patient_id
     WHERE a.id = p_id);
END
$$;

CREATE OR REPLACE FUNCTION scheduling_book(
    p_patient bigint,
    p_slot bigint,
    p_channel text,
    p_hold boolean,
    p_hold_until timestamptz,
    p_scope text,
    p_key text,
    p_priority integer,
    p_walk_in boolean,
    p_booked_by text,
    p_replaces bigint,
    p_overdue boolean,
    p_now timestamptz,
    p_tz text,
    p_defaults jsonb,
    p_actor jsonb,
    p_notice jsonb,
    p_charge_fee boolean,
    p_alone boolean DEFAULT false
) RETURNS TABLE (outcome text, appointment_id bigint, pool_kind text, detail jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_birth date;
    v_earlier record;
    v_slot record;
    v_policy jsonb;
    v_rules jsonb;
    v_today date := (p_now AT TIME ZONE p_tz)::date;
    v_age integer;
    v_age_day date;
    v_monday date;
    v_live record;
    v_grace interval;
    v_limit integer;
    v_suspended timestamptz;
    v_kinds text[];
    v_kind text;
    v_pool bigint;
    v_reclaimed jsonb := '[]'::jsonb;
    v_status text;
    v_hold_until timestamptz := p_hold_until;
    v_id bigint;
    v_details jsonb;
    v_name text;
    v_phone text;
    v_pool_row jsonb;
    v_row jsonb;
    v_masked text;
    v_noticed boolean := false;
    v_number text;
    v_fee jsonb;
BEGIN
    SELECT birth_date, name, phone INTO v_birth, v_name, v_phone
      FROM identity_patient WHERE id = p_patient FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'no_patient', NULL::bigint, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    IF p_key <> '' THEN
        -- `idempotency_key <> ''` again, for the planner: the unique index on the key leaves
        -- empty keys out, and a cached plan cannot know p_key is not empty (D356).
        SELECT a.id, a.patient_id, a.slot_id INTO v_earlier FROM scheduling_appointment a
        WHERE a.idempotency_scope = p_scope AND a.idempotency_key = p_key
          AND a.idempotency_key <> '';
        IF FOUND THEN
            IF (v_earlier.patient_id, v_earlier.slot_id) <> (p_patient, p_slot) THEN
                RETURN QUERY SELECT 'key_reused', NULL::bigint, NULL::text, NULL::jsonb;
            ELSE
                RETURN QUERY SELECT 'earlier', v_earlier.id, NULL::text,
                    jsonb_build_object('booking', scheduling_booking_details(v_earlier.id));
            END IF;
            RETURN;
        END IF;
    END IF;

    -- The slot with its session and what a booking's details show of them (D281: the rows
    -- `scheduling_booking_details` would read again after the writes; none of them is written
    -- by a booking, and the session's doctor, clinic, department and institution are required).
    SELECT s.id, s.starts_at, cs.id AS session_id, cs.date, cs.status, cs.department_id,
           cs.institution_id, cs.doctor_id, cs.substitute_id, cs.fee_fen,
           dep.name AS department_name, dep.min_age_years, dep.max_age_years,
           s AS slot_row, cs AS session_row, d AS doctor_row, sub AS substitute_row,
           c AS clinic_row, dep AS department_row, i AS institution_row
      INTO v_slot
      FROM scheduling_slot s JOIN scheduling_clinicsession cs ON cs.id = s.session_id
      JOIN consortium_doctor d ON d.id = cs.doctor_id
      LEFT JOIN consortium_doctor sub ON sub.id = cs.substitute_id
      JOIN consortium_clinic c ON c.id = cs.clinic_id
      JOIN consortium_department dep ON dep.id = cs.department_id
      JOIN consortium_institution i ON i.id = cs.institution_id
     WHERE s.id = p_slot;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'no_slot', NULL::bigint, NULL::text, NULL::jsonb;
        RETURN;
    END IF;

    -- The session's policy: defaults, then institution, department, doctor (most specific wins).
    v_policy := p_defaults;
    FOR v_rules IN
        SELECT rules FROM scheduling_schedulingpolicy
         WHERE institution_id = v_slot.institution_id
           AND (department_id IS NULL OR department_id = v_slot.department_id)
           AND (doctor_id IS NULL OR doctor_id = v_slot.doctor_id)
         ORDER BY department_id IS NOT NULL, doctor_id IS NOT NULL
    LOOP
        v_policy := v_policy || v_rules;
    END LOOP;

    IF v_slot.status = 'stopped' THEN
        RETURN QUERY SELECT 'stopped', NULL::bigint, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    IF v_slot.starts_at <= p_now THEN
        RETURN QUERY SELECT 'past', NULL::bigint, NULL::text, NULL::jsonb;
        RETURN;
    END IF;

    v_age_day := greatest(v_slot.date, v_today);
    v_age := extract(year FROM v_age_day)::integer - extract(year FROM v_birth)::integer
             - CASE WHEN to_char(v_age_day, 'MMDD') < to_char(v_birth, 'MMDD') THEN 1 ELSE 0 END;
    IF (v_slot.min_age_years IS NOT NULL AND v_age < v_slot.min_age_years)
       OR (v_slot.max_age_years IS NOT NULL AND v_age > v_slot.max_age_years) THEN
        RETURN QUERY SELECT 'age_rule', NULL::bigint, NULL::text, jsonb_build_object(
            'department', v_slot.department_name, 'min_age_years', v_slot.min_age_years,
            'max_age_years', v_slot.max_age_years, 'age', v_age);
        RETURN;
    END IF;

    -- Anti-scalper limits (R-APPT-4) and the no-show penalty (R-APPT-5), under the patient lock.
    v_monday := v_slot.date - (extract(isodow FROM v_slot.date)::integer - 1);
    SELECT count(*) FILTER (WHERE session_id = v_slot.session_id) AS in_session,
           count(*) FILTER (WHERE visit_date = v_slot.date
                             AND department_id = v_slot.department_id) AS department_day,
           count(*) FILTER (WHERE visit_date = v_slot.date) AS day,
           count(*) AS week
      INTO v_live
      FROM scheduling_appointment
     WHERE patient_id = p_patient
       AND status IN ('held', 'booked', 'checked_in', 'called', 'in_consultation', 'completed')
       AND visit_date BETWEEN v_monday AND v_monday + 6;
    IF v_live.in_session > 0 THEN
        RETURN QUERY SELECT 'already_booked', NULL::bigint, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    IF p_channel IN ('app', 'phone', 'kiosk') THEN
        v_grace := make_interval(mins => (v_policy->>'no_show_grace_minutes')::integer);
        v_limit := (v_policy->>'no_show_limit')::integer;
        IF v_limit > 0 THEN
            -- The latest run of `limit` no-shows within the window decides (`suspension_after`).
            SELECT max(missed) + make_interval(days => (v_policy->>'suspension_days')::integer)
              INTO v_suspended
              FROM (
                SELECT missed, lag(missed, v_limit - 1) OVER (ORDER BY missed) AS run_start
                  FROM (
                    SELECT sl.ends_at + v_grace AS missed
                      FROM scheduling_appointment a JOIN scheduling_slot sl ON sl.id = a.slot_id
                     WHERE a.patient_id = p_patient
                       AND a.status IN ('booked', 'no_show')
                       AND a.no_show_exempt_reason = ''
                       AND sl.ends_at >= p_now
                           - make_interval(days => (v_policy->>'no_show_window_days')::integer
                                                   + (v_policy->>'suspension_days')::integer)
                           - v_grace
                       AND sl.ends_at <= p_now - v_grace
                  ) times
              ) runs
             WHERE missed - run_start
                   <= make_interval(days => (v_policy->>'no_show_window_days')::integer);
            IF v_suspended > p_now THEN
                RETURN QUERY SELECT 'suspended', NULL::bigint, NULL::text,
                    jsonb_build_object('until', v_suspended);
                RETURN;
            END IF;
        END IF;
    END IF;
    IF p_channel <> 'in_clinic' THEN
        IF v_live.department_day >= (v_policy->>'per_department_per_day')::integer THEN
            RETURN QUERY SELECT 'limit_department_day', NULL::bigint, NULL::text, NULL::jsonb;
            RETURN;
        END IF;
        IF jsonb_typeof(v_policy->'daily_cap') = 'number'
           AND v_live.day >= (v_policy->>'daily_cap')::integer THEN
            RETURN QUERY SELECT 'limit_daily', NULL::bigint, NULL::text, NULL::jsonb;
            RETURN;
        END IF;
        IF jsonb_typeof(v_policy->'weekly_cap') = 'number'
           AND v_live.week >= (v_policy->>'weekly_cap')::integer THEN
            RETURN QUERY SELECT 'limit_weekly', NULL::bigint, NULL::text, NULL::jsonb;
            RETURN;
        END IF;
    END IF;
    IF p_overdue THEN
        RETURN QUERY SELECT 'overdue_debt', NULL::bigint, NULL::text, NULL::jsonb;
        RETURN;
    END IF;

    v_kinds := scheduling_open_pools(p_channel, v_slot.date, p_now, p_tz, v_policy);
    IF cardinality(v_kinds) = 0 THEN
        RETURN QUERY SELECT 'not_released', NULL::bigint, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    v_pool := NULL;
    FOREACH v_kind IN ARRAY v_kinds LOOP
        UPDATE scheduling_slotpool SET booked = booked + 1
         WHERE slot_id = p_slot AND kind = v_kind AND is_open AND booked < capacity
        RETURNING id, to_jsonb(scheduling_slotpool) INTO v_pool, v_pool_row;
        EXIT WHEN v_pool IS NOT NULL;
    END LOOP;
    IF v_pool IS NULL THEN
        -- The pools look full: give back the slot's expired holds (in key order), then try again.
        WITH expired AS (
            SELECT id FROM scheduling_appointment
             WHERE slot_id = p_slot AND status = 'held' AND held_until <= p_now
             ORDER BY id FOR NO KEY UPDATE
        ), claimed AS (
            UPDATE scheduling_appointment a SET status = 'expired'
              FROM expired WHERE a.id = expired.id AND a.status = 'held'
            RETURNING a.id, a.pool_id, a.replaces_id
        ), given_back AS (
            UPDATE scheduling_slotpool p SET booked = p.booked - c.n
              FROM (SELECT pool_id, count(*) AS n FROM claimed GROUP BY pool_id) c
             WHERE p.id = c.pool_id
        )
        SELECT coalesce(jsonb_agg(jsonb_build_array(id, replaces_id) ORDER BY id), '[]'::jsonb)
          INTO v_reclaimed FROM claimed;
        IF p_alone AND v_reclaimed <> '[]'::jsonb THEN
            -- Python settles their fees (a refusal undoes the reclaim): in a transaction.
            RAISE EXCEPTION USING ERRCODE = 'OTB01',
                MESSAGE = 'scheduling_book: Python writes beside this answer (reclaimed holds)';
        END IF;
        FOREACH v_kind IN ARRAY v_kinds LOOP
            UPDATE scheduling_slotpool SET booked = booked + 1
             WHERE slot_id = p_slot AND kind = v_kind AND is_open AND booked < capacity
            RETURNING id, to_jsonb(scheduling_slotpool) INTO v_pool, v_pool_row;
            EXIT WHEN v_pool IS NOT NULL;
        END LOOP;
        IF v_pool IS NULL THEN
            IF EXISTS (SELECT 1 FROM scheduling_clinicsession
                        WHERE id = v_slot.session_id AND status = 'stopped') THEN
                RETURN QUERY SELECT 'stopped', NULL::bigint, NULL::text,
                    jsonb_build_object('reclaimed', v_reclaimed);
            ELSE
                RETURN QUERY SELECT 'full', NULL::bigint, NULL::text,
                    jsonb_build_object('reclaimed', v_reclaimed);
            END IF;
            RETURN;
        END IF;
    END IF;

    IF p_hold AND v_hold_until IS NULL THEN
        v_hold_until := p_now + make_interval(mins => (v_policy->>'hold_minutes')::integer);
    END IF;
    v_status := CASE WHEN v_hold_until IS NULL THEN 'booked' ELSE 'held' END;
    INSERT INTO scheduling_appointment AS a (
        patient_id, slot_id, pool_id, session_id, department_id, visit_date, channel, status,
        held_until, booked_at, booked_by, idempotency_scope, idempotency_key, is_walk_in,
        priority, replaces_id, no_show_exempt_reason
    ) VALUES (
        p_patient, p_slot, v_pool, v_slot.session_id, v_slot.department_id, v_slot.date,
        p_channel, v_status, v_hold_until, p_now, p_booked_by,
        CASE WHEN p_key <> '' THEN p_scope ELSE '' END, p_key, p_walk_in, p_priority, p_replaces,
        ''
    ) RETURNING a.id, to_jsonb(a) INTO v_id, v_row;

    -- What the booking writes beside it (`booking._record_booking`, in the same order).
    INSERT INTO identity_patientaffiliation (patient_id, institution_id, reason, since)
    VALUES (p_patient, v_slot.institution_id, 'appointment', p_now)
    ON CONFLICT DO NOTHING;
    INSERT INTO core_auditevent (
        occurred_at, actor_kind, actor_label, actor_user_id, actor_account_id, institution_id,
        action, object_type, object_id, patient_id, summary, changes, ip, channel
    )
    SELECT p_now, actor.actor_kind, actor.actor_label, actor.actor_user_id,
           actor.actor_account_id, actor.institution_id, 'create', 'scheduling.appointment',
           v_id::text, p_patient, 'appointment ' || v_status || ' via ' || p_channel,
           jsonb_build_object('slot', p_slot, 'pool', v_kind), actor.ip, actor.channel
      FROM jsonb_populate_record(NULL::core_auditevent, p_actor) actor;
    IF v_status = 'booked' THEN
        INSERT INTO core_domainevent (
            kind, occurred_at, patient_id, institution_id, department_id, on_site, channel,
            subject_type, subject_id, data
        ) VALUES (
            'appointment.booked', p_now, p_patient, v_slot.institution_id,
            v_slot.department_id, p_channel IN ('window', 'kiosk', 'in_clinic'), p_channel,
            'scheduling.appointment', v_id::text, jsonb_build_object(
                'booking_id', v_id,
                'session_id', v_slot.session_id,
                'doctor_id', coalesce(v_slot.substitute_id, v_slot.doctor_id),
                -- Python's isoformat of the local time: slots start on whole minutes.
                'slot_start', to_char(v_slot.starts_at AT TIME ZONE p_tz,
                                      'YYYY-MM-DD"T"HH24:MI:SS')
                              || scheduling_utc_offset(v_slot.starts_at, p_tz),
                'pool', v_kind,
                'booking_channel', p_channel,
                'referral', p_channel = 'primary_care'))
        ;
    END IF;
    -- What `scheduling_booking_details(v_id)` reads, from the rows this call read and wrote
    -- (D281; `test_booking_twins` holds the two to each other).
    v_details := jsonb_build_object(
        'appointment', v_row, 'slot', to_jsonb(v_slot.slot_row), 'pool', v_pool_row,
        'session', to_jsonb(v_slot.session_row), 'doctor', to_jsonb(v_slot.doctor_row),
        'substitute', to_jsonb(v_slot.substitute_row), 'clinic', to_jsonb(v_slot.clinic_row),
        'department', to_jsonb(v_slot.department_row),
        'institution', to_jsonb(v_slot.institution_row),
        'patient', jsonb_build_object('name', v_name, 'phone', v_phone));
    -- The booking's notice (D270): `booking._notify_booked` and `notifications.notify`, field
    -- for field; `notify` writes nothing for a patient without a mobile phone.
    v_number := scheduling_booking_number(v_id);
    IF v_status = 'booked' AND p_notice IS NOT NULL THEN
        v_masked := scheduling_masked_name(v_name);
        IF coalesce(v_phone, '') = '' THEN
            v_noticed := true;
        ELSIF v_masked IS NOT NULL THEN
            INSERT INTO notifications_notification (
                phone, template, purpose, params, urgent, dedup_key, status, created_at,
                next_attempt_at, attempts, channels, sent_channels, language, body, sent_at
            ) VALUES (
                v_phone, p_notice->>'template', p_notice->>'purpose', jsonb_build_object(
                    'name', v_masked,
                    'hospital', v_details->'institution'->>'name',
                    'doctor', v_details->'doctor'->>'name',
                    'date', to_char(v_slot.date, 'YYYY-MM-DD'),
                    'start', to_char(v_slot.starts_at AT TIME ZONE p_tz, 'HH24:MI'),
                    'end', to_char((v_details->'slot'->>'ends_at')::timestamptz AT TIME ZONE p_tz,
                                   'HH24:MI'),
                    'number', v_number,
                    'path', replace(p_notice->>'path', '{id}', v_id::text)),
                (p_notice->>'urgent')::boolean,
                concat_ws(':', p_notice->>'purpose', p_notice->>'subject', v_id, v_phone),
                p_notice->>'status', p_now, p_now, (p_notice->>'attempts')::smallint,
                p_notice->'channels', p_notice->'sent_channels', p_notice->>'language',
                p_notice->>'body', NULL
            ) ON CONFLICT DO NOTHING;
            v_noticed := true;
        END IF;
    END IF;
    IF p_alone AND v_status = 'booked' AND NOT v_noticed THEN
        -- Python queues the notice of a name this function does not mask: in a transaction.
        RAISE EXCEPTION USING ERRCODE = 'OTB01',
            MESSAGE = 'scheduling_book: Python writes beside this answer (notice)';
    END IF;
    -- The registration fee (D343), as `booking._charge_fee` asks billing for it: on the bill of
    -- the visit `V<booking number>`, under the line's key `booking.registration_key`.
    IF p_charge_fee AND v_slot.fee_fen > 0 THEN
        v_fee := billing_charge_registration_fee(
            p_patient, v_slot.institution_id, 'V' || v_number, v_slot.fee_fen,
            'appointment:' || v_id, p_now, p_actor);
        IF v_fee->>'outcome' NOT IN ('charged', 'earlier') THEN
            -- Refused: the booking goes with it (`sources.charged_in_call` raises billing's error).
            RAISE EXCEPTION USING ERRCODE = 'OTB02',
                MESSAGE = 'scheduling_book: the registration fee is refused', DETAIL = v_fee::text;
        END IF;
        IF p_alone AND (v_fee->>'inpatient')::boolean THEN
            -- An inpatient bill's deposit reminder is billing's Python: in a transaction.
            RAISE EXCEPTION USING ERRCODE = 'OTB01',
                MESSAGE = 'scheduling_book: Python writes beside this answer (inpatient bill)';
        END IF;
    END IF;
    RETURN QUERY SELECT 'booked', v_id, v_kind, jsonb_build_object(
        'reclaimed', v_reclaimed, 'booking', v_details, 'noticed', v_noticed, 'fee', v_fee);
END
$$;
