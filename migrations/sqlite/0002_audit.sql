-- Audit log: security events and changes of directory records. Request changes
-- live in request_events (who, when, field, before, after). Keep in step with
-- postgres/0002_audit.sql.
create table audit_log (
    id integer primary key,
    at bigint not null,
    -- No foreign key: 0 is the command-line operator.
    actor_id bigint not null,
    kind text not null,
    object_type text,
    object_id bigint,
    details text
);
create index audit_log_at on audit_log (at);
create index audit_log_actor on audit_log (actor_id);
create index audit_log_object on audit_log (object_type, object_id);
