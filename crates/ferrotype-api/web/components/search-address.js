// A search's address (/search?query=…, the filters as JSON, as Immich's web keeps them): made by
// the header's search box, Explore's places and the search page, read back by the search page.

/// The filters of the address's `query` (a `MetadataSearchDto` as JSON), or null.
export function searchOfAddress() {
  const raw = new URLSearchParams(location.search).get("query");
  if (!raw) return null;
  try {
    const query = JSON.parse(raw);
    return query && typeof query === "object" && !Array.isArray(query) ? query : null;
  } catch {
    return null;
  }
}

/// The address of a search for `filters` (empty values left out).
export function searchAddress(filters) {
  const query = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== "" && v !== undefined && v !== null && v !== false));
  return Object.keys(query).length ? `/search?query=${encodeURIComponent(JSON.stringify(query))}` : "/search";
}
