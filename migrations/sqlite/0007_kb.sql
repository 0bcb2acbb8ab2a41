-- The knowledge base and the full-text index. Keep in step with the other
-- engine's 0007_kb.sql; the `search_*` tables are the one place the engines
-- differ (FTS5 here, tsvector + GIN there), both fed with the tokens
-- `fuwu_core::search::index_text` makes, in the transaction of the change.
create table articles (
    id integer primary key,
    title text not null,
    symptom text not null,
    cause text not null,
    solution text not null,
    category text not null,
    tags text not null,
    related_systems text not null,
    visibility text not null check (visibility in ('internal','customers')),
    status text not null check (status in ('draft','published','archived')),
    source_request_id bigint references requests(id),
    created_by bigint not null references users(id),
    updated_by bigint not null references users(id),
    created_at bigint not null,
    updated_at bigint not null,
    version bigint not null
);
create index articles_updated on articles (updated_at, id);

-- Every earlier version of an article, as it was before each change.
create table article_versions (
    article_id bigint not null references articles(id),
    version bigint not null,
    title text not null,
    symptom text not null,
    cause text not null,
    solution text not null,
    category text not null,
    tags text not null,
    related_systems text not null,
    visibility text not null,
    status text not null,
    updated_by bigint not null references users(id),
    updated_at bigint not null,
    primary key (article_id, version)
);

-- Which requests an article answers (or was drafted from).
create table article_requests (
    article_id bigint not null references articles(id),
    request_id bigint not null references requests(id),
    linked_by bigint not null references users(id),
    linked_at bigint not null,
    primary key (article_id, request_id)
);
create index article_requests_request on article_requests (request_id);

-- rowid = the request's id. `body` holds title-less public text (description,
-- public replies, resolution), `internal` the internal notes (staff only).
create virtual table search_requests using fts5(title, body, internal, content='', contentless_delete=1);
-- rowid = the article's id.
create virtual table search_articles using fts5(title, body, content='', contentless_delete=1);
