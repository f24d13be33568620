-- billing_settle_at_counter: a settlement at a counter (cash, cheque, bank card; no insurance,
-- no commercial insurer, no deposit) decided and written in one call, on PostgreSQL (D290); and
-- since D330 the first half of a phone payment (WeChat Pay, Alipay; on the same terms): the
-- settlement and its payment opened, pending, for the provider's order that the caller then
-- asks for (in the same transaction, as `_open_payment` does).
--
-- The twin of `onetrip.billing.services.settlements._settle` with `take_payment` and `_complete`
-- for such a settlement (SQLite, the demo, and every other settlement), rule for rule and in
-- the same order; `billing/tests/test_counter_twins.py` runs random sequences of charges,
-- settlements, pending phone payments, closed orders and clock moves through both and fails on
-- any difference, in the answers and in every row written. Change one, change the other.
--
-- The caller has checked the request (`settlements._validate`) and whether the actor may reach
-- the bill (`scope.bills_in_scope`, joined into the call: `p_bill` is NULL when it may not). The
-- function locks the bill (FOR NO KEY UPDATE, as `_settle`), asks in the same statement whether
-- the idempotency key was used (D231), takes the bill's unsettled charges, answers a retry or
-- refuses as `_settle` does, and otherwise writes, in Python's order: the settlement (inserted
-- as settled, where Python inserts it pending and settles it with its payment), its charges
-- taken by conditional UPDATE, the CREATE audit row, the payment (inserted as succeeded), the
-- journal entry and its lines (`_post_settlement`), the UPDATE audit row and the
-- `payment.settled` domain event (`domain_events.settled`). What is billing's or another app's
-- knowledge in Python is passed in: who acted (`p_actor`, `core.audit.actor_columns`), the
-- clearing account of the channel (`CLEARING_ACCOUNTS`), whether the settlement is on site
-- (`domain_events.on_site`), the labels `started_by` and `settled_by`, the order number's
-- prefix (`OT` and the local date). The paid lines' follow-ups (other apps' services) stay
-- Python, after the call, in the same transaction.
--
-- A phone channel's settlement (D330) stops after the payment: inserted pending (as `_settle`
-- inserts it), its charges taken, the CREATE audit row, the payment pending with no cashier
-- address yet; no journal, no second audit row, no event: `_complete` writes those when the
-- provider's notice comes (`billing_settle_notice`, D291).
--
-- Returns one row: `outcome` ('settled', 'pending' (a phone channel's), 'earlier', or
-- 'unknown_bill', 'key_reused', 'payment_pending', 'already_settled', 'unbalanced' (nothing to
-- post: a zero total)), `settlement` and `payment` (the rows written, `to_jsonb`, so nothing is
-- read back; a pending settlement's carries its locked bill under "bill", D330), `charges` (the
-- [source, source_key] of the lines taken, in id order) and `earlier_id` (for 'earlier').
CREATE OR REPLACE FUNCTION billing_settle_at_counter(
    p_bill bigint,
    p_mode text,
    p_channel text,
    p_reference text,
    p_clinic bigint,
    p_scope text,
    p_key text,
    p_started_by text,
    p_settled_by text,
    p_now timestamptz,
    p_trade_prefix text,
    p_clearing text,
    p_on_site boolean,
    p_actor jsonb
) RETURNS TABLE (
    outcome text, settlement jsonb, payment jsonb, charges jsonb, earlier_id bigint
) LANGUAGE plpgsql AS $$
DECLARE
    v_bill billing_bill%ROWTYPE;
    v_earlier bigint;
    v_ids bigint[];
    v_keys jsonb;
    v_total bigint;
    v_found billing_settlement%ROWTYPE;
    v_settlement billing_settlement%ROWTYPE;
    v_payment billing_payment%ROWTYPE;
    v_room text := '';
    -- `settlements.take_payment`: the channels whose provider confirms later (`asynchronous`
    -- adapters) among those `counter_database.takes`.
    v_pending boolean := p_channel IN ('wechat', 'alipay');
BEGIN
    -- The bill's row lock serialises settlements of one visit. The key is asked under it, in
    -- the same call (D231: no round trip of its own); what a request with the same key commits
    -- later is found by its charges gone, or by the key's unique constraint refusing ours.
    SELECT b.* INTO v_bill FROM billing_bill b WHERE b.id = p_bill FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_bill'::text, NULL::jsonb, NULL::jsonb, NULL::jsonb,
                            NULL::bigint;
        RETURN;
    END IF;
    IF p_key <> '' THEN
        SELECT s.id INTO v_earlier FROM billing_settlement s
         WHERE s.idempotency_scope = p_scope AND s.idempotency_key = p_key LIMIT 1;
    END IF;
    SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}'),
           coalesce(jsonb_agg(jsonb_build_array(c.source, c.source_key) ORDER BY c.id), '[]'),
           coalesce(sum(c.amount_fen), 0)
      INTO v_ids, v_keys, v_total
      FROM billing_charge c WHERE c.bill_id = v_bill.id AND c.settlement_id IS NULL;
    IF p_key <> '' AND (v_earlier IS NOT NULL OR cardinality(v_ids) = 0) THEN
        -- `_earlier`: asked again, in a statement of its own (it sees what committed since).
        SELECT s.* INTO v_found FROM billing_settlement s
         WHERE s.idempotency_scope = p_scope AND s.idempotency_key = p_key LIMIT 1;
        IF FOUND THEN
            IF v_found.bill_id <> v_bill.id OR v_found.channel <> p_channel THEN
                RETURN QUERY SELECT 'key_reused'::text, NULL::jsonb, NULL::jsonb, NULL::jsonb,
                                    NULL::bigint;
                RETURN;
            END IF;
            RETURN QUERY SELECT 'earlier'::text, NULL::jsonb, NULL::jsonb, NULL::jsonb,
                                v_found.id;
            RETURN;
        END IF;
    END IF;
    IF cardinality(v_ids) = 0 THEN
        IF EXISTS (SELECT 1 FROM billing_settlement s
                    WHERE s.bill_id = v_bill.id AND s.status = 'pending') THEN
            RETURN QUERY SELECT 'payment_pending'::text, NULL::jsonb, NULL::jsonb, NULL::jsonb,
                                NULL::bigint;
        ELSE
            RETURN QUERY SELECT 'already_settled'::text, NULL::jsonb, NULL::jsonb, NULL::jsonb,
                                NULL::bigint;
        END IF;
        RETURN;
    END IF;
    IF v_total = 0 THEN
        -- `journal.post` refuses an entry of no lines: Python raises and writes nothing (a phone
        -- channel's zero payment is completed at once, `take_payment`, and refused the same).
        RETURN QUERY SELECT 'unbalanced'::text, NULL::jsonb, NULL::jsonb, NULL::jsonb,
                            NULL::bigint;
        RETURN;
    END IF;
    INSERT INTO billing_settlement (
        bill_id, mode, channel, status, total_fen, fund_fen, account_fen, cash_fen,
        commercial_fen, blood_fen, commercial_id, deposit_fen, insurance_quote_id,
        insurance_settlement_id, ebill_id, ebill_due, settled_by, clinic_id, started_at,
        settled_at, started_by, idempotency_scope, idempotency_key
    ) VALUES (
        v_bill.id, p_mode, p_channel, CASE WHEN v_pending THEN 'pending' ELSE 'settled' END,
        v_total, 0, 0, v_total, 0, 0, '', 0, '', '', '', NOT v_pending,
        CASE WHEN v_pending THEN '' ELSE p_settled_by END, p_clinic, p_now,
        CASE WHEN v_pending THEN NULL ELSE p_now END, p_started_by,
        CASE WHEN p_key <> '' THEN p_scope ELSE '' END, p_key
    ) RETURNING * INTO v_settlement;
    UPDATE billing_charge SET settlement_id = v_settlement.id
     WHERE id = ANY (v_ids) AND settlement_id IS NULL;
    INSERT INTO core_auditevent (
        occurred_at, actor_kind, actor_label, actor_user_id, actor_account_id, institution_id,
        action, object_type, object_id, patient_id, summary, changes, ip, channel
    )
    SELECT p_now, actor.actor_kind, actor.actor_label, actor.actor_user_id,
           actor.actor_account_id, actor.institution_id, 'create', 'billing.settlement',
           v_settlement.id::text, v_bill.patient_id,
           left('settlement ' || p_mode || ' via ' || p_channel || ': ' || v_total || ' fen', 255),
           jsonb_build_object('fund', 0, 'account', 0, 'commercial', 0, 'blood', 0,
                              'cash', v_total, 'deposit', 0),
           actor.ip, actor.channel
      FROM jsonb_populate_record(NULL::core_auditevent, p_actor) actor;
    INSERT INTO billing_payment (
        settlement_id, channel, amount_fen, refunded_fen, status, out_trade_no,
        provider_trade_no, reference, cashier_url, created_at, paid_at
    ) VALUES (
        v_settlement.id, p_channel, v_total, 0,
        CASE WHEN v_pending THEN 'pending' ELSE 'succeeded' END,
        p_trade_prefix || lpad(v_settlement.id::text, 10, '0'),
        CASE WHEN v_pending THEN '' ELSE p_reference END, p_reference, '', p_now,
        CASE WHEN v_pending THEN NULL ELSE p_now END
    ) RETURNING * INTO v_payment;
    IF v_pending THEN
        RETURN QUERY SELECT 'pending'::text,
                            to_jsonb(v_settlement) || jsonb_build_object('bill', to_jsonb(v_bill)),
                            to_jsonb(v_payment), v_keys, NULL::bigint;
        RETURN;
    END IF;
    -- `_post_settlement`: the insurance, commercial, blood and deposit lines are zero here and
    -- left out, as `journal.post` leaves zero lines out.
    WITH entry AS (
        INSERT INTO billing_journalentry (settlement_id, memo, posted_at)
        VALUES (v_settlement.id, 'settlement', p_now) RETURNING id
    )
    INSERT INTO billing_journalline (entry_id, account, debit_fen, credit_fen)
    SELECT entry.id, line.account, line.debit_fen, line.credit_fen
      FROM entry, (VALUES (1, p_clearing, v_total, 0), (2, 'revenue', 0, v_total))
                  AS line(n, account, debit_fen, credit_fen)
     ORDER BY line.n;
    INSERT INTO core_auditevent (
        occurred_at, actor_kind, actor_label, actor_user_id, actor_account_id, institution_id,
        action, object_type, object_id, patient_id, summary, changes, ip, channel
    )
    SELECT p_now, actor.actor_kind, actor.actor_label, actor.actor_user_id,
           actor.actor_account_id, actor.institution_id, 'update', 'billing.settlement',
           v_settlement.id::text, v_bill.patient_id,
           left('settled: ' || v_total || ' fen via ' || p_channel, 255), '{}'::jsonb,
           actor.ip, actor.channel
      FROM jsonb_populate_record(NULL::core_auditevent, p_actor) actor;
    IF p_mode = 'in_clinic' AND p_clinic IS NOT NULL THEN
        -- `domain_events._consulting_room`: the room's location, else its name.
        SELECT coalesce(nullif(r.location, ''), r.name) INTO v_room
          FROM consortium_clinic r WHERE r.id = p_clinic;
    END IF;
    INSERT INTO core_domainevent (
        kind, occurred_at, patient_id, institution_id, department_id, on_site, channel,
        subject_type, subject_id, data
    ) VALUES (
        'payment.settled', p_now, v_bill.patient_id, v_bill.institution_id, NULL, p_on_site,
        p_mode, 'billing.settlement', v_settlement.id::text, jsonb_build_object(
            'settlement_id', v_settlement.id,
            'bill_id', v_bill.id,
            'mode', p_mode,
            'payment_channel', p_channel,
            'total_fen', v_total,
            'insurance_fen', 0,
            'cash_fen', v_total,
            'consulting_room', v_room,
            'clinic_id', CASE WHEN p_mode = 'in_clinic' THEN p_clinic END,
            'fees', TRUE
        )
    );
    RETURN QUERY SELECT 'settled'::text, to_jsonb(v_settlement), to_jsonb(v_payment), v_keys,
                        NULL::bigint;
END;
$$;
