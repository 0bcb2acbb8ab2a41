-- Access: a project leader's contracts are found by leader (what they may
-- see hangs off them), and API token use is audited at most once an hour per
-- token (the time of the last `token_used` entry). Keep in step with the
-- other engine's 0005_access.sql.
create index contracts_leader on contracts (project_leader_id);
alter table api_tokens add column use_audited_at bigint;
