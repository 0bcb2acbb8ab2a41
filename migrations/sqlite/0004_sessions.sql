-- Browser sessions and the ways a user signs in. Keep in step with
-- postgres/0004_sessions.sql.
--
-- A session is known by the SHA-256 of its 32 random bytes: the id itself is
-- only ever in the browser's cookie. Expiry is absolute (expires_at) and by
-- idleness (last_seen_at + the idle timeout, a setting).
create table sessions (
    id_hash text primary key,
    user_id bigint not null references users(id),
    created_at bigint not null,
    last_seen_at bigint not null,
    expires_at bigint not null,
    client_addr text not null default '',
    user_agent text not null default ''
);
create index sessions_user on sessions (user_id);
create index sessions_expires on sessions (expires_at);

-- How a user proves who they are: 'password' today (subject = the user's id),
-- 'oidc' (subject = the issuer's `sub`) or 'ldap' (subject = the entry's DN)
-- later, so single sign-on links to existing users without migrating them.
create table user_identities (
    id integer primary key,
    user_id bigint not null references users(id),
    provider text not null check (provider in ('password','oidc','ldap')),
    subject text not null,
    created_at bigint not null,
    unique (provider, subject)
);
create index user_identities_user on user_identities (user_id);
