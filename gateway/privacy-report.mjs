// Merges the subgraphs' `extensions.privacy` reports into the one report a client gets from the
// gateway, equal to what the single-process service reports for the same operation:
//
//   { policyVersion, fields: [{ field, strategy, count }], truncated }
//
// * counts are summed per (field, strategy), across subgraphs and across the fetches of one
//   subgraph (a query plan may call a subgraph several times);
// * fields are sorted by field, then strategy, and cut at REPORT_LIMIT like authz/guard.py does;
//   `truncated` is true if any subgraph cut its report or the merged list was cut;
// * every subgraph must run the same policy. If their versions differ, `policyVersion` is null
//   and `policyVersions` lists them: a client must not trust a report mixing two policies.
//
// gateway/privacy-report.rhai does the same for Apollo Router.
export const REPORT_LIMIT = 100; // authz/guard.py REPORT_LIMIT

function isReport(value) {
  return value !== null && typeof value === 'object' && Array.isArray(value.fields);
}

function byFieldThenStrategy(a, b) {
  if (a.field !== b.field) return a.field < b.field ? -1 : 1;
  if (a.strategy !== b.strategy) return a.strategy < b.strategy ? -1 : 1;
  return 0;
}

export function mergePrivacyReports(reports) {
  const valid = reports.filter(isReport);
  if (valid.length === 0) return null;
  const counts = new Map();
  for (const report of valid) {
    for (const { field, strategy, count } of report.fields) {
      const key = JSON.stringify([field, strategy]);
      const seen = counts.get(key);
      counts.set(key, { field, strategy, count: (seen?.count ?? 0) + Number(count) });
    }
  }
  const fields = [...counts.values()].sort(byFieldThenStrategy);
  const versions = [...new Set(valid.map((report) => report.policyVersion))].sort();
  const merged = {
    policyVersion: versions.length === 1 ? versions[0] : null,
    fields: fields.slice(0, REPORT_LIMIT),
    truncated: valid.some((report) => report.truncated === true) || fields.length > REPORT_LIMIT,
  };
  if (versions.length > 1) merged.policyVersions = versions;
  return merged;
}
