-- An organization's open queue by level ("severe faults, most severe first, of
-- one organization"; a customer's requests by state): without it the planner
-- reads every request the organization ever raised (a tenth of a million at
-- 1,000,000 requests) to find the few open ones.
create index requests_org_status_level on requests (organization_id, status, level);
