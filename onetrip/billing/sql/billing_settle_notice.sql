-- billing_settle_notice: a provider's verified "paid" notice (WeChat Pay, Alipay) recorded and,
-- for a plain fee payment, applied in one call, on PostgreSQL (D291).
--
-- The twin of the transaction of `onetrip.billing.services.payments.receive_notice` for a paid
-- order: the notice recorded once (`ProviderNotice`), then `settlements.settle_paid_order` and
-- `_complete`, rule for rule and in the same order; `billing/tests/test_notice_twins.py` runs
-- random sequences through both and fails on any difference. Change one, change the other.
--
-- The caller has verified the notice, read the payment (its channel is the notice's) and left
-- to Python a settlement with an insurance or commercial part (their platforms are called
-- before this transaction). Here: the notice row (`ON CONFLICT DO NOTHING`: a duplicate is
-- 'duplicate', acknowledged, nothing else written), the payment locked, and then:
-- 'unknown_order'; 'already' (succeeded: acknowledged); 'python' when the settlement is a
-- deposit top-up or repays a debt (Python settles it, after this call, in the same transaction:
-- the notice row stays written); 'amount_mismatch', 'payment_closed' (refusals: the caller's
-- transaction rolls back, the notice row with it); otherwise 'settled': the payment moved to
-- succeeded by conditional UPDATE, the settlement settled (its e-bill due: D245; nobody's
-- label, the patient paid), the journal entry of `_post_settlement` (zero lines left out), the
-- UPDATE audit row (the system's columns: `p_actor`) and the `payment.settled` domain event,
-- and the [source, source_key] of the settlement's lines for the follow-ups Python runs.
CREATE OR REPLACE FUNCTION billing_settle_notice(
    p_channel text,
    p_notice_id text,
    p_out_trade_no text,
    p_trade_state text,
    p_provider_trade_no text,
    p_amount integer,
    p_paid_at timestamptz,
    p_now timestamptz,
    p_clearing text,
    p_remote_modes text[],
    p_in_person_channels text[],
    p_actor jsonb
) RETURNS TABLE (outcome text, payment_status text, charges jsonb) LANGUAGE plpgsql AS $$
DECLARE
    v_payment billing_payment%ROWTYPE;
    v_settlement billing_settlement%ROWTYPE;
    v_patient bigint;
    v_institution bigint;
    v_room text := '';
    v_keys jsonb;
BEGIN
    INSERT INTO billing_providernotice (channel, notice_id, out_trade_no, trade_state, received_at)
    VALUES (p_channel, p_notice_id, p_out_trade_no, p_trade_state, p_now)
    ON CONFLICT (channel, notice_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'duplicate'::text, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    SELECT p.* INTO v_payment FROM billing_payment p
     WHERE p.out_trade_no = p_out_trade_no FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_order'::text, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    IF v_payment.status = 'succeeded' THEN
        RETURN QUERY SELECT 'already'::text, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    SELECT s.* INTO v_settlement FROM billing_settlement s WHERE s.id = v_payment.settlement_id;
    IF EXISTS (SELECT 1 FROM billing_debt d WHERE d.repayment_id = v_settlement.id)
       OR EXISTS (SELECT 1 FROM billing_deposittopup t WHERE t.settlement_id = v_settlement.id)
    THEN
        RETURN QUERY SELECT 'python'::text, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    IF p_amount <> 0 AND p_amount <> v_payment.amount_fen THEN
        RETURN QUERY SELECT 'amount_mismatch'::text, NULL::text, NULL::jsonb;
        RETURN;
    END IF;
    IF v_payment.status <> 'pending' THEN
        RETURN QUERY SELECT 'payment_closed'::text, v_payment.status::text, NULL::jsonb;
        RETURN;
    END IF;
    UPDATE billing_payment
       SET status = 'succeeded', provider_trade_no = p_provider_trade_no,
           paid_at = coalesce(p_paid_at, p_now)
     WHERE id = v_payment.id AND status = 'pending';
    UPDATE billing_settlement
       SET status = 'settled', settled_at = p_now, ebill_due = TRUE, settled_by = ''
     WHERE id = v_settlement.id;
    SELECT b.patient_id, b.institution_id INTO v_patient, v_institution
      FROM billing_bill b WHERE b.id = v_settlement.bill_id;
    WITH entry AS (
        INSERT INTO billing_journalentry (settlement_id, memo, posted_at)
        VALUES (v_settlement.id, 'settlement', p_now) RETURNING id
    )
    INSERT INTO billing_journalline (entry_id, account, debit_fen, credit_fen)
    SELECT entry.id, line.account, line.debit_fen, line.credit_fen
      FROM entry, (VALUES
            (1, 'insurance_receivable', v_settlement.fund_fen, 0),
            (2, 'personal_account', v_settlement.account_fen, 0),
            (3, 'commercial_receivable', v_settlement.commercial_fen, 0),
            (4, 'blood_receivable', v_settlement.blood_fen, 0),
            (5, 'inpatient_deposit', v_settlement.deposit_fen, 0),
            (6, p_clearing, v_settlement.cash_fen - v_settlement.deposit_fen, 0),
            (7, 'revenue', 0, v_settlement.total_fen)
         ) AS line(n, account, debit_fen, credit_fen)
     WHERE line.debit_fen <> 0 OR line.credit_fen <> 0
     ORDER BY line.n;
    INSERT INTO core_auditevent (
        occurred_at, actor_kind, actor_label, actor_user_id, actor_account_id, institution_id,
        action, object_type, object_id, patient_id, summary, changes, ip, channel
    )
    SELECT p_now, actor.actor_kind, actor.actor_label, actor.actor_user_id,
           actor.actor_account_id, actor.institution_id, 'update', 'billing.settlement',
           v_settlement.id::text, v_patient,
           left('settled: ' || v_payment.amount_fen || ' fen via ' || v_payment.channel, 255),
           '{}'::jsonb, actor.ip, actor.channel
      FROM jsonb_populate_record(NULL::core_auditevent, p_actor) actor;
    IF v_settlement.mode = 'in_clinic' AND v_settlement.clinic_id IS NOT NULL THEN
        SELECT coalesce(nullif(r.location, ''), r.name) INTO v_room
          FROM consortium_clinic r WHERE r.id = v_settlement.clinic_id;
    END IF;
    INSERT INTO core_domainevent (
        kind, occurred_at, patient_id, institution_id, department_id, on_site, channel,
        subject_type, subject_id, data
    ) VALUES (
        'payment.settled', p_now, v_patient, v_institution, NULL,
        NOT (v_settlement.mode = ANY (p_remote_modes))
            OR v_settlement.channel = ANY (p_in_person_channels),
        v_settlement.mode, 'billing.settlement', v_settlement.id::text, jsonb_build_object(
            'settlement_id', v_settlement.id,
            'bill_id', v_settlement.bill_id,
            'mode', v_settlement.mode,
            'payment_channel', v_settlement.channel,
            'total_fen', v_settlement.total_fen,
            'insurance_fen', v_settlement.fund_fen + v_settlement.account_fen,
            'cash_fen', v_settlement.cash_fen,
            'consulting_room', v_room,
            'clinic_id', CASE WHEN v_settlement.mode = 'in_clinic'
                              THEN v_settlement.clinic_id END,
            'fees', TRUE
        )
    );
    SELECT coalesce(jsonb_agg(jsonb_build_array(c.source, c.source_key) ORDER BY c.id), '[]')
      INTO v_keys FROM billing_charge c WHERE c.settlement_id = v_settlement.id;
    RETURN QUERY SELECT 'settled'::text, 'succeeded'::text, v_keys;
END;
$$;
