-- Fault reports as objects, and the `voided` clock state: a fault report
-- clock that a reopen undid (nothing is due until the next resolution).
-- Keep in step with the other engine's 0010_fault_reports.sql.

-- SQLite cannot change a check constraint in place: rebuild request_clocks
-- with the same columns (`select *` fails loudly if a column was added since).
create table request_clocks_new (
    id integer primary key,
    request_id bigint not null references requests(id),
    generation bigint not null default 1,
    policy_id bigint,
    target_key text not null,
    level bigint not null,
    calendar text not null,
    duration text not null,
    started_at bigint not null,
    stopped_at bigint,
    paused_since bigint,
    paused_ms bigint not null default 0,
    deadline bigint,
    state text not null check (state in ('running','paused','met','breached','superseded','voided')),
    handled text not null default '[]',
    next_threshold bigint,
    next_due_at bigint,
    updated_at bigint not null,
    unique (request_id, generation, target_key)
);
insert into request_clocks_new select * from request_clocks;
drop table request_clocks;
alter table request_clocks_new rename to request_clocks;
create index request_clocks_due on request_clocks (next_due_at) where next_due_at is not null;
create index request_clocks_request on request_clocks (request_id);

-- One fault report (故障报告, SPEC §7) per request: drafted from the request's
-- history by an engineer, reviewed by a project leader or an administrator,
-- then delivered to the customer. `timeline` is a JSON list of
-- {at, kind, text}. `internal_notes` and `review_comment` never reach the
-- customer. Instants are Unix ms.
create table fault_reports (
    id integer primary key,
    request_id bigint not null unique references requests(id),
    status text not null check (status in ('draft','in_review','returned','approved','delivered')),
    title text not null,
    fault_type text not null default '',
    level bigint not null,
    occurred_at bigint not null,
    resolved_at bigint,
    symptom text not null default '',
    impact text not null default '',
    cause text not null default '',
    handling text not null default '',
    solution text not null default '',
    prevention text not null default '',
    timeline text not null default '[]',
    internal_notes text not null default '',
    review_comment text,
    author_id bigint not null references users(id),
    reviewer_id bigint references users(id),
    delivered_by bigint references users(id),
    submitted_for_review_at bigint,
    reviewed_at bigint,
    delivered_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);
create index fault_reports_status on fault_reports (status);
