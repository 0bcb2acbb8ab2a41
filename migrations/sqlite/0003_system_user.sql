-- The scheduler's own user: auto-close and other rule-driven actions are
-- recorded as done by it. It is inactive (no token works for it), and its name
-- holds a character user names may not have, so it never collides with a person.
insert into users (username, display_name, role, active, created_at, updated_at)
values ('fuwu:system', '系统 / System', 'system', false, 0, 0);
