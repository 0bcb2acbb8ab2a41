-- The SLA engine: admins' calendars, the clocks of each request as stored
-- state, and the notifications the scanner writes (inbox and outbox).
-- Keep in step with the other engine's 0006_sla.sql.

-- Custom calendars (the presets `24x7` and `cn-mainland` are built in).
-- `definition` is the JSON of fuwu-core's CalendarSpec.
create table calendars (
    id integer primary key,
    name text not null unique,
    definition text not null,
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);

-- One row per (request, target, generation). A level or policy change
-- supersedes the running rows (state 'superseded') and starts a new
-- generation, so history keeps both. Times are Unix ms; `deadline` is null
-- while paused; `next_due_at` is when the scanner must look next (the next
-- unhandled warning threshold or the breach), null when nothing is due.
create table request_clocks (
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
    state text not null check (state in ('running','paused','met','breached','superseded')),
    -- Thresholds (percent) already handled by the scanner, as a JSON list.
    handled text not null default '[]',
    next_threshold bigint,
    next_due_at bigint,
    updated_at bigint not null,
    unique (request_id, generation, target_key)
);
create index request_clocks_due on request_clocks (next_due_at) where next_due_at is not null;
create index request_clocks_request on request_clocks (request_id);

-- The in-app inbox: one row per recipient and reason.
create table notifications (
    id integer primary key,
    user_id bigint not null references users(id),
    request_id bigint not null references requests(id),
    clock_id bigint,
    kind text not null check (kind in ('warning','breach','severe_fault')),
    threshold bigint,
    message text not null,
    created_at bigint not null,
    read_at bigint
);
create index notifications_user on notifications (user_id, id);

-- What the delivery channels (mail, chat robots) will send later.
create table outbox (
    id integer primary key,
    user_id bigint not null references users(id),
    request_id bigint not null references requests(id),
    clock_id bigint,
    kind text not null,
    payload text not null,
    created_at bigint not null,
    sent_at bigint
);
create index outbox_unsent on outbox (id) where sent_at is null;
