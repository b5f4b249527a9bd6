// A shared link for assets or an album: options, then the link with a Copy button.

import { useState } from "preact/hooks";
import { api } from "/api.js";
import { html } from "/ui.js";
import { toast } from "/components/toast.js";
import { Modal, openModal, copyText } from "/components/modal.js";

const STRINGS = {
  title: "Share",
  description: "Description",
  password: "Password (optional)",
  expires: "Expires",
  never: "Never",
  day: "In a day",
  week: "In a week",
  month: "In a month",
  allowDownload: "Allow downloads",
  showMetadata: "Show metadata",
  allowUpload: "Allow uploads",
  create: "Create link",
  copy: "Copy link",
  created: "Link created",
  copied: "Link copied",
  cannotCopy: "Cannot copy: select the link and copy it",
  cannotCreate: (message) => `Cannot create the link: ${message}`,
};

/// Opens the dialog making a link for `target` (`type` and `assetIds` or `albumId`).
export function shareDialog(target) {
  return openModal((close) => html`<${ShareDialog} target=${target} onClose=${close} />`);
}

function ShareDialog({ target, onClose }) {
  const [url, setUrl] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    const v = new FormData(e.currentTarget);
    const days = Number(v.get("expires") || 0);
    try {
      const link = await api("POST", "/shared-links", {
        ...target,
        description: v.get("description") || undefined,
        password: v.get("password") || undefined,
        expiresAt: days ? new Date(Date.now() + days * 86400000).toISOString() : undefined,
        allowDownload: v.get("allowDownload") === "on",
        showMetadata: v.get("showMetadata") === "on",
        allowUpload: v.get("allowUpload") === "on",
      });
      setUrl(`${location.origin}/share/${link.key}`);
      toast(STRINGS.created);
    } catch (err) {
      toast(STRINGS.cannotCreate(err.message), "error");
    }
  };
  // Once the link exists, Create is disabled: the form would make a second one.
  const copy = async () => ((await copyText(url)) ? toast(STRINGS.copied) : toast(STRINGS.cannotCopy, "error"));
  return html`<${Modal} title=${STRINGS.title} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <label>${STRINGS.description}<input name="description" /></label>
      <label>${STRINGS.password}<input name="password" type="password" autocomplete="new-password" /></label>
      <label>${STRINGS.expires}<select name="expires">
        <option value="">${STRINGS.never}</option>
        <option value="1">${STRINGS.day}</option>
        <option value="7">${STRINGS.week}</option>
        <option value="30">${STRINGS.month}</option>
      </select></label>
      <label class="check-line"><input type="checkbox" name="allowDownload" defaultChecked />${STRINGS.allowDownload}</label>
      <label class="check-line"><input type="checkbox" name="showMetadata" defaultChecked />${STRINGS.showMetadata}</label>
      <label class="check-line"><input type="checkbox" name="allowUpload" />${STRINGS.allowUpload}</label>
      <button type="submit" disabled=${Boolean(url)}>${STRINGS.create}</button>
    </form>
    <p class="link-result">
      ${url && html`<a href=${url} class="share-url">${url}</a><button type="button" onClick=${copy}>${STRINGS.copy}</button>`}
    </p>
  <//>`;
}
