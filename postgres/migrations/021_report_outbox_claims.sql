-- Claims on the supervisors' notification outbox (package inspect, Notifier), so that several instances sharing
-- this database never send the same notification twice and lose none when one of them dies.
--
-- An instance claims a batch of the outbox by writing its instance ID (a random name per process, like the
-- reminders' lease owners; never a user) into lease_owner, '' while unclaimed, and holds its claims while its
-- lease in notifier_leases lasts. Each claim renews the lease; the lease of an instance that died runs out, and
-- its claims are then taken over by the next claim of another instance. A notification sent leaves the outbox,
-- so it is never claimed again.
--
-- Anonymity (020_reports.sql): the outbox keeps no time. The lease's expiry lives with the instance, not with
-- the report: notifier_leases names no report, and an instance's row is deleted as soon as it holds no claim
-- (a flush ends by giving back what it did not send), so no instant stays behind once the notifications went
-- out. Claims are serialized under pg_advisory_xact_lock (see postgres/reports.go): whether a claim is still
-- held is decided by another table, which a row lock on the outbox cannot recheck.
ALTER TABLE report_outbox ADD COLUMN lease_owner text NOT NULL DEFAULT '';

CREATE TABLE notifier_leases (
    owner        text PRIMARY KEY,               -- instance ID, as in report_outbox.lease_owner
    lease_until  timestamptz NOT NULL            -- its claims hold until then
);
