-- Fuwu core schema (SQLite). Instants are bigint Unix milliseconds (UTC),
-- enums are text with a check, JSON is text. Keep in step with postgres/0001_core.sql.

create table organizations (
    id integer primary key,
    name text not null unique,
    short_name text,
    industry text,
    address text,
    phone text,
    profile text not null default '',
    support_needs text not null default '',
    notes text not null default '',
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);

create table teams (
    id integer primary key,
    name text not null unique,
    description text not null default '',
    lead_id bigint,
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);

create table contacts (
    id integer primary key,
    organization_id bigint not null references organizations(id),
    name text not null,
    email text,
    phone text,
    job_title text,
    notes text not null default '',
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);
create index contacts_org on contacts (organization_id);
create index contacts_phone on contacts (phone);

create table users (
    id integer primary key,
    username text not null unique,
    display_name text not null,
    email text,
    phone text,
    role text not null check (role in ('customer_user','customer_admin','agent','engineer','third_party','project_leader','admin','system')),
    organization_id bigint references organizations(id),
    contact_id bigint references contacts(id),
    team_id bigint references teams(id),
    active boolean not null default true,
    password_hash text,
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);
create index users_team on users (team_id);

create table api_tokens (
    id integer primary key,
    user_id bigint not null references users(id),
    name text not null,
    token_hash text not null unique,
    scope text not null check (scope in ('read','write','admin')),
    created_at bigint not null,
    expires_at bigint,
    revoked_at bigint,
    last_used_at bigint
);

create table systems (
    id integer primary key,
    organization_id bigint not null references organizations(id),
    name text not null,
    kind text not null check (kind in ('software','server','device','network','cloud','other')),
    description text not null default '',
    location text,
    serial_number text,
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);
create index systems_org on systems (organization_id);

create table sla_policies (
    id integer primary key,
    name text not null unique,
    description text not null default '',
    auto_close_after_ms bigint not null,
    definition text not null default '{}',
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);

create table contracts (
    id integer primary key,
    organization_id bigint not null references organizations(id),
    code text not null unique,
    name text not null,
    accepted_on text not null,
    free_service_months integer not null default 24 check (free_service_months >= 0),
    vip boolean not null default false,
    sla_policy_id bigint references sla_policies(id),
    project_leader_id bigint references users(id),
    notes text not null default '',
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);
create index contracts_org on contracts (organization_id);

create table requests (
    id integer primary key,
    channel text not null check (channel in ('phone','web','email','onsite','api','monitoring')),
    category text not null check (category in ('consultation','fault','change_request','training','inspection','health_check','backup','other')),
    impact text not null check (impact in ('none','minor','partial','unusable','crashed','data_damaged')),
    urgency text not null check (urgency in ('low','medium','high')),
    level integer not null check (level between 0 and 5),
    level_override_reason text,
    title text not null,
    description text not null default '',
    organization_id bigint not null references organizations(id),
    requester_contact_id bigint references contacts(id),
    requester_user_id bigint references users(id),
    system_id bigint references systems(id),
    contract_id bigint references contracts(id),
    assignee_id bigint references users(id),
    team_id bigint references teams(id),
    tier text not null check (tier in ('l1','l2','third_party')),
    status text not null check (status in ('new','acknowledged','assigned','in_progress','pending','resolved','reopened','closed','cancelled')),
    stage text check (stage in ('collecting','analysing','planning','implementing')),
    waiting_for text check (waiting_for in ('customer','third_party')),
    response_mode text check (response_mode in ('remote','phone','onsite')),
    response_plan text,
    resolution text,
    third_party_ref text,
    billable boolean not null default false,
    feedback_solved boolean,
    feedback_rating integer check (feedback_rating between 1 and 5),
    feedback_comment text,
    close_basis text check (close_basis in ('confirmed','auto_close')),
    cancel_reason text,
    created_by bigint not null references users(id),
    created_at bigint not null,
    updated_at bigint not null,
    acknowledged_at bigint,
    responded_at bigint,
    resolved_at bigint,
    closed_at bigint,
    version bigint not null default 1
);
create index requests_created on requests (created_at);
create index requests_updated on requests (updated_at);
create index requests_status on requests (status, created_at);
create index requests_level on requests (level, created_at);
create index requests_category on requests (category, created_at);
create index requests_org on requests (organization_id, created_at);
create index requests_assignee on requests (assignee_id, created_at);
create index requests_team on requests (team_id, created_at);
create index requests_system on requests (system_id, created_at);

create table request_events (
    id integer primary key,
    request_id bigint not null references requests(id),
    at bigint not null,
    actor_id bigint not null references users(id),
    kind text not null,
    field text,
    before text,
    after text,
    details text
);
create index request_events_request on request_events (request_id);

create table request_messages (
    id integer primary key,
    request_id bigint not null references requests(id),
    author_id bigint not null references users(id),
    visibility text not null check (visibility in ('public','internal')),
    body text not null,
    created_at bigint not null
);
create index request_messages_request on request_messages (request_id);

create table attachment_blobs (
    sha256 text primary key,
    size bigint not null,
    data blob not null
);

create table attachments (
    id integer primary key,
    request_id bigint not null references requests(id),
    message_id bigint references request_messages(id),
    filename text not null,
    content_type text not null,
    size bigint not null,
    sha256 text not null references attachment_blobs(sha256),
    uploaded_by bigint not null references users(id),
    created_at bigint not null
);
create index attachments_request on attachments (request_id);

create table work_logs (
    id integer primary key,
    request_id bigint not null references requests(id),
    user_id bigint not null references users(id),
    minutes integer not null check (minutes > 0 and minutes <= 1440),
    billable boolean not null,
    note text not null default '',
    worked_at bigint not null,
    created_at bigint not null
);
create index work_logs_request on work_logs (request_id);

create table onsite_visits (
    id integer primary key,
    request_id bigint not null references requests(id),
    engineer_id bigint references users(id),
    requested_at bigint not null,
    departed_at bigint,
    arrived_at bigint,
    left_at bigint,
    work_done text,
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null default 1
);
create index onsite_visits_request on onsite_visits (request_id);

create table idempotency_keys (
    user_id bigint not null references users(id),
    key text not null,
    fingerprint text not null,
    request_id bigint not null references requests(id),
    created_at bigint not null,
    primary key (user_id, key)
);
