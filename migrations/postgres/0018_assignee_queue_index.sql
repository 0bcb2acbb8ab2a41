-- One person's queue ("my requests in progress", newest first): with only
-- (assignee_id, created_at, id) the list walks the person's requests from the
-- newest, most of them closed long ago, to find the open ones — tens of
-- thousands of rows per engineer at 1,000,000 requests. With the status in
-- the key the page is read directly.
create index requests_assignee_status on requests (assignee_id, status, created_at, id);
