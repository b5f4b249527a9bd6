// The admin's server settings page.

import { api } from "/api.js";
import { el } from "/dom.js";
import { app } from "/state.js";
import { toast } from "/components/toast.js";
import { header } from "/components/header.js";

// The server settings an admin changes at run time (Immich's system config), by section:
// [path in the config, label, input type, minimum]. Saving sends the whole config back.
export const SETTINGS = [
  ["Trash", [["trash.enabled", "Keep deleted photos in the trash", "checkbox"], ["trash.days", "Days in the trash before deletion for good", "number", 0]]],
  ["Sign-in", [["passwordLogin.enabled", "Sign in with email and password", "checkbox"], ["server.loginPageMessage", "Message on the sign-in page", "text"]]],
  ["Server", [["server.externalDomain", "External address (used in shared links), e.g. https://photos.example.com", "url"]]],
  ["Map and places", [["map.enabled", "Show the map", "checkbox"], ["reverseGeocoding.enabled", "Find the place (city, state, country) of photos with a GPS position", "checkbox"]]],
  ["Users", [["user.deleteDelay", "Days before a deleted user is removed for good", "number", 1]]],
  ["Updates", [["newVersionCheck.enabled", "Check for new versions (daily, from the release feed set in the server's configuration: version_check.url)", "checkbox"]]],
  ["Storage template", [["storageTemplate.template", "Path of originals, e.g. {{y}}/{{MM}}/{{filename}} (originals move there after upload, and all of them when the storage template job runs)", "text"]]],
];

export const getPath = (obj, path) => path.split(".").reduce((o, k) => o?.[k], obj);
export function setPath(obj, path, value) {
  const keys = path.split(".");
  const last = keys.pop();
  keys.reduce((o, k) => o[k], obj)[last] = value;
}

export async function settingsPage() {
  const [config, features] = await Promise.all([api("GET", "/system-config"), api("GET", "/server/features")]);
  const error = el("p", { class: "form-error", role: "alert" });
  const inputs = [];
  const sections = SETTINGS.map(([title, fields]) =>
    el("fieldset", { class: "stack" }, el("legend", {}, title),
      ...fields.map(([path, label, type, min]) => {
        const value = getPath(config, path);
        const input = el("input", { name: path, type, min, disabled: features.configFile });
        if (type === "checkbox") input.checked = value;
        else input.value = value;
        inputs.push([path, type, input]);
        return el("label", { class: type === "checkbox" ? "check-line" : "" }, ...(type === "checkbox" ? [input, label] : [label, input]));
      })),
  );
  const form = el("form", { class: "stack settings" },
    features.configFile ? el("p", {}, "These settings come from a config file and cannot be changed here.") : null,
    ...sections, error,
    el("button", { type: "submit", disabled: features.configFile }, "Save settings"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const next = structuredClone(config);
    for (const [path, type, input] of inputs) {
      input.removeAttribute("aria-invalid");
      setPath(next, path, type === "checkbox" ? input.checked : type === "number" ? Number(input.value) : input.value);
    }
    try {
      await api("PUT", "/system-config", next);
      toast("Settings saved");
      settingsPage();
    } catch (err) {
      error.textContent = err.message;
      // The server names the setting it refused; mark its field.
      const [, , field] = inputs.find(([path]) => err.message.toLowerCase().includes(path.split(".")[0].replace(/([A-Z])/g, " $1").toLowerCase())) || [];
      field?.setAttribute("aria-invalid", "true");
    }
  });
  app.replaceChildren(header(), el("main", { class: "page admin" }, el("h1", {}, "Settings"), form));
}
