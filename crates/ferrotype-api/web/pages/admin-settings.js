// The admin's server settings page.

import { useState } from "preact/hooks";
import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { toast } from "/components/toast.js";
import { Header } from "/components/header.js";

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

export const STRINGS = {
  title: "Settings",
  fromFile: "These settings come from a config file and cannot be changed here.",
  save: "Save settings",
  saved: "Settings saved",
};

export async function settingsPage() {
  const [config, features] = await Promise.all([api("GET", "/system-config"), api("GET", "/server/features")]);
  showPage(html`<${Header} /><main class="page admin"><h1>${STRINGS.title}</h1><${Settings} initial=${config} fromFile=${features.configFile} /></main>`);
}

/// The form: the whole config sent back with the fields' values; the server's refusal shown
/// under it, the field it names marked.
function Settings({ initial, fromFile }) {
  const [config, setConfig] = useState(initial);
  // Each form drawn anew after a save (its fields' values from the config saved).
  const [version, setVersion] = useState(0);
  const [error, setError] = useState({ message: "", path: null });
  const submit = async (e) => {
    e.preventDefault();
    setError({ message: "", path: null });
    const form = e.currentTarget;
    const next = structuredClone(config);
    for (const [, fields] of SETTINGS) {
      for (const [path, , type] of fields) {
        const input = form.elements.namedItem(path);
        setPath(next, path, type === "checkbox" ? input.checked : type === "number" ? Number(input.value) : input.value);
      }
    }
    try {
      await api("PUT", "/system-config", next);
      toast(STRINGS.saved);
      setConfig(await api("GET", "/system-config"));
      setVersion(version + 1);
    } catch (err) {
      // The server names the setting it refused; mark its field.
      const named = SETTINGS.flatMap(([, fields]) => fields).find(([path]) =>
        err.message.toLowerCase().includes(path.split(".")[0].replace(/([A-Z])/g, " $1").toLowerCase()));
      setError({ message: err.message, path: named?.[0] || null });
    }
  };
  return html`<form key=${version} class="stack settings" onSubmit=${submit}>
    ${fromFile && html`<p>${STRINGS.fromFile}</p>`}
    ${SETTINGS.map(([title, fields]) => html`<fieldset class="stack">
      <legend>${title}</legend>
      ${fields.map(([path, label, type, min]) => {
        const value = getPath(config, path);
        const input = html`<input name=${path} type=${type} min=${min} disabled=${fromFile} aria-invalid=${error.path === path ? "true" : undefined}
          ...${type === "checkbox" ? { defaultChecked: value } : { defaultValue: value }} />`;
        return html`<label class=${type === "checkbox" ? "check-line" : ""}>${type === "checkbox" ? [input, label] : [label, input]}</label>`;
      })}
    </fieldset>`)}
    <p class="form-error" role="alert">${error.message}</p>
    <button type="submit" disabled=${fromFile}>${STRINGS.save}</button>
  </form>`;
}
