// An album's activity panel: the comments and likes on the album itself (Immich's album-level
// activity), a box to comment and a button to like or unlike; a comment is deleted by its author
// or the album's owner, as the server allows. The owner turns activity on and off for everyone.

import { html } from "/ui.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { toast } from "/components/toast.js";

export const STRINGS = {
  title: "Activity",
  empty: "No comments yet.",
  placeholder: "Say something",
  send: "Comment",
  like: "Like",
  unlike: "Unlike",
  remove: "Delete",
  off: "Comments and likes are turned off.",
  toggle: "Comments and likes",
  likes: (n) => (n === 1 ? "1 like" : `${n} likes`),
};

function when(iso) {
  return new Date(iso).toLocaleString();
}

/// The panel of `album`; `me` is the signed-in user's id, `owner` whether they own the album.
export function ActivityPanel({ album, me, owner }) {
  const [enabled, setEnabled] = useState(album.isActivityEnabled);
  const [items, setItems] = useState(null);
  const [text, setText] = useState("");
  const load = async () => {
    try {
      setItems(await api("GET", `/activities?albumId=${album.id}&level=album`));
    } catch (err) {
      toast(`Cannot show the activity: ${err.message}`, "error");
      setItems([]);
    }
  };
  useEffect(() => void load(), [album.id]);
  const act = (what, fn) => async (e) => {
    e?.preventDefault();
    try {
      await fn();
      await load();
    } catch (err) {
      toast(`Cannot ${what}: ${err.message}`, "error");
    }
  };
  const comments = (items || []).filter((a) => a.type === "comment");
  const likes = (items || []).filter((a) => a.type === "like");
  const myLike = likes.find((a) => a.user.id === me);
  const send = act("comment", async () => {
    if (!text.trim()) return;
    await api("POST", "/activities", { albumId: album.id, type: "comment", comment: text });
    setText("");
  });
  const like = act("like", async () => {
    if (myLike) await api("DELETE", `/activities/${myLike.id}`);
    else await api("POST", "/activities", { albumId: album.id, type: "like" });
  });
  const toggle = act("change the album", async () => {
    const updated = await api("PATCH", `/albums/${album.id}`, { isActivityEnabled: !enabled });
    setEnabled(updated.isActivityEnabled);
  });
  return html`<section class="activity" aria-label=${STRINGS.title}>
    <div class="activity-head">
      <h2>${STRINGS.title}</h2>
      <span class="muted activity-likes">${STRINGS.likes(likes.length)}</span>
      ${owner
        ? html`<label class="check-line"><input type="checkbox" checked=${enabled} onChange=${toggle} />${STRINGS.toggle}</label>`
        : null}
    </div>
    ${items === null
      ? null
      : comments.length
        ? html`<ul class="activity-list">
            ${comments.map((c) => html`<li class="activity-comment" key=${c.id}>
              <strong>${c.user.name}</strong>
              <span class="muted"> · ${when(c.createdAt)}</span>
              <p>${c.comment}</p>
              ${c.user.id === me || owner
                ? html`<button type="button" class="quiet" aria-label=${`${STRINGS.remove} the comment by ${c.user.name}`}
                    onClick=${act("delete the comment", () => api("DELETE", `/activities/${c.id}`))}>${STRINGS.remove}</button>`
                : null}
            </li>`)}
          </ul>`
        : html`<p class="muted">${STRINGS.empty}</p>`}
    ${enabled
      ? html`<form class="activity-form" onSubmit=${send}>
          <input name="comment" aria-label=${STRINGS.placeholder} placeholder=${STRINGS.placeholder}
            value=${text} onInput=${(e) => setText(e.currentTarget.value)} />
          <button type="submit" disabled=${!text.trim()}>${STRINGS.send}</button>
          <button type="button" class="quiet" aria-pressed=${myLike ? "true" : "false"} onClick=${like}>
            ${myLike ? STRINGS.unlike : STRINGS.like}</button>
        </form>`
      : html`<p class="muted">${STRINGS.off}</p>`}
  </section>`;
}
