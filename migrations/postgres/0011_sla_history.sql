-- SLA history for audits and migrations. Keep in step with the other
-- engine's 0011_sla_history.sql.

-- The definitions of SLA policies and calendars that an update (or, for a
-- calendar, a deletion) replaced, with the span they were in force:
-- [valid_from, valid_to). The current definition stays in its own table; the
-- one in force at an instant t is the archived row with the smallest
-- valid_to > t, else the current one. `?at=` clock views use it.
create table sla_policy_versions (
    policy_id bigint not null,
    version bigint not null,
    definition text not null,
    valid_from bigint not null,
    valid_to bigint not null,
    primary key (policy_id, version)
);
create index sla_policy_versions_to on sla_policy_versions (policy_id, valid_to);

create table calendar_versions (
    calendar_id bigint not null,
    version bigint not null,
    name text not null,
    definition text not null,
    valid_from bigint not null,
    valid_to bigint not null,
    primary key (calendar_id, version)
);
create index calendar_versions_name on calendar_versions (name, valid_to);

-- Requests imported with their history from another service desk: the
-- reference there (unique: a second import of it is answered with the
-- first), and a digest of the import body (the same reference with another
-- body is a conflict).
create table request_imports (
    request_id bigint not null primary key references requests(id),
    external_ref text not null unique,
    fingerprint text not null,
    imported_by bigint not null,
    imported_at bigint not null
);
