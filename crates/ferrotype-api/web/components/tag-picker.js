// Tags on photos: the selection bar's "Tag" dialog (pick tags, or name new ones, `Parent/Child`
// for a tag inside another; `PUT /tags` makes the missing ones, `PUT /tags/assets` puts them on the
// photos) and the tags a photo has, listed in the viewer's details (each opening its tag's page).

import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { html } from "/ui.js";
import { navigate } from "/router.js";
import { toast } from "/components/toast.js";
import { Modal, openModal } from "/components/modal.js";

export const STRINGS = {
  title: "Tag",
  existing: "Your tags",
  none: "No tags yet: name one below.",
  newTags: "New tags",
  newHint: "Separate tags with commas; Parent/Child makes a tag inside another",
  tag: "Tag",
  cancel: "Cancel",
  tags: "Tags",
  tagged: (n) => (n === 1 ? "Tagged 1 photo" : `Tagged ${n} photos`),
  cannotTag: (message) => `Cannot tag: ${message}`,
};

/// The address of a tag's page.
export function tagAddress(tag) {
  return `/tags?id=${encodeURIComponent(tag.id)}`;
}

/// Asks which tags to put on `assetIds` and puts them; resolves to whether it did.
export function tagDialog(assetIds) {
  return openModal((done) => html`<${TagDialog} assetIds=${assetIds} onDone=${done} />`);
}

function TagDialog({ assetIds, onDone }) {
  const [tags, setTags] = useState(null);
  const [picked, setPicked] = useState(new Set());
  const [names, setNames] = useState("");
  const [error, setError] = useState(null);
  useEffect(() => {
    api("GET", "/tags").then(setTags, (err) => (setTags([]), setError(err.message)));
  }, []);
  const toggle = (id) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked(next);
  };
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const fresh = names.split(",").map((n) => n.trim().replace(/^\/+|\/+$/g, "")).filter(Boolean);
      const made = fresh.length ? await api("PUT", "/tags", { tags: fresh }) : [];
      // `PUT /tags` answers every level of each path: the tags named are the deepest ones.
      const named = made.filter((t) => fresh.includes(t.value));
      const tagIds = [...new Set([...picked, ...named.map((t) => t.id)])];
      if (!tagIds.length) return;
      await api("PUT", "/tags/assets", { tagIds, assetIds });
      toast(STRINGS.tagged(assetIds.length));
      onDone(true);
    } catch (err) {
      setError(STRINGS.cannotTag(err.message));
    }
  };
  return html`<${Modal} title=${STRINGS.title} onClose=${() => onDone(false)}>
    <form class="stack tag-dialog" onSubmit=${submit}>
      <fieldset class="tag-choices">
        <legend>${STRINGS.existing}</legend>
        ${tags && !tags.length && html`<p class="muted">${STRINGS.none}</p>`}
        <ul class="choices">
          ${(tags || []).map(
            (t) => html`<li key=${t.id}><label class="check-line">
              <input type="checkbox" name="tag" value=${t.id} checked=${picked.has(t.id)} onChange=${() => toggle(t.id)} />
              <${Swatch} color=${t.color} />${t.value}</label></li>`,
          )}
        </ul>
      </fieldset>
      <label>${STRINGS.newTags}
        <input name="newTags" value=${names} placeholder=${STRINGS.newHint} onInput=${(e) => setNames(e.currentTarget.value)} />
      </label>
      <p class="form-error" role="alert">${error}</p>
      <div class="actions">
        <button type="button" class="quiet" onClick=${() => onDone(false)}>${STRINGS.cancel}</button>
        <button type="submit" disabled=${!picked.size && !names.trim()}>${STRINGS.tag}</button>
      </div>
    </form>
  <//>`;
}

/// A tag's colour as a small dot (nothing without one).
export function Swatch({ color }) {
  return color ? html`<span class="tag-swatch" style=${{ background: color }} aria-hidden="true"></span>` : null;
}

/// The viewer's details: the photo's tags, each a link to its page (nothing when it has none).
export function TagRows({ tags }) {
  if (!tags?.length) return null;
  return html`<dt>${STRINGS.tags}</dt><dd><ul class="detail-tags">${tags.map(
    (t) => html`<li key=${t.id}><a href=${tagAddress(t)} onClick=${(e) => (e.preventDefault(), navigate(tagAddress(t)))}>
      <${Swatch} color=${t.color} />${t.value}</a></li>`,
  )}</ul></dd>`;
}
