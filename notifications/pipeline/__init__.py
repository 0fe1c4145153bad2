"""The delivery pipeline: how a change of an appointment becomes messages, exactly once each.

The path of one reminder:
1. plan      planning.deliveries_plan_for_change hears APPOINTMENT_CHANGED inside the service's
             transaction and writes a REMINDER row due at start - period (outbox.deliveries_save).
2. claim     at that time the beat's tick (tick.deliveries_tick) claims the due row under a lease.
3. hand off  tasks.deliveries_enqueue queues one Celery send task per batch of claimed ids.
4. send      sending.deliveries_send reads the batch (batch), builds the message from the
             appointment as it is now (messages), moves the row to SENDING by compare-and-set
             and calls the channel's backend.
5. record    the outcome is written on the row: SENT, a retry with backoff, FAILED or CANCELLED.

states.py holds the shared vocabulary; claim.py also reconciles rows whose worker died;
resend.py queues fresh copies of past deliveries; feedback.py records what providers report later;
fallback.py queues the email that replaces an SMS that did not reach its recipient.
policy.py is what planning reads (templates, senders, endpoints); replan.py re-plans booked
appointments after it changed, with plan_diff.py saying what changes.
"""
