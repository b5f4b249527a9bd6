// Photos that are not a timeline (a search's results, a folder's photos) in the page's virtual
// grid: one untitled section in the order the server gave, no days, grown page by page
// (`nextPage`) as the user scrolls near its end. The tiles are the timeline's (photo-grid.js), so
// clicking opens the viewer, which steps through the results, and the selection works as there.

import { showGrid } from "/components/photo-grid.js";
import { toast } from "/components/toast.js";

/// A tile's asset from an `AssetResponseDto` (the fields photo-grid.js's tiles read).
export function tileAsset(a) {
  return {
    id: a.id,
    ratio: a.width && a.height ? a.width / a.height : 1,
    thumbhash: a.thumbhash,
    isImage: a.type !== "VIDEO",
    isFavorite: a.isFavorite,
    isTrashed: a.isTrashed,
    visibility: a.visibility,
    ownerId: a.ownerId,
    duration: a.duration ?? null,
    livePhotoVideoId: a.livePhotoVideoId,
    stack: a.stack ? [a.stack.primaryAssetId, a.stack.assetCount] : null,
  };
}

/// Shows in `container` the assets `fetchPage(page)` answers ({ items, nextPage }: page numbers
/// from 1, nextPage null at the end); the next page is fetched when the end of the grid comes
/// within two screens. Returns the grid, or null when there is nothing to show.
export async function resultsGrid(container, fetchPage) {
  const first = await fetchPage(1);
  if (!first.items.length) return null;
  let pages = 1;
  let next = first.nextPage;
  let growing = false;
  // Fetched again after an action on some of them (the viewer, the selection): the same pages.
  const load = async () => {
    const all = [];
    for (let page = 1; page <= pages; page++) {
      const answer = await fetchPage(page);
      all.push(...answer.items);
      next = answer.nextPage;
      if (!next) break;
    }
    return all.map(tileAsset);
  };
  const grid = showGrid(container, [{ key: "results", title: null, count: first.items.length, assets: first.items.map(tileAsset), load }]);
  const section = grid.sections[0];
  grid.onScrolled((top) => {
    if (!next || growing || !section.assets || top + 2 * window.innerHeight < grid.totalHeight) return;
    growing = true;
    fetchPage(next)
      .then((answer) => {
        if (grid.destroyed || !section.assets) return;
        pages += 1;
        next = answer.nextPage;
        section.assets.push(...answer.items.map(tileAsset));
        // The last row changes with the new tiles: the section is laid out and drawn again.
        grid.index(section);
        grid.clear(section);
        grid.measure();
        grid.changed();
        grid.schedule();
      })
      .catch((err) => toast(`Cannot load more: ${err.message}`, "error"))
      .finally(() => (growing = false));
  });
  return grid;
}
