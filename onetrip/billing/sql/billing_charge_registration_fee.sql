-- billing_charge_registration_fee: a booking's registration fee put on the bill of its visit,
-- inside another app's call on PostgreSQL (D343: the booking's `scheduling_book`, so an app
-- user's booking and its fee are one round trip).
--
-- The twin of `onetrip.billing.services.sources.charge_registration_fee` with `create_charge`
-- and `_charge` for that line (one item, quantity 1, source 'registration'), rule for rule and
-- in the same order; `scheduling/tests/test_booking_twins.py` books through both and fails on
-- any difference in the answers or in the bills, charges and audit rows written. Change one,
-- change the other. Billing's tables are written only here and in billing's Python.
--
-- The caller has checked what Python checks before: that the actor may reach the patient
-- (`scope.check_charge_scope`: for a patient's account it is identity's `accessible_patients`,
-- the condition the booking call joins in) and that the patient exists (the booking call holds
-- its lock). Who acted is `p_actor`, the columns `core.audit.actor_columns` prepared.
--
-- Returns one JSON value: `outcome` 'charged' (with `charge_id`, `bill_id` and whether the bill
-- is an inpatient one, whose deposit reminder Python sends), 'earlier' (the line was charged
-- alike before: nothing written), or a refusal that writes nothing: 'key_reused' (charged
-- differently before), 'fee_not_priced' (no active catalogue item for the fee), 'visit_mismatch'
-- (the visit's bill is another patient's), 'too_large' (past `core.bounds.MAX_FEN`).
-- `sources.charged_in_call` turns it into what `charge_registration_fee` would have raised.
CREATE OR REPLACE FUNCTION billing_charge_registration_fee(
    p_patient bigint,
    p_institution bigint,
    p_visit_reference text,
    p_fee_fen bigint,
    p_source_key text,
    p_now timestamptz,
    p_actor jsonb
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    -- `sources.registration_item_code`: one catalogue item per fee level.
    v_code text := 'REG-' || p_fee_fen;
    v_earlier record;
    v_item billing_catalogueitem%ROWTYPE;
    v_bill billing_bill%ROWTYPE;
    v_charge bigint;
BEGIN
    -- `create_charge._earlier`: a line charged before answers a retry if it asked the same.
    SELECT c.id, b.patient_id, b.institution_id, b.visit_reference, c.code, c.quantity, c.source
      INTO v_earlier
      FROM billing_charge c JOIN billing_bill b ON b.id = c.bill_id
     WHERE c.source_key = p_source_key;
    IF FOUND THEN
        IF (v_earlier.patient_id, v_earlier.institution_id, v_earlier.visit_reference,
            v_earlier.code, v_earlier.quantity, v_earlier.source)
           <> (p_patient, p_institution, p_visit_reference, v_code, 1, 'registration') THEN
            RETURN jsonb_build_object('outcome', 'key_reused');
        END IF;
        RETURN jsonb_build_object('outcome', 'earlier', 'charge_id', v_earlier.id);
    END IF;
    SELECT * INTO v_item FROM billing_catalogueitem WHERE code = v_code AND is_active;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'fee_not_priced');
    END IF;
    -- `Bill.objects.get_or_create`: the visit's bill, opened by its first charge.
    SELECT * INTO v_bill FROM billing_bill
     WHERE institution_id = p_institution AND visit_reference = p_visit_reference;
    IF NOT FOUND THEN
        INSERT INTO billing_bill (patient_id, institution_id, visit_reference, visit_kind,
                                  opened_at)
        VALUES (p_patient, p_institution, p_visit_reference, 'outpatient', p_now)
        ON CONFLICT ON CONSTRAINT bill_one_per_visit DO NOTHING
        RETURNING * INTO v_bill;
        IF NOT FOUND THEN
            -- Opened meanwhile by a concurrent charge of the same visit (get_or_create's retry).
            SELECT * INTO v_bill FROM billing_bill
             WHERE institution_id = p_institution AND visit_reference = p_visit_reference;
        END IF;
    END IF;
    IF v_bill.patient_id <> p_patient THEN
        RETURN jsonb_build_object('outcome', 'visit_mismatch');
    END IF;
    IF v_item.unit_price_fen > 1000000000 THEN  -- `core.bounds.MAX_FEN`, quantity 1
        RETURN jsonb_build_object('outcome', 'too_large');
    END IF;
    INSERT INTO billing_charge (
        bill_id, item_id, code, name, charge_category, insurance_category, quantity,
        unit_price_fen, amount_fen, source, source_key, charged_at, settlement_id
    ) VALUES (
        v_bill.id, v_item.id, v_item.code, v_item.name, v_item.charge_category,
        v_item.insurance_category, 1, v_item.unit_price_fen, v_item.unit_price_fen,
        'registration', p_source_key, p_now, NULL
    ) RETURNING id INTO v_charge;
    INSERT INTO core_auditevent (
        occurred_at, actor_kind, actor_label, actor_user_id, actor_account_id, institution_id,
        action, object_type, object_id, patient_id, summary, changes, ip, channel
    )
    SELECT p_now, actor.actor_kind, actor.actor_label, actor.actor_user_id,
           actor.actor_account_id, actor.institution_id, 'create', 'billing.charge',
           v_charge::text, p_patient,
           left('charge ' || v_item.code || ' x1 on ' || v_bill.visit_reference, 255),
           '{}'::jsonb, actor.ip, actor.channel
      FROM jsonb_populate_record(NULL::core_auditevent, p_actor) actor;
    RETURN jsonb_build_object('outcome', 'charged', 'charge_id', v_charge, 'bill_id', v_bill.id,
                              'inpatient', v_bill.visit_kind = 'inpatient');
END
$$;
