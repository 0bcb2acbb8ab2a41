-- The SHA-256 (hex) of each applied migration's text: a migration edited
-- after it was applied is refused at start. The runner fills it, for the
-- migrations applied before this column existed too.
alter table schema_migrations add column checksum text;
