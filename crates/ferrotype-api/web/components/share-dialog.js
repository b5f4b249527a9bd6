// A shared link for assets or an album: options, then the link with a Copy button.

import { api } from "/api.js";
import { el } from "/dom.js";
import { toast } from "/components/toast.js";
import { dialog } from "/components/dialog.js";

export async function shareDialog(target) {
  const form = el("form", { class: "stack" },
    el("label", {}, "Description", el("input", { name: "description" })),
    el("label", {}, "Password (optional)", el("input", { name: "password", type: "password", autocomplete: "new-password" })),
    el("label", {}, "Expires", el("select", { name: "expires" },
      el("option", { value: "" }, "Never"),
      el("option", { value: "1" }, "In a day"),
      el("option", { value: "7" }, "In a week"),
      el("option", { value: "30" }, "In a month"),
    )),
    el("label", { class: "check-line" }, el("input", { type: "checkbox", name: "allowDownload", checked: true }), "Allow downloads"),
    el("label", { class: "check-line" }, el("input", { type: "checkbox", name: "showMetadata", checked: true }), "Show metadata"),
    el("label", { class: "check-line" }, el("input", { type: "checkbox", name: "allowUpload" }), "Allow uploads"),
    el("button", { type: "submit" }, "Create link"),
  );
  const result = el("p", { class: "link-result" });
  const box = dialog("Share", form, result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = new FormData(form);
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
      const url = `${location.origin}/share/${link.key}`;
      const copy = el("button", { type: "button", onclick: () => {
        navigator.clipboard?.writeText(url).then(() => toast("Link copied"), () => toast("Cannot copy: select the link and copy it", "error"));
      } }, "Copy link");
      result.replaceChildren(el("a", { href: url, class: "share-url" }, url), copy);
      // The link exists: the form would make a second one.
      form.querySelector("button[type=submit]").disabled = true;
      toast("Link created");
    } catch (err) {
      toast(`Cannot create the link: ${err.message}`, "error");
    }
  });
  return box;
}
