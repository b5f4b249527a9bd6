// The user's shared links, each with its address, what it allows, and Revoke.

import { api } from "/api.js";
import { el } from "/dom.js";
import { app } from "/state.js";
import { toast } from "/components/toast.js";
import { header } from "/components/header.js";

export async function sharingPage() {
  const list = el("ul", { class: "links" });
  app.replaceChildren(header(), el("main", { class: "page" }, el("h1", {}, "Shared links"), list));
  const links = await api("GET", "/shared-links").catch((err) => (toast(err.message, "error"), []));
  if (!links.length) list.append(el("li", { class: "empty" }, "No shared links. Select photos or open an album and choose Share."));
  for (const link of links) {
    const url = `${location.origin}${link.slug ? `/s/${link.slug}` : `/share/${link.key}`}`;
    const facts = [
      link.album ? `Album: ${link.album.albumName}` : `${link.assets.length} items`,
      link.password ? "password" : null,
      link.expiresAt ? `expires ${new Date(link.expiresAt).toLocaleDateString()}` : "no expiry",
      link.allowDownload ? "downloads" : "no downloads",
      link.allowUpload ? "uploads" : null,
    ].filter(Boolean);
    list.append(
      el("li", { class: "card link" },
        el("strong", {}, link.description || (link.album ? link.album.albumName : "Shared photos")),
        el("a", { href: url, class: "share-url" }, url),
        el("span", { class: "muted" }, facts.join(" · ")),
        el("button", { type: "button", class: "quiet", onclick: async () => {
          try {
            await api("DELETE", `/shared-links/${link.id}`);
            toast("Link revoked");
            sharingPage();
          } catch (err) {
            toast(err.message, "error");
          }
        } }, "Revoke"),
      ),
    );
  }
}
